"""The queue API, table-style: every action and every refusal, with "no change" checked."""

from datetime import timedelta

import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.auditlog.models import LogEntry
from yimen.catalog.models import ServiceItem
from yimen.hall.constants import DeviceKind
from yimen.hall.models import Center, Device, Window
from yimen.hall.services import register_device, revoke_device
from yimen.queueing.constants import Channel, Priority
from yimen.queueing.estimate import estimate_for
from yimen.queueing.models import Call, Queue, Ticket, TicketPeriod
from yimen.queueing.schemas import StaffTicketOut, TicketOut
from yimen.queueing.services import call_next, issue_ticket, people_ahead, skip

API = "/api/v1/queue"


@pytest.fixture
def staff(hall):
    center = hall[0]
    return User.objects.create_user("clerk", password="x", center=center, role=Role.WINDOW_STAFF)


@pytest.fixture
def desk(client, staff, hall):
    """A logged-in window clerk: (client, window 01, window 02, queue A, queue B)."""
    client.force_login(staff)
    _, windows, queue, other = hall
    return client, windows[0], windows[1], queue, other


def post(client, url, body=None, **headers):
    return client.post(url, body or {}, content_type="application/json", **headers)


def snapshot():
    """Everything a refused request must leave alone."""
    return (list(Ticket.objects.order_by("pk").values_list("pk", "state", "outcome", "version", "window_id")),
            TicketPeriod.objects.count(), Call.objects.count(), LogEntry.objects.count())


def test_center_queues_are_public_with_waiting_counts(client, hall):
    center, _, queue, _ = hall
    issue_ticket(queue)
    issue_ticket(queue)
    r = client.get(f"{API}/centers/{center.code}/queues")
    assert r.status_code == 200
    assert [(q["prefix"], q["waiting"]) for q in r.json()] == [("A", 2), ("B", 0)]
    assert client.get(f"{API}/centers/nope/queues").json()["code"] == "not_found"


def test_issue_then_idempotent_retry(client, hall):
    _, _, queue, _ = hall
    body = {"queue_id": queue.pk, "channel": "phone", "idempotency_key": "phone-7f3a9c21"}
    first = post(client, f"{API}/tickets", body)
    assert first.status_code == 201
    data = first.json()
    assert data["label"] == "A001" and data["people_ahead"] == 0
    # the estimate is the simulation's (docs/wait-estimate.md), exposed in seconds and whole minutes
    expected = estimate_for(Ticket.objects.get(public_token=data["token"]))
    assert data["estimated_wait_seconds"] == expected
    assert data["estimated_wait_minutes"] == (None if expected is None else max(1, round(expected / 60)))
    assert len(data["token"]) >= 20
    again = post(client, f"{API}/tickets", body)
    assert again.status_code == 200 and again.json()["token"] == data["token"]
    assert Ticket.objects.count() == 1
    second = post(client, f"{API}/tickets", {"queue_id": queue.pk})
    assert second.status_code == 201 and second.json()["people_ahead"] == 1


def test_issue_by_center_and_item(client, hall, item):
    center, _, queue, _ = hall
    queue.items.add(item)
    body = {"center": center.code, "item": item.code, "channel": "kiosk"}
    r = post(client, f"{API}/tickets", body)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"  # kiosk tickets need a kiosk device
    _, token = register_device(center, DeviceKind.KIOSK, "一楼取号机", by=None)
    r = post(client, f"{API}/tickets", body, HTTP_AUTHORIZATION=f"Device {token}")
    assert r.status_code == 201 and r.json()["item"] == item.name
    display, display_token = register_device(center, DeviceKind.HALL_DISPLAY, "大屏", by=None)
    r = post(client, f"{API}/tickets", body, HTTP_AUTHORIZATION=f"Device {display_token}")
    assert r.status_code == 403  # a display is not a kiosk
    revoke_device(Device.objects.get(kind=DeviceKind.KIOSK), by=None)
    r = post(client, f"{API}/tickets", body, HTTP_AUTHORIZATION=f"Device {token}")
    assert r.status_code == 403  # revoked


