"""Public API of 好差评 (domain.md §3.5, §4.3, §7.3).

Collecting ratings

- `reason_tags(center)`: the center's active reason tags (the defaults of §3.5 are created the
  first time a center needs them);
- `pending_visit(pad)`: the visit that just ended at the pad's window (the ticket most recently
  finished there as served, within `EVALUATION_PAD_MINUTES`, not yet rated, no later ticket called
  since) and a one-time token for exactly that visit, or None;
- `visit_token(ticket=… | case=…, kind="qr" | "sms")`: the signed token of a QR code or SMS link;
- `send_evaluation_link(case)`: texts the link for a completed case (`yimen.lib.sms`);
- `submit(token, level=…, tags=…, …)`: stores one evaluation for the token's visit, once.
  一事一评 / 一次一评: a second rating of the same case or visit, a reused token and a race of two
  submissions are refused (`already_rated`, `token_used`); the database constraints are the
  backstop. A level ≤ 2 needs a reason tag of the center and opens a `BadReview` in the same
  transaction. A single follow-up rating (追评) may come within `EVALUATION_FOLLOW_UP_DAYS` with
  the QR or SMS token. No rating is ever created by default.

The bad-review work order

- `apply(review, action, by=…, **payload)`: every action of `BAD_REVIEW_TRANSITIONS` through the
  one transition service (`yimen.lib.transitions.Workflow`: row lock, role and state check, guard,
  compare-and-set on (state, version), a `BadReviewEvent` in the same transaction);
- `review_sla(review)`, `worklist(user)`: the worst running deadline on read, and the open orders
  a user works on, most urgent first; `actions_for(review, user)`: the actions the table offers.

Refusals raise `EvaluationError` with a stable `.code`; a refused call changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yimen.cases.constants import CaseState
from yimen.cases.models import Case
from yimen.hall.constants import DeviceKind
from yimen.hall.models import Center, Device
from yimen.hall.rectification import deadlines, policy_for, snapshot
from yimen.lib import sms
from yimen.lib.errors import Refused
from yimen.lib.transitions import OWNER, Wording, Workflow, role_of
from yimen.lib.writers import write_turn
from yimen.queueing.constants import AT_WINDOW, Outcome, TicketState
from yimen.queueing.models import Ticket
from yimen.workdays.services import deadline, get_calendar
from yimen.workdays.sla import Sla, sla_status, worst

from . import throttle
from .constants import (
    APPEAL_OUTCOMES,
    BAD_LEVEL,
    BAD_REVIEW_TRANSITIONS,
    DEFAULT_REASON_TAGS,
    MANAGERS,
    OPEN_STATES,
    SATISFIED_RATINGS,
    SUBSTANTIATED,
    VERIFY_CHOICES,
    AppealDecision,
    AppealGrounds,
    ContactChannel,
    EvaluationChannel,
    EvaluationStatus,
    ReplyRating,
    ReviewState,
    SubScore,
)
from .models import Appeal, BadReview, BadReviewEvent, ContactAttempt, Evaluation, ReasonTag, Rectification

__all__ = ["EvaluationError", "PendingVisit", "Visit", "actions_for", "apply", "pad_of", "pending_visit", "reason_tags",
           "review_sla", "send_evaluation_link", "submit", "visit_info", "visit_of", "visit_token", "worklist"]

TOKEN_SALT = "yimen.evaluations.token"
COMPLETED_CASE_STATES = frozenset({CaseState.COMPLETED, CaseState.DELIVERED})


class EvaluationError(Refused):
    """A refused evaluation or work-order action; `.code` is stable, the message is translated."""


def pad_minutes() -> int:
    """How long after a visit ends its pad still offers it (setting, default 10)."""
    return int(getattr(settings, "EVALUATION_PAD_MINUTES", 10))


def pad_poll_seconds() -> int:
    """The idle pad's fallback poll interval; the window's live channel normally tells it sooner."""
    return int(getattr(settings, "EVALUATION_PAD_POLL_SECONDS", 4))


def window_days() -> int:
    """The evaluation window: calendar days after completion or the visit (domain.md §8, default 15)."""
    return int(getattr(settings, "EVALUATION_WINDOW_DAYS", 15))


def follow_up_days() -> int:
    """追评 within this many calendar days of the first rating (domain.md §8, default 15)."""
    return int(getattr(settings, "EVALUATION_FOLLOW_UP_DAYS", 15))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- reason tags ------------------------------------------------------------------------------------

def reason_tags(center: Center) -> list[ReasonTag]:
    """The center's active tags; a center without any tag row gets the default list first."""
    active = ReasonTag.objects.filter(center=center, is_active=True)
    tags = list(active)
    if tags:
        return tags
    if not ReasonTag.objects.filter(center=center).exists():  # two first requests may both get here
        ReasonTag.objects.bulk_create([ReasonTag(center=center, code=code, name=name, sort=n)
                                       for n, (code, name) in enumerate(DEFAULT_REASON_TAGS, start=1)],
                                      ignore_conflicts=True)
    return list(active.all())  # read again: this request's rows, or those of the one that came first


