"""The bad-review work order (差评工单, domain.md §4.3): the worked examples of §7.3, the whole
loop, appeals, and every state × action × role allowed or refused as the table says."""

from datetime import timedelta

import pytest

from yimen.evaluations import services
from yimen.evaluations.constants import BAD_REVIEW_TRANSITIONS, MANAGERS, ReviewState
from yimen.evaluations.models import BadReview, BadReviewEvent, ContactAttempt, Evaluation
from yimen.evaluations.services import EvaluationError, apply, pending_visit, submit
from yimen.hall.models import RectificationPolicy
from yimen.lib.testing import assert_append_only_in_orm, assert_append_only_in_sql
from yimen.lib.transitions import OWNER

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db

S = ReviewState


def bad_review(hall, *, real_name=True, now=None) -> BadReview:
    """A 差评 received on Friday 2026-02-13: real-name (a case opened from the ticket) or anonymous."""
    now = now or at(FRIDAY, "10:00")
    ticket = hall.served(now)
    if real_name:
        hall.case_from(ticket, now)
    ev = submit(pending_visit(hall.pad, now=now).token, level=1, tags=["attitude"], now=now)
    return ev.bad_review


def refused(code, review, action, **kw):
    before = BadReview.objects.get(pk=review.pk)
    with pytest.raises(EvaluationError) as err:
        apply(review, action, **kw)
    assert err.value.code == code, err.value.message
    after = BadReview.objects.get(pk=review.pk)
    assert (after.state, after.version) == (before.state, before.version)


def day(d: int, month: int = 2, hhmm="10:00"):
    from datetime import date

    return at(date(2026, month, d), hhmm)


def test_worked_example_default_policy(hall):
    review = bad_review(hall)
    assert (str(review.contact_due), str(review.feedback_due)) == ("2026-02-14", "2026-02-26")
    apply(review, "mark_complex", by=hall.manager, reason="涉及多个部门", now=day(14))
    assert str(review.feedback_due) == "2026-03-10" and review.first_feedback_due == review.feedback_due
    assert review.complex_approver == hall.manager


def test_worked_example_shanghai_preset(hall):
    policy = RectificationPolicy(center=hall.center, preset="shanghai_1_5_15")
    policy.clean()
    policy.save()
    review = bad_review(hall)
    assert (str(review.contact_due), str(review.feedback_due)) == ("2026-02-14", "2026-02-27")
    apply(review, "mark_complex", by=hall.manager, reason="复杂", now=day(14))
    assert str(review.feedback_due) == "2026-03-12"


def test_anonymous_order_has_no_contact_due_and_is_verified_directly(hall):
    review = bad_review(hall, real_name=False)
    assert review.contact_due is None
    refused("anonymous", review, "contact", by=hall.alice, now=day(13))
    apply(review, "verify", by=hall.alice, verification="untrue", note="当日排队系统正常", now=day(13, hhmm="11:00"))
    apply(review, "reply", by=hall.alice, text="已核实，说明如下", now=day(13, hhmm="12:00"))
    apply(review, "callback", by=hall.alice, now=day(13, hhmm="12:05"))  # anonymous: closes after the reply
    assert review.state == S.CLOSED and review.reply_rating == ""


