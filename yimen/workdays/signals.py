"""`calendar_changed`: sent after the commit of any calendar edit (a day set or deleted, a year's
status changed, a re-seed), with `calendar` and `dates` (the changed dates, or None: any date).
Apps whose stored deadlines depend on the calendar (cases) listen and recompute; the calendar
itself never imports them."""

from django.db import transaction
from django.dispatch import Signal

calendar_changed = Signal()


def announce(calendar, dates=None) -> None:
    """Send `calendar_changed` once the current transaction commits (at once outside one)."""
    dates = sorted(set(dates)) if dates is not None else None
    transaction.on_commit(lambda: calendar_changed.send(sender=type(calendar), calendar=calendar, dates=dates))
