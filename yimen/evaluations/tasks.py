"""Evaluations background work (huey): the overdue sweep of work orders every 5 minutes and its
mail to the center's managers (queued after commit), and the evaluation invitation texted to the
applicant when a case is completed (一事一评), outside quiet hours."""

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from yimen.cases.models import Case
from yimen.workdays.services import get_calendar, send_at

from . import overdue, services

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*/5"))
def sweep_overdue_reviews():
    overdue.sweep()


@db_task(retries=3, retry_delay=60)
def mail_escalation(escalation_id):
    overdue.mail_escalation(escalation_id)


@db_task(retries=2, retry_delay=60)
def text_evaluation_link(case_number):
    case = Case.objects.filter(number=case_number).first()
    if case is None:
        return
    try:
        services.send_evaluation_link(
            case, url_for=lambda token: settings.SITE_URL.rstrip("/") + reverse("evaluations:rate", args=[token]))
    except services.EvaluationError as exc:  # rated at the pad already, no phone …: nothing to send
        log.info("case %s: no evaluation SMS (%s)", case.number, exc.code)


def invite_on_completion(case_number: str, kind: str, recipients: list) -> None:
    """A `cases.services.NOTIFIERS` entry: a completed case's applicant is invited to rate it."""
    if kind != "completed" or "applicant" not in recipients:
        return
    calendar_id = Case.objects.filter(number=case_number).values_list("center__calendar_id", flat=True).first()
    eta = send_at(kind, timezone.now(), get_calendar(calendar_id))
    if eta is None:
        text_evaluation_link(case_number)
    else:
        text_evaluation_link.schedule((case_number,), eta=eta)
