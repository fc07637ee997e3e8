"""SLA status of one deadline, computed on read (domain.md §2.4).

`ok` → `warning` (≤ 2 working days left, or ≥ 80 % of the working days elapsed) → `due_today` →
`overdue` (the local date is after the due date). A provisional deadline (a year without verified
calendar data) enters `warning` one working day earlier (domain.md §2.5).

Generic: inquiries and cannot-handle reports use it. `yimen.cases.deadlines` implements the same
rule for cases (as a warning-from date); both belong in one place in `yimen.workdays`.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.workdays import calc
from yimen.workdays.services import get_calendar

__all__ = ["SlaStatus", "Sla", "sla_status", "worst"]

WARNING_WD_LEFT = 2
WARNING_ELAPSED = 0.8


class SlaStatus(models.TextChoices):
    OK = "ok", _("On track")
    WARNING = "warning", _("Due soon")
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE = "overdue", _("Overdue")


_RANK = {SlaStatus.OK: 0, SlaStatus.WARNING: 1, SlaStatus.DUE_TODAY: 2, SlaStatus.OVERDUE: 3}


class Sla(NamedTuple):
    status: SlaStatus
    wd_left: int  # working days after today up to the due date; negative when overdue
    due: date


def sla_status(due: date, *, anchor: date, today: date, provisional: bool = False,
               calendar: calc.Calendar | None = None, calendar_id: int | None = None) -> Sla:
    """Status of a deadline `due` that started counting on `anchor`, seen on local date `today`.

    Pass the `calendar` snapshot (`get_calendar(center.calendar_id)`) when computing many rows;
    otherwise it is read per call. Reading a status never raises for an unpublished year."""
    cal = calendar or get_calendar(calendar_id)

    def between(a: date, b: date) -> int:
        return calc.working_days_between(a, b, cal)

    if today > due:
        return Sla(SlaStatus.OVERDUE, -between(due, today), due)
    if today == due:
        return Sla(SlaStatus.DUE_TODAY, 0, due)
    left = between(today, due)
    total = between(anchor, due) if anchor < due else 0
    elapsed = total - left
    shift = int(getattr(settings, "PROVISIONAL_WARNING_SHIFT_WD", 1)) if provisional else 0  # as cases.deadlines
    threshold = WARNING_WD_LEFT + shift
    if left <= threshold or (total and elapsed / total >= WARNING_ELAPSED):
        return Sla(SlaStatus.WARNING, left, due)
    return Sla(SlaStatus.OK, left, due)


def worst(*slas: Sla | None) -> Sla | None:
    """An object's status is its worst open deadline (the earliest due date on a tie)."""
    present = [s for s in slas if s is not None]
    if not present:
        return None
    return max(present, key=lambda s: (_RANK[s.status], -s.due.toordinal()))
