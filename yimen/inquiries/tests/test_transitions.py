"""Every (state, action, actor) of the inquiry transition table; refusals change nothing.
Hand-overs are the only way ownership moves; nothing closes without an answer; events are
append-only (ORM and raw SQL)."""

from datetime import date

from django.db import DatabaseError, connection, transaction

import pytest

from yimen.inquiries.constants import INQUIRY_TRANSITIONS, InquiryOutcome, InquiryState
from yimen.inquiries.models import Inquiry, InquiryEvent
from yimen.inquiries.services import InquiryError, answer, apply, close, hand_over, register
from yimen.lib.testing import assert_append_only_in_orm, assert_append_only_in_sql, at

OPEN, ANSWERED, CLOSED = InquiryState.OPEN, InquiryState.ANSWERED, InquiryState.CLOSED


def _in_state(desk, state) -> Inquiry:
    inquiry = register(desk.center, by=desk.alice, topic="公积金提取", outcome=InquiryOutcome.FOLLOW_UP,
                       now=at(date(2026, 9, 30)))
    if state in (ANSWERED, CLOSED):
        inquiry = answer(inquiry, "可线上办理", by=desk.alice)
    if state == CLOSED:
        inquiry = close(inquiry, by=desk.alice)
    assert inquiry.state == state
    return inquiry


def _payload(desk, action):
    return {"hand_over": {"to": desk.bob, "reason": "bob handles 公积金"}, "answer": {"text": "可线上办理"},
            "close": {}}[action]


# (state, action, actor) -> resulting state or refusal code; alice owns every inquiry here.
TABLE = [
    (OPEN, "hand_over", "alice", OPEN), (OPEN, "hand_over", "manager", OPEN),
    (OPEN, "hand_over", "bob", "forbidden"), (OPEN, "hand_over", "outsider", "wrong_center"),
    (ANSWERED, "hand_over", "alice", ANSWERED), (ANSWERED, "hand_over", "manager", ANSWERED),
    (ANSWERED, "hand_over", "bob", "forbidden"),
    (CLOSED, "hand_over", "alice", "bad_state"), (CLOSED, "hand_over", "manager", "bad_state"),
    (CLOSED, "hand_over", "bob", "forbidden"),
    (OPEN, "answer", "alice", ANSWERED), (OPEN, "answer", "manager", ANSWERED),
    (OPEN, "answer", "bob", "forbidden"), (OPEN, "answer", "outsider", "wrong_center"),
    (ANSWERED, "answer", "alice", "bad_state"), (CLOSED, "answer", "alice", "bad_state"),
    (OPEN, "close", "alice", "answer_required"), (OPEN, "close", "manager", "answer_required"),
    (OPEN, "close", "bob", "forbidden"),
    (ANSWERED, "close", "alice", CLOSED), (ANSWERED, "close", "manager", CLOSED),
    (ANSWERED, "close", "bob", "forbidden"), (CLOSED, "close", "alice", "bad_state"),
]


def test_the_table_covers_every_state_and_action():
    covered = {(state, action) for state, action, _actor, _result in TABLE}
    assert covered == {(s, a) for s in InquiryState.values for a in INQUIRY_TRANSITIONS if a != "register"}


@pytest.mark.parametrize(("state", "action", "actor", "result"), TABLE)
def test_transition_table(desk, state, action, actor, result):
    inquiry = _in_state(desk, state)
    before = Inquiry.objects.get(pk=inquiry.pk)
    events = inquiry.events.count()
    by = getattr(desk, actor)
    if result in InquiryState.values:
        after = apply(inquiry, action, by=by, **_payload(desk, action))
        assert after.state == result and after.version == before.version + 1
        event = after.events.last()
        assert (event.seq, event.action, event.from_state, event.to_state, event.actor) == (
            events + 1, action, state, result, by)
    else:
        with pytest.raises(InquiryError) as exc:
            apply(inquiry, action, by=by, **_payload(desk, action))
        assert exc.value.code == result
        after = Inquiry.objects.get(pk=inquiry.pk)
        assert (after.state, after.version, after.owner_id, after.answer, after.closed_at) == (
            before.state, before.version, before.owner_id, before.answer, before.closed_at)
        assert after.events.count() == events


