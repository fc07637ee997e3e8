"""Check-in at the kiosk: the appointment ticket (预约优先 within its window), early and late
rules, by code, scanned QR or ID number; no-shows."""

from datetime import timedelta

import pytest

from yimen.appointments import services, tasks
from yimen.appointments.constants import BookingState, LateRule
from yimen.appointments.models import Booking, BookingPolicy
from yimen.hall.models import Center
from yimen.queueing import services as queue
from yimen.queueing.constants import Channel, Priority
from yimen.queueing.models import Ticket

from .conftest import FRIDAY, NOW, at, person_id

SLOT = at(FRIDAY, "10:00")


@pytest.fixture
def booking(world, applicant):
    return services.book(world.center, world.item, SLOT, **applicant, now=NOW)


def test_check_in_issues_an_appointment_ticket_called_before_an_earlier_walk_in(world, booking):
    walk_in = queue.issue_ticket(world.queue, channel=Channel.KIOSK, item=world.item, now=at(FRIDAY, "09:40"))
    b = services.check_in(world.center, code=booking.code, now=at(FRIDAY, "09:50"))
    assert b.state == BookingState.CHECKED_IN and b.checked_in_at == at(FRIDAY, "09:50")
    ticket = b.ticket
    assert (ticket.channel, ticket.priority, ticket.slot_start) == (Channel.CHECKIN, Priority.APPOINTMENT, SLOT)
    first = queue.call_next(world.windows[0], now=at(FRIDAY, "09:55"))
    assert first.pk == ticket.pk and first.calls.get().rule == "appointment"
    assert queue.call_next(world.windows[1], now=at(FRIDAY, "09:56")).pk == walk_in.pk
    assert list(b.events.values_list("action", flat=True)) == ["book", "check_in"]


def test_a_nine_oclock_booking_checks_in_before_the_center_opens(world, applicant):
    nine = services.book(world.center, world.item, at(FRIDAY, "09:00"), **applicant, now=NOW)
    with pytest.raises(services.AppointmentError) as err:
        services.check_in(world.center, code=nine.code, now=at(FRIDAY, "08:44"))
    assert err.value.code == "too_early" and "08:45" in err.value.message
    b = services.check_in(world.center, code=nine.code, now=at(FRIDAY, "08:45"))
    assert b.state == BookingState.CHECKED_IN and b.ticket.priority == Priority.APPOINTMENT


def test_the_check_in_window_is_the_centers_and_the_ordering_uses_it(world, booking):
    Center.objects.filter(pk=world.center.pk).update(checkin_before_minutes=30, checkin_after_minutes=20)
    walk_in = queue.issue_ticket(world.queue, channel=Channel.KIOSK, item=world.item, now=at(FRIDAY, "09:30"))
    b = services.check_in(world.center, code=booking.code, now=at(FRIDAY, "09:30"))
    assert b.ticket.priority == Priority.APPOINTMENT
    window = type(world.windows[0]).objects.get(pk=world.windows[0].pk)
    first = queue.call_next(window, now=at(FRIDAY, "10:15"))  # 15 minutes after the slot: inside 20
    assert first.pk == b.ticket_id and first.calls.get().rule == "appointment" and walk_in.state == "waiting"


def test_checking_in_twice_gives_the_same_ticket(world, booking):
    first = services.check_in(world.center, code=booking.code, now=at(FRIDAY, "09:50"))
    again = services.check_in(world.center, code=booking.code, now=at(FRIDAY, "09:51"))
    assert again.ticket_id == first.ticket_id and again.events.count() == 2


