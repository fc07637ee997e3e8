"""Registering inquiries: 首问负责 (the first staff asked owns it) and 窗口无否决权 (nothing is simply
refused: an unanswerable inquiry becomes an owned follow-up, a "not ours" one names where the
person was sent), with follow-up due dates on the seeded 2026 calendar."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

import pytest

from yimen.inquiries.constants import InquiryOutcome, InquiryState
from yimen.inquiries.models import Inquiry, InquiryPolicy
from yimen.inquiries.services import InquiryError, register
from yimen.lib.testing import at

UTC = ZoneInfo("UTC")


@pytest.mark.parametrize(("outcome", "extra", "state"), [
    (InquiryOutcome.ANSWERED, {"answer": "带身份证原件即可"}, InquiryState.CLOSED),
    (InquiryOutcome.GUIDED, {"guided_to": "general"}, InquiryState.CLOSED),
    (InquiryOutcome.NOT_OURS, {"sent_to": "区税务局第一税务所"}, InquiryState.CLOSED),
    (InquiryOutcome.FOLLOW_UP, {}, InquiryState.OPEN),
])
def test_each_outcome_lands_in_its_state_owned_by_the_first_staff(desk, outcome, extra, state):
    if extra.get("guided_to"):
        extra = {"guided_to": desk.general}
    inquiry = register(desk.center, by=desk.alice, window=desk.desk, topic="企业开办", outcome=outcome, **extra)
    assert inquiry.state == state
    assert inquiry.first_staff == desk.alice and inquiry.owner == desk.alice
    assert inquiry.has_answer == (state == InquiryState.CLOSED)
    assert (inquiry.follow_up_due is not None) == (outcome == InquiryOutcome.FOLLOW_UP)
    assert (inquiry.closed_at is not None) == (state == InquiryState.CLOSED)
    event = inquiry.events.get()
    assert (event.seq, event.action, event.from_state, event.to_state, event.actor) == (
        1, "register", "", state, desk.alice)


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"outcome": InquiryOutcome.ANSWERED}, "answer_required"),
    ({"outcome": InquiryOutcome.ANSWERED, "answer": "   "}, "answer_required"),
    ({"outcome": InquiryOutcome.GUIDED}, "guided_to_required"),
    ({"outcome": InquiryOutcome.NOT_OURS}, "sent_to_required"),
    ({"outcome": InquiryOutcome.NOT_OURS, "sent_to": "  "}, "sent_to_required"),
    ({"outcome": "no"}, "bad_outcome"),
    ({"outcome": "", "answer": "x"}, "bad_outcome"),
    ({"outcome": InquiryOutcome.FOLLOW_UP, "topic": " "}, "topic_required"),
    ({"outcome": InquiryOutcome.FOLLOW_UP, "by": None}, "forbidden"),
    ({"outcome": InquiryOutcome.FOLLOW_UP, "by": "outsider"}, "wrong_center"),
    ({"outcome": InquiryOutcome.FOLLOW_UP, "window": "foreign"}, "wrong_window"),
    ({"outcome": InquiryOutcome.GUIDED, "guided_to": "foreign"}, "wrong_window"),
])
def test_refused_registrations_leave_nothing_behind(desk, kwargs, code):
    from yimen.hall.models import Center, Window

    foreign = Window.objects.create(center=Center.objects.get(code="xx"), number="01")
    args = {"by": desk.alice, "topic": "社保转移", **kwargs}
    for key in ("window", "guided_to"):
        if args.get(key) == "foreign":
            args[key] = foreign
    if args["by"] == "outsider":
        args["by"] = desk.outsider
    with pytest.raises(InquiryError) as exc:
        register(desk.center, **args)
    assert exc.value.code == code
    assert not Inquiry.objects.exists()


@pytest.mark.parametrize(("registered_at", "due"), [
    # 2 WD across 国庆 (10-01..10-07 off): day 1 is 10-08
    (at(date(2026, 9, 30)), date(2026, 10, 9)),
    (at(date(2026, 9, 29)), date(2026, 10, 8)),
    # 10-09 + 2 WD: 10-10 is a make-up Saturday
    (at(date(2026, 10, 9)), date(2026, 10, 12)),
    # registered on a holiday: the trigger day is not counted
    (at(date(2026, 10, 3)), date(2026, 10, 9)),
    # the local date counts, whatever the hour: 09-29 23:30 Shanghai is 15:30 UTC …
    (datetime(2026, 9, 29, 15, 30, tzinfo=UTC), date(2026, 10, 8)),
    # … and 09-30 00:30 Shanghai is still 09-29 in UTC
    (datetime(2026, 9, 29, 16, 30, tzinfo=UTC), date(2026, 10, 9)),
])
def test_follow_up_is_due_two_working_days_after_registration(desk, registered_at, due):
    inquiry = register(desk.center, by=desk.alice, topic="居住证办理", outcome=InquiryOutcome.FOLLOW_UP,
                       now=registered_at)
    assert inquiry.follow_up_due == due
    assert not inquiry.due_provisional
    assert inquiry.events.get().payload["follow_up_due"] == due.isoformat()


def test_the_follow_up_limit_is_per_center(desk):
    InquiryPolicy.objects.create(center=desk.center, follow_up_wd=5)
    inquiry = register(desk.center, by=desk.alice, topic="居住证办理", outcome=InquiryOutcome.FOLLOW_UP,
                       now=at(date(2026, 9, 30)))
    assert inquiry.follow_up_due == date(2026, 10, 13)  # 10-08, 10-09, 10-10 (make-up), 10-12, 10-13


def test_a_follow_up_keeps_no_answer_and_guidance_fields_only_where_they_belong(desk):
    inquiry = register(desk.center, by=desk.alice, topic="x", outcome=InquiryOutcome.FOLLOW_UP, answer="later",
                       sent_to="somewhere", guided_to=desk.general)
    assert (inquiry.answer, inquiry.sent_to, inquiry.guided_to) == ("", "", None)


@pytest.mark.parametrize(("fields", "constraint"), [
    ({"outcome": InquiryOutcome.NOT_OURS, "sent_to": ""}, "not ours without where sent"),
    ({"outcome": InquiryOutcome.GUIDED, "guided_to": None}, "guided without window"),
    ({"outcome": InquiryOutcome.FOLLOW_UP, "follow_up_due": None}, "follow-up without due date"),
    ({"outcome": InquiryOutcome.ANSWERED, "answer": "", "state": InquiryState.CLOSED}, "closed without answer"),
])
def test_the_database_refuses_rows_breaking_the_invariants(desk, fields, constraint):
    from django.utils import timezone

    row = {"center": desk.center, "first_staff": desk.alice, "owner": desk.alice, "topic": "t",
           "registered_at": timezone.now(), "registered_on": date(2026, 9, 30), "state": InquiryState.OPEN,
           "follow_up_due": date(2026, 10, 9), **fields}
    with pytest.raises(IntegrityError), transaction.atomic():
        Inquiry.objects.create(**row)


def test_personal_data_is_masked_in_str(desk):
    inquiry = register(desk.center, by=desk.alice, topic="户口迁移", outcome=InquiryOutcome.FOLLOW_UP,
                       contact_name="张三丰", contact_phone="13912345678")
    text = str(inquiry)
    assert "张三丰" not in text and "张**" in text
    inquiry = register(desk.center, by=desk.alice, topic="户口迁移", outcome=InquiryOutcome.FOLLOW_UP,
                       contact_phone="13912345678")
    assert "13912345678" not in str(inquiry) and "139****5678" in str(inquiry)
