"""The hall's screens through Django's test client: device access, kiosk issue with idempotency,
the live ticket page, the displays' state, and the window console's actions and refusals."""

from django.test import Client
from django.urls import reverse

import pytest

from yimen.accounts.models import User
from yimen.hall.constants import DeviceKind
from yimen.hall.models import Center, Device, Window
from yimen.hall.services import register_device, revoke_device, sign_in
from yimen.lib.qr import qr_svg
from yimen.queueing.models import Call, Queue, Ticket
from yimen.queueing.services import call_next, issue_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def center(demo):
    return Center.objects.get(code=demo["center"])


def as_device(client, token):
    client.cookies["device"] = token
    return client


def test_screens_need_an_enrolled_device_or_staff(client, center):
    for name in ("kiosk", "display"):
        assert client.get(reverse(name)).status_code == 403
    as_device(client, "demo-display")
    assert client.get(reverse("display")).status_code == 200
    assert client.get(reverse("kiosk")).status_code == 403  # a display is not a kiosk
    revoke_device(Device.objects.get(kind=DeviceKind.HALL_DISPLAY, center=center), by=None)
    assert client.get(reverse("display")).status_code == 403
    client.cookies.pop("device")
    client.force_login(User.objects.get(username="manager"))
    assert client.get(reverse("kiosk")).status_code == 200


def test_kiosk_issues_once_per_key_and_shows_the_slip(client, center):
    as_device(client, "demo-kiosk")
    queue = Queue.objects.get(center=center, prefix="A")
    page = client.get(reverse("kiosk-take", args=[queue.pk]))
    assert page.status_code == 200
    key = page.context["key"]
    first = client.post(reverse("kiosk-take", args=[queue.pk]), {"key": key, "green": "elderly"})
    again = client.post(reverse("kiosk-take", args=[queue.pk]), {"key": key, "green": "elderly"})
    assert first.status_code == again.status_code == 302 and first.url == again.url  # a retried tap: same ticket
    ticket = Ticket.objects.get()
    assert ticket.priority == "green_channel" and ticket.priority_reason == "elderly" and ticket.channel == "kiosk"
    slip = client.get(first.url)
    html = slip.content.decode()
    live_url = "http://testserver" + reverse("ticket-live", args=[ticket.public_token])
    assert ticket.label in html and str(qr_svg(live_url)) in html  # the QR code opens the live ticket page


def test_kiosk_refuses_a_closed_center_with_a_reason(client, calendar):
    center = Center.objects.create(code="closed", name="夜间中心", opening_hours={})
    queue = Queue.objects.create(center=center, prefix="A", name="综合")
    _, token = register_device(center, DeviceKind.KIOSK, "取号机", by=None)
    as_device(client, token)
    r = client.post(reverse("kiosk-take", args=[queue.pk]), {"key": "k" * 32})
    assert r.status_code == 409 and r.context["error"]
    assert not Ticket.objects.exists()


def test_kiosk_search_finds_items_with_their_queue(client, center):
    as_device(client, "demo-kiosk")
    r = client.get(reverse("kiosk"), {"q": "yyzz"})
    hits = r.context["hits"]
    assert hits and all(queue.center_id == center.pk for _entry, queue in hits)
    assert "营业执照" in hits[0][0].name


def test_ticket_page_and_status(client, center):
    queue = Queue.objects.get(center=center, prefix="A")
    first = issue_ticket(queue, channel="staff")
    mine = issue_ticket(queue, channel="staff")
    r = client.get(reverse("ticket-live", args=[mine.public_token]))
    assert r.status_code == 200 and mine.label in r.content.decode()
    status = client.get(reverse("ticket-status", args=[mine.public_token])).json()
    assert status["state"] == "waiting" and status["people_ahead"] == 1
    call_next(Window.objects.get(center=center, number="01"))
    assert Ticket.objects.get(pk=first.pk).state == "called"
    assert client.get(reverse("ticket-status", args=[mine.public_token])).json()["people_ahead"] == 0
    assert client.get(reverse("ticket-live", args=["nope"])).status_code == 404
    r = client.post(reverse("ticket-cancel", args=[mine.public_token]))
    assert r.status_code == 302 and Ticket.objects.get(pk=mine.pk).outcome == "cancelled"
    r = client.post(reverse("ticket-cancel", args=[mine.public_token]))
    assert r.status_code == 409  # only once


