"""Done means (cases issue, first part): in a real browser, a clerk calls a ticket at the window
console, opens a case from it, receives the materials and prints the receipt (收件凭证) with its
QR code; every screen on the way passes axe-core and is photographed."""

import re

import pytest

from yimen.accounts.models import User
from yimen.cases.models import Case
from yimen.catalog.constants import DocStatus
from yimen.catalog.demo_loader import DEMO_PASSWORD
from yimen.catalog.models import CenterItem, Guide
from yimen.hall.models import Window
from yimen.hall.services import sign_in
from yimen.queueing.models import Queue
from yimen.queueing.services import issue_ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_called_ticket_to_printed_receipt(demo, page, a11y, shot):
    user = User.objects.get(username="window1")
    window = Window.objects.get(center=user.center, number="05")
    sign_in(user, window)
    queue = Queue.objects.filter(center=user.center, windows=window).order_by("prefix").first()
    ticket = issue_ticket(queue, channel="staff")
    listed = CenterItem.objects.filter(center=user.center, on_window_list=True).values("item_id")
    guide = Guide.objects.filter(status=DocStatus.PUBLISHED, situation__item__in=listed,
                                 situation__is_active=True).select_related("situation__item").first()
    item = guide.situation.item

    page.goto(page.base_url + "/accounts/login/")
    page.locator("#id_username").fill("window1")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/accounts/$"))
    page.goto(page.base_url + "/staff/console/")
    page.keyboard.press("n")  # call next
    page.wait_for_selector(f"[data-current='{ticket.label}']")
    page.keyboard.press("s")  # start service
    page.wait_for_selector("a[data-key=c]")
    page.keyboard.press("c")  # open a case from this ticket
    page.wait_for_url(re.compile(r"/cases/staff/new/"))
    a11y(page, "case: choose the item")
    page.select_option("#item", item.code)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_selector("form.case-form")
    page.locator("input[name=situation]").first.check()
    page.fill("#id_applicant_name", "张三")
    page.fill("#id_id_number", "110105194912310021")  # wrong check digit: a form error in the page
    page.fill("#id_phone", "13812345678")
    page.locator("form.case-form button[type=submit]").click()
    assert page.locator(".field-error").count() == 1 and Case.objects.count() == 0
    a11y(page, "case: applicant form with an error")
    page.fill("#id_id_number", "11010519491231002X")
    page.locator("form.case-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases/staff/[^/]+/$"))
    case = Case.objects.get()
    assert case.ticket_id == ticket.pk and case.state == "submitted"
    a11y(page, "case desk: submitted")
    shot(page, "case-desk-submitted", full_page=True)
    page.locator("button[value=receive]").click()
    page.wait_for_selector("[data-state=received]")
    a11y(page, "case desk: received")
    shot(page, "case-desk-received", full_page=True)
    assert "110105194912310021" not in page.content() and "11010519491231002X" not in page.content()
    receipt = page.locator(".doc-links a").first.get_attribute("href")
    page.goto(page.base_url + receipt)
    assert case.number in page.locator(".doc-facts").inner_text()
    assert page.locator(".doc-qr svg").count() == 1 and page.locator(".doc-rule").count() == 1
    a11y(page, "receipt (A4)")
    shot(page, "case-receipt-a4", full_page=True)
    page.goto(page.base_url + receipt + "?paper=80mm")
    shot(page, "case-receipt-80mm", full_page=True)
