"""Public API of cases (办件, domain.md §4.1, §4.2): `open_case`, `apply`, `sweep`,
`recompute_open_deadlines`, `case_dues`, `sla_status`, `attach_file`, `notify` and `CaseError`.
Anything else is private.

`apply(case, action, *, by, **payload)` is the one transition service: it opens the write
transaction (SQLite transactions are IMMEDIATE in settings, so `atomic()` takes the write lock;
PostgreSQL locks the row with `select_for_update`), re-reads the case, refuses a stale copy
(`conflict`), checks role, scope, state and guard from `ALLOWED_TRANSITIONS`, runs the action's
effect, moves the case with `UPDATE … WHERE id AND state AND version` (0 rows: `conflict`),
appends the `CaseEvent` (contiguous `seq`), stores the recomputed deadlines, `sla_status` and
`next_check_at`, and queues notifications with `transaction.on_commit`.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.auditlog.models import ActorKind
from yimen.catalog.constants import DocStatus, ItemStatus
from yimen.catalog.models import Guide
from yimen.lib.crypto import decrypt_bytes, encrypt_bytes
from yimen.lib.events import next_seq
from yimen.lib.idcodes import is_valid_credit_code, is_valid_id_number, normalize_id_number
from yimen.lib.rows import fetch
from yimen.lib.transitions import compare_and_set
from yimen.lib.writers import write_turn
from yimen.supervision.services import chief_representatives
from yimen.workdays import calc, sla
from yimen.workdays.services import get_calendar

from . import deadlines, guards
from .constants import (
    ALLOWED_TRANSITIONS,
    CITIZEN,
    DOCUMENT_CODES,
    OPEN_STATES,
    SYSTEM,
    ApplicantType,
    Beneficiary,
    CaseChannel,
    CaseOutcome,
    CaseState,
    DocumentKind,
    EscalationLevel,
    HelpKind,
    PaymentMethod,
    SlaStatus,
)
from .guards import CaseError, Ctx
from .models import (
    Case,
    CaseCounter,
    CaseDocument,
    CaseEvent,
    CaseExtension,
    CaseMaterial,
    CaseSuspension,
    CorrectionItem,
    CorrectionNotice,
    Escalation,
    HelpService,
    Payment,
    Receipt,
)

__all__ = ["CaseError", "apply", "attach_file", "case_dues", "notify", "open_case", "read_file",
           "recompute_open_deadlines", "record_help", "record_payment", "sla_status", "sweep"]

log = logging.getLogger("yimen.cases")

SNAPSHOT_FIELDS = ("case_type", "legal_limit", "legal_unit", "promised_limit", "promised_unit",
                   "correction_notice_wd", "applicant_correction_cd", "extension_allowed", "extension_wd",
                   "max_extensions", "suspension_allowed", "delivery_wd", "roll_forward", "is_fee", "agency_id",
                   "version")
DUE_FIELDS = ("correction_notice_due", "legal_due", "promised_due", "delivery_due")
VERIFICATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


# --- notifications ---------------------------------------------------------------------------

def _log_notifier(case_number: str, kind: str, recipients: list) -> None:
    log.info("case %s: %s -> %s", case_number, kind, recipients)


# Pluggable: SMS, the staff inbox and the display add themselves here; each gets
# (case number, kind, recipients) after commit.
NOTIFIERS: list[Callable[[str, str, list], None]] = [_log_notifier]


def notify(case: Case, kind: str, recipients: list) -> None:
    """Queue a notification for after commit (nothing is sent if the transaction rolls back)."""
    number = case.number

    def send():
        for notifier in NOTIFIERS:
            notifier(number, kind, recipients)

    transaction.on_commit(send)


# --- opening a case --------------------------------------------------------------------------

def _refuse_identity(applicant_type: str, id_number: str, credit_code: str, agent_id_number: str) -> None:
    if applicant_type == ApplicantType.PERSON and not is_valid_id_number(id_number):
        raise CaseError("invalid_id_number", _("The identity number is not valid (GB 11643 check failed)."))
    if applicant_type == ApplicantType.ORGANISATION and not is_valid_credit_code(credit_code):
        raise CaseError("invalid_credit_code", _("The unified social credit code is not valid (GB 32100 check "
                                                 "failed)."))
    if agent_id_number and not is_valid_id_number(agent_id_number):
        raise CaseError("invalid_agent_id_number", _("The agent's identity number is not valid."))


def _next_number(center, year: int) -> str:
    """The center's next case number of the year: one UPDATE … RETURNING on its counter row (the
    row lock, or SQLite's one writer, serialises concurrent desks until commit); the year's first
    case creates the row."""
    table = CaseCounter._meta.db_table
    take = f"UPDATE {table} SET last = last + 1 WHERE center_id = %s AND year = %s RETURNING last"
    rows = fetch(take, [center.pk, year])
    if not rows:
        CaseCounter.objects.bulk_create([CaseCounter(center=center, year=year)], ignore_conflicts=True)
        rows = fetch(take, [center.pk, year])
    return f"{center.code.upper()}-{year}-{rows[0][0]:06d}"


def snapshot_rules(item, situation) -> dict:
    """The item's limits when the case is opened; later item edits never touch running cases."""
    snap = {name: getattr(item, name) for name in SNAPSHOT_FIELDS}
    snap["item_version"] = snap.pop("version")
    snap["promised_limit"] = situation.effective_promised_limit
    return snap


