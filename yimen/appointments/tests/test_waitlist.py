"""The waitlist of a full slot: joining with the checks of booking, a freed place offered to the
first in line by SMS and held for them, accepting, leaving, expiry; two releases at once make one
offer each (SQLite and PostgreSQL)."""

from datetime import timedelta

import pytest

from yimen.appointments import services, waitlist
from yimen.appointments.models import Booking, BookingPolicy, SlotHold, WaitlistEntry

from .conftest import FRIDAY, NOW, at, make_world, person_id
from .test_concurrency import race

SLOT = at(FRIDAY, "10:00")


def _book(world, n, slot=SLOT):
    return services.book(world.center, world.item, slot, name="张三", id_number=person_id(n), phone=f"1381234{n:04d}",
                         now=NOW)


def _join(world, n, slot=SLOT, **kw):
    return waitlist.join(world.center, world.item, slot, name="李四", id_number=person_id(n),
                         phone=f"1391234{n:04d}", now=NOW, **kw)


def _full(world, slot=SLOT):
    return [_book(world, 1, slot), _book(world, 2, slot)]  # the 2 web places of the slot


def test_join_only_a_full_slot_once_per_person_and_item(world):
    with pytest.raises(services.AppointmentError) as exc:
        _join(world, 10)
    assert exc.value.code == "slot_free"
    first, _second = _full(world)
    entry = _join(world, 10)
    assert entry.state == "waiting" and waitlist.position(entry) == 1
    assert waitlist.position(_join(world, 11)) == 2
    for n, code in ((10, "duplicate"), (1, "duplicate")):  # already waiting; already holds a booking
        with pytest.raises(services.AppointmentError) as exc:
            _join(world, n, slot=at(FRIDAY, "11:00") if n == 1 else SLOT)
        assert exc.value.code == code
    with pytest.raises(services.AppointmentError) as exc:
        waitlist.join(world.center, world.item, SLOT, name="王五", id_number="310230198001010010",
                      phone="13900000000", now=NOW)
    assert exc.value.code == "invalid_id"
    assert WaitlistEntry.objects.count() == 2
    assert first.state == "booked"


def test_a_freed_place_goes_to_the_first_in_line_not_to_a_new_booker(world, sms_outbox):
    BookingPolicy.objects.create(center=world.center, release_delay_minutes=10, offer_minutes=30)
    first, _second = _full(world)
    a, b = _join(world, 10), _join(world, 11)
    services.cancel(first, now=NOW)
    assert waitlist.offer_due(now=NOW) == 0  # the release delay runs
    later = NOW + timedelta(minutes=11)
    with pytest.raises(services.AppointmentError) as exc:  # the place is the waitlist's
        services.book(world.center, world.item, SLOT, name="赵六", id_number=person_id(30), phone="13700000000",
                      now=later)
    assert exc.value.code == "slot_full"
    assert services.day_slots(world.plan, FRIDAY, now=later)[2].free == 0
    assert waitlist.offer_due(now=later) == 1
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.state, b.state) == ("offered", "waiting")
    assert a.offer_until == later + timedelta(minutes=30)
    sms = sms_outbox()
    assert len(sms) == 1 and a.code in sms[0]["text"] and "李四" not in sms[0]["text"]
    assert waitlist.offer_due(now=later) == 0  # one offer, once
    booking = waitlist.accept(a, now=later + timedelta(minutes=5))
    a.refresh_from_db()
    assert a.state == "booked" and a.booking == booking and booking.slot_start == SLOT
    assert booking.events.get().payload["waitlist"] == a.code
    assert Booking.objects.filter(slot_start=SLOT, state="booked").count() == 2


def test_an_offer_not_taken_in_time_goes_to_the_next(world, sms_outbox):
    BookingPolicy.objects.create(center=world.center, release_delay_minutes=0, offer_minutes=20)
    first, _second = _full(world)
    a, b = _join(world, 10), _join(world, 11)
    services.cancel(first, now=NOW)  # no release delay: offered at once
    a.refresh_from_db()
    assert a.state == "offered"
    late = NOW + timedelta(minutes=21)
    with pytest.raises(services.AppointmentError) as exc:
        waitlist.accept(a, now=late)
    assert exc.value.code == "offer_expired"
    assert waitlist.offer_due(now=late) == 1
    a.refresh_from_db(), b.refresh_from_db()
    assert (a.state, b.state) == ("expired", "offered")
    waitlist.leave(b, now=late)  # declines: nobody left in line, the place is free for anyone
    assert services.day_slots(world.plan, FRIDAY, now=late)[2].free == 1
    assert len(sms_outbox()) == 2


