"""Applicant SMS and quiet hours (domain.md §8): what is sent, when, and that no personal data
leaves in the text."""

from datetime import date

import pytest
import time_machine
from huey.contrib.djhuey import HUEY

from yimen.cases.services import apply
from yimen.workdays.services import get_calendar, send_at

from .factories import at

pytestmark = pytest.mark.django_db
D = lambda m, d: date(2026, m, d)  # noqa: E731


@pytest.mark.parametrize(("now", "expected"), [
    (at(D(3, 2), 10), None),                     # Monday, working hours: at once
    (at(D(3, 2), 8), at(D(3, 2), 8).replace(minute=30)),   # before 08:30: the same morning
    (at(D(3, 2), 19), at(D(3, 3), 8).replace(minute=30)),  # evening: next working day
    (at(D(2, 13), 19), at(D(2, 14), 8).replace(minute=30)),  # Friday evening: the make-up Saturday
    (at(D(2, 15), 10), at(D(2, 24), 8).replace(minute=30)),  # Spring Festival: after the holiday
])
def test_quiet_hours_hold_until_the_next_working_morning(calendar, now, expected):
    assert send_at("received", now, get_calendar(None)) == expected


def test_critical_kinds_go_at_any_hour(calendar):
    assert send_at("escalation_overdue", at(D(2, 15), 23), get_calendar(None)) is None


def test_the_applicant_gets_an_sms_without_personal_data(world, new_case, sms_outbox,
                                                        django_capture_on_commit_callbacks):
    case = new_case(D(3, 2))
    with time_machine.travel(at(D(3, 2), 10), tick=False), django_capture_on_commit_callbacks(execute=True):
        apply(case, "receive", by=world.ws, now=at(D(3, 2), 10))
    [sms] = sms_outbox()
    assert sms["to"] == "138****5678"
    assert case.number in sms["text"] and "已收件" in sms["text"] and "/cases/status/" in sms["text"]
    assert "张三" not in sms["text"] and case.verification_code not in sms["text"]


def test_an_evening_receipt_is_texted_the_next_working_morning(world, new_case, sms_outbox,
                                                               django_capture_on_commit_callbacks):
    case = new_case(D(3, 2))
    HUEY.flush()
    with time_machine.travel(at(D(3, 2), 19), tick=False), django_capture_on_commit_callbacks(execute=True):
        apply(case, "receive", by=world.ws, now=at(D(3, 2), 19))
    assert sms_outbox() == []
    [task] = HUEY.scheduled()
    assert task.name.endswith("text_applicant") and task.args == (case.number, "received")
    assert HUEY.utc and task.eta.replace(tzinfo=None) == at(D(3, 3), 8).replace(minute=30).astimezone(
        __import__("datetime").UTC).replace(tzinfo=None)
    HUEY.flush()
