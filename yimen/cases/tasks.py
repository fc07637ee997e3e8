"""Case background work (huey): the SLA sweep every 5 minutes (domain.md §2.6), and the
recomputation of open deadlines after every calendar edit (`workdays.signals.calendar_changed`)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import services


@db_periodic_task(crontab(minute="*/5"))
def sweep_cases():
    services.sweep()


@db_task()
def recompute_deadlines(dates=None):
    services.recompute_open_deadlines(dates)


def on_calendar_changed(sender, *, calendar, dates, **kwargs):
    """Queued, not run in the editor's request: 100,000 open cases take seconds."""
    recompute_deadlines(dates)