def _one(rows):
    """The first row of a query that names at most one, without the model's default ORDER BY (a
    rating reads several such rows; building an ordering for each is a good part of its cost)."""
    return next(iter(rows.order_by()[:1]), None)


# --- visits -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Visit:
    """What one rating is bound to (三对应): a case (一事一评) or a ticket visit without a case."""

    center: Center
    case: Case | None
    ticket: Ticket | None
    window: object | None
    staff: object | None
    item: object | None
    agency: object | None
    ended_at: datetime | None  # the visit's end, or the case's completion (start of the window)

    @property
    def label(self) -> str:
        return self.case.number if self.case else (self.ticket.label if self.ticket else "")

    def first_rating(self) -> Evaluation | None:
        rows = Evaluation.objects.filter(parent__isnull=True)
        if self.case is not None:
            return _one(rows.filter(case=self.case))
        return _one(rows.filter(ticket=self.ticket, case__isnull=True))


def _case_of_ticket(ticket: Ticket) -> Case | None:
    """The case opened from the ticket that still waits for its rating (the latest), else the latest."""
    cases = list(Case.objects.filter(ticket=ticket).select_related("item__agency", "window").order_by("-pk"))
    if not cases:
        return None
    rated = set(Evaluation.objects.filter(case__in=cases, parent__isnull=True).values_list("case_id", flat=True))
    return next((c for c in cases if c.pk not in rated), cases[0])


def visit_of(*, ticket: Ticket | None = None, case: Case | None = None) -> Visit:
    """The visit of a ticket (and the case opened from it, if any) or of a case."""
    if case is None and ticket is not None:
        case = _case_of_ticket(ticket)
    if case is not None:
        ticket = ticket or (_one(Ticket.objects.select_related("window").filter(pk=case.ticket_id))
                            if case.ticket_id else None)
        end = None
        if case.completed_on:
            end = datetime.combine(case.completed_on, datetime.min.time(), tzinfo=timezone.get_current_timezone())
        elif ticket is not None:
            end = ticket.service_ended_at
        return Visit(center=case.center, case=case, ticket=ticket, window=case.window or getattr(ticket, "window", None),
                     staff=(getattr(ticket, "staff", None) if ticket else None) or case.receiver or case.first_staff,
                     item=case.item, agency=case.item.agency, ended_at=end)
    if ticket is None:
        raise EvaluationError("no_visit", _("Nothing to rate."))
    return Visit(center=ticket.center, case=None, ticket=ticket, window=ticket.window, staff=ticket.staff,
                 item=ticket.item, agency=ticket.item.agency if ticket.item_id else None,
                 ended_at=ticket.service_ended_at)


def _window_tickets(window, now: datetime):
    """The window's tickets of the last business days the pad may still offer (tickets live for a
    day): bounded by the (center, business_date, …) index, so a polling pad never scans the table."""
    since = timezone.localdate(now - timedelta(minutes=pad_minutes()))
    return Ticket.objects.filter(center_id=window.center_id, business_date__gte=since, window_id=window.pk)


def _pad_visit_ticket(window, now: datetime) -> Ticket | None:
    """The ticket most recently finished as served at the window, if the pad may still offer it:
    ended within `pad_minutes()` and nobody called to the window since."""
    ticket = (_window_tickets(window, now).select_related("center", "window", "staff", "item__agency")
              .filter(state=TicketState.DONE, outcome=Outcome.SERVED, service_ended_at__isnull=False)
              .order_by("-service_ended_at", "-pk").first())
    if ticket is None or ticket.service_ended_at < now - timedelta(minutes=pad_minutes()):
        return None
    if _window_tickets(window, now).filter(state__in=AT_WINDOW, first_called_at__gt=ticket.service_ended_at).exists():
        return None  # the next citizen is already at the window
    return ticket


@dataclass(frozen=True)
class PendingVisit:
    visit: Visit
    token: str
    expires_at: datetime


