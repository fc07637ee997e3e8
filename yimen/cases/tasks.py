"""Periodic case work (huey): the SLA sweep every 5 minutes (domain.md §2.6)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*/5"))
def sweep_cases():
    services.sweep()