def test_nothing_changes_on_a_refused_accept(world):
    _full(world)
    entry = _join(world, 10)
    with pytest.raises(services.AppointmentError) as exc:
        waitlist.accept(entry, now=NOW)
    assert exc.value.code == "bad_state"
    entry.refresh_from_db()
    assert entry.state == "waiting" and Booking.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_releases_at_once_make_one_offer_each(calendar, frozen, sms_outbox):
    world = make_world()
    BookingPolicy.objects.create(center=world.center, release_delay_minutes=0)
    bookings = _full(world)
    entries = [_join(world, 10 + n) for n in range(3)]

    def work(i):
        services.cancel(bookings[i], now=NOW)
        return "cancelled"

    assert race(work, 2) == ["cancelled", "cancelled"]
    states = [WaitlistEntry.objects.get(pk=e.pk).state for e in entries]
    assert states == ["offered", "offered", "waiting"]
    sms = sms_outbox()
    assert sorted(m["text"].split("/appointments/w/")[1].strip("/ ") for m in sms) == \
        sorted(e.code for e in entries[:2])  # one SMS each
    assert not SlotHold.objects.exists()

    def offer(i):
        return waitlist.offer_due(now=NOW)

    assert race(offer, 2) == [0, 0]  # nothing more to offer, whoever runs
    assert WaitlistEntry.objects.filter(state="offered").count() == 2


def test_the_screens_join_show_the_place_in_line_accept_and_leave(client, world, sms_outbox):
    BookingPolicy.objects.create(center=world.center, release_delay_minutes=0)
    first, _second = _full(world)
    r = client.get(f"/appointments/cm/{world.item.code}/", {"day": FRIDAY.isoformat()})
    assert "waitlist=1" in r.text  # the full 10:00 slot offers its waitlist
    url = f"/appointments/cm/{world.item.code}/person/"
    r = client.get(url, {"slot": SLOT.isoformat(), "waitlist": "1"})
    assert r.status_code == 200 and 'name="waitlist" value="1"' in r.text
    r = client.post(url, {"slot": SLOT.isoformat(), "waitlist": "1", "name": "李四", "id_number": person_id(10),
                          "phone": "13912340010"})
    entry = WaitlistEntry.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/appointments/w/{entry.code}/"
    page = client.get(r["Location"]).text
    assert entry.code in page and "13912340010" not in page and person_id(10) not in page
    r = client.post(url, {"slot": SLOT.isoformat(), "waitlist": "1", "name": "李四", "id_number": person_id(10),
                          "phone": "13912340010"})
    assert r.status_code == 409 and 'aria-invalid="true"' in r.text  # already waiting
    services.cancel(first, now=NOW)
    entry.refresh_from_db()
    assert entry.state == "offered"
    r = client.post(f"/appointments/w/{entry.code}/accept/")
    booking = Booking.objects.get(slot_start=SLOT, id_index=entry.id_index)
    assert r.status_code == 302 and r["Location"] == f"/appointments/b/{booking.code}/"
    r = client.post(f"/appointments/w/{entry.code}/leave/")
    assert r.status_code == 409  # over: booked
    assert client.get("/appointments/w/NOPE/").status_code == 404


def test_the_api_joins_shows_accepts_and_refuses_with_codes(client, world):
    BookingPolicy.objects.create(center=world.center, release_delay_minutes=0)
    api = "/api/v1/appointments/waitlist"
    body = {"center": "cm", "item": world.item.code, "slot_start": SLOT.isoformat(), "name": "李四",
            "id_number": person_id(10), "phone": "13912340010"}
    r = client.post(api, body, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (409, "slot_free")
    first, _second = _full(world)
    r = client.post(api, body, content_type="application/json")
    assert r.status_code == 201 and r.json()["position"] == 1 and r.json()["phone"] == "139****0010"
    code = r.json()["code"]
    r = client.post(api, {**body, "id_number": "310230198001010010"}, content_type="application/json")
    assert (r.status_code, r.json()["code"]) == (400, "invalid_id")
    assert client.post(f"{api}/{code}/accept").json()["code"] == "bad_state"
    services.cancel(first, now=NOW)
    r = client.get(f"{api}/{code}")
    assert r.json()["state"] == "offered" and r.json()["offer_until"]
    r = client.post(f"{api}/{code}/accept")
    assert r.status_code == 201 and r.json()["state"] == "booked"
    assert client.get(f"{api}/{code}").json()["booking"] == r.json()["code"]
    assert client.get(f"{api}/NOPE").status_code == 404
    assert WaitlistEntry.objects.count() == 1


def test_the_admin_lists_waitlist_entries_masked_and_read_only(admin_client, world):
    _full(world)
    entry = _join(world, 10)
    r = admin_client.get("/admin/appointments/waitlistentry/")
    assert r.status_code == 200 and entry.code in r.text and "13912340010" not in r.text
    r = admin_client.get(f"/admin/appointments/waitlistentry/{entry.pk}/change/")
    assert r.status_code == 200 and person_id(10) not in r.text and "13912340010" not in r.text
