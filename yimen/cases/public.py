"""What the API and the screens show of a case: one source for both. ID numbers and names are
masked here; nothing below returns them in full."""

from __future__ import annotations

import hmac
from datetime import date

from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yimen.accounts.constants import Role
from yimen.lib.masking import mask_name
from yimen.workdays.services import get_calendar

from . import guards
from .constants import ALLOWED_TRANSITIONS, FINAL_STATES, CaseState, DocumentKind, SlaStatus
from .models import Case, CaseDocument, CaseEvent, CaseMaterial, CorrectionNotice
from .services import sla_status, stored_sla

ACTION_LABELS = {
    "open": _("Opened"), "receive": _("Received"), "request_correction": _("Correction notice issued"),
    "submit_corrections": _("Corrections received"), "abandon_correction": _("Closed without corrections"),
    "accept": _("Accepted"), "deem_accept": _("Accepted by law (no notice in 5 working days)"),
    "reject": _("Not accepted"), "start_review": _("Review started"),
    "suspend": pgettext_lazy("case event", "Suspended"),
    "resume": _("Resumed"), "extend": _("Limit extended"), "decide": _("Decided"), "complete": _("Completed"),
    "deliver": _("Delivered"), "complete_immediately": _("Completed at once"), "withdraw": _("Withdrawn"),
    "terminate": _("Terminated"), "deadline_recomputed": _("Deadlines recomputed (calendar changed)"),
    "help_service": _("Help service recorded"), "payment": _("Fee paid"),
    "second_notice_approved": _("Further correction notice approved"),
}
CENTER_ROLES = frozenset({Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER})
EVERYWHERE = frozenset({Role.DISTRICT_SUPERVISOR, Role.ADMIN})


def visible_cases(user):
    """The cases `user` may open (a11y-security S9): center staff their center's, reviewers their
    agency's, the district office and administrators all; nobody else any."""
    qs = Case.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return qs.none()
    if user.is_superuser or user.role in EVERYWHERE:
        return qs
    if user.role in CENTER_ROLES and user.center_id:
        return qs.filter(center_id=user.center_id)
    if user.role == Role.REVIEWER and user.agency_id:
        return qs.filter(item__agency_id=user.agency_id)
    return qs.none()


def permitted(case: Case, user, action: str) -> bool:
    """The transition table lets the user's role try `action` in the case's state."""
    t = ALLOWED_TRANSITIONS.get(action)
    return t is not None and getattr(user, "role", None) in t.roles and case.state in t.sources


def available_actions(case: Case, user) -> list[str]:
    """The actions the user may try now: permitted by the table and not already ruled out by the
    case itself (`guards.FEASIBLE`; the guards may still refuse the input). Drives the buttons and
    the API's `actions`."""
    return [a for a in ALLOWED_TRANSITIONS
            if permitted(case, user, a) and guards.FEASIBLE.get(a, lambda _case: True)(case)]


def document_url(doc: CaseDocument) -> str:
    return reverse("cases:document", args=[doc.number])


def _documents(case: Case) -> list[dict]:
    return [{"number": d.number, "kind": d.kind, "kind_label": str(DocumentKind(d.kind).label),
             "issued_at": d.issued_at, "url": document_url(d)}
            for d in CaseDocument.objects.filter(case=case).order_by("issued_at", "id")]


def needed_materials(case: Case) -> list[str]:
    """After a correction notice: what the applicant still has to bring, with what was wrong."""
    if case.state != CaseState.CORRECTION_REQUESTED:
        return []
    notice = CorrectionNotice.objects.filter(case=case).order_by("-round").first()
    if notice is None:
        return []
    return [f"{i.material.name}: {i.problem}" for i in notice.items.select_related("material")]


def event_data(e: CaseEvent) -> dict:
    """EventOut (schemas.py): one entry of the case's timeline."""
    return {"seq": e.seq, "action": e.action, "label": str(ACTION_LABELS.get(e.action, e.action)),
            "from_state": e.from_state, "to_state": e.to_state, "at": e.at,
            "actor": e.actor.get_full_name() or e.actor.username if e.actor else e.actor_kind}


