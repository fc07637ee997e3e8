"""Case background work (huey): the SLA sweep every 5 minutes (domain.md §2.6), the
recomputation of open deadlines after every calendar edit (`workdays.signals.calendar_changed`),
and staff mail for escalations (queued after commit, never sent inside a request or the sweep)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import notifications, services


@db_periodic_task(crontab(minute="*/5"))
def sweep_cases():
    services.sweep()


@db_task()
def recompute_deadlines(dates=None):
    services.recompute_open_deadlines(dates)


def on_calendar_changed(sender, *, calendar, dates, **kwargs):
    """Queued, not run in the editor's request: 100,000 open cases take seconds."""
    recompute_deadlines(dates)


@db_task(retries=3, retry_delay=60)
def mail_staff(case_number, kind, recipients):
    notifications.mail_staff(case_number, kind, recipients)


def mail_notifier(case_number: str, kind: str, recipients: list) -> None:
    """A `services.NOTIFIERS` entry: staff kinds go to the mail queue."""
    if kind in notifications.SUBJECTS:
        mail_staff(case_number, kind, recipients)
