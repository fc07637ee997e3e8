"""Case background work (huey): the SLA sweep every 5 minutes (domain.md §2.6), the
recomputation of open deadlines after every calendar edit (`workdays.signals.calendar_changed`),
and staff mail for escalations (queued after commit, never sent inside a request or the sweep)."""

from django.utils import timezone

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yimen.workdays.services import get_calendar, send_at

from . import notifications, services
from .models import Case


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


@db_task(retries=3, retry_delay=60)
def text_applicant(case_number, kind):
    notifications.text_applicant(case_number, kind)


def notifier(case_number: str, kind: str, recipients: list) -> None:
    """A `services.NOTIFIERS` entry: staff kinds go to the mail queue, the applicant's to the SMS
    queue, each at once or at the end of quiet hours (`workdays.services.send_at`)."""
    jobs = []
    if kind in notifications.SUBJECTS:
        jobs.append((mail_staff, (case_number, kind, recipients)))
    if "applicant" in recipients and kind in notifications.APPLICANT_TEXTS:
        jobs.append((text_applicant, (case_number, kind)))
    if not jobs:
        return
    center = Case.objects.filter(number=case_number).values_list("center__calendar_id", flat=True).first()
    eta = send_at(kind, timezone.now(), get_calendar(center))
    for task, args in jobs:
        if eta is None:
            task(*args)
        else:
            task.schedule(args, eta=eta)
