"""The reports in a real browser: the public disclosure page on a phone (and in elder mode), the KPI
page and the records behind a figure, the guide revision tasks; axe-core on each."""

import re

from django.utils import timezone

import pytest

from yimen.accounts.constants import Role
from yimen.evaluations.services import apply, pending_visit, submit
from yimen.lib.testing import make_user

from .test_kpis import world  # noqa: F401 (the fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screen(browser, *, width, height):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    return pg


def login(pg, live_server, username):
    pg.goto(live_server.url + "/accounts/login/")
    pg.locator("#id_username").fill(username)
    pg.locator("#id_password").fill("x")
    pg.locator("form button[type=submit]").last.click()
    pg.wait_for_url(re.compile(r"/accounts/$"))


def test_public_page_on_a_phone_and_in_elder_mode(hall, world, live_server, _browser, a11y, shot):  # noqa: F811
    phone = screen(_browser, width=390, height=844)
    phone.goto(f"{live_server.url}/evaluations/public/?center={hall.center.code}&month=2026-02")
    assert "66.7" in phone.locator(".public-summary").inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")  # no sideways page
    html = phone.content()
    assert "张" not in html and "138" not in html
    a11y(phone, "public page")
    shot(phone, "evaluations-public-phone", full_page=True)
    standard = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('.public-summary dd')).fontSize)")
    phone.locator("button.btn-pref").first.click()
    phone.wait_for_selector("html.elder")
    phone.wait_for_load_state("load")  # the stylesheets too, before sizes are measured
    larger = phone.evaluate("parseFloat(getComputedStyle(document.querySelector('.public-summary dd')).fontSize)")
    assert larger > standard
    a11y(phone, "public page, elder mode")
    shot(phone, "evaluations-public-elder", full_page=True)


def test_kpi_page_and_records(hall, world, live_server, _browser, a11y, shot):  # noqa: F811
    pg = screen(_browser, width=1400, height=1000)
    login(pg, live_server, "manager")
    pg.goto(f"{live_server.url}/evaluations/kpis/?month=2026-02")
    rows = pg.locator("table.kpi-table tbody tr")
    assert rows.count() == 8
    a11y(pg, "KPI page")
    shot(pg, "evaluations-kpis", full_page=True)
    pg.locator("a[href*='/records/on_time_rate/denominator/']").click()
    pg.wait_for_selector("table.worklist tbody tr")
    assert pg.locator("table.worklist tbody tr").count() == 4
    a11y(pg, "KPI records")
    shot(pg, "evaluations-kpi-records", full_page=True)


def test_guide_tasks_page(hall, live_server, _browser, a11y, shot):
    now = timezone.now()
    ticket = hall.served(now)
    hall.case_from(ticket, now)
    review = submit(pending_visit(hall.pad, now=now).token, level=1, tags=["guide_inaccurate"], now=now).bad_review
    apply(review, "log_attempt", by=hall.alice, channel="phone", reached=True, now=now)
    apply(review, "contact", by=hall.alice, now=now)
    apply(review, "verify", by=hall.alice, verification="true", problem="指南未写明需带委托书", measure="修订指南",
          now=now)
    editor = make_user("editor", hall.center, Role.AGENCY_EDITOR)
    editor.agency = hall.item.agency
    editor.save()
    pg = screen(_browser, width=1280, height=900)
    login(pg, live_server, "editor")
    pg.goto(f"{live_server.url}/evaluations/guide-tasks/")
    assert "指南未写明需带委托书" in pg.locator("table.worklist").inner_text()
    a11y(pg, "guide tasks")
    shot(pg, "evaluations-guide-tasks", full_page=True)
    pg.fill(f"#note-{review.guide_task.pk}", "补充委托书要求，已提交新版指南")
    pg.locator("table.worklist button[type=submit]").click()
    pg.wait_for_selector("text=/No tasks|暂无任务/")