def open_case(*, center, item, situation, applicant_name: str, by, channel: str = CaseChannel.WINDOW,
              applicant_type: str = ApplicantType.PERSON, id_number: str = "", credit_code: str = "",
              phone: str = "", agent_name: str = "", agent_id_number: str = "", ticket=None, window=None,
              receive: bool = False, materials: Iterable | None = None, now: datetime | None = None) -> Case:
    """Open a SUBMITTED case for one item and situation, with the published guide and the rules of
    today; one `CaseMaterial` per guide material (exempt ones marked, 两个免于提交).

    `receive`: the front desk's usual step, the case is also received in the same transaction with
    the guide `materials` handed over (None: every non-exempt one), through the same role, guard
    and effect as `apply(case, "receive")`; it comes back RECEIVED with its receipt, and a refusal
    opens nothing."""
    id_number, credit_code = normalize_id_number(id_number), normalize_id_number(credit_code)
    agent_id_number = normalize_id_number(agent_id_number)
    if applicant_type not in ApplicantType.values:
        raise CaseError("bad_applicant_type", _("Choose a person or an organisation."))
    if not (applicant_name or "").strip():
        raise CaseError("applicant_name_required", _("Please give the applicant's name."))
    _refuse_identity(applicant_type, id_number, credit_code, agent_id_number)
    if item.status != ItemStatus.ACTIVE:
        raise CaseError("inactive_item", _("This item is not open for applications."))
    if situation.item_id != item.pk or not situation.is_active:
        raise CaseError("bad_situation", _("This situation does not belong to the item or is inactive."))
    situation.item = item  # the same row: its rules are read from `item`, not read again
    guide = Guide.objects.filter(situation=situation, status=DocStatus.PUBLISHED).first()
    if guide is None:
        raise CaseError("no_published_guide", _("This situation has no published guide."))
    now = now or timezone.now()
    user = by if getattr(by, "pk", None) else None
    cal = get_calendar(center.calendar_id)
    with write_turn(), transaction.atomic():
        case = Case.objects.create(
            number=_next_number(center, timezone.localdate(now).year), center=center, item=item, situation=situation,
            guide=guide, rules_snapshot=snapshot_rules(item, situation), channel=channel, ticket=ticket,
            window=window, first_staff=user, applicant_type=applicant_type, applicant_name=applicant_name.strip(),
            id_number=id_number if applicant_type == ApplicantType.PERSON else "",
            credit_code=credit_code if applicant_type == ApplicantType.ORGANISATION else "", phone=phone,
            agent_name=agent_name, agent_id_number=agent_id_number, calendar_version_used=cal.version,
            verification_code="".join(secrets.choice(VERIFICATION_ALPHABET) for _ in range(8)),
        )
        CaseMaterial.objects.bulk_create([
            CaseMaterial(case=case, material=m, exempt=bool(m.exempt_reason), exempt_reason=m.exempt_reason,
                         data_reference=m.exempt_reference)
            for m in guide.materials.all()
        ])
        _event(case, "open", "", CaseState.SUBMITTED, by, now,
               {"item": item.pk, "situation": situation.pk, "guide": guide.pk, "guide_version": guide.version,
                "channel": channel, "applicant": case.masked_id}, seq=1)
        if receive:
            _run(case, "receive", by, _role_of(by), now,
                 {"materials": None if materials is None else list(materials)}, cal)
    return case


# --- the transition service ------------------------------------------------------------------

def _role_of(by) -> str:
    if by in (SYSTEM, CITIZEN):
        return by
    if getattr(by, "pk", None) is None or not by.is_active:
        raise CaseError("forbidden", _("Unknown actor."))
    return by.role


def _actor_kind(by) -> str:
    if isinstance(by, str):
        return {SYSTEM: ActorKind.SYSTEM, CITIZEN: ActorKind.CITIZEN}[by]
    return ActorKind.USER


def _check_scope(case: Case, by, role: str) -> None:
    """Reviewers act on cases of their agency; center staff on cases of their center."""
    if role == Role.REVIEWER and by.agency_id != case.rules_snapshot.get("agency_id", case.item.agency_id):
        raise CaseError("other_agency", _("This case belongs to another agency."))
    if role in (Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER) and by.center_id != case.center_id:
        raise CaseError("other_center", _("This case belongs to another center."))


def _locked(case: Case) -> Case:
    qs = Case.objects.select_related("item", "situation", "guide", "center")
    if connection.vendor == "postgresql":
        qs = qs.select_for_update(of=("self",))
    fresh = qs.filter(pk=case.pk).first()
    if fresh is None:
        raise CaseError("not_found", _("No such case."))
    return fresh


def _anchors(case: Case) -> deadlines.Anchors:
    spans, ext = (), 0
    if case.accepted_on is not None:  # suspensions and extensions exist only once a case is accepted
        spans = tuple(CaseSuspension.objects.filter(case=case).order_by("started_on", "id")
                      .values_list("started_on", "ended_on"))
        ext = sum(CaseExtension.objects.filter(case=case).order_by().values_list("days", flat=True))
    return deadlines.Anchors(case.rules_snapshot, case.received_on, case.corrections_received_on, case.accepted_on,
                             case.decided_on, spans, ext)


def _dues_of(case: Case) -> dict:
    return {name: getattr(case, name) for name in DUE_FIELDS}


def _event(case: Case, action: str, from_state: str, to_state: str, by, now: datetime, payload: dict,
           *, seq: int | None = None) -> CaseEvent:
    """Append an event (`seq`: given only for the first event of a case created in this transaction)."""
    seq = seq or next_seq(CaseEvent.objects.filter(case=case))
    return CaseEvent.objects.create(case=case, seq=seq, action=action,
                                    from_state=from_state, to_state=to_state,
                                    actor=by if getattr(by, "pk", None) else None, actor_kind=_actor_kind(by),
                                    at=now, business_date=timezone.localdate(now), payload=payload)


def _next_check_at(running: list[deadlines.Clock], ctx: Ctx) -> datetime | None:
    """When a deadline is already past `ok`, the sweep should look now (to escalate once)."""
    if deadlines.worst_status(running, ctx.today) != SlaStatus.OK:
        return ctx.now
    return deadlines.next_check(running, ctx.today)


