"""Collecting ratings: the pad's visit and its one-time token, QR and SMS tokens, 一事一评 / 一次一评,
reason tags, 追评, rate limits, and the bad review opened with a 差评 (domain.md §3.5, §7.3)."""

import json
from datetime import timedelta

import pytest

from yimen.evaluations import services
from yimen.evaluations.constants import DEFAULT_REASON_TAGS, EvaluationChannel, ReviewState
from yimen.evaluations.models import BadReview, Evaluation, ReasonTag
from yimen.evaluations.services import EvaluationError, pending_visit, submit, visit_token
from yimen.hall.constants import DeviceKind
from yimen.hall.services import register_device, revoke_device
from yimen.queueing import services as queue

from .conftest import FRIDAY, at

pytestmark = pytest.mark.django_db


def refused(code, fn, *args, **kw):
    with pytest.raises(EvaluationError) as err:
        fn(*args, **kw)
    assert err.value.code == code, err.value.message
    return err.value


def test_default_reason_tags_are_created_once_per_center(hall):
    tags = services.reason_tags(hall.center)
    assert [(t.code, t.name) for t in tags] == DEFAULT_REASON_TAGS
    assert services.reason_tags(hall.center) == tags
    assert ReasonTag.objects.filter(center=hall.center).count() == len(DEFAULT_REASON_TAGS)
    ReasonTag.objects.filter(center=hall.center, code="other").update(is_active=False)
    assert "other" not in [t.code for t in services.reason_tags(hall.center)]
    assert ReasonTag.objects.filter(center=hall.other).count() == 0


def test_the_pad_offers_the_visit_that_just_ended_and_nothing_else(hall):
    now = at(FRIDAY, "10:00")
    assert pending_visit(hall.pad, now=now) is None
    ticket = hall.served(now)
    pending = pending_visit(hall.pad, now=now + timedelta(minutes=1))
    assert pending.visit.ticket == ticket and pending.visit.staff == hall.alice and pending.visit.window == hall.window
    assert pending.visit.case is None
    # another window's visit is not this pad's
    hall.served(now + timedelta(minutes=2), window=hall.window2, by=hall.bob)
    assert pending_visit(hall.pad, now=now + timedelta(minutes=3)).visit.ticket == ticket
    # too late: the pad forgets it
    assert pending_visit(hall.pad, now=now + timedelta(minutes=services.pad_minutes() + 1)) is None


def test_the_next_call_ends_the_offer_and_the_old_token(hall):
    now = at(FRIDAY, "10:00")
    hall.served(now)
    token = pending_visit(hall.pad, now=now).token
    nxt = queue.issue_ticket(hall.queue, channel="staff", item=hall.item, now=now)
    queue.call_ticket(nxt, hall.window, by=hall.alice, now=now + timedelta(minutes=1))
    assert pending_visit(hall.pad, now=now + timedelta(minutes=2)) is None
    refused("token_expired", submit, token, level=5, now=now + timedelta(minutes=2))
    assert Evaluation.objects.count() == 0


def test_a_pad_rating_is_stored_once_and_the_token_is_single_use(hall):
    now = at(FRIDAY, "10:00")
    ticket = hall.served(now)
    token = pending_visit(hall.pad, now=now).token
    ev = submit(token, level=5, sub_scores={"attitude": 5}, device=hall.pad, now=now + timedelta(seconds=30))
    assert (ev.channel, ev.level, ev.ticket, ev.case, ev.staff, ev.window, ev.real_name) == (
        EvaluationChannel.PAD, 5, ticket, None, hall.alice, hall.window, False)
    assert ev.item == hall.item and ev.agency == hall.item.agency and ev.token_hash == services.token_hash(token)
    assert not BadReview.objects.exists()
    refused("already_rated", submit, token, level=1, tags=["attitude"], now=now + timedelta(minutes=1))
    assert pending_visit(hall.pad, now=now + timedelta(minutes=1)) is None
    assert Evaluation.objects.count() == 1