def case_data(case: Case, user, *, fresh: bool = False) -> dict:
    """CaseOut (schemas.py). `fresh`: the case was just written by the transition service, whose
    stored `sla_status` is today's; otherwise the status is computed on read."""
    materials = CaseMaterial.objects.filter(case=case).select_related("material")
    events = CaseEvent.objects.filter(case=case).select_related("actor").order_by("seq")
    return {
        "number": case.number, "state": case.state, "state_label": str(CaseState(case.state).label),
        "outcome": case.outcome, "version": case.version, "center": case.center.code, "item": case.item.code,
        "item_name": case.item.name, "situation": case.situation.name, "applicant_type": case.applicant_type,
        "applicant_name": mask_name(case.applicant_name), "applicant_id": case.masked_id,
        "received_at": case.received_at, "accepted_on": case.accepted_on, "deemed_accepted": case.deemed_accepted,
        "is_suspended": case.is_suspended, "correction_notice_due": case.correction_notice_due,
        "legal_due": case.legal_due, "promised_due": case.promised_due, "delivery_due": case.delivery_due,
        "deadlines_provisional": case.deadlines_provisional,
        "sla_status": (sla := SlaStatus.OK if case.state in FINAL_STATES else
                       case.sla_status if fresh else sla_status(case)),
        "sla_label": str(SlaStatus(sla).label),
        "materials": [{"id": m.material_id, "name": m.material.name, "necessity": m.material.necessity,
                       "received": m.received, "exempt": m.exempt, "exempt_reason": m.exempt_reason,
                       "has_file": bool(m.file_path)} for m in materials],
        "documents": _documents(case),
        "events": [event_data(e) for e in events],
        "actions": available_actions(case, user),
    }


def case_by_code(number: str, code: str) -> Case | None:
    """The case with this number whose verification code (printed on the receipt) is `code`."""
    case = Case.objects.select_related("item").filter(number=(number or "").strip()[:48]).first()
    code = (code or "").strip().upper()
    if case is None or not code or not hmac.compare_digest(case.verification_code, code):
        return None
    return case


def status_data(case: Case) -> dict:
    """StatusOut: the applicant's view (number + verification code)."""
    return {
        "number": case.number, "item_name": case.item.name, "state": case.state,
        "state_label": str(CaseState(case.state).label), "outcome": case.outcome, "received_at": case.received_at,
        "accepted_on": case.accepted_on, "promised_due": case.promised_due, "needed": needed_materials(case),
        "documents": _documents(case),
    }


WORKLISTS = ("handling", "delivery")


def worklist(user, *, kind: str = "handling", limit: int = 200, today: date | None = None) -> list[dict]:
    """Open cases `user` works on, nearest due date first, with the working days left (negative:
    overdue). `handling`: reviewers see their agency's accepted and under-review cases, center staff
    their center's cases waiting at the front desk. `delivery` (统一窗口出件): decided and completed
    cases whose result is still to be handed out, by delivery due date. Status and days left are
    those of the case's worst running deadline (a suspended case's clock is stopped: no days left)."""
    today = today or timezone.localdate()
    qs = visible_cases(user).select_related("item", "center")
    if kind == "delivery":
        qs = qs.filter(state__in=[CaseState.DECIDED, CaseState.COMPLETED], delivery_due__isnull=False) \
            .order_by("delivery_due", "number")
    else:
        qs = qs.exclude(state__in=FINAL_STATES).filter(Q(promised_due__isnull=False) |
                                                       Q(correction_notice_due__isnull=False))
        if getattr(user, "role", None) == Role.REVIEWER:
            qs = qs.filter(state__in=[CaseState.ACCEPTED, CaseState.UNDER_REVIEW, CaseState.DECIDED])
        qs = qs.order_by(Coalesce("promised_due", "correction_notice_due"), "number")
    rows, calendars = [], {}
    for case in qs[:limit * 2]:
        cid = case.center.calendar_id
        if cid not in calendars:
            calendars[cid] = get_calendar(cid)
        running = stored_sla(case, today, calendars[cid])
        status = running.status if running else SlaStatus.OK
        rows.append({"number": case.number, "state": case.state, "state_label": str(CaseState(case.state).label),
                     "item_name": case.item.name, "applicant_name": mask_name(case.applicant_name),
                     "due": running.due if running else case.promised_due or case.correction_notice_due,
                     "outcome": case.outcome, "decided_on": case.decided_on,
                     "working_days_left": running.wd_left if running else None,
                     "sla_status": status, "sla_label": str(SlaStatus(status).label)})
    rows.sort(key=lambda r: (r["due"] is None, r["due"] or today, r["number"]))
    return rows[:limit]
