"""The worked examples of domain.md §7.1 and §7.4, on the seeded official calendar."""

from datetime import date

import pytest

from yimen.workdays import calc
from yimen.workdays.calc import CalendarNotPublished, add_working_days, due, working_days_between


def d(s: str) -> date:
    return date.fromisoformat(s if len(s) == 10 else f"2026-{s}")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        ("02-12", 1, "02-13"),
        ("02-13", 1, "02-14"),  # make-up Saturday
        ("02-14", 1, "02-24"),
        ("02-18", 1, "02-24"),  # from a holiday
        ("02-27", 1, "02-28"),  # make-up Saturday
        ("02-12", 2, "02-14"),
        ("04-28", 5, "05-08"),
        ("05-08", 1, "05-09"),  # make-up Saturday
        ("06-18", 1, "06-22"),
        ("02-12", 0, "02-12"),
        ("2026-12-24", 5, "2026-12-31"),
    ],
)
def test_add_working_days_table(calendar, start, n, expected):
    assert add_working_days(d(start), n, calendar) == d(expected)


def test_weekly_rule_alone_differs_on_makeup_saturday():
    bare = calc.Calendar(verified_years=[2026])
    assert add_working_days(d("02-12"), 2, bare) == d("02-16")


def test_working_days_between_table(calendar):
    assert working_days_between(d("02-13"), d("02-28"), calendar) == 6
    assert working_days_between(d("02-28"), d("02-13"), calendar) == -6
    assert working_days_between(d("02-13"), d("02-13"), calendar) == 0


@pytest.mark.parametrize(("month", "count"), [(2, 16), (3, 22), (4, 21), (5, 19), (6, 21)])
def test_working_days_per_month_2026(calendar, month, count):
    first = date(2026, month, 1)
    last = date(2026, month + 1, 1)
    # closed range [first, last) == (first - 1 day, last - 1 day]
    assert working_days_between(date.fromordinal(first.toordinal() - 1), date.fromordinal(last.toordinal() - 1),
                                calendar) == count


@pytest.mark.parametrize("day", ["2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"])
def test_every_2026_makeup_day_is_a_workday(calendar, day):
    assert calendar.is_workday(date.fromisoformat(day))
    assert date.fromisoformat(day).isoweekday() in (6, 7)


@pytest.mark.parametrize("day", ["2026-02-16", "2026-02-23", "2026-04-06", "2026-05-05", "2026-06-19", "2026-10-07"])
def test_holidays_are_rest_days(calendar, day):
    assert not calendar.is_workday(date.fromisoformat(day))


def test_inverse_property_over_a_year(calendar):
    start = d("2026-01-01")
    for n in range(0, 260):
        assert working_days_between(start, add_working_days(start, n, calendar), calendar) == n


def test_december_2026_into_unverified_2027_is_provisional(calendar):
    result = due(d("2026-12-28"), 5, calendar)
    assert result.date == d("2027-01-04")
    assert result.provisional is True
    assert due(d("2026-12-24"), 5, calendar).provisional is False


def test_strict_mode_raises_for_unpublished_year(calendar):
    with pytest.raises(CalendarNotPublished) as exc:
        add_working_days(d("2026-12-28"), 5, calendar, strict=True)
    assert exc.value.year == 2027
    assert add_working_days(d("2026-12-24"), 5, calendar, strict=True) == d("2026-12-31")


def test_2027_verified_later_with_new_years_day_moves_the_date(calendar):
    exceptions = dict(calendar.exceptions)
    exceptions[d("2027-01-01")] = False
    later = calc.Calendar(exceptions, verified_years=set(calendar.verified_years) | {2027})
    assert due(d("2026-12-28"), 5, later) == (d("2027-01-05"), False, 5)


class TestSuspensionsAndExtensions:
    """domain.md §7.2 deadline rows: accepted 02-02 with 20 WD."""

    def test_plain(self, calendar):
        assert due(d("02-02"), 20, calendar).date == d("03-06")

    def test_suspended(self, calendar):
        assert due(d("02-02"), 20, calendar, suspensions=[(d("02-05"), d("02-26"))]).date == d("03-20")

    def test_suspended_and_extended(self, calendar):
        assert due(d("02-02"), 30, calendar, suspensions=[(d("02-05"), d("02-26"))]).date == d("04-03")

    def test_21_days_across_qingming(self, calendar):
        assert due(d("02-02"), 31, calendar, suspensions=[(d("02-05"), d("02-26"))]).date == d("04-07")

    def test_open_suspension_has_no_date(self, calendar):
        result = due(d("02-02"), 20, calendar, suspensions=[(d("02-05"), None)])
        assert result.date is None
        assert 20 - result.counted == 17

    def test_other_case_rows(self, calendar):
        assert due(d("02-09"), 20, calendar).date == d("03-13")
        assert due(d("02-09"), 30, calendar).date == d("03-27")
        assert due(d("03-27"), 10, calendar).date == d("04-13")
        assert due(d("02-10"), 5, calendar).date == d("02-24")
        assert due(d("02-12"), 5, calendar).date == d("02-26")


def test_bad_rating_dues_example(calendar):
    """domain.md §7.3: received Friday 02-13."""
    assert add_working_days(d("02-13"), 1, calendar) == d("02-14")
    assert add_working_days(d("02-13"), 4, calendar) == d("02-26")
    assert add_working_days(d("02-13"), 13, calendar) == d("03-10")
    assert add_working_days(d("02-13"), 5, calendar) == d("02-27")
    assert add_working_days(d("02-13"), 15, calendar) == d("03-12")


def test_calendar_day_limit_rolls_forward_from_a_rest_day(calendar):
    # 2026-02-10 + 5 CD = 02-15 (Sunday, Spring Festival) -> next working day 02-24
    assert due(d("02-10"), 5, calendar, unit="CD").date == d("02-24")
    assert due(d("02-10"), 5, calendar, unit="CD", roll_forward=False).date == d("02-15")


def test_negative_days_refused(calendar):
    with pytest.raises(ValueError):
        add_working_days(d("02-10"), -1, calendar)


def test_weekly_rest_days_must_leave_a_workday():
    with pytest.raises(ValueError):
        calc.Calendar(rest_weekdays=range(1, 8))
