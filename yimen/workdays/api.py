"""Calendar API: working-day arithmetic over the official calendar."""

from datetime import date

from django.conf import settings
from django.http import HttpRequest

from ninja import Router, Schema, Status

from yimen.lib.api import ErrorOut, error

from . import calc
from .services import get_calendar

router = Router(tags=["calendar"])

MAX_DAYS = calc.MAX_DAYS


class AddOut(Schema):
    start: date
    days: int
    due: date
    provisional: bool


class BetweenOut(Schema):
    start: date
    end: date
    workdays: int
    provisional: bool


def _parse_date(value: str, name: str) -> date:
    try:
        d = date.fromisoformat((value or "").strip())
    except ValueError:
        raise ValueError(f"{name} must be a date written YYYY-MM-DD, got {value!r}") from None
    if not 1900 <= d.year <= 2200:
        raise ValueError(f"{name} must lie between 1900 and 2200")
    return d


@router.get("/add-workdays", response={200: AddOut, 400: ErrorOut, 422: ErrorOut},
            summary="The date N working days after start (start not counted)")
def add_workdays(request: HttpRequest, start: str, days: str):
    try:
        d = _parse_date(start, "start")
    except ValueError as exc:
        return error(400, "bad_date", str(exc))
    try:
        n = int(days)
    except (TypeError, ValueError):
        return error(400, "bad_days", f"days must be a whole number between 0 and {MAX_DAYS}, got {days!r}")
    if not 0 <= n <= MAX_DAYS:
        return error(400, "bad_days", f"days must be between 0 and {MAX_DAYS}, got {n}")
    cal = get_calendar()
    try:
        due = calc.add_working_days(d, n, cal, strict=settings.CALENDAR_STRICT)
    except calc.CalendarNotPublished as exc:
        return error(422, "calendar_not_published", str(exc))
    return Status(200, {"start": d, "days": n, "due": due, "provisional": calc.span_is_provisional(d, due, cal)})


@router.get("/workdays-between", response={200: BetweenOut, 400: ErrorOut, 422: ErrorOut},
            summary="Working days d with start < d <= end")
def workdays_between(request: HttpRequest, start: str, end: str):
    try:
        a, b = _parse_date(start, "start"), _parse_date(end, "end")
    except ValueError as exc:
        return error(400, "bad_date", str(exc))
    if abs((b - a).days) > 3660:
        return error(400, "range_too_long", "the range may span at most ten years")
    cal = get_calendar()
    try:
        n = calc.working_days_between(a, b, cal, strict=settings.CALENDAR_STRICT)
    except calc.CalendarNotPublished as exc:
        return error(422, "calendar_not_published", str(exc))
    lo, hi = min(a, b), max(a, b)
    return Status(200, {"start": a, "end": b, "workdays": n, "provisional": calc.span_is_provisional(lo, hi, cal)})
