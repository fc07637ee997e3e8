"""Periodic queue work (huey): the day-end close at 20:00 local time."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from huey.contrib.djhuey import HUEY, db_periodic_task

CLOSE_AT = dt.time(20, 0)


def at_local(when: dt.time):
    """A huey schedule test for `when` in the project's TIME_ZONE: huey hands periodic tasks naive
    UTC timestamps (its `utc` default), which `crontab(hour=20)` would read as 20:00 UTC."""

    def validate(timestamp: dt.datetime) -> bool:
        aware = timestamp.replace(tzinfo=dt.UTC) if HUEY.utc else timezone.make_aware(timestamp)
        local = timezone.localtime(aware)
        return (local.hour, local.minute) == (when.hour, when.minute)

    return validate


@db_periodic_task(at_local(CLOSE_AT))
def close_queues():
    """Close every ticket still open today, and any left open on earlier days (missed runs)."""
    close_open_days()


def close_open_days(now: dt.datetime | None = None) -> int:
    from yimen.hall.models import Center

    from .models import Ticket
    from .services import OPEN_STATES, close_day

    now = now or timezone.now()
    pairs = list(Ticket.objects.filter(state__in=OPEN_STATES, business_date__lte=timezone.localdate(now))
             .values_list("center_id", "business_date").distinct().order_by("business_date", "center_id"))
    centers = {c.pk: c for c in Center.objects.filter(pk__in={c for c, _ in pairs})}
    return sum(close_day(centers[c], day, now=now) for c, day in pairs)
