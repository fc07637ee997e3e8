"""Booking: the rules, each refusal (nothing changed), cancel and reschedule by code, events."""

from datetime import timedelta

from django.db import connection

import pytest

from yimen.appointments import services
from yimen.appointments.constants import BookingChannel, BookingState
from yimen.appointments.models import Booking, BookingEvent, BookingPolicy
from yimen.lib.testing import assert_append_only_in_orm, assert_append_only_in_sql

from .conftest import FRIDAY, HOLIDAY, MAKEUP_SATURDAY, NOW, at, credit_code, person_id


def refused(code, fn, *args, **kwargs):
    before = (Booking.objects.count(), BookingEvent.objects.count(),
              list(Booking.objects.values_list("pk", "state", "version", "slot_start")))
    with pytest.raises(services.AppointmentError) as err:
        fn(*args, **kwargs)
    assert err.value.code == code, err.value.message
    assert err.value.message
    after = (Booking.objects.count(), BookingEvent.objects.count(),
             list(Booking.objects.values_list("pk", "state", "version", "slot_start")))
    assert after == before  # nothing else changed
    return err.value


def test_a_booking_gets_a_code_its_slot_and_an_event(world, applicant):
    b = services.book(world.center, world.item, at(FRIDAY, "09:30"), situation=world.situation, **applicant, now=NOW)
    assert len(b.code) == 10 and b.state == BookingState.BOOKED
    assert (b.slot_start, b.slot_end) == (at(FRIDAY, "09:30"), at(FRIDAY, "10:00"))
    assert b.business_date == FRIDAY and b.applicant_type == "person"
    assert list(b.events.values_list("seq", "action")) == [(1, "book")]
    assert services.find_booking(b.code.lower()).pk == b.pk
    assert [m.name for m in services.materials_for(world.item, world.situation)] == ["本人有效身份证件", "本人户口簿"]


def test_an_enterprise_books_with_its_credit_code(world, applicant):
    b = services.book(world.center, world.item, at(FRIDAY), **{**applicant, "id_number": credit_code(7)}, now=NOW)
    assert b.applicant_type == "organisation"


def test_personal_data_is_encrypted_at_rest_and_masked(world, applicant):
    b = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    with connection.cursor() as cur:
        cur.execute("SELECT id_number, phone FROM appointments_booking WHERE id = %s", [b.pk])
        raw = " ".join(cur.fetchone())
    assert applicant["id_number"] not in raw and applicant["phone"] not in raw
    assert b.masked_id == applicant["id_number"][:6] + "********" + applicant["id_number"][-4:]
    assert b.masked_phone == "138****5678" and b.masked_name == "张*"
    assert applicant["id_number"] not in str(b) and not any(
        applicant["id_number"] in str(v) for v in b.events.values_list("payload", flat=True))


@pytest.mark.parametrize("field, value, code", [
    ("id_number", "310230198001010010", "invalid_id"),  # wrong check digit
    ("id_number", "12345", "invalid_id"),
    ("phone", "1234567", "invalid_phone"),
    ("name", "  ", "bad_name"),
])
def test_bad_identity_phone_or_name_is_refused(world, applicant, field, value, code):
    refused(code, services.book, world.center, world.item, at(FRIDAY), **{**applicant, field: value}, now=NOW)


def test_an_invalid_credit_code_is_refused(world, applicant):
    bad = credit_code(7)[:-1] + ("0" if credit_code(7)[-1] != "0" else "1")
    refused("invalid_credit_code", services.book, world.center, world.item, at(FRIDAY),
            **{**applicant, "id_number": bad}, applicant_type="organisation", now=NOW)


def test_past_holiday_and_out_of_hours_slots_are_refused(world, applicant):
    refused("past_date", services.book, world.center, world.item, at(NOW.date() - timedelta(days=1)), **applicant,
            now=NOW)
    refused("past_date", services.book, world.center, world.item, at(NOW.date(), "09:30"), **applicant, now=NOW)
    err = refused("closed_day", services.book, world.center, world.item, at(HOLIDAY), **applicant, now=NOW)
    assert "2026-02-16" in err.message
    refused("outside_hours", services.book, world.center, world.item, at(FRIDAY, "12:30"), **applicant, now=NOW)
    refused("outside_hours", services.book, world.center, world.item, at(FRIDAY, "09:10"), **applicant, now=NOW)
    refused("too_far", services.book, world.center, world.item, at(NOW.date() + timedelta(days=20)), **applicant,
            now=NOW)
    assert services.book(world.center, world.item, at(MAKEUP_SATURDAY), **applicant, now=NOW).pk


def test_a_full_slot_is_refused(world, applicant):
    for n in (1, 2):
        services.book(world.center, world.item, at(FRIDAY), **{**applicant, "id_number": person_id(n)}, now=NOW)
    refused("slot_full", services.book, world.center, world.item, at(FRIDAY), **{**applicant, "id_number": person_id(3)},
            now=NOW)


def test_one_active_booking_per_person_and_item(world, applicant):
    first = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    refused("duplicate", services.book, world.center, world.item, at(FRIDAY, "10:00"), **applicant, now=NOW)
    lower_x = {**applicant, "id_number": applicant["id_number"].lower()}
    refused("duplicate", services.book, world.center, world.item, at(FRIDAY, "10:00"), **lower_x, now=NOW)
    assert services.book(world.center, world.other, at(FRIDAY, "10:00"), **applicant, now=NOW).pk  # other item
    services.cancel(first, now=NOW)
    assert services.book(world.center, world.item, at(FRIDAY, "10:00"), **applicant, now=NOW).pk


