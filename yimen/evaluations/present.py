"""What screens and the API show of visits and work orders (evaluator data masked)."""

from __future__ import annotations

from django.db.models import QuerySet

from yimen.lib.transitions import role_of

from . import services
from .constants import ReviewState
from .models import BadReview

STATE_LABELS = dict(ReviewState.choices)


def staff_name(user) -> str | None:
    if user is None:
        return None
    return getattr(user, "full_name", "") or user.get_username()


def visit_data(visit: services.Visit) -> dict:
    return {
        "ticket": visit.ticket.label if visit.ticket else None,
        "case": visit.case.number if visit.case else None,
        "item": visit.item.name if visit.item else None,
        "staff": staff_name(visit.staff),
        "window": visit.window.number if visit.window else None,
        "ended_at": visit.ended_at,
    }


def tags_data(center) -> list[dict]:
    return [{"code": t.code, "name": t.name} for t in services.reason_tags(center)]


def visible_reviews(user) -> QuerySet:
    """Work orders of the user's center (every center for an administrator)."""
    rows = BadReview.objects.select_related("center", "owner", "window", "agency", "evaluation__item")
    if role_of(user) == "admin":
        return rows
    return rows.filter(center_id=user.center_id) if user.center_id else rows.none()


def review_data(review: BadReview, user, sla=None) -> dict:
    ev = review.evaluation
    sla = sla if sla is not None else services.review_sla(review)
    evaluator = " ".join(p for p in (ev.masked_name, ev.masked_phone) if p) if review.real_name else ""
    return {
        "id": review.pk, "state": review.state, "state_label": str(review.get_state_display()),
        "version": review.version, "round": review.round, "real_name": review.real_name,
        "is_complex": review.is_complex, "level": ev.level, "tags": [t.name for t in ev.reason_tags.all()],
        "comment": ev.comment, "evaluator": evaluator, "owner": staff_name(review.owner),
        "window": review.window.number if review.window_id else None,
        "agency": review.agency.name if review.agency_id else None,
        "item": ev.item.name if ev.item_id else None, "received_on": review.received_on,
        "contact_due": review.contact_due, "feedback_due": review.feedback_due,
        "first_feedback_due": review.first_feedback_due, "callback_due": review.callback_due,
        "sla_status": sla.status if sla else None, "wd_left": sla.wd_left if sla else None,
        "verification": review.verification, "reply_text": review.reply_text, "reply_rating": review.reply_rating,
        "actions": services.actions_for(review, user),
    }


def review_detail(review: BadReview, user) -> dict:
    data = review_data(review, user)
    data["events"] = [{"seq": e.seq, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
                       "to_label": str(STATE_LABELS.get(e.to_state, e.to_state)), "actor": staff_name(e.actor),
                       "at": e.at, "payload": e.payload}
                      for e in review.events.select_related("actor")]
    data["attempts"] = [{"at": a.at.isoformat(), "channel": a.channel, "reached": a.reached, "note": a.note}
                        for a in review.attempts.all()]
    data["ledger"] = [{"problem": r.problem, "measure": r.measure, "owner": staff_name(r.owner),
                       "due": r.due.isoformat() if r.due else None, "done": r.done} for r in review.ledger.all()]
    data["appeals"] = [{"grounds": a.grounds, "evidence": a.evidence, "filed_at": a.filed_at.isoformat(),
                        "decision": a.decision, "decision_note": a.decision_note} for a in review.appeals.all()]
    return data