def test_worked_example_reopen_then_escalate(hall):
    review = bad_review(hall)
    apply(review, "log_attempt", by=hall.alice, channel="phone", reached=True, note="已致电", now=day(14, hhmm="09:00"))
    apply(review, "contact", by=hall.alice, note="说明情况", now=day(14, hhmm="09:05"))
    assert review.state == S.CONTACTED and not review.unreachable
    apply(review, "verify", by=hall.alice, verification="true", problem="态度生硬", measure="批评教育、培训",
          now=day(24))
    assert review.ledger.count() == 1
    apply(review, "reply", by=hall.alice, text="已整改", now=day(26))
    assert str(review.callback_due) == "2026-03-02" and review.first_replied_on == FRIDAY + timedelta(days=13)
    refused("dissatisfied", review, "callback", by=hall.alice, rating="dissatisfied", now=day(26, hhmm="15:00"))
    refused("rounds_left", review, "escalate", by=hall.alice, now=day(26, hhmm="15:00"))
    apply(review, "reopen", by=hall.alice, note="仍不满意", now=day(26, hhmm="16:00"))
    assert (review.state, review.round, str(review.feedback_due)) == (S.RECTIFYING, 2, "2026-03-03")
    assert str(review.first_feedback_due) == "2026-02-26"
    apply(review, "reply", by=hall.alice, text="再次整改", now=day(2, 3))
    refused("max_rounds", review, "reopen", by=hall.alice, now=day(2, 3, "15:00"))
    apply(review, "escalate", by=hall.alice, note="第二轮仍不满意", now=day(2, 3, "15:00"))
    assert review.state == S.ESCALATED and review.reply_rating == "dissatisfied"
    refused("forbidden", review, "close_escalated", by=hall.alice, conclusion="x", now=day(3, 3))
    refused("conclusion_required", review, "close_escalated", by=hall.manager, conclusion=" ", now=day(3, 3))
    apply(review, "close_escalated", by=hall.manager, conclusion="中心督办，已约谈", now=day(3, 3))
    assert review.state == S.CLOSED
    actions = list(review.events.values_list("action", flat=True))
    assert actions == ["create", "log_attempt", "contact", "verify", "reply", "reopen", "reply", "escalate",
                       "close_escalated"]
    assert list(review.events.values_list("seq", flat=True)) == list(range(1, 10))


def test_full_loop_satisfied_callback(hall):
    review = bad_review(hall)
    refused("not_reached", review, "contact", by=hall.alice, now=day(13))
    apply(review, "log_attempt", by=hall.alice, channel="phone", reached=True, now=day(13))
    apply(review, "contact", by=hall.alice, now=day(13))
    refused("contact_first", bad_review(hall, now=day(13, hhmm="11:00")), "verify", by=hall.alice,
            verification="true", measure="x", now=day(13))
    refused("measures_required", review, "verify", by=hall.alice, verification="true", now=day(13))
    refused("bad_verification", review, "verify", by=hall.alice, verification="malicious", now=day(13))
    apply(review, "verify", by=hall.alice, verification="partly_true", measure="优化叫号", now=day(13))
    refused("reply_required", review, "reply", by=hall.alice, text="", now=day(13))
    apply(review, "reply", by=hall.alice, text="已优化", now=day(13))
    refused("rating_required", review, "callback", by=hall.alice, now=day(13))
    apply(review, "callback", by=hall.manager, rating="basically_satisfied", now=day(14))
    assert review.state == S.CLOSED and review.reply_rating == "basically_satisfied" and review.closed_at


def test_unreachable_after_the_set_attempts(hall):
    review = bad_review(hall)
    for n in range(3):
        refused("not_reached", review, "contact", by=hall.alice, now=day(13))
        apply(review, "log_attempt", by=hall.alice, channel="phone", reached=False, note=f"未接通{n}", now=day(13))
    refused("bad_channel", review, "log_attempt", by=hall.alice, channel="pigeon", reached=False, now=day(13))
    refused("reached_required", review, "log_attempt", by=hall.alice, channel="sms", now=day(13))
    apply(review, "contact", by=hall.alice, now=day(13))
    assert review.unreachable and ContactAttempt.objects.filter(review=review).count() == 3
    apply(review, "verify", by=hall.alice, verification="no_legal_basis", note="依法收费", now=day(13))
    apply(review, "reply", by=hall.alice, text="短信告知", now=day(13))
    apply(review, "callback", by=hall.alice, now=day(14))  # unreachable: closes after the reply
    assert review.state == S.CLOSED


def test_complex_order_needs_its_ledger_before_the_reply(hall):
    review = bad_review(hall)
    apply(review, "log_attempt", by=hall.alice, channel="phone", reached=True, now=day(13))
    apply(review, "contact", by=hall.alice, now=day(13))
    apply(review, "verify", by=hall.alice, verification="true", measure="流程再造", now=day(13))
    refused("forbidden", review, "mark_complex", by=hall.alice, reason="x", now=day(13))
    refused("reason_required", review, "mark_complex", by=hall.manager, reason="", now=day(13))
    apply(review, "mark_complex", by=hall.manager, reason="跨部门", now=day(13))
    refused("already_complex", review, "mark_complex", by=hall.manager, reason="again", now=day(13))
    review.ledger.all().delete()
    refused("ledger_required", review, "reply", by=hall.alice, text="已整改", now=day(13))