def _move(ctx: Ctx, action: str, target: str | None, changes: dict, details: dict) -> None:
    """Move `ctx.case` (read in this transaction) on its state and version, with recomputed
    deadlines, and append the event; `ctx.case` is updated in memory."""
    case = ctx.case
    before = _dues_of(case)
    from_state, version = case.state, case.version
    to_state = target or from_state
    for name, value in changes.items():
        setattr(case, name, value)
    case.state = to_state
    anchors = _anchors(case)
    dues = deadlines.compute(anchors, ctx.cal)
    running = deadlines.clocks(to_state, case.is_suspended, anchors, dues, ctx.cal)
    values = {**changes, **{name: getattr(dues, name) for name in DUE_FIELDS},
              "deadlines_provisional": dues.provisional,
              "sla_status": deadlines.worst_status(running, ctx.today),
              "next_check_at": _next_check_at(running, ctx),
              "calendar_version_used": ctx.cal.version}
    if not compare_and_set(Case, case.pk, state=from_state, version=version, target=to_state, **values):
        raise CaseError("conflict", _("Someone else changed this case; reload and try again."))
    for name, value in values.items():
        setattr(case, name, value)
    case.version = version + 1
    after = _dues_of(case)
    payload = {**details, "deadlines": {"before": before, "after": after}} if before != after else details
    if dues.legal_remaining is not None:
        payload = {**payload, "legal_remaining": dues.legal_remaining}
    _event(case, action, from_state, to_state, ctx.by, ctx.now, payload)


def apply(case: Case, action: str, *, by, now: datetime | None = None, **payload) -> Case:
    """Run `action` on `case` as `by` (a user, `SYSTEM` or `CITIZEN`); returns the updated case
    (the object passed in is refreshed too). Refusals raise `CaseError` and change nothing."""
    spec = ALLOWED_TRANSITIONS.get(action)
    if spec is None:
        raise CaseError("unknown_action", _("Unknown action."))
    role = _role_of(by)
    now = now or timezone.now()
    with write_turn(), transaction.atomic():
        fresh = _locked(case)
        if fresh.version != case.version:
            raise CaseError("conflict", _("Someone else changed this case; reload and try again."))
        _run(fresh, action, by, role, now, payload, get_calendar(fresh.center.calendar_id))
    for f in Case._meta.concrete_fields:  # the caller's object too, without reading it again
        setattr(case, f.attname, getattr(fresh, f.attname))
    return fresh


def _run(case: Case, action: str, by, role: str, now: datetime, payload: dict, cal: calc.Calendar) -> None:
    """Role, scope, state and guard of `action`, then its effect, on `case` as read in the current
    transaction (locked by `apply`, or just created by `open_case`)."""
    spec = ALLOWED_TRANSITIONS[action]
    if role not in spec.roles:
        raise CaseError("forbidden_role", _("Your role may not do this."))
    if not isinstance(by, str):
        _check_scope(case, by, role)
    if case.state not in spec.sources:
        raise CaseError("bad_state", _("Not possible while the case is “%(state)s”.") % {
            "state": CaseState(case.state).label})
    ctx = Ctx(case, by, role, now, timezone.localdate(now), cal, payload)
    getattr(guards, spec.guard)(ctx)
    EFFECTS[action](ctx, spec.target)


# --- effects (after the guard passed; inside the transaction) ---------------------------------

def _document(ctx: Ctx, kind: str, payload: dict) -> CaseDocument:
    case = ctx.case
    n = CaseDocument.objects.filter(case=case, kind=kind).count() + 1
    return CaseDocument.objects.create(case=case, kind=kind, number=f"{case.number}-{DOCUMENT_CODES[kind]}{n}",
                                       payload=payload, issued_at=ctx.now, issued_by=ctx.user)


def _receipt(ctx: Ctx) -> Receipt:
    """Mark the materials received (those named, or every non-exempt one) and issue a receipt."""
    case = ctx.case
    names = ctx.payload.get("materials")
    rows = CaseMaterial.objects.filter(case=case, exempt=False)
    if names is not None:
        rows = rows.filter(material_id__in=[getattr(m, "pk", m) for m in names])
    rows.update(received=True)
    listed = [{"material": m.material_id, "name": m.material.name, "received": m.received, "exempt": m.exempt,
               "exempt_reason": m.exempt_reason}
              for m in CaseMaterial.objects.filter(case=case).select_related("material")]
    # a case not yet received has no receipt (receipts come only from receiving and corrections)
    n = 1 if case.received_at is None else Receipt.objects.filter(case=case).count() + 1
    number = f"{case.number}-{DOCUMENT_CODES[DocumentKind.RECEIPT]}{n}"
    receipt = Receipt.objects.create(number=number, case=case, received_at=ctx.now, staff=ctx.user, materials=listed)
    CaseDocument.objects.create(case=case, kind=DocumentKind.RECEIPT, number=number, issued_at=ctx.now,
                                issued_by=ctx.user, payload={"materials": listed, "rule": str(_(
                                    "If no correction notice is issued within 5 working days, the application is "
                                    "accepted as of the date of this receipt."))})
    return receipt


def _receive(ctx: Ctx, target) -> None:
    receipt = _receipt(ctx)
    _move(ctx, "receive", target, {"received_at": ctx.now, "receiver": ctx.user}, {"receipt": receipt.number})
    notify(ctx.case, "received", ["applicant"])


