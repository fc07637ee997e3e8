"""Evaluations background work (huey): the overdue sweep of work orders every 5 minutes and its
mail to the center's managers (queued after commit)."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from . import overdue


@db_periodic_task(crontab(minute="*/5"))
def sweep_overdue_reviews():
    overdue.sweep()


@db_task(retries=3, retry_delay=60)
def mail_escalation(escalation_id):
    overdue.mail_escalation(escalation_id)