@pytest.fixture
def item(db):
    from yimen.catalog.models import Agency

    agency = Agency.objects.create(code="ag", name="局")
    return ServiceItem.objects.create(code="it-1", name="事项", agency=agency)


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("unknown_queue", 400, "unknown_queue"),
        ("inactive_queue", 409, "queue_closed"),
        ("unknown_item", 400, "unknown_item"),
        ("item_not_served", 400, "wrong_queue"),
        ("item_inactive", 400, "item_inactive"),
        ("channel_not_taken", 403, "channel_closed"),
        ("center_closed", 409, "center_closed"),
        ("checkin_anonymous", 403, "forbidden"),
        ("staff_anonymous", 403, "forbidden"),
        ("appointment_priority", 422, "invalid_input"),
        ("short_key", 422, "invalid_input"),
        ("nothing", 400, "unknown_queue"),
    ],
)
def test_issue_refusals(client, hall, item, workday, case, status, code):
    center, _, queue, other = hall
    other.items.add(item)
    body = {"queue_id": queue.pk, "channel": "phone"}
    if case == "unknown_queue":
        body["queue_id"] = 99999
    elif case == "inactive_queue":
        Queue.objects.filter(pk=queue.pk).update(is_active=False)
    elif case == "unknown_item":
        body["item"] = "nope"
    elif case == "item_not_served":
        body.update(queue_id=other.pk, item=item.code)
        other.items.set([ServiceItem.objects.create(code="it-2", name="另一", agency=item.agency)])
    elif case == "item_inactive":
        ServiceItem.objects.filter(pk=item.pk).update(status="withdrawn")
        body.update(queue_id=other.pk, item=item.code)
    elif case == "channel_not_taken":
        Queue.objects.filter(pk=queue.pk).update(channels=["kiosk", "staff"])
    elif case == "center_closed":
        workday.move_to("2026-03-03 21:00:00+08:00")
    elif case == "checkin_anonymous":
        body["channel"] = "checkin"
    elif case == "staff_anonymous":
        body["channel"] = "staff"
    elif case == "appointment_priority":
        body["priority"] = "appointment"
    elif case == "short_key":
        body["idempotency_key"] = "k"
    elif case == "nothing":
        body = {}
    before = snapshot()
    r = post(client, f"{API}/tickets", body)
    assert (r.status_code, r.json()["code"]) == (status, code), r.json()
    assert r.json()["detail"]
    assert snapshot() == before


def test_staff_issue_while_closed(desk, workday):
    client, _, _, queue, _ = desk
    workday.move_to("2026-03-03 21:00:00+08:00")
    assert post(client, f"{API}/tickets", {"queue_id": queue.pk, "channel": "phone"}).json()["code"] == "center_closed"
    r = post(client, f"{API}/tickets", {"queue_id": queue.pk, "channel": "staff"})
    assert r.status_code == 201


def test_public_ticket_by_token_has_no_personal_data(client, hall):
    _, _, queue, _ = hall
    t = issue_ticket(queue, priority=Priority.GREEN_CHANNEL, priority_reason="残疾人证 310…")
    r = client.get(f"{API}/tickets/{t.public_token}")
    assert r.status_code == 200
    assert r.json()["label"] == "A001" and r.json()["state"] == "waiting"
    assert "310" not in r.content.decode() and "priority_reason" not in r.json()
    assert client.get(f"{API}/tickets/not-a-token").status_code == 404


def test_people_ahead_counts_earlier_and_priority(client, hall, workday):
    _, windows, queue, _ = hall
    a = issue_ticket(queue)
    b = issue_ticket(queue)
    green = issue_ticket(queue, priority=Priority.GREEN_CHANNEL)
    ahead = {t.label: client.get(f"{API}/tickets/{t.public_token}").json()["people_ahead"] for t in (a, b, green)}
    assert ahead == {"A001": 1, "A002": 2, "A003": 0}
    green2 = issue_ticket(queue, priority=Priority.GREEN_CHANNEL)
    c = issue_ticket(queue)
    assert [people_ahead(t) for t in (a, b, green, green2, c)] == [2, 3, 0, 1, 4]
    skip(call_next(windows[0]), windows[0])  # green A003 is called, skipped: it waits by arrival now
    assert [people_ahead(Ticket.objects.get(pk=t.pk)) for t in (a, b, green, green2, c)] == [1, 2, 4, 0, 3]


def test_answers_have_the_documented_shape(desk):
    client, w, _, queue, _ = desk
    issued = post(client, f"{API}/tickets", {"queue_id": queue.pk, "channel": "staff"}).json()
    assert set(issued) == set(TicketOut.model_fields) and TicketOut.model_validate(issued)
    called = post(client, f"{API}/windows/{w.pk}/call-next").json()
    assert set(called) == set(StaffTicketOut.model_fields) and StaffTicketOut.model_validate(called)
    started = post(client, f"{API}/windows/{w.pk}/tickets/{called['token']}/start").json()
    assert set(started) == set(StaffTicketOut.model_fields) and started["state"] == "serving"


def test_citizen_cancels_once(client, hall):
    _, _, queue, _ = hall
    t = issue_ticket(queue)
    r = post(client, f"{API}/tickets/{t.public_token}/cancel")
    assert r.status_code == 200 and r.json()["outcome"] == "cancelled"
    before = snapshot()
    r = post(client, f"{API}/tickets/{t.public_token}/cancel")
    assert (r.status_code, r.json()["code"]) == (409, "bad_state")
    assert snapshot() == before
    assert post(client, f"{API}/tickets/nope/cancel").status_code == 404


