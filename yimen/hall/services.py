"""Public API of the hall: opening hours now; shifts, AB posts, terminals and devices follow."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from yimen.workdays.services import is_workday

from .models import Center


def is_open(center: Center, at: datetime | None = None) -> bool:
    """Open when `at` is a working day of the center's calendar and inside one of its spans."""
    local = timezone.localtime(at or timezone.now())
    if not is_workday(local.date(), calendar_id=center.calendar_id):
        return False
    hours = center.opening_hours or {}
    # a make-up working Saturday or Sunday (调休) keeps ordinary weekday hours
    spans = hours.get(str(local.isoweekday())) or (hours.get("1") if local.isoweekday() > 5 else None) or []
    hhmm = local.strftime("%H:%M")
    return any(start <= hhmm < end for start, end in spans)