def _request_correction(ctx: Ctx, target) -> None:
    case = ctx.case
    receipt = Receipt.objects.filter(case=case).order_by("-received_at", "-id").first()
    reply = calc.due(ctx.today, case.rules_snapshot.get("applicant_correction_cd", 30), ctx.cal, unit="CD",
                     roll_forward=case.rules_snapshot.get("roll_forward", True))
    approver, reason = guards.second_notice_approval(ctx) if case.correction_round >= 1 else (None, "")
    notice = CorrectionNotice.objects.create(
        case=case, round=case.correction_round + 1, receipt=receipt, issued_at=ctx.now, issued_by=ctx.user,
        reply_due=reply.date, approved_by=approver, approval_reason=reason)
    items = [CorrectionItem(notice=notice, material_id=getattr(e["material"], "pk", e["material"]),
                            problem=str(e["problem"]).strip()) for e in ctx.payload["items"]]
    CorrectionItem.objects.bulk_create(items)
    listed = [{"material": i.material_id, "problem": i.problem} for i in items]
    _document(ctx, DocumentKind.CORRECTION_NOTICE, {"round": notice.round, "items": listed, "reply_due": reply.date})
    CaseMaterial.objects.filter(case=case, material_id__in=[i.material_id for i in items]).update(received=False)
    _move(ctx, "request_correction", target, {"correction_round": notice.round},
          {"round": notice.round, "items": listed, "reply_due": reply.date,
           "approved_by": getattr(approver, "pk", None), "reason": reason})
    notify(case, "correction_requested", ["applicant"])


def _submit_corrections(ctx: Ctx, target) -> None:
    receipt = _receipt(ctx)
    _move(ctx, "submit_corrections", target, {"corrections_received_on": ctx.today}, {"receipt": receipt.number})


def _abandon_correction(ctx: Ctx, target) -> None:
    _move(ctx, "abandon_correction", target, {}, {"reason": ctx.payload.get("reason", "")})


def _accept(ctx: Ctx, target) -> None:
    doc = _document(ctx, DocumentKind.ACCEPTANCE_NOTICE, {"accepted_on": ctx.today})
    _move(ctx, "accept", target, {"accepted_on": ctx.today}, {"document": doc.number})
    notify(ctx.case, "accepted", ["applicant"])


def _deem_accept(ctx: Ctx, target) -> None:
    case = ctx.case
    accepted_on = case.corrections_received_on or case.received_on
    _move(ctx, "deem_accept", target, {"accepted_on": accepted_on, "deemed_accepted": True},
          {"accepted_on": accepted_on, "correction_notice_due": case.correction_notice_due})
    notify(case, "deemed_accepted", ["applicant", {"agency": case.rules_snapshot.get("agency_id")}])


def _reject(ctx: Ctx, target) -> None:
    reasons = {"reasons": ctx.payload["reasons"].strip(), "remedies": ctx.payload["remedies"].strip()}
    doc = _document(ctx, DocumentKind.REJECTION_DECISION, reasons)
    _move(ctx, "reject", target, {}, {**reasons, "document": doc.number})
    notify(ctx.case, "rejected", ["applicant"])


def _start_review(ctx: Ctx, target) -> None:
    handler = ctx.payload.get("handler") or ctx.user
    _move(ctx, "start_review", target, {"handler": handler}, {"handler": handler.pk})


def _suspend(ctx: Ctx, target) -> None:
    p = ctx.payload
    s = CaseSuspension.objects.create(case=ctx.case, reason_type=p["reason_type"], basis=p["basis"].strip(),
                                      started_on=ctx.today, notice_ref=p["notice_ref"].strip(),
                                      approved_by=str(p.get("approved_by") or ""), created_by=ctx.user)
    _move(ctx, "suspend", target, {"is_suspended": True},
          {"suspension": s.pk, "reason_type": s.reason_type, "basis": s.basis, "notice_ref": s.notice_ref})
    notify(ctx.case, "suspended", ["applicant"])


def _resume(ctx: Ctx, target) -> None:
    s = CaseSuspension.objects.get(case=ctx.case, ended_on__isnull=True)
    CaseSuspension.objects.filter(pk=s.pk).update(ended_on=ctx.today)
    _move(ctx, "resume", target, {"is_suspended": False}, {"suspension": s.pk, "ended_on": ctx.today})
    notify(ctx.case, "resumed", ["applicant"])


def _extend(ctx: Ctx, target) -> None:
    p = ctx.payload
    days = int(p.get("days") or ctx.case.rules_snapshot.get("extension_wd", 10))
    if not 0 < days <= ctx.case.rules_snapshot.get("extension_wd", 10):
        raise CaseError("bad_days", _("The extension may not exceed the item's limit."))
    e = CaseExtension.objects.create(case=ctx.case, days=days, reason=p["reason"].strip(),
                                     approved_by=p["approved_by"].strip(), approved_at=p.get("approved_at") or ctx.now,
                                     notified_at=p.get("notified_at"), created_by=ctx.user)
    _move(ctx, "extend", target, {}, {"extension": e.pk, "days": days, "reason": e.reason,
                                      "approved_by": e.approved_by})
    notify(ctx.case, "extended", ["applicant"])


def _decision_details(ctx: Ctx, default: str | None = None) -> dict:
    p = ctx.payload
    return {"outcome": p.get("outcome", default), "reasons": str(p.get("reasons") or "").strip(),
            "remedies": str(p.get("remedies") or "").strip()}


def _decide(ctx: Ctx, target) -> None:
    details = _decision_details(ctx)
    doc = _document(ctx, DocumentKind.DECISION, details)
    _move(ctx, "decide", target, {"outcome": details["outcome"], "decided_on": ctx.today},
          {**details, "document": doc.number})
    notify(ctx.case, "decided", ["applicant"])


def _complete(ctx: Ctx, target) -> None:
    case = ctx.case
    timeliness = deadlines.timeliness(ctx.today, case.promised_due, case.legal_due)
    doc = _document(ctx, DocumentKind.COMPLETION_NOTICE, {"completed_on": ctx.today})
    _move(ctx, "complete", target, {"completed_on": ctx.today, "timeliness": timeliness},
          {"timeliness": timeliness, "document": doc.number})
    notify(case, "completed", ["applicant"])  # the evaluation invitation (一事一评)