def pad_of(device: Device | None) -> Device:
    if device is None or device.is_revoked or device.kind != DeviceKind.EVALUATION_PAD or device.window_id is None:
        raise EvaluationError("not_a_pad", _("This device is not an evaluation pad bound to a window."))
    return device


def pending_visit(pad: Device, *, now: datetime | None = None) -> PendingVisit | None:
    """The visit that just ended at the pad's window, not yet rated, with a token for it alone."""
    pad = pad_of(pad)
    now = now or timezone.now()
    ticket = _pad_visit_ticket(pad.window, now)
    if ticket is None:
        return None
    visit = visit_of(ticket=ticket)
    if visit.first_rating() is not None:
        return None
    token = signing.dumps({"k": "pad", "d": pad.pk, "t": ticket.pk}, salt=TOKEN_SALT)
    return PendingVisit(visit, token, ticket.service_ended_at + timedelta(minutes=pad_minutes()))


def visit_token(*, ticket: Ticket | None = None, case: Case | None = None, kind: str = "qr") -> str:
    """The token of a QR code (tickets, receipts, result notices) or an SMS link: names the case,
    else the ticket; valid through the evaluation window, for one rating and one 追评."""
    if kind not in ("qr", "sms"):
        raise ValueError(kind)
    data = {"k": kind, "c": case.pk} if case is not None else {"k": kind, "t": ticket.pk}
    return signing.dumps(data, salt=TOKEN_SALT)


def _read_token(token: str, now: datetime) -> tuple[str, dict]:
    try:
        data = signing.loads(token or "", salt=TOKEN_SALT)
    except signing.BadSignature:
        raise EvaluationError("bad_token", _("This evaluation link is not valid.")) from None
    if not isinstance(data, dict) or data.get("k") not in ("pad", "qr", "sms"):
        raise EvaluationError("bad_token", _("This evaluation link is not valid."))
    return data["k"], data


def _visit_of_token(token: str, now: datetime, device: Device | None) -> tuple[str, Visit]:
    kind, data = _read_token(token, now)
    if kind == "pad":
        ticket = _one(Ticket.objects.select_related("center", "window", "staff", "item__agency").filter(
            pk=data.get("t")))
        if device is not None and device.pk != data.get("d"):
            raise EvaluationError("wrong_pad", _("This rating belongs to another pad."))
        pad = _one(Device.objects.select_related("window").filter(pk=data.get("d"), revoked_at__isnull=True))
        if ticket is None or pad is None or pad.window_id != ticket.window_id:
            raise EvaluationError("bad_token", _("This evaluation link is not valid."))
        if _pad_visit_ticket(pad.window, now) != ticket:
            raise EvaluationError("token_expired", _("This visit can no longer be rated on the pad."))
        return kind, visit_of(ticket=ticket)
    if "c" in data:
        case = _one(Case.objects.select_related("center", "item__agency", "window", "receiver", "first_staff").filter(
            pk=data["c"]))
        if case is None:
            raise EvaluationError("bad_token", _("This evaluation link is not valid."))
        return kind, visit_of(case=case)
    ticket = _one(Ticket.objects.select_related("center", "window", "staff", "item__agency").filter(pk=data.get("t")))
    if ticket is None:
        raise EvaluationError("bad_token", _("This evaluation link is not valid."))
    return kind, visit_of(ticket=ticket)


def _check_window(visit: Visit, now: datetime) -> None:
    """A visit is rated once it ended, a case from its opening (a refused or withdrawn case too), until
    the evaluation window after the visit or the case's completion closes."""
    if visit.case is None and (visit.ticket.state != TicketState.DONE or visit.ticket.outcome != Outcome.SERVED):
        raise EvaluationError("not_ended", _("This visit has not ended yet."))
    if visit.case is not None and visit.case.state not in COMPLETED_CASE_STATES:
        return  # a running case may be rated from its receipt on
    if visit.ended_at is not None and now > visit.ended_at + timedelta(days=window_days() + 1):
        raise EvaluationError("window_closed", _("The time to rate this visit has passed."))


@dataclass(frozen=True)
class VisitInfo:
    visit: Visit
    kind: str
    rated: bool
    follow_up_open: bool


def visit_info(token: str, *, now: datetime | None = None) -> VisitInfo:
    """What a token lets one rate (the phone page): the visit, whether it is rated, whether a 追评
    may still come. Refuses a bad token like `submit`."""
    now = now or timezone.now()
    kind, visit = _visit_of_token(token, now, None)
    first = visit.first_rating()
    follow_up_open = (first is not None and kind != "pad" and not Evaluation.objects.filter(parent=first).exists()
                      and now <= first.created_at + timedelta(days=follow_up_days()))
    return VisitInfo(visit, kind, first is not None, follow_up_open)


