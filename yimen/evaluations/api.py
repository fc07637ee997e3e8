"""Evaluations API (`/api/v1/evaluations/`).

- `POST /submit` (public, no session, no CSRF: the token is the credential): one rating with the
  one-time token of a pad, QR code or SMS link; 201, or a 4xx `{"detail", "code"}` (409
  `already_rated` for a second rating, 429 `throttled`).
- `GET /visit?token=…` (public): what a QR or SMS token names, whether it is rated, the reason tags.
- `GET /pad/pending` (an enrolled evaluation pad: `Authorization: Device <token>` or its cookie):
  the visit that just ended at the pad's window and its token, or `visit: null`.
- `GET /reviews`, `GET /reviews/{id}`, `POST /reviews/{id}/actions/{action}` (staff session, CSRF
  on writes): the work orders of the caller's center and the actions of the transition table.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _

from ninja import Router, Status
from ninja.security import django_auth

from yimen.hall.services import device_from_request
from yimen.lib.api import ErrorOut, error

from . import services
from .constants import ACTION_INPUTS, BAD_REVIEW_TRANSITIONS
from .present import review_data, review_detail, tags_data, visible_reviews, visit_data
from .schemas import ActionIn, PendingOut, ReviewDetailOut, ReviewOut, SubmitIn, SubmittedOut, VisitInfoOut

router = Router(tags=["evaluations"])
ERRORS = {400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}
FORBIDDEN = frozenset({"forbidden", "wrong_center", "wrong_pad", "not_a_pad", "own_appeal"})
CONFLICTS = frozenset({"conflict", "bad_state", "already_rated", "token_used", "follow_up_exists", "token_expired",
                       "window_closed", "follow_up_closed", "not_ended", "already_complex"})


def refused(exc: services.EvaluationError) -> Status:
    status = 429 if exc.code == "throttled" else 403 if exc.code in FORBIDDEN else \
        409 if exc.code in CONFLICTS else 400
    return error(status, exc.code, exc.message)


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "")


@router.post("/submit", response={201: SubmittedOut, **ERRORS}, summary="Rate a visit or case with its token")
def submit(request: HttpRequest, body: SubmitIn):
    device = device_from_request(request)
    try:
        ev = services.submit(body.token, level=body.level, tags=body.tags, comment=body.comment,
                             sub_scores=body.sub_scores, follow_up=body.follow_up, device=device,
                             address=client_address(request))
    except services.EvaluationError as exc:
        return refused(exc)
    return Status(201, {"id": ev.pk, "level": ev.level, "channel": ev.channel, "follow_up": ev.parent_id is not None,
                        "bad_review": ev.is_bad and ev.parent_id is None})


@router.get("/visit", response={200: VisitInfoOut, **ERRORS}, summary="What a QR code or SMS link lets one rate")
def visit(request: HttpRequest, token: str):
    try:
        info = services.visit_info(token)
    except services.EvaluationError as exc:
        return refused(exc)
    return {"visit": visit_data(info.visit), "rated": info.rated, "follow_up_open": info.follow_up_open,
            "tags": tags_data(info.visit.center)}


@router.get("/pad/pending", response={200: PendingOut, **ERRORS}, summary="The visit that just ended at the pad's window")
def pad_pending(request: HttpRequest):
    device = device_from_request(request)
    if device is None:
        return error(403, "not_a_pad", _("This device is not an evaluation pad bound to a window."))
    try:
        pending = services.pending_visit(device)
    except services.EvaluationError as exc:
        return refused(exc)
    tags = tags_data(device.center)
    if pending is None:
        return {"visit": None, "token": None, "expires_at": None, "tags": tags}
    return {"visit": visit_data(pending.visit), "token": pending.token, "expires_at": pending.expires_at,
            "tags": tags}


@router.get("/reviews", auth=django_auth, response={200: list[ReviewOut], **ERRORS},
            summary="Open work orders, most urgent first (a manager: the center's; others: their own)")
def reviews(request: HttpRequest, everyone: bool | None = None):
    user = request.auth
    if not (user.center_id or user.is_superuser):
        return error(403, "forbidden", _("Only staff of a center see work orders."))
    return [review_data(o.review, user, o.sla) for o in services.worklist(user, everyone=everyone)]


@router.get("/reviews/{review_id}", auth=django_auth, response={200: ReviewDetailOut, **ERRORS},
            summary="A work order with its timeline, contact attempts, ledger and appeals")
def review(request: HttpRequest, review_id: int):
    row = visible_reviews(request.auth).filter(pk=review_id).first()
    if row is None:
        return error(404, "not_found", _("No such work order."))
    return review_detail(row, request.auth)


@router.post("/reviews/{review_id}/actions/{action}", auth=django_auth, response={200: ReviewDetailOut, **ERRORS},
             summary="Run an action of the work-order table (log_attempt, contact, mark_complex, verify, "
                     "file_appeal, decide_appeal, reply, callback, reopen, escalate, close_escalated)")
def act(request: HttpRequest, review_id: int, action: str, body: ActionIn):
    row = visible_reviews(request.auth).filter(pk=review_id).first()
    if row is None:
        return error(404, "not_found", _("No such work order."))
    if action not in BAD_REVIEW_TRANSITIONS:
        return error(400, "unknown_action", _("Unknown action."))
    row.version = body.version
    payload = {name: getattr(body, name) for name in ACTION_INPUTS[action]}
    try:
        row = services.apply(row, action, by=request.auth, **payload)
    except services.EvaluationError as exc:
        return refused(exc)
    return review_detail(row, request.auth)