def _deliver(ctx: Ctx, target) -> None:
    case = ctx.case
    late = case.delivery_due is not None and ctx.today > case.delivery_due
    _move(ctx, "deliver", target, {"delivered_on": ctx.today, "delivery_method": ctx.payload["method"]},
          {"method": ctx.payload["method"], "late": late})


def _complete_immediately(ctx: Ctx, target) -> None:
    """即办件: receive, accept, start review, decide and complete in one action and one transaction,
    one event each."""
    via = {"via": "complete_immediately"}
    S = CaseState
    receipt = _receipt(ctx)
    _move(ctx, "receive", S.RECEIVED, {"received_at": ctx.now, "receiver": ctx.user},
          {**via, "receipt": receipt.number})
    doc = _document(ctx, DocumentKind.ACCEPTANCE_NOTICE, {"accepted_on": ctx.today})
    _move(ctx, "accept", S.ACCEPTED, {"accepted_on": ctx.today}, {**via, "document": doc.number})
    _move(ctx, "start_review", S.UNDER_REVIEW, {"handler": ctx.user}, {**via, "handler": ctx.user.pk})
    details = _decision_details(ctx, CaseOutcome.APPROVED)
    doc = _document(ctx, DocumentKind.DECISION, details)
    _move(ctx, "decide", S.DECIDED, {"outcome": details["outcome"], "decided_on": ctx.today},
          {**via, **details, "document": doc.number})
    timeliness = deadlines.timeliness(ctx.today, ctx.case.promised_due, ctx.case.legal_due)
    doc = _document(ctx, DocumentKind.COMPLETION_NOTICE, {"completed_on": ctx.today})
    _move(ctx, "complete", target, {"completed_on": ctx.today, "timeliness": timeliness},
          {**via, "timeliness": timeliness, "document": doc.number})
    notify(ctx.case, "completed", ["applicant"])


def _withdraw(ctx: Ctx, target) -> None:
    _move(ctx, "withdraw", target, {"is_suspended": False}, {"reason": ctx.payload["reason"].strip()})
    CaseSuspension.objects.filter(case=ctx.case, ended_on__isnull=True).update(ended_on=ctx.today)


def _terminate(ctx: Ctx, target) -> None:
    _move(ctx, "terminate", target, {"is_suspended": False},
          {"legal_cause": ctx.payload["legal_cause"].strip(), "reason": ctx.payload["reason"].strip()})
    CaseSuspension.objects.filter(case=ctx.case, ended_on__isnull=True).update(ended_on=ctx.today)
    notify(ctx.case, "terminated", ["applicant"])


EFFECTS: dict[str, Callable[[Ctx, str | None], None]] = {
    "receive": _receive, "request_correction": _request_correction, "submit_corrections": _submit_corrections,
    "abandon_correction": _abandon_correction, "accept": _accept, "deem_accept": _deem_accept, "reject": _reject,
    "start_review": _start_review, "suspend": _suspend, "resume": _resume, "extend": _extend, "decide": _decide,
    "complete": _complete, "deliver": _deliver, "complete_immediately": _complete_immediately,
    "withdraw": _withdraw, "terminate": _terminate,
}
assert set(EFFECTS) == set(ALLOWED_TRANSITIONS)


# --- reading deadlines -----------------------------------------------------------------------

def case_dues(case: Case) -> deadlines.Dues:
    """The deadlines of a case computed now (equal to the cached columns unless the calendar moved);
    `legal_remaining` tells the days left while a suspension is open."""
    return deadlines.compute(_anchors(case), get_calendar(case.center.calendar_id))


def _running(case: Case, cal: calc.Calendar) -> list[deadlines.Clock]:
    anchors = _anchors(case)
    return deadlines.clocks(case.state, case.is_suspended, anchors, deadlines.compute(anchors, cal), cal)


def stored_sla(case: Case, today: date, cal: calc.Calendar) -> sla.Sla | None:
    """The worst running deadline of a case from its stored due dates (status, working days left,
    due), without reading its suspensions again: what a worklist shows per row."""
    anchors = deadlines.Anchors(case.rules_snapshot, case.received_on, case.corrections_received_on,
                                case.accepted_on, case.decided_on, (), 0)
    dues = deadlines.Dues(**_dues_of(case), provisional=case.deadlines_provisional)
    return sla.worst(*(sla.sla_status(c.due, anchor=c.anchor, today=today, provisional=dues.provisional,
                                      calendar=cal)
                       for c in deadlines.clocks(case.state, case.is_suspended, anchors, dues, cal)))


def sla_status(case: Case, today: date | None = None) -> str:
    """The case's worst open deadline status, computed on read from today's local date."""
    cal = get_calendar(case.center.calendar_id)
    return deadlines.worst_status(_running(case, cal), today or timezone.localdate())


def approve_second_notice(case: Case, *, by, reason: str, now: datetime | None = None) -> CaseEvent:
    """一次告知: a manager of the case's center approves one further correction notice for the
    current submission, with a reason (the way an API client gets the co-signature the desk takes
    in person). Recorded as an event; the next notice uses it (`guards.second_notice_approval`)."""
    if getattr(by, "role", None) != Role.CENTER_MANAGER or by.center_id != case.center_id:
        raise CaseError("forbidden", _("Only a manager of this center approves a further correction notice."))
    if case.state != CaseState.RECEIVED or case.correction_round < 1:
        raise CaseError("no_second_notice", _("A further notice is approved only for corrections received after "
                                              "a first notice."))
    if not reason.strip():
        raise CaseError("reason_required", _("Give the reason for a further correction notice."))
    now = now or timezone.now()
    with write_turn(), transaction.atomic():
        return _event(case, guards.SECOND_NOTICE_APPROVED, case.state, case.state, by, now,
                      {"round": case.correction_round, "reason": reason.strip()[:300]})