# --- submitting -------------------------------------------------------------------------------------

def _clean_level(level) -> int:
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 5:
        raise EvaluationError("bad_level", _("Choose a rating from 1 to 5."))
    return level


def _clean_sub_scores(sub_scores: dict | None) -> dict:
    out = {}
    for key, value in (sub_scores or {}).items():
        if key not in SubScore.values or isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise EvaluationError("bad_sub_score", _("Sub-scores are 1 to 5 for the listed aspects."))
        out[key] = value
    return out


def _clean_tags(center: Center, level: int, codes) -> list[ReasonTag]:
    codes = list(dict.fromkeys(codes or ()))
    if level > BAD_LEVEL:
        if codes:
            raise EvaluationError("tags_for_bad_only", _("Reasons are given with a dissatisfied rating only."))
        return []
    by_code = {t.code: t for t in reason_tags(center)}
    unknown = [c for c in codes if c not in by_code]
    if unknown:
        raise EvaluationError("unknown_tag", _("Choose reasons from the list."))
    if not codes:
        raise EvaluationError("reason_required", _("Choose at least one reason for a dissatisfied rating."))
    return [by_code[c] for c in codes]


def submit(token: str, *, level, tags=(), comment: str = "", sub_scores: dict | None = None,
           follow_up: bool = False, device: Device | None = None, address: str = "",
           now: datetime | None = None) -> Evaluation:
    """Store the rating of the token's visit. `device` is the pad posting it (when known), `address`
    the client address (rate limits). A level ≤ 2 opens its bad-review work order.

    Refuses: `throttled`, `bad_token`, `token_expired`, `wrong_pad`, `not_ended`,
    `window_closed`, `bad_level`, `bad_sub_score`, `comment_too_long`, `reason_required`,
    `unknown_tag`, `tags_for_bad_only`, `already_rated`, `token_used`; for a 追评 also
    `not_rated_yet`, `follow_up_closed`, `follow_up_exists`, `no_follow_up_on_pad`."""
    now = now or timezone.now()
    digest = token_hash((token or "") + (":follow-up" if follow_up else ""))
    throttle.check(token=digest, device=device.pk if device else None, address=address, now=now)
    kind, visit = _visit_of_token(token, now, device)
    level = _clean_level(level)
    scores = _clean_sub_scores(sub_scores)
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise EvaluationError("comment_too_long", _("Keep the comment to 500 characters."))
    chosen = _clean_tags(visit.center, level, tags)
    parent = None
    if follow_up:
        if kind == "pad":
            raise EvaluationError("no_follow_up_on_pad", _("A follow-up rating is given with the QR code or SMS link."))
        parent = visit.first_rating()
        if parent is None:
            raise EvaluationError("not_rated_yet", _("Rate the visit first; a follow-up comes after."))
        if now > parent.created_at + timedelta(days=follow_up_days()):
            raise EvaluationError("follow_up_closed", _("The time for a follow-up rating has passed."))
        if Evaluation.objects.filter(parent=parent).exists():
            raise EvaluationError("follow_up_exists", _("This rating already has its follow-up."))
    else:
        _check_window(visit, now)
        if visit.first_rating() is not None:
            raise _already_rated(visit)
    case = visit.case
    evaluation = Evaluation(
        center=visit.center, case=case, ticket=visit.ticket, parent=parent,
        applicant_name=case.applicant_name if case else "", applicant_phone=case.phone if case else "",
        applicant_index=case.id_index if case else "", real_name=case is not None and bool(case.applicant_name),
        staff=visit.staff, window=visit.window, item=visit.item, agency=visit.agency,
        channel={"pad": EvaluationChannel.PAD, "qr": EvaluationChannel.QR, "sms": EvaluationChannel.SMS}[kind],
        level=level, sub_scores=scores, comment=comment, token_hash=digest, created_at=now,
        business_date=timezone.localdate(now),
    )
    try:
        with write_turn(), transaction.atomic():  # SQLite writers take turns (lib.writers)
            evaluation.save()
            if chosen:
                evaluation.reason_tags.set(chosen)
            if evaluation.is_bad and parent is None:
                open_bad_review(evaluation, now=now)
    except IntegrityError:
        if Evaluation.objects.filter(token_hash=digest).exists() and not follow_up:
            raise _already_rated(visit) from None
        if follow_up:
            raise EvaluationError("follow_up_exists", _("This rating already has its follow-up.")) from None
        raise _already_rated(visit) from None
    return evaluation


