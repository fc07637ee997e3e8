"""Cases API (`/api/v1/cases/`): open a case, read it, run an action of the transition table, the
reviewer's worklist, and the applicant's status by number and verification code.

Staff endpoints need a session (and CSRF on writes, as ninja checks it); a case outside the
caller's center or agency is a 404, as if it did not exist (a11y-security S9). Every refusal of
the transition service is a 4xx with its stable code: 409 for a stale version or a wrong state,
403 for a role or authorization, 400 for a missing or bad input.
"""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _

from ninja import Router, Status
from ninja.security import django_auth

from yimen.catalog.models import ServiceItem, Situation
from yimen.hall.models import Window
from yimen.lib.api import ErrorOut, error
from yimen.queueing.models import Ticket

from . import services
from .constants import ALLOWED_TRANSITIONS
from .public import case_by_code, case_data, event_data, status_data, visible_cases, worklist
from .schemas import ActionIn, ApprovalIn, CaseOut, EventOut, OpenCaseIn, StatusOut, WorkItemOut

router = Router(tags=["cases"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}
FORBIDDEN = frozenset({"forbidden", "forbidden_role", "other_center", "other_agency", "not_authorized",
                       "second_notice_needs_manager"})
CONFLICTS = frozenset({"conflict", "bad_state", "already_suspended", "not_suspended", "correction_too_late",
                       "extension_too_late", "too_many_extensions", "suspended", "not_due", "reply_period_running"})


def refused(exc: services.CaseError) -> Status:
    status = 403 if exc.code in FORBIDDEN else 404 if exc.code == "not_found" else \
        409 if exc.code in CONFLICTS else 400
    return error(status, exc.code, exc.message)


def _case(request: HttpRequest, number: str):
    case = visible_cases(request.auth).select_related("center", "item", "situation").filter(number=number).first()
    return case, (None if case else error(404, "not_found", _("No such case.")))


@router.post("", auth=django_auth, response={201: CaseOut, **ERRORS}, summary="Open a case (front desk)")
def open_case(request: HttpRequest, body: OpenCaseIn):
    user = request.auth
    if not user.center_id:
        return error(403, "forbidden", _("Only staff of a center open cases."))
    item = ServiceItem.objects.filter(code=body.item).first()
    if item is None:
        return error(400, "unknown_item", _("No such service item."))
    situation = Situation.objects.filter(item=item, code=body.situation).first()
    if situation is None:
        return error(400, "unknown_situation", _("No such situation of this item."))
    ticket = window = None
    if body.ticket:
        ticket = Ticket.objects.filter(public_token=body.ticket, center_id=user.center_id).first()
        if ticket is None:
            return error(400, "unknown_ticket", _("No such ticket at this center."))
    if body.window_id is not None:
        window = Window.objects.filter(pk=body.window_id, center_id=user.center_id).first()
        if window is None:
            return error(400, "unknown_window", _("No such window at this center."))
    try:
        case = services.open_case(
            center=user.center, item=item, situation=situation, by=user, channel=body.channel,
            applicant_type=body.applicant_type, applicant_name=body.applicant_name, id_number=body.id_number,
            credit_code=body.credit_code, phone=body.phone, agent_name=body.agent_name,
            agent_id_number=body.agent_id_number, ticket=ticket, window=window or (ticket.window if ticket else None),
            receive=body.receive, materials=body.materials)
    except services.CaseError as exc:
        return refused(exc)
    return Status(201, case_data(case, user, fresh=True))


@router.get("/worklist", auth=django_auth, response={200: list[WorkItemOut]},
            summary="My open cases, nearest due date first; kind=delivery: results to hand out (出件)")
def my_worklist(request: HttpRequest, kind: Literal["handling", "delivery"] = "handling"):
    return Status(200, worklist(request.auth, kind=kind))


@router.get("/status", response={200: StatusOut, 404: ErrorOut},
            summary="The applicant's view: case number and the receipt's verification code")
def case_status(request: HttpRequest, number: str, code: str):
    case = case_by_code(number, code)
    if case is None:
        return error(404, "not_found", _("No case with this number and verification code."))
    return Status(200, status_data(case))


@router.get("/{number}", auth=django_auth, response={200: CaseOut, 404: ErrorOut}, summary="A case (staff)")
def get_case(request: HttpRequest, number: str):
    case, refusal = _case(request, number)
    return refusal or Status(200, case_data(case, request.auth))


def _payload(body: ActionIn) -> dict:
    """The action's inputs as the transition service takes them (empty texts left out)."""
    payload = body.model_dump(exclude={"version"}, exclude_none=True)
    return {k: v for k, v in payload.items() if v != ""}


@router.post("/{number}/second-notice-approval", auth=django_auth, response={201: EventOut, **ERRORS},
             summary="一次告知: a center manager approves one further correction notice, with a reason")
def approve_second_notice(request: HttpRequest, number: str, body: ApprovalIn):
    case, refusal = _case(request, number)
    if refusal:
        return refusal
    try:
        event = services.approve_second_notice(case, by=request.auth, reason=body.reason)
    except services.CaseError as exc:
        return refused(exc)
    return Status(201, event_data(event))


@router.post("/{number}/{action}", auth=django_auth, response={200: CaseOut, **ERRORS},
             summary="Run one action of the transition table (domain.md §4.2)")
def act(request: HttpRequest, number: str, action: str, body: ActionIn):
    if action not in ALLOWED_TRANSITIONS:
        return error(404, "unknown_action", _("Unknown action."))
    case, refusal = _case(request, number)
    if refusal:
        return refusal
    if body.version != case.version:
        return error(409, "conflict", _("Someone else changed this case; reload and try again."))
    payload = _payload(body)
    if action == "request_correction":
        payload.pop("approved_by", None)  # a further notice uses the manager's recorded approval
    try:
        case = services.apply(case, action, by=request.auth, **payload)
    except services.CaseError as exc:
        return refused(exc)
    return Status(200, case_data(case, request.auth, fresh=True))

