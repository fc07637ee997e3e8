"""Periodic appointment work (huey): no-shows recorded every 5 minutes, once a booking's check-in
window has closed (services.record_no_shows, idempotent; the day-end job may call it too)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*/5"))
def record_no_shows():
    services.record_no_shows()