def test_appeal_upheld_excludes_the_evaluation_rejected_goes_back(hall):
    review = bad_review(hall)
    apply(review, "log_attempt", by=hall.alice, channel="phone", reached=True, now=day(13))
    apply(review, "contact", by=hall.alice, now=day(13))
    refused("evidence_required", review, "file_appeal", by=hall.alice, grounds="malicious", now=day(13))
    refused("bad_grounds", review, "file_appeal", by=hall.alice, grounds="untrue", evidence="x", now=day(13))
    apply(review, "file_appeal", by=hall.alice, grounds="malicious", evidence="监控录像", now=day(13))
    assert review.state == S.APPEALING
    assert Evaluation.objects.get(pk=review.evaluation_id).status == "under_appeal"
    refused("bad_decision", review, "decide_appeal", by=hall.manager, decision="maybe", now=day(14))
    refused("forbidden", review, "decide_appeal", by=hall.alice, decision="upheld", note="x", now=day(14))
    refused("reason_required", review, "decide_appeal", by=hall.manager, decision="rejected", now=day(14))
    apply(review, "decide_appeal", by=hall.manager, decision="rejected", note="证据不足", now=day(14))
    assert review.state == S.RECTIFYING and review.verification == ""
    assert Evaluation.objects.get(pk=review.evaluation_id).status == "valid"
    refused("verify_first", review, "reply", by=hall.alice, text="说明", now=day(24))
    apply(review, "file_appeal", by=hall.alice, grounds="mistaken", evidence="评价人确认误点", now=day(24))
    apply(review, "decide_appeal", by=hall.manager2, decision="upheld", note="属误评", now=day(24))
    assert review.state == S.EXCLUDED and review.closed_at
    ev = Evaluation.objects.get(pk=review.evaluation_id)
    assert ev.status == "excluded"  # kept for audit
    assert [a.decision for a in review.appeals.order_by("filed_at")] == ["rejected", "upheld"]
    assert list(review.events.values_list("action", flat=True))[-2:] == ["file_appeal", "uphold_appeal"]


def test_a_manager_who_owns_the_order_does_not_decide_its_appeal(hall):
    review = bad_review(hall)
    BadReview.objects.filter(pk=review.pk).update(owner=hall.manager, state=S.CONTACTED)
    review.refresh_from_db()
    apply(review, "file_appeal", by=hall.manager, grounds="mistaken", evidence="x", now=day(13))
    refused("own_appeal", review, "decide_appeal", by=hall.manager, decision="upheld", note="x", now=day(13))


def test_events_are_append_only(hall):
    event = bad_review(hall).events.get()
    assert_append_only_in_orm(event)
    assert_append_only_in_sql(BadReviewEvent.objects.get(pk=event.pk))


def test_a_stale_copy_is_a_conflict(hall):
    review = bad_review(hall, real_name=False)
    stale = BadReview.objects.get(pk=review.pk)
    apply(review, "verify", by=hall.alice, verification="untrue", note="x", now=day(13))
    with pytest.raises(EvaluationError) as err:
        apply(stale, "verify", by=hall.alice, verification="untrue", note="y", now=day(13))
    assert err.value.code == "conflict"


def test_worklist_and_sla(hall):
    from datetime import date

    late = bad_review(hall)
    anon = bad_review(hall, real_name=False, now=day(13, hhmm="11:00"))
    items = services.worklist(hall.alice, today=date(2026, 2, 24))
    assert [o.review for o in items] == [late, anon]
    assert items[0].sla.status == "overdue" and items[0].sla.due == date(2026, 2, 14)
    assert items[1].sla.status == "warning"
    assert services.worklist(hall.bob) == [] and services.worklist(hall.bob, everyone=True) == []
    assert [o.review for o in services.worklist(hall.manager, today=date(2026, 2, 24))] == [late, anon]
    assert services.worklist(hall.manager, everyone=False) == []
    assert services.worklist(hall.outsider) == []


