"""The appointments API: slot search, book, by code, cancel, reschedule, kiosk check-in; every
refusal a 4xx with {"detail", "code"} and nothing changed."""

import pytest

from yimen.appointments.models import Booking, BookingEvent
from yimen.hall.constants import DeviceKind
from yimen.hall.services import register_device

from .conftest import FRIDAY, HOLIDAY, at, person_id

API = "/api/v1/appointments"


def book_body(world, applicant, **kw):
    return {"center": "cm", "item": world.item.code, "situation": "01", "slot_start": at(FRIDAY).isoformat(),
            **applicant, **kw}


def post(client, path, body=None, **headers):
    return client.post(f"{API}{path}", body or {}, content_type="application/json", headers=headers)


def test_slot_search_lists_free_places_per_day(client, world):
    r = client.get(f"{API}/centers/cm/items/{world.item.code}/slots")
    assert r.status_code == 200
    days = r.json()
    assert days[1]["date"] == "2026-02-13" and days[1]["slots"][0]["free"] == 2
    assert "2026-02-16" not in [d["date"] for d in days]
    assert client.get(f"{API}/centers/cm/items/NOPE/slots").json()["code"] == "not_found"
    assert client.get(f"{API}/centers/cm/items/{world.item.code}/slots?channel=x").status_code == 400


def test_slot_answers_match_the_schema_and_may_be_seconds_old(client, world, applicant, settings, monkeypatch):
    """Per process, a search answer is reused for SLOT_SEARCH_CACHE_SECONDS; a booking is re-checked
    under the day's lock whatever the search said. Refusals are never kept."""
    from yimen.appointments import api
    from yimen.appointments.schemas import DayOut

    settings.SLOT_SEARCH_CACHE_SECONDS = 2
    api._slot_answers.clear()
    clock = [1000.0]
    monkeypatch.setattr(api.time, "monotonic", lambda: clock[0])
    url = f"{API}/centers/cm/items/{world.item.code}/slots"
    first = client.get(url).json()
    assert [DayOut.model_validate(d) for d in first] and first[1]["slots"][0]["free"] == 2
    assert post(client, "/bookings", book_body(world, applicant)).status_code == 201
    assert client.get(url).json() == first  # 0 s later: the same answer
    clock[0] += 2.5
    assert client.get(url).json()[1]["slots"][0]["free"] == 1  # then fresh
    assert client.get(f"{API}/centers/cm/items/NOPE/slots").status_code == 404
    assert ("cm", "NOPE", "web") not in api._slot_answers
    api._slot_answers.clear()


def test_book_get_reschedule_cancel_by_code(client, world, applicant):
    r = post(client, "/bookings", book_body(world, applicant))
    assert r.status_code == 201, r.content
    data = r.json()
    code = data["code"]
    assert data["name"] == "张*" and data["phone"] == "138****5678" and applicant["id_number"] not in r.text
    assert [m["name"] for m in data["materials"]] == ["本人有效身份证件", "本人户口簿"]
    assert data["manage_url"].endswith(f"/appointments/b/{code}/")
    assert client.get(f"{API}/bookings/{code}").json()["state"] == "booked"
    r = post(client, f"/bookings/{code}/reschedule", {"slot_start": at(FRIDAY, "14:00").isoformat()})
    assert r.status_code == 200 and r.json()["slot_start"] == "2026-02-13T06:00:00Z"  # 14:00 Shanghai
    assert post(client, f"/bookings/{code}/cancel").json()["state"] == "cancelled"
    assert post(client, f"/bookings/{code}/cancel").status_code == 409
    assert client.get(f"{API}/bookings/NOSUCH").status_code == 404


@pytest.mark.parametrize("change, status, code", [
    ({"id_number": "310230198001010010"}, 400, "invalid_id"),
    ({"id_number": "91310230000000010X", "applicant_type": "organisation"}, 400, "invalid_credit_code"),
    ({"slot_start": at(HOLIDAY).isoformat()}, 400, "closed_day"),
    ({"slot_start": at(FRIDAY, "12:15").isoformat()}, 400, "outside_hours"),
    ({"slot_start": at(FRIDAY.replace(day=11)).isoformat()}, 400, "past_date"),
    ({"phone": "12"}, 400, "invalid_phone"),
    ({"situation": "99"}, 400, "bad_situation"),
    ({"slot_start": "tomorrow"}, 422, "invalid_input"),
])
def test_bad_input_is_a_4xx_with_a_reason_and_changes_nothing(client, world, applicant, change, status, code):
    r = post(client, "/bookings", book_body(world, applicant, **change))
    assert (r.status_code, r.json()["code"]) == (status, code)
    assert r.json()["detail"]
    assert Booking.objects.count() == 0 and BookingEvent.objects.count() == 0


def test_full_slot_duplicate_and_rate_limit_are_refused(client, world, applicant):
    assert post(client, "/bookings", book_body(world, applicant)).status_code == 201
    r = post(client, "/bookings", book_body(world, applicant, slot_start=at(FRIDAY, "10:00").isoformat()))
    assert (r.status_code, r.json()["code"]) == (409, "duplicate")
    assert post(client, "/bookings", book_body(world, {**applicant, "id_number": person_id(2)})).status_code == 201
    r = post(client, "/bookings", book_body(world, {**applicant, "id_number": person_id(3)}))
    assert (r.status_code, r.json()["code"]) == (409, "slot_full")
    for n, hhmm in ((4, "15:00"), (5, "15:30"), (6, "16:00"), (7, "16:30")):
        r = post(client, "/bookings", book_body(world, {**applicant, "id_number": person_id(n)},
                                                slot_start=at(FRIDAY, hhmm).isoformat()))
    assert (r.status_code, r.json()["code"]) == (429, "rate_limited")  # 5 a day per phone


def test_check_in_needs_a_kiosk_of_the_center(client, world, applicant, frozen):
    code = post(client, "/bookings", book_body(world, applicant, slot_start=at(FRIDAY, "10:00").isoformat())).json()["code"]
    frozen.move_to(at(FRIDAY, "09:50"))
    assert post(client, "/check-in", {"code": code}).status_code == 403
    _, token = register_device(world.center, DeviceKind.KIOSK, "取号机", by=None)
    r = post(client, "/check-in", {"code": code}, Authorization=f"Device {token}")
    assert r.status_code == 200, r.content
    assert r.json()["state"] == "checked_in" and r.json()["ticket"]["priority"] == "appointment"
    r = post(client, "/check-in", {"id_number": person_id(5)}, Authorization=f"Device {token}")
    assert (r.status_code, r.json()["code"]) == (404, "not_found")


def test_the_internal_channel_needs_staff_of_the_center_with_csrf(world, applicant):
    from django.test import Client

    from yimen.lib.testing import make_user

    body = book_body(world, applicant, channel="internal")
    client = Client(enforce_csrf_checks=True)
    assert post(client, "/bookings", body).json()["code"] == "forbidden"
    client.force_login(make_user("desk", world.center))
    assert post(client, "/bookings", body).status_code == 403  # no CSRF token
    client.get("/appointments/find/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    r = post(client, "/bookings", body, **{"X-CSRFToken": token})
    assert r.status_code == 201, r.content
    assert Booking.objects.get().by.username == "desk"