def test_check_in_by_scanned_qr_url_or_id_number(world, booking, applicant):
    url = f"https://yimen.example/appointments/b/{booking.code}/"
    assert services.check_in(world.center, code=url, now=at(FRIDAY, "09:46")).state == BookingState.CHECKED_IN
    other = services.book(world.center, world.other, SLOT, **applicant, now=NOW)
    b = services.check_in(world.center, id_number=applicant["id_number"].lower(), now=at(FRIDAY, "09:47"))
    assert b.pk == other.pk and b.ticket.priority == Priority.APPOINTMENT
    tickets = Ticket.objects.count()
    again = services.check_in(world.center, id_number=applicant["id_number"], now=at(FRIDAY, "09:48"))
    assert again.pk in (b.pk, booking.pk) and again.state == BookingState.CHECKED_IN  # nothing booked left
    assert Ticket.objects.count() == tickets  # no second ticket


def test_too_early_is_refused_with_the_time_check_in_opens(world, booking):
    with pytest.raises(services.AppointmentError) as err:
        services.check_in(world.center, code=booking.code, now=at(FRIDAY, "09:44"))
    assert err.value.code == "too_early" and "09:45" in err.value.message
    assert Booking.objects.get(pk=booking.pk).state == BookingState.BOOKED


def test_late_arrival_becomes_a_normal_walk_in_by_default(world, booking):
    b = services.check_in(world.center, code=booking.code, now=at(FRIDAY, "10:11"))
    assert b.checked_in_late and b.ticket.priority == Priority.NORMAL and b.ticket.slot_start is None


def test_late_arrival_is_refused_when_the_center_says_so(world, booking):
    BookingPolicy.objects.create(center=world.center, late_rule=LateRule.REFUSE)
    Center.objects.filter(pk=world.center.pk).update(checkin_after_minutes=5)  # the center's window
    with pytest.raises(services.AppointmentError) as err:
        services.check_in(world.center, code=booking.code, now=at(FRIDAY, "10:06"))
    assert err.value.code == "too_late" and "10:05" in err.value.message
    assert Booking.objects.get(pk=booking.pk).ticket_id is None


@pytest.mark.parametrize("kwargs, code", [
    ({"code": "NOSUCHCODE"}, "not_found"),
    ({"id_number": "123"}, "invalid_id"),
    ({"id_number": person_id(9)}, "not_found"),
    ({}, "not_found"),
])
def test_unknown_codes_and_people_are_refused(world, booking, kwargs, code):
    with pytest.raises(services.AppointmentError) as err:
        services.check_in(world.center, now=at(FRIDAY, "09:50"), **kwargs)
    assert err.value.code == code


def test_another_day_or_a_cancelled_booking_cannot_check_in(world, booking):
    with pytest.raises(services.AppointmentError) as err:
        services.check_in(world.center, code=booking.code, now=at(FRIDAY - timedelta(days=1), "10:00"))
    assert err.value.code == "wrong_day"
    services.cancel(booking, now=NOW)
    with pytest.raises(services.AppointmentError) as err:
        services.check_in(world.center, code=booking.code, now=at(FRIDAY, "09:50"))
    assert err.value.code == "bad_state"


def test_no_shows_are_recorded_once_the_window_closes(world, booking, applicant):
    kept = services.book(world.center, world.other, SLOT, **applicant, now=NOW)
    services.check_in(world.center, code=kept.code, now=at(FRIDAY, "09:50"))
    assert services.record_no_shows(now=at(FRIDAY, "10:10")) == 0  # still inside the window
    assert services.record_no_shows(now=at(FRIDAY, "10:11")) == 1
    assert services.record_no_shows(now=at(FRIDAY, "10:12")) == 0  # idempotent
    booking.refresh_from_db()
    assert booking.state == BookingState.NO_SHOW and booking.events.last().action == "no_show"
    assert Booking.objects.get(pk=kept.pk).state == BookingState.CHECKED_IN


def test_the_periodic_task_records_no_shows(world, booking, frozen):
    frozen.move_to(at(FRIDAY, "12:00"))
    tasks.record_no_shows.call_local()
    booking.refresh_from_db()
    assert booking.state == BookingState.NO_SHOW
