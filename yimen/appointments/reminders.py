"""Messages to the citizen: the reminder the day before (issue 6 §2) and, for the waitlist, the
offer of a freed place. SMS only: a booking keeps no e-mail address.

Reminders. `send_reminders()` (huey, every 15 minutes) texts every booking of tomorrow that is still
booked, once: the booking's `reminded_at` is claimed with a conditional UPDATE before the message
leaves (two workers never both send; a crash after the claim loses one reminder rather than
sending two), released again when the gateway refuses so that the next run retries, and the sent
reminder is a `BookingEvent` ("remind"). Quiet hours are the shared ones (`workdays.services.send_at`,
NOTIFY_DAY_START–NOTIFY_DAY_END on working days of the center's calendar): a reminder goes out
when `send_at` allows it now, or, on the day before a booking when no working hours come before it
(a Sunday before a Monday booking), within the day hours of that day. A booking made after the
last chance (late on the day before) gets no reminder: its citizen has just seen the code.

The text carries the center, item, date, time, code and the booking page's address; nothing the
citizen did not give, and not the name, ID number or phone (messages leave the system: PIPL)."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from yimen.lib.sms import SmsError, send_sms
from yimen.lib.writers import write_turn
from yimen.workdays.services import get_calendar, send_at

from .constants import BookingState
from .models import Booking

log = logging.getLogger(__name__)

__all__ = ["send_reminders", "reminder_due", "text_citizen", "reminder_text"]

KIND = "appointment_reminder"


def reminder_due(booking: Booking, now: datetime) -> bool:
    """Whether the reminder of `booking` (tomorrow's) may go out at `now` (quiet hours)."""
    eta = send_at(KIND, now, get_calendar(booking.center.calendar_id))
    if eta is None:
        return True
    if timezone.localdate(eta) < booking.business_date:
        return False  # working hours come before the day of the booking: wait for them
    local = timezone.localtime(now).time()
    return time.fromisoformat(settings.NOTIFY_DAY_START) <= local < time.fromisoformat(settings.NOTIFY_DAY_END)


def booking_url(booking: Booking) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("appointments:manage", args=[booking.code])


def reminder_text(booking: Booking) -> str:
    from .services import policy_for

    start = timezone.localtime(booking.slot_start)
    with translation.override(settings.LANGUAGE_CODE):
        return _("Reminder: your appointment for %(item)s at %(center)s is tomorrow, %(date)s at %(time)s. "
                 "Booking code %(code)s; check in at the kiosk from %(minutes)s minutes before. Change or "
                 "cancel: %(url)s") % {"minutes": policy_for(booking.center_id).checkin_before_minutes,
            "item": booking.item.name, "center": booking.center.name, "date": start.strftime("%m-%d"),
            "time": start.strftime("%H:%M"), "code": booking.code, "url": booking_url(booking)}


def text_citizen(phone: str, text: str) -> bool:
    """Send one SMS; False (logged, the phone masked by the backend) when the gateway refused."""
    try:
        send_sms(phone, text)
    except SmsError as exc:
        log.warning("appointment SMS not sent: %s", exc)
        return False
    return True


def send_reminders(*, now: datetime | None = None) -> int:
    """Text tomorrow's bookings their reminder, each once (see the module docstring). Returns how
    many were sent."""
    from .services import _record  # the one way a booking event is written

    now = now or timezone.now()
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    sent = 0
    due = Booking.objects.filter(state=BookingState.BOOKED, business_date=tomorrow, reminded_at__isnull=True) \
        .select_related("center", "item").order_by("slot_start", "id")
    for booking in due:
        if not reminder_due(booking, now):
            continue
        with write_turn():
            claimed = Booking.objects.filter(pk=booking.pk, state=BookingState.BOOKED, reminded_at__isnull=True) \
                .update(reminded_at=now)
        if not claimed:
            continue  # another worker claimed it, or it was cancelled meanwhile
        if not text_citizen(booking.phone, reminder_text(booking)):
            with write_turn():
                Booking.objects.filter(pk=booking.pk, reminded_at=now).update(reminded_at=None)  # retry next run
            continue
        with write_turn():
            _record(booking, "remind", BookingState.BOOKED, BookingState.BOOKED, now, payload={"channel": "sms"})
        sent += 1
    return sent