# --- help services and payments -------------------------------------------------------------------

HELPERS = frozenset({Role.HELP_STAFF, Role.WINDOW_STAFF, Role.CENTER_MANAGER})


def record_help(center, *, by, kind: str, beneficiary: str, case: Case | None = None, note: str = "",
                now: datetime | None = None) -> HelpService:
    """帮办: record a help service given by `by` (help or window staff of the center), with who was
    helped; linked to a case of the center when it led to one (an event on the case then)."""
    if getattr(by, "role", None) not in HELPERS or by.center_id != center.pk:
        raise CaseError("forbidden", _("Help services are recorded by the center's help or window staff."))
    if kind not in HelpKind.values:
        raise CaseError("bad_help_kind", _("Choose the kind of help."))
    if beneficiary not in Beneficiary.values:
        raise CaseError("bad_beneficiary", _("Say who was helped."))
    if case is not None and case.center_id != center.pk:
        raise CaseError("other_center", _("This case belongs to another center."))
    now = now or timezone.now()
    with write_turn(), transaction.atomic():
        help_service = HelpService.objects.create(center=center, case=case, kind=kind, beneficiary=beneficiary,
                                                  staff=by, at=now, note=note.strip()[:300])
        if case is not None:
            _event(case, "help_service", case.state, case.state, by, now,
                   {"help_service": help_service.pk, "kind": kind, "beneficiary": beneficiary})
    return help_service


