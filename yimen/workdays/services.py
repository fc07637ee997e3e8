"""Public API of the working-day calendar.

- `get_calendar()` returns the immutable `calc.Calendar` snapshot of the default calendar, cached
  in memory per database `version` (one cheap query checks the version, so all processes agree).
- `add_working_days`, `working_days_between`, `deadline` wrap the pure functions of `calc` with
  that snapshot and the `CALENDAR_STRICT` setting.
- `seed_from_chinesecalendar()` inserts missing rows only (administrator rows win), idempotent.
- `set_day()` / `delete_day()` / `set_year_status()` are the only ways to edit calendar data:
  each writes an audit event with before/after and bumps the calendar version.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yimen.auditlog.services import log_action

from . import calc
from .calc import CalendarNotPublished, Due
from .constants import WORKING_KINDS, DayKind, YearStatus
from .models import CalendarDay, CalendarYear, WorkCalendar
from .signals import announce

__all__ = [
    "CalendarNotPublished",
    "CalendarStatus",
    "Due",
    "add_working_days",
    "calendar_status",
    "deadline",
    "default_calendar",
    "delete_day",
    "get_calendar",
    "is_workday",
    "seed_from_chinesecalendar",
    "send_at",
    "set_day",
    "set_year_status",
    "working_days_between",
]

_lock = threading.Lock()
_cache: dict[int, calc.Calendar] = {}


def default_calendar() -> WorkCalendar:
    cal = WorkCalendar.objects.filter(is_default=True).first()
    if cal is None:
        cal, _ = WorkCalendar.objects.get_or_create(
            code="cn-mainland",
            defaults={"name": "中国大陆工作日历", "is_default": True, "weekly_rest_days": [6, 7]},
        )
    return cal


def _build(cal: WorkCalendar) -> calc.Calendar:
    exceptions = dict(CalendarDay.objects.filter(calendar=cal).values_list("date", "is_workday"))
    verified = CalendarYear.objects.filter(calendar=cal, status=YearStatus.VERIFIED).values_list("year", flat=True)
    return calc.Calendar(exceptions, cal.weekly_rest_days, verified, version=cal.version)


def get_calendar(calendar_id: int | None = None) -> calc.Calendar:
    """The snapshot for a calendar (default: the default one), rebuilt only when its version moved."""
    qs = WorkCalendar.objects.filter(pk=calendar_id) if calendar_id else WorkCalendar.objects.filter(is_default=True)
    row = qs.values_list("pk", "version").first()
    if row is None:
        row = (default_calendar().pk, 1)
    pk, version = row
    snap = _cache.get(pk)
    if snap is None or snap.version != version:
        with _lock:
            snap = _build(WorkCalendar.objects.get(pk=pk))
            _cache[pk] = snap
    return snap


def is_workday(d: date, *, calendar_id: int | None = None) -> bool:
    return get_calendar(calendar_id).is_workday(d)


def add_working_days(start: date, n: int, *, calendar_id: int | None = None) -> date:
    return calc.add_working_days(start, n, get_calendar(calendar_id), strict=settings.CALENDAR_STRICT)


def working_days_between(a: date, b: date, *, calendar_id: int | None = None) -> int:
    return calc.working_days_between(a, b, get_calendar(calendar_id), strict=settings.CALENDAR_STRICT)


def deadline(anchor: date, n: int, *, unit: str = "WD", suspensions=(), roll_forward: bool = True,
             calendar_id: int | None = None) -> Due:
    """The one deadline computation every app uses (domain.md §2.4)."""
    return calc.due(anchor, n, get_calendar(calendar_id), unit=unit, suspensions=suspensions,
                    roll_forward=roll_forward, strict=settings.CALENDAR_STRICT)


def _bump(cal: WorkCalendar) -> None:
    WorkCalendar.objects.filter(pk=cal.pk).update(version=F("version") + 1)


def _day_state(day: CalendarDay | None) -> dict | None:
    if day is None:
        return None
    return {"kind": day.kind, "is_workday": day.is_workday, "name": day.name, "source": day.source, "note": day.note}


@transaction.atomic
def set_day(d: date, kind: str, *, name: str = "", note: str = "", by=None, source: str = "admin",
            calendar: WorkCalendar | None = None) -> CalendarDay:
    """Create or change the exception for one date (audit event with before/after)."""
    cal = calendar or default_calendar()
    kind = DayKind(kind)
    day = CalendarDay.objects.filter(calendar=cal, date=d).first()
    before = _day_state(day)
    if day is None:
        day = CalendarDay(calendar=cal, date=d)
    day.kind, day.is_workday, day.name, day.note, day.source = kind, kind in WORKING_KINDS, name, note, source
    day.full_clean()
    day.save()
    _bump(cal)
    log_action(day, "workdays.day.set", by, {"date": d, "before": before, "after": _day_state(day)})
    announce(cal, [d])
    return day


@transaction.atomic
def delete_day(day: CalendarDay, *, by=None) -> None:
    """Remove an exception an administrator added. Seeded rows are changed, never deleted, so that a
    re-seed cannot bring back what an administrator meant to remove."""
    if day.source.startswith("seed:"):
        raise ValueError("seeded calendar days cannot be deleted; change their kind instead")
    before = _day_state(day)
    log_action(day.calendar, "workdays.day.deleted", by, {"date": day.date, "before": before})
    day.delete()
    _bump(day.calendar)
    announce(day.calendar, [day.date])


@transaction.atomic
def set_year_status(year: int, status: str, *, source_document: str = "", by=None,
                    calendar: WorkCalendar | None = None) -> CalendarYear:
    cal = calendar or default_calendar()
    row, _ = CalendarYear.objects.get_or_create(calendar=cal, year=year)
    before = row.status
    row.status = YearStatus(status)
    if source_document:
        row.source_document = source_document
    if row.status == YearStatus.VERIFIED:
        row.verified_by = by if getattr(by, "pk", None) else None
        row.verified_at = timezone.now()
    row.save()
    _bump(cal)
    log_action(row, "workdays.year.status", by, {"year": year, "before": before, "after": row.status})
    announce(cal)
    return row


@transaction.atomic
def seed_from_chinesecalendar(*, calendar: WorkCalendar | None = None) -> dict:
    """Insert the exceptions known to `chinesecalendar` that are missing; never overwrite a row.

    Weekday holidays become statutory holidays (or swapped rest days when the library marks them
    in lieu), weekend working days become make-up workdays. Seeded years become verified
    (CALENDAR_SEED_MARKS_VERIFIED) unless an administrator already set their status.
    Returns counts; a second run inserts nothing.
    """
    import chinese_calendar  # the only place the library is used: a command, never a request

    version = getattr(chinese_calendar, "__version__", "unknown")
    source = f"seed:chinesecalendar@{version}"
    cal = calendar or default_calendar()
    existing = set(CalendarDay.objects.filter(calendar=cal).values_list("date", flat=True))
    new_days: list[CalendarDay] = []
    years: set[int] = set()
    for d, name in chinese_calendar.holidays.items():
        years.add(d.year)
        if d.isoweekday() in cal.weekly_rest_days or d in existing:
            continue
        kind = DayKind.SWAPPED_REST if chinese_calendar.is_in_lieu(d) else DayKind.STATUTORY_HOLIDAY
        new_days.append(CalendarDay(calendar=cal, date=d, kind=kind, is_workday=False, name=name or "", source=source))
    for d, name in chinese_calendar.workdays.items():
        if d.isoweekday() not in cal.weekly_rest_days or d in existing:
            continue
        years.add(d.year)
        new_days.append(CalendarDay(calendar=cal, date=d, kind=DayKind.MAKEUP_WORKDAY, is_workday=True,
                                    name=name or "", source=source))
    CalendarDay.objects.bulk_create(new_days)
    status = YearStatus.VERIFIED if settings.CALENDAR_SEED_MARKS_VERIFIED else YearStatus.PROVISIONAL
    known = set(CalendarYear.objects.filter(calendar=cal).values_list("year", flat=True))
    new_years = [
        CalendarYear(calendar=cal, year=y, status=status, source_document=f"国务院办公厅节假日安排通知 ({source})",
                     verified_at=timezone.now() if status == YearStatus.VERIFIED else None)
        for y in sorted(years - known)
    ]
    CalendarYear.objects.bulk_create(new_years)
    if new_days or new_years:
        _bump(cal)
        log_action(cal, "workdays.calendar.seeded", None,
                   {"source": source, "days_added": len(new_days), "years_added": [y.year for y in new_years]})
        announce(cal, [d.date for d in new_days] or None)
    return {"days_added": len(new_days), "years_added": [y.year for y in new_years]}


@dataclass(frozen=True)
class CalendarStatus:
    years_loaded: list[int]
    verified_years: list[int]
    last_verified_year: int | None
    warning: str | None


def calendar_status(today: date | None = None) -> CalendarStatus:
    """For the health endpoint and the admin banner (domain.md §2.5: warn once today + 60 WD is unverified)."""
    cal = default_calendar()
    rows = list(CalendarYear.objects.filter(calendar=cal).values_list("year", "status"))
    verified = sorted(y for y, s in rows if s == YearStatus.VERIFIED)
    today = today or timezone.localdate()
    warning = None
    horizon = calc.add_working_days(today, 60, get_calendar(cal.pk))
    if horizon.year not in verified:
        warning = f"calendar year {horizon.year} is not verified; deadlines reaching it are provisional"
    return CalendarStatus(sorted(y for y, _ in rows), verified, verified[-1] if verified else None, warning)


# --- notification quiet hours (domain.md §8): cases, evaluations and appointments notify by them

def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def send_at(kind: str, now: datetime, cal: calc.Calendar) -> datetime | None:
    """When a notification raised at `now` may go out: None for at once (working hours of a working
    day, or a critical kind), else the start of the next working day (domain.md §8 quiet hours)."""
    if kind in settings.NOTIFY_CRITICAL:
        return None
    local = timezone.localtime(now)
    start, end = _clock(settings.NOTIFY_DAY_START), _clock(settings.NOTIFY_DAY_END)
    day = local.date()
    if calc.is_workday(day, cal) and start <= local.time() < end:
        return None
    if not (calc.is_workday(day, cal) and local.time() < start):
        day = calc.add_working_days(day, 1, cal)
    return timezone.make_aware(datetime.combine(day, start))