def _already_rated(visit: Visit) -> EvaluationError:
    if visit.case is not None:
        return EvaluationError("already_rated", _("This case has already been rated. Thank you."))
    return EvaluationError("already_rated", _("This visit has already been rated. Thank you."))


def send_evaluation_link(case: Case, *, url_for, now: datetime | None = None) -> str:
    """Text the evaluation link of a completed case to its applicant; returns the link.
    `url_for(token)` builds the absolute URL of the phone page.

    Refuses: `not_completed`, `no_phone`, `already_rated`, `sms_failed`."""
    if case.state not in COMPLETED_CASE_STATES:
        raise EvaluationError("not_completed", _("The evaluation link is sent once the case is completed."))
    if not (case.phone or "").strip():
        raise EvaluationError("no_phone", _("The case has no phone number to text."))
    visit = visit_of(case=case)
    if visit.first_rating() is not None:
        raise _already_rated(visit)
    link = url_for(visit_token(case=case, kind="sms"))
    text = _("Your case %(number)s is completed. Please rate our service: %(link)s") % {
        "number": case.number, "link": link}
    try:
        sms.send_sms(case.phone, text)
    except sms.SmsError as exc:
        raise EvaluationError("sms_failed", _("The SMS could not be sent.")) from exc
    return link


# --- bad-review work orders -------------------------------------------------------------------------

def _round_feedback_due(review: BadReview, *, is_complex: bool, contacted_on: date | None = None):
    """The feedback due date of the current round: round 1 counts from receipt (or the contact,
    chained policies), later rounds from their reopening, with the simple or complex limit."""
    policy = review.policy
    calendar_id = review.center.calendar_id
    if review.round == 1:
        dues = deadlines(policy, review.received_on, contacted_on=contacted_on, calendar_id=calendar_id)
        return dues.feedback(is_complex)
    return deadline(review.round_started_on, policy.complex_wd if is_complex else policy.simple_wd,
                    calendar_id=calendar_id)


def open_bad_review(evaluation: Evaluation, *, now: datetime) -> BadReview:
    """The work order of a 差评, routed to the responsible unit (谁办理谁负责) the same day; T15–T17
    due dates from the center's policy; no contact due for an anonymous evaluator."""
    center = evaluation.center
    policy = policy_for(center)
    received_on = timezone.localdate(now)
    dues = deadlines(policy, received_on, calendar_id=center.calendar_id)
    review = BadReview.objects.create(
        evaluation=evaluation, center=center, agency=evaluation.agency, window=evaluation.window,
        staff=evaluation.staff, owner=evaluation.staff, real_name=evaluation.real_name, received_at=now,
        received_on=received_on, policy_snapshot=snapshot(policy), round_started_on=received_on,
        contact_due=dues.contact.date if evaluation.real_name else None, feedback_due=dues.simple.date,
        first_feedback_due=dues.simple.date, deadlines_provisional=dues.provisional,
    )
    review.center = center
    _WORKFLOW.record(review, "create", "", ReviewState.RECEIVED, None, now, {
        "evaluation": evaluation.pk, "level": evaluation.level, "owner": evaluation.staff_id,
        "agency": evaluation.agency_id, "window": evaluation.window_id, "policy": review.policy_snapshot,
        "contact_due": review.contact_due, "feedback_due": review.feedback_due,
        "complex_due": dues.complex.date})
    return review


def _text(value, code: str, message: str) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if not value:
        raise EvaluationError(code, message)
    return value


def _guard_log_attempt(review, *, by, now, channel: str = "", reached=None, note: str = "") -> tuple[dict, dict]:
    if channel not in ContactChannel.values:
        raise EvaluationError("bad_channel", _("Say how the evaluator was contacted."))
    if not isinstance(reached, bool):
        raise EvaluationError("reached_required", _("Say whether the evaluator was reached."))
    attempt = ContactAttempt.objects.create(review=review, at=now, channel=channel, reached=reached,
                                            note=(note or "").strip()[:300], by=by)
    return {}, {"attempt": attempt.pk, "channel": channel, "reached": reached}


