"""In-process speed of the working-day arithmetic (yimen.workdays.calc), goal >= 200,000 calls/s.

The `Calendar` is built like `seed_from_chinesecalendar` builds the real one: weekday holidays become
rest days, weekend make-up days become working days, every year the library knows is verified. Calls use
random starts across 2020-2026 and n in 1..60, pre-generated so the loop measures only the calls.
"""

from __future__ import annotations

import random
import statistics
import time
from datetime import date, timedelta

GOAL_CALLS_PER_S = 200_000
CALLS = 100_000
PASSES = 10
SERVICE_CALLS = 3_000
FIRST, LAST = date(2020, 1, 1), date(2026, 12, 31)


def build_calendar():
    import chinese_calendar

    from yimen.workdays.calc import Calendar

    rest = (6, 7)
    exceptions: dict[date, bool] = {}
    years: set[int] = set()
    for d in chinese_calendar.holidays:
        years.add(d.year)
        if d.isoweekday() not in rest:
            exceptions[d] = False
    for d in chinese_calendar.workdays:
        if d.isoweekday() in rest:
            years.add(d.year)
            exceptions[d] = True
    return Calendar(exceptions, rest, years, version=1)


def _rate(fn, args: list[tuple], cal, passes: int = PASSES) -> dict:
    times = []
    for _ in range(passes):
        t0 = time.perf_counter()
        for a, b in args:
            fn(a, b, cal)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {
        "calls_per_s": round(len(args) / median),
        "best_calls_per_s": round(len(args) / min(times)),
        "ns_per_call": round(median / len(args) * 1e9),
        "calls_per_pass": len(args),
        "passes": passes,
    }


def _service_wrapper(cal, args: list[tuple]) -> dict:
    """`yimen.workdays.services.add_working_days` on the bench DB: the same arithmetic plus the per-call
    calendar-version query of `get_calendar()`; also checks the seeded DB calendar equals `cal`."""
    from bench import yimen_db

    yimen_db.prepare()
    from yimen.workdays import services

    snap = services.get_calendar()
    services.add_working_days(args[0][0], args[0][1])
    t0 = time.perf_counter()
    for s, n in args:
        services.add_working_days(s, n)
    elapsed = time.perf_counter() - t0
    return {
        "calls_per_s": round(len(args) / elapsed),
        "ns_per_call": round(elapsed / len(args) * 1e9),
        "calls": len(args),
        "db_calendar_matches": snap.exceptions == cal.exceptions and snap.verified_years == cal.verified_years,
        "note": "one query per call (get_calendar checks the calendar version)",
    }


def run() -> dict:
    from yimen.workdays import calc

    rng = random.Random(20261127)
    span = (LAST - FIRST).days
    starts = [FIRST + timedelta(days=rng.randrange(span + 1)) for _ in range(CALLS)]
    add_args = [(s, rng.randint(1, 60)) for s in starts]
    between_args = [(s, s + timedelta(days=rng.randint(0, 90))) for s in starts]

    t0 = time.perf_counter()
    cal = build_calendar()
    for s, n in add_args:  # first pass: builds the per-year working-day tables
        calc.add_working_days(s, n, cal)
    cold_s = time.perf_counter() - t0

    consistent = all(calc.working_days_between(s, calc.add_working_days(s, n, cal), cal) == n
                     for s, n in add_args[:10_000])
    add = _rate(calc.add_working_days, add_args, cal)
    between = _rate(calc.working_days_between, between_args, cal)
    last_verified = max(cal.verified_years)
    strict_args = [(s, n) for s, n in add_args if calc.add_working_days(s, n, cal).year <= last_verified]
    strict = _rate(lambda s, n, c: calc.add_working_days(s, n, c, strict=True), strict_args, cal, passes=3)
    service = _service_wrapper(cal, add_args[:SERVICE_CALLS])
    return {
        "calendar": {"exceptions": len(cal.exceptions), "verified_years": [min(cal.verified_years),
                                                                           max(cal.verified_years)],
                     "build_and_first_pass_s": round(cold_s, 3)},
        "inputs": f"{CALLS} random starts {FIRST}..{LAST}, n in 1..60 (between: b = a + 0..90 days)",
        "add_working_days": {**add, "goal_calls_per_s": GOAL_CALLS_PER_S,
                             "goal_met": add["calls_per_s"] >= GOAL_CALLS_PER_S},
        "add_working_days_strict": {**strict, "inputs": "the same calls, minus those ending after the last "
                                                        "verified year (strict mode raises there)"},
        "working_days_between": between,
        "roundtrip_consistent": consistent,
        "service_wrapper": service,
    }


def summary(r: dict) -> str:
    a, b = r["add_working_days"], r["working_days_between"]
    return (f"add_working_days {a['calls_per_s']:,} calls/s (goal {GOAL_CALLS_PER_S:,}: "
            f"{'met' if a['goal_met'] else 'NOT met'}), working_days_between {b['calls_per_s']:,} calls/s, "
            f"services.add_working_days (DB) {r['service_wrapper']['calls_per_s']:,} calls/s")
