"""After a calendar edit the cached deadlines equal a fresh computation (domain.md §2.5, §7.5)."""

from datetime import date

import pytest

from yimen.cases.models import Case
from yimen.cases.services import apply, case_dues, recompute_open_deadlines
from yimen.workdays.services import set_day

from .factories import at

pytestmark = pytest.mark.django_db
D = lambda m, d: date(2026, m, d)  # noqa: E731


def _accepted(world, new_case, day):
    case = new_case(day)
    apply(case, "receive", by=world.ws, now=at(day, 9))
    apply(case, "accept", by=world.ws, now=at(day, 11))
    return case


def test_calendar_edit_recomputes_open_cases_and_records_events(world, new_case):
    moved = _accepted(world, new_case, D(2, 9))  # legal_due 03-13
    untouched = _accepted(world, new_case, D(1, 5))  # every deadline before 03-02
    untouched_events = untouched.events.count()
    set_day(D(3, 2), "local_closure", name="台风停工")
    assert recompute_open_deadlines([D(3, 2)], now=at(D(3, 1))) == 1
    moved.refresh_from_db()
    assert moved.legal_due == D(3, 16)
    fresh = case_dues(moved)
    assert (moved.correction_notice_due, moved.legal_due, moved.promised_due, moved.delivery_due) == (
        fresh.correction_notice_due, fresh.legal_due, fresh.promised_due, fresh.delivery_due)
    event = moved.events.order_by("-seq").first()
    assert event.action == "deadline_recomputed"
    assert (event.payload["before"]["legal_due"], event.payload["after"]["legal_due"]) == ("2026-03-13", "2026-03-16")
    assert list(moved.events.values_list("seq", flat=True)) == list(range(1, moved.events.count() + 1))
    assert untouched.events.count() == untouched_events
    assert recompute_open_deadlines([D(3, 2)], now=at(D(3, 1))) == 0  # nothing moves twice


def test_recompute_without_dates_equals_fresh_computation_for_every_open_case(world, new_case):
    cases = [_accepted(world, new_case, d) for d in (D(2, 2), D(2, 9), D(3, 3))]
    set_day(D(3, 10), "local_closure", name="停电")
    set_day(D(3, 14), "extra_workday", name="加班")
    recompute_open_deadlines(now=at(D(3, 1)))
    for case in Case.objects.filter(pk__in=[c.pk for c in cases]):
        fresh = case_dues(case)
        assert (case.legal_due, case.promised_due) == (fresh.legal_due, fresh.promised_due)


def test_a_calendar_edit_queues_the_recomputation_itself(world, new_case, django_capture_on_commit_callbacks):
    """workdays.set_day announces the edit after commit; the cases app queues the recomputation
    (huey runs it at once in tests), so nobody has to remember to call it."""
    moved = _accepted(world, new_case, D(2, 9))  # legal_due 03-13
    with django_capture_on_commit_callbacks(execute=True):
        set_day(D(3, 2), "local_closure", name="台风停工")
    moved.refresh_from_db()
    assert moved.legal_due == D(3, 16)
    assert moved.events.order_by("-seq").first().action == "deadline_recomputed"