def _guard_contact(review, *, by, now, note: str = "") -> tuple[dict, dict]:
    if not review.real_name:
        raise EvaluationError("anonymous", _("An anonymous evaluator cannot be contacted; verify the review."))
    attempts = review.attempts.all()
    reached = any(a.reached for a in attempts)
    failed = sum(1 for a in attempts if not a.reached)
    needed = review.policy.unreachable_attempts
    if not reached and failed < needed:
        raise EvaluationError("not_reached", _("Log the call that reached the evaluator, or %(n)d failed "
                                               "attempts.") % {"n": needed})
    updates: dict = {"contacted_at": now, "unreachable": not reached}
    contacted_on = timezone.localdate(now)
    if review.policy_snapshot.get("anchor") == "chained" and review.round == 1:
        due = _round_feedback_due(review, is_complex=review.is_complex, contacted_on=contacted_on).date
        updates.update(feedback_due=due, first_feedback_due=due)
    return updates, {"note": (note or "").strip(), "unreachable": not reached,
                     "late": review.contact_due is not None and contacted_on > review.contact_due}


def _guard_mark_complex(review, *, by, now, reason: str = "") -> tuple[dict, dict]:
    if review.is_complex:
        raise EvaluationError("already_complex", _("The order is already complex."))
    reason = _text(reason, "reason_required", _("Say why the order is complex."))
    due = _round_feedback_due(review, is_complex=True,
                              contacted_on=timezone.localdate(review.contacted_at) if review.contacted_at else None)
    updates = {"is_complex": True, "complex_reason": reason, "complex_approver": by, "feedback_due": due.date,
               "deadlines_provisional": review.deadlines_provisional or due.provisional}
    if review.round == 1:
        updates["first_feedback_due"] = due.date
    return updates, {"reason": reason, "feedback_due": {"before": review.feedback_due, "after": due.date}}


def _guard_verify(review, *, by, now, verification: str = "", note: str = "", problem: str = "",
                  measure: str = "") -> tuple[dict, dict]:
    if review.state == ReviewState.RECEIVED and review.real_name:
        raise EvaluationError("contact_first", _("Contact the evaluator before verifying."))
    if verification not in VERIFY_CHOICES:
        raise EvaluationError("bad_verification", _("Choose the verification result (a mistaken or malicious "
                                                    "review is appealed instead)."))
    details: dict = {"verification": verification}
    if verification in SUBSTANTIATED:
        measure = _text(measure, "measures_required", _("Describe the rectification measures."))
        problem = (problem or "").strip() or _("Problem found in the review")
        entry = Rectification.objects.create(review=review, problem=problem[:300], measure=measure, owner=by,
                                             due=review.feedback_due, created_at=now)
        details["ledger"] = entry.pk
    else:
        note = _text(note, "explanation_required", _("Explain why the review is not substantiated."))
    return {"verification": verification, "verification_note": (note or "").strip()}, details


def _unit_of(review: BadReview) -> str:
    parts = [getattr(review.agency, "name", ""), f"{_('window')} {review.window.number}" if review.window_id else ""]
    return " · ".join(p for p in parts if p)


def _guard_file_appeal(review, *, by, now, grounds: str = "", evidence: str = "") -> tuple[dict, dict]:
    if grounds not in AppealGrounds.values:
        raise EvaluationError("bad_grounds", _("An appeal is for a mistaken or malicious review."))
    evidence = _text(evidence, "evidence_required", _("Attach the evidence for the appeal."))
    appeal = Appeal.objects.create(review=review, grounds=grounds, evidence=evidence, filed_by=by,
                                   filed_unit=_unit_of(review), filed_at=now)
    Evaluation.objects.filter(pk=review.evaluation_id).update(status=EvaluationStatus.UNDER_APPEAL)
    return {"verification": grounds}, {"appeal": appeal.pk, "grounds": grounds}


def _decide(review, *, by, now, decision: str, note: str = "") -> tuple[dict, dict]:
    appeal = review.appeals.filter(decision="").order_by("-filed_at").first()
    if appeal is None:
        raise EvaluationError("no_appeal", _("There is no open appeal."))
    if appeal.filed_by_id == by.pk or (by.pk == review.owner_id):
        raise EvaluationError("own_appeal", _("An appeal is decided outside the unit that filed it."))
    note = _text(note, "reason_required", _("Give the reasons for the decision."))
    Appeal.objects.filter(pk=appeal.pk).update(decided_by=by, decided_at=now, decision=decision, decision_note=note)
    upheld = decision == AppealDecision.UPHELD
    Evaluation.objects.filter(pk=review.evaluation_id).update(
        status=EvaluationStatus.EXCLUDED if upheld else EvaluationStatus.VALID)
    updates: dict = {"closed_at": now} if upheld else {"verification": ""}
    return updates, {"appeal": appeal.pk, "decision": decision, "note": note}


def _guard_uphold(review, *, by, now, note: str = "", **_kw) -> tuple[dict, dict]:
    return _decide(review, by=by, now=now, decision=AppealDecision.UPHELD, note=note)


