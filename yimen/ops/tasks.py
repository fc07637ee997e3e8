"""Periodic background work (huey). Each task wraps an idempotent service function."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from . import services


@db_periodic_task(crontab(minute="*"))
def heartbeat():
    services.beat()


@db_periodic_task(crontab(minute="*/5"))
def sweep():
    """The one periodic sweep (domain.md §2.6); later issues add their due work here."""
    from yimen.catalog.services import take_effect_due_changes

    services.beat()
    take_effect_due_changes()
