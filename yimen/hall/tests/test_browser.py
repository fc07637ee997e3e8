"""The window post and the coverage page in a real browser: window1 signs in to window 01 and
steps away; the manager sees window 01 paused and window1's items uncovered."""

import re

import pytest

from yimen.catalog.demo_loader import DEMO_PASSWORD
from yimen.hall.models import ShiftPause

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username):
    page.context.clear_cookies()
    page.goto(page.base_url + "/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/accounts/$"))


def test_window_post_then_coverage(demo, page, a11y, shot):
    login(page, "window1")
    page.goto(page.base_url + "/staff/hall/post/")
    a11y(page, "post: signed out")
    page.locator("#id_window").select_option(label="01 综合受理1号")
    page.locator("button[value=sign_in]").click()
    page.wait_for_selector("button[value=pause]")
    assert "综合受理1号" in page.locator("main").inner_text()
    page.locator("#id_reason").select_option("other")
    page.locator("button[value=pause]").click()
    page.wait_for_selector(".errorlist")
    a11y(page, "post: pause form with an error")
    page.locator("#id_reason").select_option("meal")
    page.locator("button[value=pause]").click()
    page.wait_for_selector("button[value=resume]")
    a11y(page, "post: paused")
    shot(page, "hall-post-paused")
    assert ShiftPause.objects.get().reason == "meal"

    login(page, "manager")
    page.goto(page.base_url + "/staff/hall/coverage/")
    a11y(page, "coverage")
    shot(page, "hall-coverage", full_page=False)
    row = page.locator("#windows + table tbody tr").first
    assert "01" in row.inner_text() and "王芳" in row.inner_text()
    handover = page.locator("table[aria-labelledby=handovers] tbody tr").first
    assert "01号窗口岗" in handover.inner_text()
