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


def test_from_receipt_to_delivery_with_every_document(demo, page, a11y, shot):
    """The whole life in the browser: the front desk receives and accepts, the agency's reviewer
    reviews and decides, the front desk completes and records the delivery; every document of the
    way is opened and photographed (correction notice and refusal on two more cases)."""
    from yimen.accounts.constants import Role
    from yimen.cases.services import apply, open_case

    clerk = User.objects.get(username="window1")
    listed = CenterItem.objects.filter(center=clerk.center, on_window_list=True).values("item_id")
    guide = Guide.objects.filter(status=DocStatus.PUBLISHED, situation__item__in=listed,
                                 situation__is_active=True).select_related("situation__item").first()
    item, situation = guide.situation.item, guide.situation
    reviewer = User.objects.filter(role=Role.REVIEWER, agency=item.agency).first() or User.objects.create_user(
        "reviewer-x", password=DEMO_PASSWORD, role=Role.REVIEWER, agency=item.agency)
    reviewer.set_password(DEMO_PASSWORD)
    reviewer.agency = item.agency
    reviewer.save()

    def login(username):
        page.context.clear_cookies()
        page.goto(page.base_url + "/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(DEMO_PASSWORD)
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url(re.compile(r"/accounts/$"))

    def press(value, state):
        page.locator(f"button[value={value}]").first.click()
        page.wait_for_selector(f"[data-state={state}]")

    case = open_case(center=clerk.center, item=item, situation=situation, applicant_name="王五",
                     id_number="11010519491231002X", by=clerk)
    login("window1")
    desk = f"{page.base_url}/cases/staff/{case.number}/"
    page.goto(desk)
    press("receive", "received")
    press("accept", "accepted")
    login(reviewer.username)
    page.goto(desk)
    press("start_review", "under_review")
    page.locator("button[value=decide]").click()
    page.wait_for_selector("[data-state=decided]")
    press("complete", "completed")
    a11y(page, "case desk: completed (reviewer)")
    login("window1")
    page.goto(desk)
    press("deliver", "delivered")
    shot(page, "case-desk-delivered", full_page=True)
    case.refresh_from_db()
    assert case.state == "delivered" and case.timeliness
    # two more cases for the other documents: a one-time correction notice and a refusal
    corrected = open_case(center=clerk.center, item=item, situation=situation, applicant_name="赵六",
                          id_number="11010519491231002X", by=clerk)
    apply(corrected, "receive", by=clerk, materials=[])
    missing = list(corrected.materials.filter(exempt=False, material__necessity="required")
                   .values_list("material_id", flat=True))
    apply(corrected, "request_correction", by=clerk,
          items=[{"material": m, "problem": "未提交"} for m in missing])
    refused = open_case(center=clerk.center, item=item, situation=situation, applicant_name="钱七",
                        id_number="11010519491231002X", by=clerk)
    apply(refused, "receive", by=clerk)
    apply(refused, "reject", by=reviewer, reasons="申请事项不属于本机关职权范围", remedies="可在六十日内申请行政复议，或在六个月内提起行政诉讼。")
    kinds = set()
    for c in (case, corrected, refused):
        for doc in c.documents.order_by("issued_at", "id"):
            page.goto(f"{page.base_url}/cases/documents/{doc.number}/")
            assert doc.number in page.locator(".doc-number").inner_text()
            a11y(page, f"document {doc.kind}")
            shot(page, f"case-document-{doc.kind}", full_page=True)
            kinds.add(doc.kind)
    assert kinds == {"receipt", "correction_notice", "acceptance_notice", "rejection_decision", "decision",
                     "completion_notice"}