def _guard_reject(review, *, by, now, note: str = "", **_kw) -> tuple[dict, dict]:
    return _decide(review, by=by, now=now, decision=AppealDecision.REJECTED, note=note)


def _guard_reply(review, *, by, now, text: str = "", verification: str = "") -> tuple[dict, dict]:
    text = _text(text, "reply_required", _("Write the reply sent to the evaluator."))
    updates: dict = {}
    if not review.verification:
        if verification not in VERIFY_CHOICES:
            raise EvaluationError("verify_first", _("Verify the review before replying."))
        updates["verification"] = verification
    substantiated = (updates.get("verification") or review.verification) in SUBSTANTIATED
    if review.is_complex and substantiated and not review.ledger.exists():
        raise EvaluationError("ledger_required", _("A complex order keeps its rectification ledger: add the measures."))
    replied_on = timezone.localdate(now)
    callback = deadline(replied_on, review.policy.callback_wd, calendar_id=review.center.calendar_id)
    updates.update(reply_text=text, replied_at=now, callback_due=callback.date)  # the last rating stays (KPIs)
    if review.first_replied_on is None:
        updates["first_replied_on"] = replied_on
    return updates, {"callback_due": callback.date, "on_time": replied_on <= review.feedback_due,
                     "feedback_due": review.feedback_due, "round": review.round}


def _guard_callback(review, *, by, now, rating: str = "", note: str = "") -> tuple[dict, dict]:
    no_rating = not review.real_name or review.unreachable
    if rating == "" and no_rating:
        return {"called_back_at": now, "closed_at": now}, {"rating": None, "note": (note or "").strip()}
    if rating not in SATISFIED_RATINGS:
        if rating == ReplyRating.DISSATISFIED:
            raise EvaluationError("dissatisfied", _("A dissatisfied evaluator reopens the order (or escalates it at "
                                                    "the last round)."))
        raise EvaluationError("rating_required", _("Record the evaluator's satisfaction with the reply."))
    return {"reply_rating": rating, "called_back_at": now, "closed_at": now}, {"rating": rating,
                                                                             "note": (note or "").strip()}


def _guard_reopen(review, *, by, now, note: str = "") -> tuple[dict, dict]:
    if review.round >= review.policy.max_rounds:
        raise EvaluationError("max_rounds", _("The last round is reached: escalate the order."))
    today = timezone.localdate(now)
    policy = review.policy
    due = deadline(today, policy.complex_wd if review.is_complex else policy.simple_wd,
                   calendar_id=review.center.calendar_id)
    return {"reply_rating": ReplyRating.DISSATISFIED, "called_back_at": now, "round": review.round + 1,
            "round_started_on": today, "feedback_due": due.date, "callback_due": None,
            "deadlines_provisional": review.deadlines_provisional or due.provisional}, {
        "round": review.round + 1, "feedback_due": due.date, "note": (note or "").strip()}


def _guard_escalate(review, *, by, now, note: str = "") -> tuple[dict, dict]:
    if review.round < review.policy.max_rounds:
        raise EvaluationError("rounds_left", _("Reopen the order for another round first."))
    return {"reply_rating": ReplyRating.DISSATISFIED, "called_back_at": now, "escalated_at": now}, {
        "round": review.round, "note": (note or "").strip()}


def _guard_close_escalated(review, *, by, now, conclusion: str = "") -> tuple[dict, dict]:
    conclusion = _text(conclusion, "conclusion_required", _("Record the conclusion of the supervision."))
    return {"conclusion": conclusion, "closed_at": now}, {"conclusion": conclusion}


_TRANSITIONS = {k: v for k, v in BAD_REVIEW_TRANSITIONS.items() if k != "decide_appeal"}
for _decision, (_action, _target) in APPEAL_OUTCOMES.items():
    _TRANSITIONS[_action] = BAD_REVIEW_TRANSITIONS["decide_appeal"]._replace(target=_target)

_GUARDS = {
    "log_attempt": _guard_log_attempt, "contact": _guard_contact, "mark_complex": _guard_mark_complex,
    "verify": _guard_verify, "file_appeal": _guard_file_appeal, "uphold_appeal": _guard_uphold,
    "reject_appeal": _guard_reject, "reply": _guard_reply, "callback": _guard_callback, "reopen": _guard_reopen,
    "escalate": _guard_escalate, "close_escalated": _guard_close_escalated,
}

