"""Periodic appointment work (huey): no-shows recorded every 5 minutes, once a booking's check-in
window has closed (services.record_no_shows, idempotent; the day-end job may call it too); reminders
of tomorrow's bookings every 15 minutes (reminders.send_reminders: once each, outside quiet hours);
freed places offered to the waitlist every minute (waitlist.offer_due)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import reminders, services, waitlist


@db_periodic_task(crontab(minute="*/5"))
def record_no_shows():
    services.record_no_shows()


@db_periodic_task(crontab(minute="*/15"))
def send_reminders():
    reminders.send_reminders()


@db_periodic_task(crontab(minute="*"))
def offer_waitlist():
    waitlist.offer_due()
