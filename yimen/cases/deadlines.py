"""Case deadlines as pure functions (domain.md §2.3, §2.4).

Everything here is a function of a case's anchors (receipt, corrections, acceptance, decision
dates), its rules snapshot, its suspensions and extensions, and a calendar snapshot
(`workdays.calc.Calendar`, from `workdays.services.get_calendar`). The counting itself is
`workdays.calc.due`, the function behind `workdays.services.deadline`; taking the snapshot as an
argument (instead of `deadline()` re-reading the calendar version on every call) keeps these
functions pure and lets `services.recompute_open_deadlines` handle 100,000 cases with one
calendar read.

- `correction_notice_due` = received (or corrections received) + `correction_notice_wd` WD (T3);
- `legal_due` = accepted + legal limit + approved extensions (T6, T7);
- `promised_due` = accepted + promised limit (+ extensions only if `EXTENSION_MOVES_PROMISED_DUE`);
- `delivery_due` = decided + `delivery_wd` WD (T10);
- suspended days s < d <= e are skipped; an open suspension gives no date and a `remaining` count.

SLA status (per open deadline, then the worst) is the one rule of `yimen.workdays.sla`: `overdue`
after the due date, `due_today` on it, `warning` from the working day on which at most 2 WD remain
or 80 % of the working days have elapsed (provisional deadlines one working day earlier), otherwise
`ok` (`workdays.sla.SlaStatus`, which `cases.constants` re-exports).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from yimen.workdays import calc, sla

from .constants import IN_HANDLING, CaseState, DeadlineKind, Timeliness

provisional_shift_wd = sla.provisional_shift_wd
warning_from = sla.warning_from


def _strict() -> bool:
    return bool(getattr(settings, "CALENDAR_STRICT", False))


def extension_moves_promised_due() -> bool:
    return bool(getattr(settings, "EXTENSION_MOVES_PROMISED_DUE", False))


@dataclass(frozen=True)
class Anchors:
    """What the deadlines of one case depend on."""

    snapshot: dict
    received_on: date | None = None
    corrections_received_on: date | None = None
    accepted_on: date | None = None
    decided_on: date | None = None
    suspensions: tuple[tuple[date, date | None], ...] = ()
    extension_days: int = 0


@dataclass(frozen=True)
class Dues:
    correction_notice_due: date | None = None
    legal_due: date | None = None
    promised_due: date | None = None
    delivery_due: date | None = None
    provisional: bool = False
    legal_remaining: int | None = None  # working days still to run while a suspension is open
    promised_remaining: int | None = None

    def as_dict(self) -> dict:
        return {"correction_notice_due": self.correction_notice_due, "legal_due": self.legal_due,
                "promised_due": self.promised_due, "delivery_due": self.delivery_due,
                "provisional": self.provisional}


def _limit(anchor: date, n: int, unit: str, extension: int, suspensions, roll: bool,
           cal: calc.Calendar) -> tuple[calc.Due, int]:
    """Due date of a limit of n `unit` days plus `extension` working days; also the days to run."""
    if unit == "WD":
        d = calc.due(anchor, n + extension, cal, unit="WD", suspensions=suspensions, strict=_strict())
        return d, n + extension - d.counted
    d = calc.due(anchor, n, cal, unit="CD", suspensions=suspensions, roll_forward=roll, strict=_strict())
    if d.date is None or not extension:
        return d, n - d.counted + extension
    e = calc.due(d.date, extension, cal, unit="WD", suspensions=suspensions, strict=_strict())
    return calc.Due(e.date, d.provisional or e.provisional, d.counted + e.counted), extension - e.counted


def compute(a: Anchors, cal: calc.Calendar) -> Dues:
    """All four deadlines of a case from its anchors."""
    snap = a.snapshot
    roll = snap.get("roll_forward", True)
    provisional = False
    correction = legal = promised = delivery = None
    legal_left = promised_left = None
    notice_anchor = a.corrections_received_on or a.received_on
    if notice_anchor is not None:
        d = calc.due(notice_anchor, snap.get("correction_notice_wd", 5), cal, strict=_strict())
        correction, provisional = d.date, d.provisional
    if a.accepted_on is not None:
        spans = a.suspensions
        d, left = _limit(a.accepted_on, snap["legal_limit"], snap.get("legal_unit", "WD"), a.extension_days,
                         spans, roll, cal)
        legal, provisional = d.date, provisional or d.provisional
        legal_left = left if d.date is None else None
        ext = a.extension_days if extension_moves_promised_due() else 0
        d, left = _limit(a.accepted_on, snap["promised_limit"], snap.get("promised_unit", "WD"), ext, spans,
                         roll, cal)
        promised, provisional = d.date, provisional or d.provisional
        promised_left = left if d.date is None else None
    if a.decided_on is not None:
        d = calc.due(a.decided_on, snap.get("delivery_wd", 10), cal, strict=_strict())
        delivery, provisional = d.date, provisional or d.provisional
    return Dues(correction, legal, promised, delivery, provisional, legal_left, promised_left)


@dataclass(frozen=True)
class Clock:
    """One running deadline: what `sla_status`, `next_check_at` and escalations look at."""

    kind: str
    anchor: date
    due: date
    warning_from: date


def clocks(state: str, is_suspended: bool, a: Anchors, dues: Dues, cal: calc.Calendar) -> list[Clock]:
    """The deadlines running in `state`: the notice-or-accept clock while RECEIVED, the legal and
    promised limits while handled and not suspended, delivery after the decision."""
    pairs: list[tuple[str, date | None, date | None]] = []
    if state == CaseState.RECEIVED:
        pairs.append((DeadlineKind.CORRECTION_NOTICE, a.corrections_received_on or a.received_on,
                      dues.correction_notice_due))
    elif state in IN_HANDLING and not is_suspended:
        pairs += [(DeadlineKind.LEGAL, a.accepted_on, dues.legal_due),
                  (DeadlineKind.PROMISED, a.accepted_on, dues.promised_due)]
    elif state in (CaseState.DECIDED, CaseState.COMPLETED):
        pairs.append((DeadlineKind.DELIVERY, a.decided_on, dues.delivery_due))
    return [Clock(kind, anchor, due, warning_from(anchor, due, dues.provisional, cal))
            for kind, anchor, due in pairs if anchor is not None and due is not None]


def status_of(clock: Clock, today: date) -> str:
    return sla.status_on(today, clock.due, clock.warning_from)


def worst_status(running: Iterable[Clock], today: date) -> str:
    return sla.worst_status(status_of(c, today) for c in running)


def local_midnight(d: date) -> datetime:
    return timezone.make_aware(datetime.combine(d, time.min))


def next_check(running: Sequence[Clock], today: date) -> datetime | None:
    """The next local midnight at which a status changes (deemed acceptance included: it falls due
    the day after `correction_notice_due`, when that clock turns overdue)."""
    dates = [d for c in running for d in (c.warning_from, c.due, c.due + timedelta(days=1)) if d > today]
    return local_midnight(min(dates)) if dates else None


def timeliness(completed_on: date, promised_due: date | None, legal_due: date | None) -> str:
    """Measured against the promised limit (T13), the legal one when there is none: before the due
    date is early, on it on time, after it late."""
    due = promised_due or legal_due
    if due is None or completed_on == due:
        return Timeliness.ON_TIME
    return Timeliness.EARLY if completed_on < due else Timeliness.LATE