_WORKFLOW = Workflow(
    model=BadReview, transitions=_TRANSITIONS, guards=_GUARDS, error=EvaluationError,
    wording=Wording(wrong_center=gettext_lazy("This work order belongs to another center."),
                    conflict=gettext_lazy("Someone else changed this work order; reload it."),
                    bad_state=gettext_lazy("Not possible while the work order is “%(state)s”.")),
    event_model=BadReviewEvent, event_fk="review", select_related=("center",),
)


def apply(review: BadReview, action: str, *, by, now: datetime | None = None, **payload) -> BadReview:
    """The one transition service of work orders (domain.md §4.1, §4.3). `decide_appeal` takes
    `decision` (upheld / rejected) and `note`. Returns the order as changed.

    Refuses: `unknown_action`, `conflict`, `forbidden`, `wrong_center`, `bad_state` and each
    action's guard (see the `_guard_*` functions)."""
    if action == "decide_appeal":
        decision = payload.pop("decision", "")
        if decision not in APPEAL_OUTCOMES:
            rule = BAD_REVIEW_TRANSITIONS["decide_appeal"]
            _WORKFLOW.check_actor(rule, by, review.center_id, review.owner_id)
            raise EvaluationError("bad_decision", _("Decide the appeal: upheld or rejected."))
        action = APPEAL_OUTCOMES[decision][0]
    elif action not in BAD_REVIEW_TRANSITIONS:
        raise EvaluationError("unknown_action", _("Unknown action."))
    if action not in ("verify", "reply"):
        return _WORKFLOW.apply(review, action, by=by, now=now, **payload)
    from .guide_tasks import open_for

    with transaction.atomic():  # a cause in the guide opens its revision task with the verification
        review = _WORKFLOW.apply(review, action, by=by, now=now, **payload)
        open_for(review, now=now)
    return review


def actions_for(review: BadReview, user) -> list[str]:
    """The table's actions this user may try on the order in its state (buttons; guards still apply)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    role = role_of(user)
    if role != "admin" and user.center_id != review.center_id:
        return []
    out = []
    for action, rule in BAD_REVIEW_TRANSITIONS.items():
        if review.state not in rule.sources:
            continue
        if role in rule.roles or (OWNER in rule.roles and user.pk == review.owner_id):
            out.append(action)
    return out


# --- reading ----------------------------------------------------------------------------------------

def review_sla(review: BadReview, *, today: date | None = None, calendar=None) -> Sla | None:
    """The worst running deadline on read: contact (real-name, not yet contacted), feedback (until
    replied), call-back (replied); None for closed, excluded and escalated orders."""
    today = today or timezone.localdate()
    cal = calendar or get_calendar(review.center.calendar_id)
    running: list[tuple[date, date]] = []
    if review.state == ReviewState.RECEIVED and review.contact_due:
        running.append((review.contact_due, review.received_on))
    if review.state in (ReviewState.RECEIVED, ReviewState.CONTACTED, ReviewState.RECTIFYING, ReviewState.APPEALING):
        running.append((review.feedback_due, review.round_started_on))
    if review.state == ReviewState.REPLIED and review.callback_due:
        running.append((review.callback_due, timezone.localdate(review.replied_at)))
    return worst(*(sla_status(due, anchor=anchor, today=today, provisional=review.deadlines_provisional,
                              calendar=cal) for due, anchor in running))


@dataclass(frozen=True)
class OpenReview:
    review: BadReview
    sla: Sla | None


def worklist(user, *, today: date | None = None, everyone: bool | None = None) -> list[OpenReview]:
    """Open orders, most urgent first (overdue, due today, warning, ok; then the earliest due date):
    a center manager sees the center's (or, `everyone=False`, their own), anyone else their own."""
    from yimen.workdays.sla import SLA_RANK

    today = today or timezone.localdate()
    rows = BadReview.objects.filter(state__in=OPEN_STATES).select_related(
        "center", "owner", "window", "agency", "evaluation__item", "evaluation__ticket", "evaluation__case")
    manager = role_of(user) in MANAGERS
    everyone = manager if everyone is None else (everyone and manager)  # others see only their own
    if role_of(user) != "admin":
        rows = rows.filter(center_id=user.center_id)
    if not everyone:
        rows = rows.filter(owner=user)
    calendars: dict = {}
    items = []
    for review in rows:
        cid = review.center.calendar_id
        if cid not in calendars:
            calendars[cid] = get_calendar(cid)
        items.append(OpenReview(review, review_sla(review, today=today, calendar=calendars[cid])))
    items.sort(key=lambda o: (-SLA_RANK[o.sla.status] if o.sla else 1,
                              o.sla.due if o.sla else date.max, o.review.received_at))
    return items