def test_display_state_follows_calls(client, center):
    as_device(client, "demo-display")
    queue = Queue.objects.get(center=center, prefix="A")
    ticket = issue_ticket(queue, channel="staff")
    window = Window.objects.get(center=center, number="03")
    call_next(window)
    state = client.get(reverse("display-state")).json()
    assert state["calls"][0]["label"] == ticket.label and state["calls"][0]["window"] == "03"
    assert {w["number"]: w["ticket"] for w in state["windows"]}["03"] == ticket.label
    assert {q["prefix"]: q["waiting"] for q in state["queues"]}["A"] == 0


def _console(client, username):
    user = User.objects.get(username=username)
    client.force_login(user)
    return user


def act(client, **data):
    return client.post(reverse("console-act"), data)


def test_console_refusals_are_409_with_a_reason_and_change_nothing(client, center):
    user = _console(client, "window1")
    r = act(client, action="call_next")
    assert r.status_code == 409 and r.context["error"]  # not signed in to a window
    sign_in(user, Window.objects.get(center=center, number="01"))
    r = act(client, action="call_next")
    assert r.status_code == 409 and "queue_empty" not in r.context["error"] and r.context["error"]
    queue = Queue.objects.get(center=center, prefix="A")
    ticket = issue_ticket(queue, channel="staff")
    other = call_next(Window.objects.get(center=center, number="02"))
    assert other.pk == ticket.pk
    before = Ticket.objects.values_list("state", "window_id", "version").get(pk=ticket.pk)
    for data in ({"action": "start", "token": ticket.public_token},   # another window's ticket
                 {"action": "finish", "token": ticket.public_token, "outcome": "served"},
                 {"action": "recall", "token": "nope"},
                 {"action": "explode"}):
        r = act(client, **data)
        assert r.status_code == 409 and r.context["error"], data
    assert Ticket.objects.values_list("state", "window_id", "version").get(pk=ticket.pk) == before


def test_console_serves_a_visit_from_call_to_finish(client, center):
    user = _console(client, "window1")
    window = Window.objects.get(center=center, number="01")
    sign_in(user, window)
    queue = Queue.objects.get(center=center, prefix="A")
    ticket = issue_ticket(queue, channel="staff")
    assert act(client, action="call_next").status_code == 200
    r = act(client, action="finish", token=ticket.public_token, outcome="")
    assert r.status_code == 409  # a finish needs an outcome
    for action in ("start", "hold", "resume"):
        assert act(client, action=action, token=ticket.public_token).status_code == 200, action
    assert act(client, action="finish", token=ticket.public_token, outcome="served").status_code == 200
    ticket.refresh_from_db()
    assert ticket.outcome == "served" and ticket.window_id == window.pk and ticket.service_seconds is not None
    page = client.get(reverse("console"))
    assert page.status_code == 200 and page.context["served_today"] == 1
    assert act(client, action="pause", reason="meal").status_code == 200
    assert client.get(reverse("console")).context["state"] == "paused"
    assert act(client, action="resume_window").status_code == 200