def test_a_pad_token_is_refused_elsewhere_forged_or_revoked(hall):
    now = at(FRIDAY, "10:00")
    hall.served(now)
    token = pending_visit(hall.pad, now=now).token
    other, _t = register_device(hall.center, DeviceKind.EVALUATION_PAD, "06", window=hall.window2, by=None)
    refused("wrong_pad", submit, token, level=5, device=other, now=now)
    refused("bad_token", submit, token[:-2] + "xx", level=5, now=now)
    refused("bad_token", submit, "", level=5, now=now)
    revoke_device(hall.pad, by=None)
    refused("bad_token", submit, token, level=5, now=now)
    refused("not_a_pad", pending_visit, hall.pad, now=now)
    kiosk, _t = register_device(hall.center, DeviceKind.KIOSK, "kiosk", by=None)
    refused("not_a_pad", pending_visit, kiosk, now=now)
    assert Evaluation.objects.count() == 0


def test_no_default_rating_and_bad_input_changes_nothing(hall, settings):
    settings.EVALUATION_RATE_LIMITS = {"token": (100, 600)}
    now = at(FRIDAY, "10:00")
    hall.served(now)
    token = pending_visit(hall.pad, now=now).token
    for level in (None, 0, 6, "5", True, 2.0):
        refused("bad_level", submit, token, level=level, now=now)
    refused("reason_required", submit, token, level=2, now=now)
    refused("unknown_tag", submit, token, level=1, tags=["nope"], now=now)
    refused("tags_for_bad_only", submit, token, level=4, tags=["attitude"], now=now)
    refused("bad_sub_score", submit, token, level=4, sub_scores={"attitude": 7}, now=now)
    refused("bad_sub_score", submit, token, level=4, sub_scores={"mood": 3}, now=now)
    refused("comment_too_long", submit, token, level=4, comment="好" * 501, now=now)
    assert Evaluation.objects.count() == 0 and not BadReview.objects.exists()


def test_a_bad_pad_rating_opens_an_anonymous_work_order_without_contact_due(hall):
    now = at(FRIDAY, "10:00")
    hall.served(now)
    token = pending_visit(hall.pad, now=now).token
    ev = submit(token, level=2, tags=["long_wait", "attitude"], comment="等了很久", now=now)
    assert sorted(ev.reason_tags.values_list("code", flat=True)) == ["attitude", "long_wait"]
    review = ev.bad_review
    assert (review.state, review.real_name, review.contact_due) == (ReviewState.RECEIVED, False, None)
    assert (review.owner, review.window, review.agency) == (hall.alice, hall.window, hall.item.agency)
    assert str(review.feedback_due) == "2026-02-26" and review.first_feedback_due == review.feedback_due
    assert list(review.events.values_list("seq", "action", "to_state")) == [(1, "create", "received")]


def test_a_case_opened_from_the_ticket_is_rated_real_name_once(hall):
    now = at(FRIDAY, "10:00")
    ticket = hall.served(now)
    case = hall.case_from(ticket, now - timedelta(minutes=2))
    pending = pending_visit(hall.pad, now=now)
    assert pending.visit.case == case
    ev = submit(pending.token, level=1, tags=["attitude"], now=now)
    assert (ev.case, ev.ticket, ev.real_name, ev.applicant_phone) == (case, ticket, True, "13812345678")
    review = ev.bad_review
    assert (str(review.contact_due), str(review.feedback_due)) == ("2026-02-14", "2026-02-26")
    # the QR code on the receipt names the same case: 一事一评
    refused("already_rated", submit, visit_token(case=case), level=5, now=now + timedelta(hours=1))


def test_qr_for_a_ticket_only_visit_and_a_single_follow_up(hall):
    now = at(FRIDAY, "10:00")
    ticket = hall.served(now)
    token = visit_token(ticket=ticket)
    first = submit(token, level=3, now=now + timedelta(hours=2))
    assert first.channel == EvaluationChannel.QR
    refused("already_rated", submit, token, level=5, now=now + timedelta(hours=3))
    follow = submit(token, level=5, comment="后来解决了", follow_up=True, now=now + timedelta(days=3))
    assert follow.parent == first and follow.ticket == ticket
    refused("follow_up_exists", submit, token, level=4, follow_up=True, now=now + timedelta(days=4))
    assert Evaluation.objects.count() == 2


