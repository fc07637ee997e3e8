"""SLA status of a deadline, computed on read (domain.md §2.4, §2.5): the one rule, used by cases,
inquiries and cannot-handle reports.

`ok` → `warning` (≤ 2 working days left, or ≥ 80 % of the working days from anchor to due date
elapsed) → `due_today` → `overdue` (the local date is after the due date). A provisional deadline
(a year without verified calendar data) enters `warning` `PROVISIONAL_WARNING_SHIFT_WD` working
days earlier (setting, default 1). An object's status is its worst open deadline.

- `warning_from(anchor, due, provisional, cal)`: the first day in `warning` (what a sweep schedules);
- `status_on(today, due, warning_from)`: the status on a local date;
- `sla_status(due, anchor=…, today=…)`: status, working days left and due date in one `Sla`;
- `worst(*slas)`, `worst_status(statuses)`: the worst of several deadlines.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.workdays import calc
from yimen.workdays.services import get_calendar

__all__ = ["SLA_RANK", "WARNING_ELAPSED", "WARNING_LEFT_WD", "Sla", "SlaStatus", "provisional_shift_wd",
           "sla_status", "status_on", "warning_from", "worst", "worst_status"]

WARNING_LEFT_WD = 2
WARNING_ELAPSED = 0.8


class SlaStatus(models.TextChoices):
    OK = "ok", _("On track")
    WARNING = "warning", _("Due soon")
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE = "overdue", _("Overdue")


SLA_RANK = {SlaStatus.OK: 0, SlaStatus.WARNING: 1, SlaStatus.DUE_TODAY: 2, SlaStatus.OVERDUE: 3}


def provisional_shift_wd() -> int:
    """How many working days earlier a provisional deadline enters `warning` (domain.md §2.5)."""
    return int(getattr(settings, "PROVISIONAL_WARNING_SHIFT_WD", 1))


def warning_from(anchor: date, due: date, provisional: bool, cal: calc.Calendar) -> date:
    """First day in `warning`: at most 2 WD left (3 when provisional) or 80 % of the WD elapsed."""
    total = calc.working_days_between(anchor, due, cal)
    left = WARNING_LEFT_WD + (provisional_shift_wd() if provisional else 0)
    step = max(0, min(total - left, math.ceil(WARNING_ELAPSED * total)))
    return calc.add_working_days(anchor, step, cal)


def status_on(today: date, due: date, warning_from: date) -> SlaStatus:
    if today > due:
        return SlaStatus.OVERDUE
    if today == due:
        return SlaStatus.DUE_TODAY
    if today >= warning_from:
        return SlaStatus.WARNING
    return SlaStatus.OK


def worst_status(statuses: Iterable[str]) -> SlaStatus:
    """The worst of some statuses; `ok` when there are none."""
    return SlaStatus(max(statuses, key=SLA_RANK.__getitem__, default=SlaStatus.OK))


class Sla(NamedTuple):
    status: SlaStatus
    wd_left: int  # working days after today up to the due date; negative when overdue
    due: date


def sla_status(due: date, *, anchor: date, today: date, provisional: bool = False,
               calendar: calc.Calendar | None = None, calendar_id: int | None = None) -> Sla:
    """Status of a deadline `due` that started counting on `anchor` (≤ `today`), seen on local date `today`.

    Pass the `calendar` snapshot (`get_calendar(center.calendar_id)`) when computing many rows;
    otherwise it is read per call. Reading a status never raises for an unpublished year."""
    cal = calendar or get_calendar(calendar_id)
    if today > due:
        return Sla(SlaStatus.OVERDUE, -calc.working_days_between(due, today, cal), due)
    if today == due:
        return Sla(SlaStatus.DUE_TODAY, 0, due)
    return Sla(status_on(today, due, warning_from(anchor, due, provisional, cal)),
               calc.working_days_between(today, due, cal), due)


def worst(*slas: Sla | None) -> Sla | None:
    """An object's status is its worst open deadline (the earliest due date on a tie)."""
    present = [s for s in slas if s is not None]
    if not present:
        return None
    return max(present, key=lambda s: (SLA_RANK[s.status], -s.due.toordinal()))