def test_b_covering_an_absent_a_calls_a_queue_to_b_window(client, center):
    """window1 is A of window 01 and B of window 02 (demo posts); window2 (A of 02) is absent."""
    user = _console(client, "window1")
    mine = Window.objects.get(center=center, number="01")
    sign_in(user, mine)
    only_02 = Queue.objects.create(center=center, prefix="Q", name="只在02号窗口")
    only_02.windows.set([Window.objects.get(center=center, number="02")])
    ticket = issue_ticket(only_02, channel="staff")
    page = client.get(reverse("console"))
    assert [w.number for w in page.context["covered"]] == ["02"]
    assert ticket.pk in [t.pk for t, _rule, _reason in page.context["waiting"]]
    assert act(client, action="call_next").status_code == 200
    ticket.refresh_from_db()
    assert ticket.state == "called" and ticket.window_id == mine.pk  # the citizen goes where B sits
    assert Call.objects.get(ticket=ticket).window_id == mine.pk
    sign_in(User.objects.get(username="window2"), Window.objects.get(center=center, number="02"))
    assert client.get(reverse("console")).context["covered"] == []  # A is back


def test_window_display_shows_its_own_window_only(client, center):
    as_device(client, "demo-window-01")
    r = client.get(reverse("my-window-display"))
    window = Window.objects.get(center=center, number="01")
    assert r.status_code == 302 and r.url == reverse("window-display", args=[window.pk])
    assert client.get(r.url).status_code == 200
    other = Window.objects.get(center=center, number="02")
    assert client.get(reverse("window-display", args=[other.pk])).status_code == 403
    assert client.get(reverse("window-display-state", args=[other.pk])).status_code == 403
    ticket = issue_ticket(Queue.objects.get(center=center, prefix="A"), channel="staff")
    call_next(window)
    state = client.get(reverse("window-display-state", args=[window.pk])).json()
    assert [w["ticket"] for w in state["windows"]] == [ticket.label]


def test_phone_takes_a_ticket_only_while_open_and_within_its_limit(client, center, calendar):
    queue = Queue.objects.get(center=center, prefix="A")
    url = reverse("phone-take", args=[center.code])
    page = client.get(url)
    assert page.status_code == 200 and queue in [q for q, _n in page.context["queues"]]
    r = client.post(url, {"queue": queue.pk, "key": "a" * 32})
    again = client.post(url, {"queue": queue.pk, "key": "a" * 32})
    assert r.status_code == again.status_code == 302 and r.url == again.url
    assert client.post(url, {"queue": queue.pk, "key": "b" * 32}).status_code == 302
    refused = client.post(url, {"queue": queue.pk, "key": "c" * 32})
    assert refused.status_code == 409 and refused.context["error"]  # two waiting tickets per phone
    assert Ticket.objects.filter(channel="phone").count() == 2
    closed = Center.objects.create(code="night", name="夜间中心", opening_hours={})
    Queue.objects.create(center=closed, prefix="A", name="综合")
    night_queue = Queue.objects.get(center=closed)
    r = Client().post(reverse("phone-take", args=["night"]), {"queue": night_queue.pk, "key": "d" * 32})
    assert r.status_code == 409 and not Ticket.objects.filter(queue=night_queue).exists()


def test_managers_see_why_each_ticket_was_called(client, center):
    queue = Queue.objects.get(center=center, prefix="A")
    issue_ticket(queue, channel="staff")
    green = issue_ticket(queue, channel="staff", priority="green_channel", priority_reason="elderly")
    call_next(Window.objects.get(center=center, number="01"))
    _console(client, "window1")
    assert client.get(reverse("calls-log")).status_code == 403
    _console(client, "manager")
    r = client.get(reverse("calls-log"))
    (call, why), = r.context["rows"]
    assert call.ticket_id == green.pk and call.rule == "green_channel" and why


@pytest.mark.parametrize("scanned", ["SCJG-006", "scjg-006", "https://hall.example.gov.cn/guide/item/SCJG-006/"])
def test_kiosk_scan_of_an_item_code_goes_straight_to_the_ticket(client, center, scanned):
    as_device(client, "demo-kiosk")
    r = client.get(reverse("kiosk"), {"q": scanned})
    assert r.status_code == 302 and r.url.endswith("?item=SCJG-006")
    assert client.get(r.url).status_code == 200