def test_full_visit_through_the_api(desk):
    client, w, _, queue, _ = desk
    issue_ticket(queue)
    r = post(client, f"{API}/windows/{w.pk}/call-next")
    assert r.status_code == 200
    t = r.json()
    assert (t["label"], t["state"], t["window"], t["window_id"]) == ("A001", "called", "01", w.pk)
    base = f"{API}/windows/{w.pk}/tickets/{t['token']}"
    states = [post(client, f"{base}/{a}").json()["state"] for a in ("start", "hold", "resume")]
    assert states == ["serving", "held", "serving"]
    r = post(client, f"{base}/finish", {"outcome": "served"})
    assert (r.json()["state"], r.json()["outcome"]) == ("done", "served")
    ticket = Ticket.objects.get(public_token=t["token"])
    assert list(LogEntry.objects.for_object(ticket).values_list("action", flat=True)) == [
        "start", "hold", "resume", "finish"]
    assert Call.objects.get(ticket=ticket).rule == "arrival"  # the Call row is the audit of the call


def test_call_next_on_an_empty_queue(desk):
    client, w, _, _, _ = desk
    r = post(client, f"{API}/windows/{w.pk}/call-next")
    assert (r.status_code, r.json()["code"]) == (409, "queue_empty")


def test_call_by_number(desk):
    client, w, _, queue, _ = desk
    issue_ticket(queue)
    second = issue_ticket(queue)
    r = post(client, f"{API}/windows/{w.pk}/call", {"label": "a002"})
    assert r.status_code == 200 and r.json()["label"] == "A002"
    assert Call.objects.get(ticket=second).rule == "by_number"
    assert Ticket.objects.get(label="A001").overtaken == 1
    assert LogEntry.objects.for_object(second).get().action == "call_number"
    r = post(client, f"{API}/windows/{w.pk}/call", {"label": "A099"})
    assert (r.status_code, r.json()["code"]) == (404, "not_found")
    r = post(client, f"{API}/windows/{w.pk}/call", {"label": "A002"})
    assert (r.status_code, r.json()["code"]) == (409, "bad_state")


def test_recall_interval_and_limit(desk, workday):
    client, w, _, queue, _ = desk
    Queue.objects.filter(pk=queue.pk).update(max_recalls=2, recall_after_minutes=3)
    issue_ticket(queue)
    token = post(client, f"{API}/windows/{w.pk}/call-next").json()["token"]
    url = f"{API}/windows/{w.pk}/tickets/{token}/recall"
    r = post(client, url)
    assert (r.status_code, r.json()["code"]) == (409, "too_soon")
    for n in (1, 2):
        workday.shift(timedelta(minutes=3))
        r = post(client, url)
        assert (r.json()["state"], r.json()["recall_count"]) == ("called", n)
    workday.shift(timedelta(minutes=3))
    r = post(client, url)
    assert (r.json()["state"], r.json()["outcome"]) == ("done", "no_show")
    assert Call.objects.filter(is_recall=True).count() == 2


def test_skip_goes_behind_those_waiting_then_no_show(desk, workday):
    client, w, _, queue, _ = desk
    first = issue_ticket(queue, priority=Priority.GREEN_CHANNEL)
    workday.shift(timedelta(seconds=5))
    issue_ticket(queue)
    token = post(client, f"{API}/windows/{w.pk}/call-next").json()["token"]
    assert token == first.public_token
    r = post(client, f"{API}/windows/{w.pk}/tickets/{token}/skip")
    assert (r.json()["state"], r.json()["skip_count"], r.json()["window"]) == ("waiting", 1, None)
    issued_after_skip = issue_ticket(queue)
    order = [post(client, f"{API}/windows/{w.pk}/call-next").json()["label"] for _ in range(2)]
    assert order == ["A002", "A001"]  # the skipped green-channel ticket lost its place
    assert issued_after_skip.label == "A003"
    r = post(client, f"{API}/windows/{w.pk}/tickets/{token}/skip")
    assert (r.json()["state"], r.json()["outcome"]) == ("done", "no_show")
    t = Ticket.objects.get(pk=first.pk)
    assert t.first_called_at < t.wait_started_at and t.wait_seconds == 5  # the first wait is kept


def test_transfer_answers_with_the_new_ticket(desk):
    client, w, _, queue, other = desk
    old = issue_ticket(queue)
    post(client, f"{API}/windows/{w.pk}/call-next")
    r = post(client, f"{API}/windows/{w.pk}/tickets/{old.public_token}/transfer", {"queue_id": other.pk})
    assert r.status_code == 200
    assert (r.json()["label"], r.json()["priority"], r.json()["state"]) == ("B001", "transfer", "waiting")
    page = client.get(f"{API}/tickets/{old.public_token}").json()
    assert (page["outcome"], page["transferred_to"]) == ("transferred", r.json()["token"])
    r = post(client, f"{API}/windows/{w.pk}/tickets/{r.json()['token']}/transfer", {"queue_id": 99999})
    assert (r.status_code, r.json()["code"]) == (400, "unknown_queue")