def _no_shows(world, applicant, days):
    for n, d in enumerate(days):
        b = services.book(world.center, world.item, at(d), **applicant, now=at(d) - timedelta(days=1))
        assert services.record_no_shows(now=at(d, "12:00")) == 1, n
        b.refresh_from_db()
        assert b.state == BookingState.NO_SHOW


def test_three_no_shows_in_90_days_block_booking_for_30_days(world, applicant):
    from datetime import date

    _no_shows(world, applicant, [date(2026, 1, 5), date(2026, 1, 12), date(2026, 2, 2)])
    err = refused("blocked", services.book, world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    assert "2026-03-04" in err.message  # 30 days after the third
    assert services.blocked_until(Booking.objects.first().id_index, world.center.pk, now=at(date(2026, 3, 5))) is None
    other_person = {**applicant, "id_number": person_id(2)}
    assert services.book(world.center, world.item, at(FRIDAY), **other_person, now=NOW).pk


def test_the_no_show_policy_is_configurable(world, applicant):
    from datetime import date

    BookingPolicy.objects.create(center=world.center, no_show_limit=1, block_days=3)
    _no_shows(world, applicant, [date(2026, 2, 10)])
    refused("blocked", services.book, world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    assert services.book(world.center, world.item, at(FRIDAY, "11:00"), **applicant,
                         now=at(date(2026, 2, 13), "09:01")).pk  # three days after the no-show at 09:00


def test_rate_limits_per_phone_and_per_address(world, applicant):
    BookingPolicy.objects.create(center=world.center, phone_daily_limit=2, address_hourly_limit=3)
    for n in (1, 2):
        services.book(world.center, world.item, at(FRIDAY, "10:00"), **{**applicant, "id_number": person_id(n)},
                      address="10.0.0.1", now=NOW)
    refused("rate_limited", services.book, world.center, world.item, at(FRIDAY, "10:30"),
            **{**applicant, "id_number": person_id(3)}, now=NOW)
    services.book(world.center, world.item, at(FRIDAY, "10:30"),
                  **{**applicant, "id_number": person_id(3), "phone": "13900000000"}, address="10.0.0.1", now=NOW)
    refused("rate_limited", services.book, world.center, world.item, at(FRIDAY, "11:00"),
            **{**applicant, "id_number": person_id(4), "phone": "13900000001"}, address="10.0.0.1", now=NOW)
    assert Booking.objects.exclude(address_index="").values("address_index").distinct().count() == 1
    assert "10.0.0.1" not in Booking.objects.first().address_index


def test_the_internal_channel_is_for_staff(world, applicant):
    refused("forbidden", services.book, world.center, world.item, at(FRIDAY), **applicant,
            channel=BookingChannel.INTERNAL, now=NOW)


def test_cancel_frees_the_place_and_is_recorded(world, applicant):
    b = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    b = services.cancel(b, now=NOW)
    assert b.state == BookingState.CANCELLED
    assert services.day_slots(world.plan, FRIDAY, now=NOW)[0].free == 1  # held for the release delay
    assert services.day_slots(world.plan, FRIDAY, now=NOW + timedelta(minutes=10))[0].free == 2
    assert list(b.events.values_list("action", flat=True)) == ["book", "cancel"]
    refused("bad_state", services.cancel, b, now=NOW)


def test_reschedule_moves_the_place_under_the_same_rules(world, applicant):
    b = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    b = services.reschedule(b, at(MAKEUP_SATURDAY, "14:00"), now=NOW)
    assert (b.slot_start, b.business_date, b.state) == (at(MAKEUP_SATURDAY, "14:00"), MAKEUP_SATURDAY, "booked")
    assert services.day_slots(world.plan, FRIDAY, now=NOW + timedelta(minutes=10))[0].free == 2
    assert b.events.last().action == "reschedule"
    refused("closed_day", services.reschedule, b, at(HOLIDAY), now=NOW)
    for n in (2, 3):
        services.book(world.center, world.item, at(FRIDAY, "10:00"), **{**applicant, "id_number": person_id(n)},
                      now=NOW)
    refused("slot_full", services.reschedule, b, at(FRIDAY, "10:00"), now=NOW)
    refused("too_late", services.reschedule, b, at(FRIDAY, "11:00"), now=at(MAKEUP_SATURDAY, "14:05"))


def test_booking_events_are_append_only(world, applicant):
    b = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    event = b.events.get()
    assert_append_only_in_orm(event)
    assert_append_only_in_sql(event)


def test_a_freed_place_is_released_only_after_the_delay(world, applicant):
    """Against slot trading: a scalper cancelling at a moment agreed with a buyer frees nothing then."""
    first = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    services.book(world.center, world.item, at(FRIDAY), **{**applicant, "id_number": person_id(2)}, now=NOW)
    services.cancel(first, now=NOW)
    buyer = {**applicant, "id_number": person_id(3)}
    refused("slot_full", services.book, world.center, world.item, at(FRIDAY), **buyer,
            now=NOW + timedelta(minutes=9))
    assert services.book(world.center, world.item, at(FRIDAY), **buyer, now=NOW + timedelta(minutes=10)).pk


def test_a_center_may_release_freed_places_at_once(world, applicant):
    BookingPolicy.objects.create(center=world.center, release_delay_minutes=0)
    b = services.book(world.center, world.item, at(FRIDAY), **applicant, now=NOW)
    services.cancel(b, now=NOW)
    assert services.day_slots(world.plan, FRIDAY, now=NOW)[0].free == 2