# --- every state × action × role ---------------------------------------------------------------------

ACTORS = ["owner", "other_staff", "manager", "admin", "outsider"]


def _actor(hall, name):
    return {"owner": hall.alice, "other_staff": hall.bob, "manager": hall.manager, "admin": hall.admin,
            "outsider": hall.outsider}[name]


def _role_allows(rule, name) -> bool:
    if name == "owner":
        return OWNER in rule.roles
    if name == "manager":
        return "center_manager" in rule.roles
    if name == "admin":
        return "admin" in rule.roles
    return False


def _prepare(hall, review: BadReview, action: str, state: str) -> dict:
    """Put the order in `state` with what the action's guard needs; return a valid payload."""
    fields: dict = {"state": state}
    payload: dict = {}
    if action == "log_attempt":
        payload = {"channel": "phone", "reached": True}
    elif action == "contact":
        ContactAttempt.objects.create(review=review, at=day(13), channel="phone", reached=True, by=hall.alice)
    elif action == "mark_complex":
        payload = {"reason": "复杂"}
    elif action == "verify":
        fields["real_name"] = False
        fields["contact_due"] = None
        payload = {"verification": "untrue", "note": "说明"}
    elif action == "file_appeal":
        payload = {"grounds": "mistaken", "evidence": "录像"}
    elif action == "decide_appeal":
        from yimen.evaluations.models import Appeal

        Appeal.objects.create(review=review, grounds="mistaken", evidence="x", filed_by=hall.alice, filed_at=day(13))
        payload = {"decision": "rejected", "note": "理由"}
    elif action == "reply":
        fields["verification"] = "untrue"
        payload = {"text": "答复"}
    elif action == "callback":
        fields["reply_text"] = "答复"
        payload = {"rating": "satisfied"}
    elif action in ("reopen", "escalate"):
        fields["reply_text"] = "答复"
        fields["replied_at"] = day(13)
        fields["round"] = 1 if action == "reopen" else 2
    elif action == "close_escalated":
        payload = {"conclusion": "结论"}
    if state == S.REPLIED:
        fields.setdefault("reply_text", "答复")
    BadReview.objects.filter(pk=review.pk).update(**fields)
    review.refresh_from_db()
    return payload


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", list(BAD_REVIEW_TRANSITIONS))
def test_every_state_action_role(hall, action, actor):
    rule = BAD_REVIEW_TRANSITIONS[action]
    by = _actor(hall, actor)
    base = bad_review(hall)
    for state in S.values:
        review = BadReview.objects.get(pk=base.pk)
        BadReview.objects.filter(pk=review.pk).update(
            state=S.RECEIVED, real_name=True, contact_due=base.contact_due, verification="", reply_text="", round=1,
            is_complex=False)
        ContactAttempt.objects.filter(review=review).delete()
        review.appeals.all().delete()
        review.refresh_from_db()
        payload = _prepare(hall, review, action, state)
        version, events = review.version, review.events.count()
        allowed = state in rule.sources and _role_allows(rule, actor)
        assert (action in services.actions_for(review, by)) == allowed, (action, actor, state)
        if allowed:
            apply(review, action, by=by, now=day(14), **payload)
            expected = rule.target or ("rectifying" if action == "decide_appeal" else state)
            assert review.state == expected, (action, actor, state)
            assert review.version == version + 1 and review.events.count() == events + 1
        else:
            with pytest.raises(EvaluationError) as err:
                apply(review, action, by=by, now=day(14), **payload)
            assert err.value.code in {"forbidden", "wrong_center", "bad_state"}, (action, actor, state, err.value.code)
            review.refresh_from_db()
            assert (review.state, review.version, review.events.count()) == (state, version, events)


def test_the_table_is_the_domain_table():
    assert set(BAD_REVIEW_TRANSITIONS) == {"log_attempt", "contact", "mark_complex", "verify", "file_appeal",
                                           "decide_appeal", "reply", "callback", "reopen", "escalate",
                                           "close_escalated"}
    assert BAD_REVIEW_TRANSITIONS["decide_appeal"].roles == MANAGERS