def test_a_follow_up_needs_a_first_rating_and_comes_in_time_never_on_the_pad(hall):
    now = at(FRIDAY, "10:00")
    ticket = hall.served(now)
    token = visit_token(ticket=ticket)
    refused("not_rated_yet", submit, token, level=4, follow_up=True, now=now)
    submit(token, level=2, tags=["other"], now=now)
    refused("follow_up_closed", submit, token, level=4, follow_up=True,
            now=now + timedelta(days=services.follow_up_days() + 1))
    pad_token = pending_visit(hall.pad, now=now)
    assert pad_token is None  # already rated
    # a bad follow-up does not open a second work order
    submit(token, level=1, tags=["other"], follow_up=True, now=now + timedelta(days=1))
    assert BadReview.objects.count() == 1


def test_the_evaluation_window_closes(hall):
    now = at(FRIDAY, "10:00")
    ticket = hall.served(now)
    refused("window_closed", submit, visit_token(ticket=ticket), level=5,
            now=now + timedelta(days=services.window_days() + 2))


def test_an_unfinished_visit_cannot_be_rated(hall):
    now = at(FRIDAY, "10:00")
    ticket = queue.issue_ticket(hall.queue, channel="staff", item=hall.item, now=now)
    refused("not_ended", submit, visit_token(ticket=ticket), level=5, now=now)


def test_rate_limit_per_token_and_address(hall, settings):
    settings.EVALUATION_RATE_LIMITS = {"token": (2, 600), "address": (3, 60)}
    now = at(FRIDAY, "10:00")
    ticket = hall.served(now)
    token = visit_token(ticket=ticket)
    for _n in range(2):
        refused("reason_required", submit, token, level=1, now=now, address="10.0.0.9")
    refused("throttled", submit, token, level=5, now=now, address="10.0.0.8")
    other = visit_token(ticket=hall.served(now + timedelta(minutes=30)))
    submit(other, level=5, now=now, address="10.0.0.9")  # the third from .9 passes, the fourth does not
    third = visit_token(ticket=hall.served(now + timedelta(minutes=40)))
    refused("throttled", submit, third, level=5, now=now, address="10.0.0.9")
    submit(third, level=5, now=now + timedelta(minutes=1), address="10.0.0.9")  # the next minute
    assert Evaluation.objects.count() == 2


def test_sms_link_for_a_completed_case(hall, settings, tmp_path):
    from yimen.cases.models import Case

    settings.SMS_BACKEND = "yimen.lib.sms.FileBackend"
    settings.SMS_FILE_PATH = str(tmp_path / "out.jsonl")
    now = at(FRIDAY, "10:00")
    case = hall.case_from(None, now)
    refused("not_completed", services.send_evaluation_link, case, url_for=lambda t: f"https://x/e/{t}")
    Case.objects.filter(pk=case.pk).update(state="completed", completed_on=FRIDAY)
    case.refresh_from_db()
    link = services.send_evaluation_link(case, url_for=lambda t: f"https://x/e/{t}")
    line = json.loads((tmp_path / "out.jsonl").read_text().splitlines()[0])
    assert line["to"] == "138****5678" and "13812345678" not in json.dumps(line) and link in line["text"]
    ev = submit(link.rsplit("/", 1)[1], level=4, now=now + timedelta(days=1))
    assert (ev.channel, ev.case) == (EvaluationChannel.SMS, case)
    refused("already_rated", services.send_evaluation_link, case, url_for=lambda t: t)
    Case.objects.filter(pk=case.pk).update(phone="")
    case.refresh_from_db()
    refused("no_phone", services.send_evaluation_link, case, url_for=lambda t: t)


def test_the_polling_pad_reads_the_tickets_by_index(hall):
    from django.db import connection

    from yimen.evaluations.services import _window_tickets

    plan = _window_tickets(hall.window, at(FRIDAY)).filter(state="done").order_by("-service_ended_at").explain()
    if connection.vendor == "sqlite":
        assert "USING INDEX" in plan and "SCAN queueing_ticket" not in plan.replace("USING INDEX", ""), plan
