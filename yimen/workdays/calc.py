"""Working-day arithmetic: pure functions over an immutable `Calendar` snapshot (domain.md §2).

Conventions (domain.md §2.1):
- the trigger day is not counted: day 1 is the first working day after `start`;
- a working day is a weekday that is not a holiday or swapped rest day, or an official
  make-up workday (调休补班), even on a weekend;
- `working_days_between(a, b)` counts working days d with a < d <= b, so
  `working_days_between(a, add_working_days(a, n)) == n`.

A `Calendar` holds only the exceptions to the weekly rule plus the set of verified years. It
builds, per year and on first use, the sorted ordinals of that year's working days, so every call
is a bisect: O(log 366) whatever n is. Nothing here touches the database or a holiday library.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import NamedTuple

__all__ = [
    "Calendar",
    "CalendarNotPublished",
    "Due",
    "add_working_days",
    "due",
    "is_workday",
    "span_is_provisional",
    "working_days_between",
]

ONE_DAY = timedelta(days=1)
MAX_DAYS = 1000


class CalendarNotPublished(Exception):
    """Strict mode: a computation reached a year without verified official data."""

    def __init__(self, year: int):
        self.year = year
        super().__init__(f"the official calendar for {year} is not published (verified) yet")


class Calendar:
    """Immutable snapshot of a work calendar: exceptions, weekly rest days and verified years."""

    __slots__ = ("exceptions", "rest_weekdays", "verified_years", "version", "_years")

    def __init__(
        self,
        exceptions: Mapping[date, bool] | None = None,
        rest_weekdays: Iterable[int] = (6, 7),
        verified_years: Iterable[int] = (),
        version: int = 0,
    ):
        rest = frozenset(rest_weekdays)
        if len(rest) >= 7 or not rest <= set(range(1, 8)):
            raise ValueError("weekly rest days must be ISO weekdays 1-7, leaving at least one working day")
        self.exceptions: dict[date, bool] = dict(exceptions or {})
        self.rest_weekdays = rest
        self.verified_years = frozenset(verified_years)
        self.version = version
        self._years: dict[int, list[int]] = {}

    def is_workday(self, d: date) -> bool:
        value = self.exceptions.get(d)
        if value is not None:
            return value
        return d.isoweekday() not in self.rest_weekdays

    def workday_ordinals(self, year: int) -> list[int]:
        """Sorted ordinals of the working days of `year` (cached)."""
        days = self._years.get(year)
        if days is None:
            d = date(year, 1, 1)
            end = date(year, 12, 31).toordinal()
            o = d.toordinal()
            days = []
            while o <= end:
                if self.is_workday(d):
                    days.append(o)
                d += ONE_DAY
                o += 1
            self._years[year] = days
        return days

    def is_verified(self, year: int) -> bool:
        return year in self.verified_years

    def check_published(self, first: date, last: date) -> None:
        for year in range(first.year, last.year + 1):
            if year not in self.verified_years:
                raise CalendarNotPublished(year)


class Due(NamedTuple):
    """Result of `due`: the due date (None while a suspension is open), provisional flag, days counted."""

    date: date | None
    provisional: bool
    counted: int


def is_workday(d: date, cal: Calendar) -> bool:
    return cal.is_workday(d)


def span_is_provisional(start: date, end: date, cal: Calendar) -> bool:
    """True when any day d with start < d <= end lies in a year without verified data."""
    if end <= start:
        return False
    first = start + ONE_DAY
    return any(y not in cal.verified_years for y in range(first.year, end.year + 1))


def add_working_days(start: date, n: int, cal: Calendar, *, strict: bool = False) -> date:
    """The n-th working day after `start` (start not counted); n = 0 returns start."""
    if n < 0:
        raise ValueError("n must be >= 0")
    if n == 0:
        return start
    year = start.year
    days = cal.workday_ordinals(year)
    i = bisect_right(days, start.toordinal())
    while True:
        remaining = len(days) - i
        if n <= remaining:
            result = date.fromordinal(days[i + n - 1])
            break
        n -= remaining
        year += 1
        days = cal.workday_ordinals(year)
        i = 0
    if strict:
        cal.check_published(start + ONE_DAY, result)
    return result


def working_days_between(a: date, b: date, cal: Calendar, *, strict: bool = False) -> int:
    """Working days d with a < d <= b (negative when b < a)."""
    if b < a:
        return -working_days_between(b, a, cal, strict=strict)
    if strict and b > a:
        cal.check_published(a + ONE_DAY, b)
    ao, bo = a.toordinal(), b.toordinal()
    if a.year == b.year:
        days = cal.workday_ordinals(a.year)
        return bisect_right(days, bo) - bisect_right(days, ao)
    first = cal.workday_ordinals(a.year)
    total = len(first) - bisect_right(first, ao)
    for year in range(a.year + 1, b.year):
        total += len(cal.workday_ordinals(year))
    return total + bisect_right(cal.workday_ordinals(b.year), bo)


def due(
    anchor: date,
    n: int,
    cal: Calendar,
    *,
    unit: str = "WD",
    suspensions: Iterable[tuple[date, date | None]] = (),
    roll_forward: bool = True,
    strict: bool = False,
) -> Due:
    """Deadline of domain.md §2.4: n working (WD) or calendar (CD) days after `anchor`.

    A suspension (s, e) excludes the days d with s < d <= e: its start day counts, its resume day
    does not. While a suspension is open (e is None) there is no due date and `counted` tells how
    many days have run. A CD deadline on a rest day rolls to the next working day when
    `roll_forward`.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    spans = [(s, e) for s, e in suspensions]
    if unit == "WD" and not spans:
        result = add_working_days(anchor, n, cal, strict=strict)
        return Due(result, span_is_provisional(anchor, result, cal), n)
    d, counted, provisional = anchor, 0, False
    while counted < n:
        d += ONE_DAY
        provisional = provisional or not cal.is_verified(d.year)
        suspended = False
        for s, e in spans:
            if s < d and (e is None or d <= e):
                if e is None:
                    return Due(None, provisional, counted)
                suspended = True
                break
        if suspended:
            continue
        if unit == "CD" or cal.is_workday(d):
            counted += 1
    if unit == "CD" and roll_forward and not cal.is_workday(d):
        rolled = add_working_days(d, 1, cal)
        provisional = provisional or span_is_provisional(d, rolled, cal)
        d = rolled
    if strict:
        cal.check_published(anchor + ONE_DAY, d)
    return Due(d, provisional, counted)
