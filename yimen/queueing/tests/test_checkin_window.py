"""Appointment check-in tickets and the center's check-in window (hall.Center): taken from the
start of the window before the center opens, and the ordering's appointment window is the same
minutes (docs/appointments.md, check-in)."""

from datetime import timedelta

import pytest

from yimen.hall.models import Center, Window
from yimen.queueing.constants import Channel, Priority
from yimen.queueing.services import QueueError, call_next, issue_ticket, waiting_list

from .conftest import WORKDAY


def at(hhmm: str):
    h, m = hhmm.split(":")
    return WORKDAY.replace(hour=int(h), minute=int(m))


def checkin(queue, slot: str, now: str, **kw):
    return issue_ticket(queue, channel=Channel.CHECKIN, priority=Priority.APPOINTMENT, priority_reason="CODE",
                        slot_start=at(slot), now=at(now), **kw)


@pytest.fixture
def queue(hall):
    _center, _windows, queue, _other = hall
    queue.channels = [*queue.channels, Channel.CHECKIN] if Channel.CHECKIN not in queue.channels else queue.channels
    queue.save()
    return queue


def test_a_nine_oclock_booking_checks_in_at_a_quarter_to_nine(queue):
    ticket = checkin(queue, "09:00", "08:45")
    assert ticket.slot_start == at("09:00") and ticket.wait_started_at == at("09:00")
    # before the window; long before it; after the slot start while closed (lunch); a slot when closed
    for slot, now in (("09:00", "08:44"), ("09:00", "07:00"), ("12:00", "12:05"), ("12:15", "12:05")):
        with pytest.raises(QueueError) as exc:
            checkin(queue, slot, now)
        assert exc.value.code == "center_closed"
    assert checkin(queue, "13:30", "13:20").slot_start == at("13:30")  # the lunch break: the afternoon's window
    for channel, priority in ((Channel.KIOSK, Priority.NORMAL), (Channel.CHECKIN, Priority.NORMAL)):
        with pytest.raises(QueueError) as exc:  # nothing else is taken before opening
            issue_ticket(queue, channel=channel, priority=priority, now=at("08:45"))
        assert exc.value.code == "center_closed"


def test_the_window_follows_the_center(queue, hall):
    center = hall[0]
    Center.objects.filter(pk=center.pk).update(checkin_before_minutes=30)
    queue.center.refresh_from_db()
    assert checkin(queue, "09:00", "08:30").slot_start == at("09:00")


def test_the_ordering_uses_the_centers_check_in_window(queue, hall):
    center, windows, _queue, _other = hall
    walk_in = issue_ticket(queue, now=at("10:00"))
    appt = checkin(queue, "10:05", "10:00")
    # 10:20: 15 minutes after the slot start: outside the default 10-minute window, arrival order
    assert [t.pk for t, _rule, _why in waiting_list(windows[0], now=at("10:20"))] == [walk_in.pk, appt.pk]
    Center.objects.filter(pk=center.pk).update(checkin_after_minutes=20)
    window = Window.objects.get(pk=windows[0].pk)  # as a request loads it
    order = waiting_list(window, now=at("10:20"))
    assert [(t.pk, rule) for t, rule, _why in order][0] == (appt.pk, "appointment")
    called = call_next(window, now=at("10:20") + timedelta(seconds=1))
    assert called.pk == appt.pk and called.calls.get().rule == "appointment"