@pytest.mark.parametrize(
    ("case", "status", "code"),
    [
        ("finish_without_outcome", 400, "bad_outcome"),
        ("finish_bad_outcome", 400, "bad_outcome"),
        ("finish_cancelled", 400, "bad_outcome"),
        ("other_window", 409, "other_window"),
        ("stale_ticket", 409, "stale_ticket"),
        ("bad_state", 409, "bad_state"),
        ("unknown_window", 404, "not_found"),
        ("unknown_token", 404, "not_found"),
        ("other_center_staff", 403, "forbidden"),
        ("reviewer_role", 403, "forbidden"),
        ("inactive_window", 409, "window_inactive"),
        ("transfer_other_center", 400, "other_center"),
    ],
)
def test_window_refusals(desk, staff, case, status, code):
    client, w, w2, queue, _ = desk
    t = call_next(w) or (issue_ticket(queue) and call_next(w))
    url = f"{API}/windows/{w.pk}/tickets/{t.public_token}"
    action, body = "finish", {"outcome": "served"}
    if case == "finish_without_outcome":
        body = {}
    elif case == "finish_bad_outcome":
        body = {"outcome": "happy"}
    elif case == "finish_cancelled":
        body = {"outcome": "cancelled"}
    elif case == "other_window":
        url = f"{API}/windows/{w2.pk}/tickets/{t.public_token}"
    elif case == "stale_ticket":
        Ticket.objects.filter(pk=t.pk).update(business_date=t.business_date - timedelta(days=1))
    elif case == "bad_state":
        action, body = "resume", None
    elif case == "unknown_window":
        url = f"{API}/windows/99999/tickets/{t.public_token}"
    elif case == "unknown_token":
        url = f"{API}/windows/{w.pk}/tickets/nope"
    elif case == "other_center_staff":
        User.objects.filter(pk=staff.pk).update(center=Center.objects.create(code="x", name="别处"))
    elif case == "reviewer_role":
        User.objects.filter(pk=staff.pk).update(role=Role.REVIEWER)
    elif case == "inactive_window":
        Window.objects.filter(pk=w.pk).update(is_active=False)
        url, action, body = f"{API}/windows/{w.pk}", "call-next", None
        issue_ticket(queue)
    elif case == "transfer_other_center":
        far = Center.objects.create(code="far", name="远处")
        action, body = "transfer", {"queue_id": Queue.objects.create(center=far, prefix="A", name="综合").pk}
    before = snapshot()
    r = post(client, f"{url}/{action}", body)
    assert (r.status_code, r.json()["code"]) == (status, code), r.json()
    assert r.json()["detail"]
    assert snapshot() == before


def test_window_actions_need_a_login(client, hall):
    _, windows, queue, _ = hall
    issue_ticket(queue)
    r = post(client, f"{API}/windows/{windows[0].pk}/call-next")
    assert r.status_code == 401 and r.json()["code"] == "unauthenticated" and r.json()["detail"]
    assert Ticket.objects.get().state == "waiting"


def test_window_actions_check_csrf(staff, hall):
    from django.test import Client

    _, windows, queue, _ = hall
    issue_ticket(queue)
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    r = client.post(f"{API}/windows/{windows[0].pk}/call-next", {}, content_type="application/json")
    assert r.status_code == 403 and r.json()["code"] == "forbidden" and "CSRF" in r.json()["detail"]
    assert Ticket.objects.get().state == "waiting"


def test_waiting_list_in_policy_order(desk, workday):
    client, w, _, queue, other = desk
    issue_ticket(queue)
    workday.shift(timedelta(seconds=1))
    issue_ticket(other, channel=Channel.STAFF)
    workday.shift(timedelta(seconds=1))
    issue_ticket(queue, priority=Priority.GREEN_CHANNEL, priority_reason="70岁")
    r = client.get(f"{API}/windows/{w.pk}/waiting")
    assert r.status_code == 200
    assert [(x["label"], x["rule"]) for x in r.json()] == [("A002", "green_channel"), ("A001", "arrival"),
                                                           ("B001", "arrival")]
    assert r.json()[0]["priority_reason"] == "70岁"
    assert post(client, f"{API}/windows/{w.pk}/call-next").json()["label"] == "A002"
    for _ in range(60):
        issue_ticket(queue)
    assert len(client.get(f"{API}/windows/{w.pk}/waiting").json()) == 50