def test_hand_over_is_an_event_with_its_reason(desk):
    inquiry = _in_state(desk, OPEN)
    inquiry = hand_over(inquiry, desk.bob, by=desk.alice, reason="bob handles 公积金")
    assert inquiry.owner == desk.bob and inquiry.first_staff == desk.alice
    event = inquiry.events.last()
    assert event.action == "hand_over" and event.from_state == event.to_state == OPEN
    assert event.payload == {"from_owner": desk.alice.pk, "to_owner": desk.bob.pk, "reason": "bob handles 公积金"}
    # the new owner may now act, the first staff no longer
    with pytest.raises(InquiryError):
        answer(inquiry, "x", by=desk.alice)
    assert answer(inquiry, "可线上办理", by=desk.bob).state == ANSWERED


@pytest.mark.parametrize(("to", "reason", "code"), [
    ("bob", "", "reason_required"),
    ("bob", "   ", "reason_required"),
    ("alice", "myself", "same_owner"),
    ("outsider", "other center", "bad_owner"),
    (None, "nobody", "bad_owner"),
    ("inactive", "left", "bad_owner"),
])
def test_ownership_does_not_move_without_a_proper_hand_over(desk, to, reason, code):
    inquiry = _in_state(desk, OPEN)
    if to == "inactive":
        desk.bob.is_active = False
        desk.bob.save()
        to = "bob"
    with pytest.raises(InquiryError) as exc:
        hand_over(inquiry, getattr(desk, to) if to else None, by=desk.alice, reason=reason)
    assert exc.value.code == code
    assert Inquiry.objects.get(pk=inquiry.pk).owner == desk.alice
    assert inquiry.events.count() == 1


def test_closing_needs_an_answer(desk):
    inquiry = _in_state(desk, OPEN)
    with pytest.raises(InquiryError) as exc:
        close(inquiry, by=desk.alice)
    assert exc.value.code == "answer_required"
    with pytest.raises(InquiryError) as exc:
        answer(inquiry, "  ", by=desk.alice)
    assert exc.value.code == "answer_required"
    assert Inquiry.objects.get(pk=inquiry.pk).state == OPEN


def test_a_stale_copy_is_a_conflict_not_an_overwrite(desk):
    inquiry = _in_state(desk, OPEN)
    stale = Inquiry.objects.get(pk=inquiry.pk)
    hand_over(inquiry, desk.bob, by=desk.alice, reason="bob handles it")
    with pytest.raises(InquiryError) as exc:
        answer(stale, "x", by=desk.manager)
    assert exc.value.code == "conflict"
    assert Inquiry.objects.get(pk=inquiry.pk).state == OPEN


def test_unknown_actions_are_refused(desk):
    inquiry = _in_state(desk, OPEN)
    for action in ("register", "delete", ""):
        with pytest.raises(InquiryError) as exc:
            apply(inquiry, action, by=desk.alice)
        assert exc.value.code == "unknown_action"


def test_a_late_answer_is_flagged(desk):
    inquiry = _in_state(desk, OPEN)  # due 10-09
    inquiry = answer(inquiry, "ok", by=desk.alice, now=at(date(2026, 10, 12)))
    assert inquiry.events.last().payload == {"late": True}


def test_event_seq_is_contiguous(desk):
    inquiry = _in_state(desk, CLOSED)
    assert list(inquiry.events.values_list("seq", "action")) == [(1, "register"), (2, "answer"), (3, "close")]


def test_events_are_append_only_in_the_orm(desk):
    assert_append_only_in_orm(_in_state(desk, OPEN).events.get())


def test_events_are_append_only_in_raw_sql(desk):
    event = _in_state(desk, OPEN).events.get()
    assert_append_only_in_sql(event)
    assert InquiryEvent.objects.get(pk=event.pk).action == "register"


def test_truncate_is_refused_on_postgresql(desk):
    if connection.vendor != "postgresql":
        pytest.skip("TRUNCATE exists only on PostgreSQL")
    _in_state(desk, OPEN)
    with connection.cursor() as cur:
        cur.execute("DELETE FROM auditlog_maintenance")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"TRUNCATE {InquiryEvent._meta.db_table} CASCADE")
    assert InquiryEvent.objects.count() == 1
