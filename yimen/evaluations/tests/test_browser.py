"""Done means (evaluations, first part): in a real browser, a ticket is served and finished at a
window, the window's pad shows the visit, a 差评 with a reason is given, and the work order appears
on the rectification desk with its due dates; the pad and the phone page pass axe-core."""

import re

from django.utils import timezone

import pytest

from yimen.evaluations.models import BadReview, Evaluation
from yimen.evaluations.services import visit_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def screen(browser, live_server, *, width, height):
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    pg = context.new_page()
    pg.set_default_timeout(15000)
    return pg


def test_pad_to_desk(hall, live_server, _browser, a11y, shot):
    pad = screen(_browser, live_server, width=1280, height=800)
    pad.goto(f"{live_server.url}/staff/hall/device/enrol/?token={hall.pad_token}&next=/evaluations/pad/")
    pad.wait_for_selector("[data-pad-status]", state="attached")
    a11y(pad, "pad: idle")
    shot(pad, "evaluation-pad-idle")

    ticket = hall.served(timezone.now())  # the visit ends at window 05; the pad finds it by itself
    pad.wait_for_selector(".visit-ticket", timeout=20000)
    assert pad.locator(".visit-ticket").inner_text() == ticket.label
    assert "Alice" in pad.locator(".visit-facts").inner_text()
    assert not pad.locator("[data-bad-part]").is_visible()  # reasons appear with a bad rating only
    a11y(pad, "pad: visit")
    for selector in (".face-choice", ".tag-choice", "button[type=submit]"):
        box = pad.locator(selector).first.bounding_box() if selector != ".tag-choice" else None
        if box:
            assert box["width"] >= 60 and box["height"] >= 60, (selector, box)
    size = pad.evaluate("parseFloat(getComputedStyle(document.querySelector('.face-label')).fontSize)")
    assert size >= 18
    shot(pad, "evaluation-pad-visit")
    pad.locator(".face-choice-1").click()
    pad.wait_for_selector("[data-bad-part]", state="visible")
    box = pad.locator(".tag-choice").first.bounding_box()
    assert box["width"] >= 60 and box["height"] >= 60
    a11y(pad, "pad: bad rating with reasons")
    shot(pad, "evaluation-pad-bad", full_page=True)
    pad.locator("button[type=submit]").last.click()  # no reason yet: the browser or the server refuses
    assert Evaluation.objects.count() == 0
    pad.locator(".tag-choice", has_text="服务态度").click()
    pad.fill("#comment", "窗口人员态度生硬")
    pad.locator("form[data-rate-form] button[type=submit]").click()
    pad.wait_for_selector(".thanks")
    a11y(pad, "pad: thanks")
    shot(pad, "evaluation-pad-thanks")
    pad.wait_for_selector("[data-pad-status]", state="attached", timeout=20000)  # the pad reset itself
    ev = Evaluation.objects.get()
    assert (ev.level, ev.ticket_id, ev.channel) == (1, ticket.pk, "pad")
    review = BadReview.objects.get()

    desk = screen(_browser, live_server, width=1400, height=1000)
    desk.goto(live_server.url + "/accounts/login/")
    desk.locator("#id_username").fill("alice")
    desk.locator("#id_password").fill("x")
    desk.locator("form button[type=submit]").last.click()
    desk.wait_for_url(re.compile(r"/accounts/$"))
    desk.goto(live_server.url + "/evaluations/desk/")
    row = desk.locator("tbody tr").first
    assert f"#{review.pk}" in row.inner_text() and review.feedback_due.isoformat() in row.inner_text()
    a11y(desk, "rectification desk")
    shot(desk, "rectification-desk", full_page=True)
    desk.locator(f"a[href='/evaluations/desk/{review.pk}/']").click()
    desk.wait_for_selector("#review-panel")
    assert desk.locator("[data-due=feedback]").inner_text() == review.feedback_due.isoformat()
    assert desk.locator("[data-due=contact]").inner_text() == "—"  # an anonymous visit: no contact due
    desk.select_option("#v-verification", "true")
    desk.fill("#v-problem", "服务态度生硬")
    desk.fill("#v-measure", "谈话提醒，纳入月度考核")
    desk.locator("form:has(input[value=verify]) button[type=submit]").click()
    desk.wait_for_selector("#review-panel .msg-success")  # "Saved." in the page's language
    a11y(desk, "work order after verify")
    shot(desk, "rectification-order", full_page=True)
    review.refresh_from_db()
    assert review.state == "rectifying" and review.ledger.count() == 1


def test_phone_page_from_the_qr_code(hall, live_server, _browser, a11y, shot):
    ticket = hall.served(timezone.now())
    phone = screen(_browser, live_server, width=390, height=844)
    phone.goto(f"{live_server.url}/evaluations/rate/{visit_token(ticket=ticket)}/")
    a11y(phone, "phone page")
    shot(phone, "evaluation-phone", full_page=True)
    box = phone.locator(".face-choice").first.bounding_box()
    assert box["height"] >= 60
    phone.locator(".face-choice-4").click()
    phone.locator("form[data-rate-form] button[type=submit]").click()
    phone.wait_for_selector(".thanks")
    a11y(phone, "phone thanks")
    assert Evaluation.objects.get().channel == "qr"


def test_pad_elder_mode_is_larger(hall, live_server, _browser, a11y, shot):
    hall.served(timezone.now())
    pad = screen(_browser, live_server, width=1280, height=800)
    pad.goto(f"{live_server.url}/staff/hall/device/enrol/?token={hall.pad_token}&next=/evaluations/pad/")
    pad.wait_for_selector(".visit-ticket")
    standard = pad.locator(".face-choice").first.bounding_box()["height"]
    pad.locator(".kiosk-pref").click()
    pad.wait_for_selector("html.elder .visit-ticket")
    assert pad.locator(".face-choice").first.bounding_box()["height"] > standard
    size = pad.evaluate("parseFloat(getComputedStyle(document.querySelector('.face-label')).fontSize)")
    assert size >= 24
    a11y(pad, "pad: elder mode")
    shot(pad, "evaluation-pad-elder", full_page=True)


def test_the_pad_learns_of_the_visit_from_the_live_channel(hall, live_process, live_server, _browser, settings):
    settings.EVALUATION_PAD_POLL_SECONDS = 600  # no polling: only the window's live event can wake the pad
    pad = screen(_browser, live_server, width=1280, height=800)
    pad.goto(f"{live_server.url}/staff/hall/device/enrol/?token={hall.pad_token}&next=/evaluations/pad/")
    pad.wait_for_selector("[data-pad-status]", state="attached")
    pad.wait_for_function("document.querySelector('.pad-body').dataset.pollSeconds === '600'")
    pad.wait_for_timeout(1000)  # the stream connects
    ticket = hall.served(timezone.now())
    pad.wait_for_selector(".visit-ticket", timeout=10000)
    assert pad.locator(".visit-ticket").inner_text() == ticket.label