def record_payment(case: Case, *, by, amount, method: str, fee_item=None, note: str = "",
                   now: datetime | None = None) -> Payment:
    """Record a fee paid at the window. Every method the plan allows is accepted, cash always; the
    fee must be one of the item's; the amount is in yuan, not negative; a waiver records 0."""
    from decimal import Decimal, InvalidOperation

    if getattr(by, "role", None) not in (Role.WINDOW_STAFF, Role.CENTER_MANAGER) or by.center_id != case.center_id:
        raise CaseError("forbidden", _("Payments are recorded by the center's window staff."))
    if not case.rules_snapshot.get("is_fee"):
        raise CaseError("no_fee", _("This item charges no fee."))
    if method not in PaymentMethod.values:
        raise CaseError("bad_method", _("Choose how the fee was paid."))
    try:
        amount = Decimal(str(amount)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise CaseError("bad_amount", _("Give the amount in yuan, for example 15.00.")) from None
    if amount < 0 or amount >= Decimal("100000000") or (method == PaymentMethod.WAIVED) != (amount == 0):
        raise CaseError("bad_amount", _("Give the amount in yuan (0 only when the fee is waived)."))
    if fee_item is not None and fee_item.item_id != case.item_id:
        raise CaseError("bad_fee", _("This fee belongs to another item."))
    if case.state not in OPEN_STATES:
        raise CaseError("bad_state", _("The case is closed."))
    now = now or timezone.now()
    with write_turn(), transaction.atomic():
        payment = Payment.objects.create(case=case, fee_item=fee_item, amount=amount, method=method, paid_at=now,
                                         received_by=by, note=note.strip()[:200])
        _event(case, "payment", case.state, case.state, by, now,
               {"payment": payment.pk, "amount": str(amount), "method": method,
                "fee": fee_item.pk if fee_item else None})
    return payment


# --- files -------------------------------------------------------------------------------------

# What a scanned or uploaded material may be, recognised by its first bytes (never by the name or
# the browser's content type): PDF, JPEG, PNG, OFD (China's fixed-layout format, a ZIP container).
FILE_KINDS = ((b"%PDF-", "application/pdf", ".pdf"), (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
              (b"\x89PNG\r\n\x1a\n", "image/png", ".png"), (b"PK\x03\x04", "application/ofd", ".ofd"))


def max_upload_bytes() -> int:
    return int(getattr(settings, "CASE_UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def attach_file(material: CaseMaterial, content: bytes, *, filename: str = "", content_type: str = "") -> CaseMaterial:
    """Store a scanned or uploaded material under VAR_DIR/media/cases/<number>/ (outside the
    database), encrypted (SM4-GCM, a11y-security S17) and named by the SHA-256 of its content; the
    row keeps the path, digest, size and the type recognised from the content. Refused: an empty
    file, one over `CASE_UPLOAD_MAX_BYTES` (20 MB), one that is not PDF, JPEG, PNG or OFD."""
    if not content:
        raise CaseError("empty_file", _("The file is empty."))
    if len(content) > max_upload_bytes():
        raise CaseError("file_too_large", _("The file is larger than %(mb)d MB.") % {
            "mb": max_upload_bytes() // (1024 * 1024)})
    kind = next(((ct, ext) for magic, ct, ext in FILE_KINDS if content.startswith(magic)), None)
    if kind is None:
        raise CaseError("bad_file_type", _("Only PDF, JPEG, PNG or OFD files can be attached."))
    detected, suffix = kind
    digest = hashlib.sha256(content).hexdigest()
    relative = Path("cases") / material.case.number / f"{digest}{suffix}.sm4"
    target = Path(settings.VAR_DIR) / "media" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(encrypt_bytes(content))
        tmp.replace(target)
    CaseMaterial.objects.filter(pk=material.pk).update(file_path=str(relative), sha256=digest, size=len(content),
                                                       content_type=detected, received=True)
    material.refresh_from_db()
    return material


def read_file(material: CaseMaterial) -> bytes:
    """The attached file's content, decrypted and checked against its SHA-256."""
    blob = (Path(settings.VAR_DIR) / "media" / material.file_path).read_bytes()
    content = decrypt_bytes(blob)
    if hashlib.sha256(content).hexdigest() != material.sha256:
        raise CaseError("file_changed", _("The stored file does not match its checksum."))
    return content


# --- the sweep ---------------------------------------------------------------------------------

LEVEL_OF = {SlaStatus.WARNING: EscalationLevel.WARNING, SlaStatus.DUE_TODAY: EscalationLevel.DUE_TODAY,
            SlaStatus.OVERDUE: EscalationLevel.OVERDUE}


def _recipients(case: Case, level: str, today: date) -> list[dict]:
    """Whom a deadline level reaches (domain.md §2.6), as {"role", "user"}: a warning the handler
    (the receiver before review); due today also the agency's 首席事务代表 (the section chief of
    the plan: the agency's head in the center); overdue also the center's managers (督办)."""
    people = [{"role": "handler", "user": case.handler_id or case.receiver_id}]
    if level in (EscalationLevel.DUE_TODAY, EscalationLevel.OVERDUE):
        agency_id = case.rules_snapshot.get("agency_id", case.item.agency_id)
        people += [{"role": "chief_representative", "user": pk} for pk in chief_representatives(agency_id, on=today)]
    if level == EscalationLevel.OVERDUE:
        people += [{"role": "center_manager", "user": pk} for pk in User.objects.filter(
            center_id=case.center_id, role=Role.CENTER_MANAGER, is_active=True).order_by("pk").values_list(
            "pk", flat=True)]
    return people


def _escalate(case: Case, running: list[deadlines.Clock], today: date) -> int:
    """Record each (deadline kind, due date, level) reached once and notify its recipients; the
    unique constraint makes a second sweep (or two sweeps at once) a no-op. Returns the count."""
    created = 0
    for clock in running:
        level = LEVEL_OF.get(deadlines.status_of(clock, today))
        if level is None:
            continue
        key = {"case": case, "deadline_kind": clock.kind, "due_date": clock.due, "level": level}
        if Escalation.objects.filter(**key).exists():
            continue
        recipients = _recipients(case, level, today)
        try:
            with write_turn(), transaction.atomic():
                Escalation.objects.create(**key, recipients=recipients)
        except IntegrityError:  # a concurrent sweep recorded it first
            continue
        notify(case, f"escalation_{level}", recipients)
        created += 1
    return created


def sweep(now: datetime | None = None, *, batch: int = 1000) -> dict:
    """The periodic SLA sweep (domain.md §2.6), idempotent: reads only cases whose `next_check_at`
    has come (indexed), runs `deem_accept` where due, refreshes the cached `sla_status` and
    `next_check_at`, and records escalations once. Correctness never depends on it: statuses are
    computed on read."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    stats = {"checked": 0, "deemed_accepted": 0, "escalations": 0}
    ids = list(Case.objects.filter(next_check_at__lte=now).order_by("next_check_at", "pk")
               .values_list("pk", flat=True)[:batch])
    for pk in ids:
        case = Case.objects.select_related("center").get(pk=pk)
        stats["checked"] += 1
        if (case.state == CaseState.RECEIVED and case.correction_notice_due is not None
                and today > case.correction_notice_due):
            try:
                case = apply(case, "deem_accept", by=SYSTEM, now=now)
                stats["deemed_accepted"] += 1
            except CaseError as exc:  # someone acted on it meanwhile: the next sweep looks again
                log.info("sweep: case %s not deemed accepted (%s)", case.number, exc.code)
                continue
        stats["escalations"] += _refresh(case, now)
    return stats


def _refresh(case: Case, now: datetime) -> int:
    today = timezone.localdate(now)
    with write_turn(), transaction.atomic():
        cal = get_calendar(case.center.calendar_id)
        running = _running(case, cal)
        Case.objects.filter(pk=case.pk, version=case.version).update(
            sla_status=deadlines.worst_status(running, today), next_check_at=deadlines.next_check(running, today))
        return _escalate(case, running, today)


# --- after a calendar edit ---------------------------------------------------------------------

_RECOMPUTE_FIELDS = ("pk", "number", "center__calendar_id", "state", "is_suspended", "rules_snapshot", "received_at",
                     "corrections_received_on", "accepted_on", "decided_on", *DUE_FIELDS, "deadlines_provisional",
                     "handler_id", "receiver_id")


def _grouped(rows: Iterable[tuple]) -> dict[int, list]:
    out: dict[int, list] = defaultdict(list)
    for case_id, *rest in rows:
        out[case_id].append(tuple(rest))
    return out


def recompute_open_deadlines(changed_dates: Iterable[date] | None = None, *, now: datetime | None = None) -> int:
    """After a calendar edit (or a year verified): recompute the deadlines of every open case (only
    those with a deadline on or after the earliest changed date when `changed_dates` is given),
    store those that moved and write one `deadline_recomputed` event each (before/after). A date
    moving earlier notifies the case's owner. Bulk: a few statements per thousand cases (one
    `UPDATE … FROM (VALUES …)`, one multi-row event insert); cases with the same rules and anchors
    are computed once. Returns the number of cases whose deadlines changed."""
    from django.db.models import Q

    now = now or timezone.now()
    today = timezone.localdate(now)
    qs = Case.objects.filter(state__in=OPEN_STATES).order_by()
    changed_dates = sorted(set(changed_dates or ()))
    if changed_dates:
        lo = changed_dates[0]
        qs = qs.filter(Q(correction_notice_due__gte=lo) | Q(legal_due__gte=lo) | Q(promised_due__gte=lo)
                       | Q(delivery_due__gte=lo) | Q(is_suspended=True))
    calendars: dict[int | None, calc.Calendar] = {}
    computed: dict[tuple, tuple] = {}  # (calendar, rules, anchors, state, suspended) -> dues, status, check
    updates: list[tuple] = []
    changed_rows: list[tuple] = []
    earlier: list[tuple[str, int | None]] = []
    with write_turn(), transaction.atomic():
        spans = _grouped(CaseSuspension.objects.filter(case__state__in=OPEN_STATES).order_by("started_on", "id")
                         .values_list("case_id", "started_on", "ended_on"))
        extensions = _grouped(CaseExtension.objects.filter(case__state__in=OPEN_STATES).order_by()
                              .values_list("case_id", "days"))
        for row in qs.values_list(*_RECOMPUTE_FIELDS).iterator(chunk_size=5000):
            (pk, number, cal_id, state, suspended, snapshot, received_at, corrections_on, accepted_on, decided_on,
             *old, old_provisional, handler_id, receiver_id) = row
            cal = calendars.get(cal_id)
            if cal is None:
                cal = calendars[cal_id] = get_calendar(cal_id)
            anchors = deadlines.Anchors(
                snapshot, timezone.localdate(received_at) if received_at else None, corrections_on, accepted_on,
                decided_on, tuple(spans.get(pk, ())), sum(d for (d,) in extensions.get(pk, ())))
            key = (cal_id, tuple(sorted((k, v) for k, v in snapshot.items() if not isinstance(v, (dict, list)))),
                   anchors.received_on, corrections_on, accepted_on, decided_on, anchors.suspensions,
                   anchors.extension_days, state, suspended)
            hit = computed.get(key)
            if hit is None:
                dues = deadlines.compute(anchors, cal)
                running = deadlines.clocks(state, suspended, anchors, dues, cal)
                status = deadlines.worst_status(running, today)
                check = now if status != SlaStatus.OK else deadlines.next_check(running, today)
                hit = computed[key] = ([getattr(dues, name) for name in DUE_FIELDS], dues.provisional, status, check)
            new, provisional, status, check = hit
            if new == list(old) and provisional == old_provisional:
                continue
            changed_rows.append((pk, state, dict(zip(DUE_FIELDS, old, strict=True)),
                                 dict(zip(DUE_FIELDS, new, strict=True)), provisional, old_provisional))
            updates.append((pk, *new, provisional, status, check, cal.version))
            if any(n is not None and o is not None and n < o for n, o in zip(new, old, strict=True)):
                earlier.append((number, handler_id or receiver_id))
        if not updates:
            return 0
        for i in range(0, len(updates), RECOMPUTE_CHUNK):
            _store_dues(updates[i:i + RECOMPUTE_CHUNK])
        last_seq: dict[int, int] = {}
        ids = [r[0] for r in changed_rows]
        for i in range(0, len(ids), 500):
            last_seq.update(CaseEvent.objects.filter(case_id__in=ids[i:i + 500]).order_by().values("case_id")
                            .annotate(m=Max("seq")).values_list("case_id", "m"))
        events = [(pk, last_seq.get(pk, 0) + 1, "deadline_recomputed", state, state, None, ActorKind.SYSTEM, now, today,
                   {"changed_dates": changed_dates, "before": {**before, "provisional": old_provisional},
                    "after": {**after, "provisional": provisional}})
                  for pk, state, before, after, provisional, old_provisional in changed_rows]
        for i in range(0, len(events), RECOMPUTE_CHUNK):
            _insert_events(events[i:i + RECOMPUTE_CHUNK])
        for number, owner in earlier:
            transaction.on_commit(lambda n=number, o=owner: [f(n, "deadline_moved_earlier", [{"handler": o}])
                                                             for f in NOTIFIERS])
    return len(updates)


RECOMPUTE_CHUNK = 1000
_DUE_COLUMNS = ("correction_notice_due", "legal_due", "promised_due", "delivery_due", "deadlines_provisional",
                "sla_status", "next_check_at", "calendar_version_used")
_PG_TYPES = ("bigint", "date", "date", "date", "date", "boolean", "varchar", "timestamptz", "integer")


def _store_dues(rows: list[tuple]) -> None:
    """One UPDATE for a chunk of (id, 4 dues, provisional, status, next check, calendar version)."""
    ops, table = connection.ops, Case._meta.db_table
    params: list = []
    for pk, *dues, provisional, status, check, version in rows:
        params += [pk, *(ops.adapt_datefield_value(d) for d in dues), provisional, status,
                   ops.adapt_datetimefield_value(check), version]
    if connection.vendor == "postgresql":
        one = "(" + ", ".join(f"%s::{t}" for t in _PG_TYPES) + ")"
        names = ", ".join(("id", *_DUE_COLUMNS))
        sets = ", ".join(f"{c} = v.{c}" for c in _DUE_COLUMNS)
        sql = f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([one] * len(rows))}) AS v({names}) WHERE {table}.id = v.id"
    else:  # SQLite ≥ 3.33: UPDATE … FROM; a VALUES table's columns are column1, column2, …
        one = "(" + ", ".join(["%s"] * len(_PG_TYPES)) + ")"
        sets = ", ".join(f"{c} = v.column{n}" for n, c in enumerate(_DUE_COLUMNS, start=2))
        sql = (f"UPDATE {table} SET {sets} FROM (VALUES {', '.join([one] * len(rows))}) AS v"
               f" WHERE {table}.id = v.column1")
    with connection.cursor() as cur:
        cur.execute(sql, params)


def _insert_events(rows: list[tuple]) -> None:
    """One multi-row INSERT of system events (the append-only triggers allow inserts)."""
    ops = connection.ops
    payload_field = CaseEvent._meta.get_field("payload")
    params: list = []
    for case_id, seq, action, from_state, to_state, actor_id, actor_kind, at, day, payload in rows:
        params += [case_id, seq, action, from_state, to_state, actor_id, actor_kind, ops.adapt_datetimefield_value(at),
                   ops.adapt_datefield_value(day), payload_field.get_db_prep_save(payload, connection)]
    columns = "case_id, seq, action, from_state, to_state, actor_id, actor_kind, at, business_date, payload"
    one = "(" + ", ".join(["%s"] * 10) + ")"
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {CaseEvent._meta.db_table} ({columns}) VALUES {', '.join([one] * len(rows))}", params)
