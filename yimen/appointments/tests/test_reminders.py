"""Reminders the day before: one SMS per booking of tomorrow, never twice, outside quiet hours,
without personal data."""

import threading
from datetime import datetime

from django.db import connection

import pytest

from yimen.appointments import reminders, services
from yimen.appointments.models import Booking, BookingEvent

from .conftest import FRIDAY, SH, at, person_id


def _book(world, n, day=FRIDAY, hhmm="10:00"):
    return services.book(world.center, world.item, at(day, hhmm), name="张三", id_number=person_id(n),
                         phone=f"1381234567{n}")


def test_tomorrows_bookings_get_one_reminder_without_personal_data(world, sms_outbox):
    first, second = _book(world, 1), _book(world, 2, hhmm="14:00")
    cancelled = _book(world, 3, hhmm="15:00")
    services.cancel(cancelled)
    now = at(FRIDAY.replace(day=12), "10:00")  # Thursday, working hours
    assert reminders.send_reminders(now=now) == 2
    assert reminders.send_reminders(now=now) == 0  # never twice
    sent = sms_outbox()
    assert len(sent) == 2
    text = sent[0]["text"]
    assert first.code in text and "10:00" in text and world.item.name in text and f"/appointments/b/{first.code}/" in text
    assert "张三" not in text and person_id(1) not in text and "13812345671" not in text
    for b in (first, second):
        b.refresh_from_db()
        assert b.reminded_at == now and b.state == "booked"
        assert BookingEvent.objects.filter(booking=b, action="remind").count() == 1
    cancelled.refresh_from_db()
    assert cancelled.reminded_at is None


def test_quiet_hours_wait_and_a_rest_day_before_the_booking_sends_in_day_hours(world, sms_outbox):
    _book(world, 1)
    assert reminders.send_reminders(now=at(FRIDAY.replace(day=12), "07:00")) == 0  # quiet: the same morning
    assert reminders.send_reminders(now=at(FRIDAY.replace(day=12), "22:00")) == 0  # quiet: tomorrow is the day
    assert sms_outbox() == []
    assert reminders.send_reminders(now=at(FRIDAY.replace(day=12), "08:30")) == 1
    after_holiday = _book(world, 2, day=FRIDAY.replace(day=24))  # the 23rd is the festival's last day
    assert reminders.send_reminders(now=at(FRIDAY.replace(day=23), "07:00")) == 0
    assert reminders.send_reminders(now=at(FRIDAY.replace(day=23), "10:00")) == 1  # rest day, day hours
    after_holiday.refresh_from_db()
    assert after_holiday.reminded_at is not None


def test_a_failed_gateway_is_retried_next_run(world, sms_outbox, settings, monkeypatch):
    booking = _book(world, 1)
    now = at(FRIDAY.replace(day=12), "10:00")

    def refuse(phone, text):
        raise reminders.SmsError("gateway down")

    monkeypatch.setattr(reminders, "send_sms", refuse)
    assert reminders.send_reminders(now=now) == 0
    booking.refresh_from_db()
    assert booking.reminded_at is None
    monkeypatch.undo()
    assert reminders.send_reminders(now=now) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(calendar, sms_outbox):
    import time_machine

    from .conftest import make_world

    with time_machine.travel(datetime(2026, 2, 12, 10, 0, tzinfo=SH), tick=False):
        world = make_world()
        for n in range(1, 5):
            _book(world, n, hhmm=f"{9 + n}:00" if n < 3 else f"{11 + n}:00")
    now = at(FRIDAY.replace(day=12), "10:00")
    counts, barrier = [], threading.Barrier(2)

    def worker():
        try:
            barrier.wait()
            counts.append(reminders.send_reminders(now=now))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert sum(counts) == 4 and len(sms_outbox()) == 4
    assert Booking.objects.filter(reminded_at__isnull=True).count() == 0
