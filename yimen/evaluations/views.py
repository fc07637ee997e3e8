"""Screens of 好差评: the evaluation pad at a window, the citizen's phone page (QR code, SMS link)
and the rectification desk (htmx). Thin: services decide, refusals are shown as messages.

The pad is a device page: enrolled once through `hall`'s device enrolment (a cookie), or with
`?device=<secret>` in its URL; it never needs a session.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from yimen.hall.services import device_from_request
from yimen.live import channels
from yimen.live.subscribe import stream_url
from yimen.workdays.sla import SlaStatus

from . import services
from .api import client_address
from .constants import (
    ACTION_INPUTS,
    BAD_LEVEL,
    MANAGERS,
    AppealDecision,
    AppealGrounds,
    ContactChannel,
    Level,
    ReplyRating,
    SubScore,
    Verification,
)
from .present import review_detail, visible_reviews, visit_data

FACES = [(level, label) for level, label in Level.choices]  # 5 … 1
SLA_LABELS = dict(SlaStatus.choices)


def _form_context(center, posted=None) -> dict:
    posted = posted or {}
    return {"faces": FACES, "tags": services.reason_tags(center), "bad_level": BAD_LEVEL,
            "chosen_level": posted.get("level", ""), "chosen_tags": posted.getlist("tags") if posted else [],
            "comment": posted.get("comment", "") if posted else "", "sub_scores": SubScore.choices}


def _submit(request, token: str, *, device=None, follow_up: bool = False):
    post = request.POST
    try:
        level = int(post.get("level", ""))
    except ValueError:
        level = None
    scores = {}
    for key in SubScore.values:
        if post.get(f"score_{key}", "").isdigit():
            scores[key] = int(post[f"score_{key}"])
    return services.submit(token, level=level, tags=post.getlist("tags"), comment=post.get("comment", ""),
                           sub_scores=scores, follow_up=follow_up, device=device, address=client_address(request))


# --- the pad ----------------------------------------------------------------------------------------

def _pad(request):
    device = device_from_request(request)
    try:
        return services.pad_of(device)
    except services.EvaluationError:
        return None


@never_cache
def pad(request):
    device = _pad(request)
    if device is None:
        return render(request, "evaluations/pad_refused.html", status=403)
    context = {"pad": device, "window": device.window, "center": device.center,
               "stream": stream_url(request, [channels.window(device.window_id)]),
               "poll_url": reverse("api:pad_pending"), "pad_url": request.get_full_path(),
               "poll_seconds": services.pad_poll_seconds()}
    if request.method == "POST":
        try:
            ev = _submit(request, request.POST.get("token", ""), device=device)
        except services.EvaluationError as exc:
            pending = services.pending_visit(device)
            context.update(error=exc.message, pending=pending, visit=visit_data(pending.visit) if pending else None,
                           **_form_context(device.center, request.POST if pending else None))
            return render(request, "evaluations/pad.html", context, status=409 if exc.code == "already_rated" else 400)
        return render(request, "evaluations/thanks.html", {**context, "evaluation": ev, "reset_seconds": 8})
    pending = services.pending_visit(device)
    context.update(pending=pending, visit=visit_data(pending.visit) if pending else None,
                   **_form_context(device.center))
    return render(request, "evaluations/pad.html", context)


# --- the phone page (QR code, SMS link) ------------------------------------------------------------

@never_cache
def rate(request, token: str):
    try:
        info = services.visit_info(token)
    except services.EvaluationError as exc:
        return render(request, "evaluations/rate.html", {"error": exc.message}, status=400)
    context = {"info": info, "visit": visit_data(info.visit), "token": token, **_form_context(info.visit.center)}
    if request.method == "POST":
        follow_up = request.POST.get("follow_up") == "1"
        try:
            ev = _submit(request, token, follow_up=follow_up)
        except services.EvaluationError as exc:
            context.update(error=exc.message, **_form_context(info.visit.center, request.POST))
            return render(request, "evaluations/rate.html", context, status=429 if exc.code == "throttled" else 400)
        return render(request, "evaluations/thanks.html", {"evaluation": ev, "phone": True})
    return render(request, "evaluations/rate.html", context)


# --- the rectification desk -------------------------------------------------------------------------

def _staff(user) -> None:
    if not (user.center_id or user.is_superuser):
        raise PermissionDenied(_("The rectification desk is for the center's staff."))


@login_required
def desk(request):
    _staff(request.user)
    everyone = request.user.has_role(*MANAGERS) and request.GET.get("mine") != "1"
    rows = [(o, SLA_LABELS.get(o.sla.status, "") if o.sla else "")
            for o in services.worklist(request.user, everyone=everyone)]
    return render(request, "evaluations/desk.html", {"rows": rows, "everyone": everyone})


def _review_context(request, review, **extra) -> dict:
    data = review_detail(review, request.user)
    return {"r": review, "d": data, "sla_label": SLA_LABELS.get(data["sla_status"], ""),
            "contact_channels": ContactChannel.choices, "verifications": [
                (v, label) for v, label in Verification.choices if v in ("true", "partly_true", "untrue",
                                                                         "no_legal_basis")],
            "grounds": AppealGrounds.choices, "decisions": AppealDecision.choices,
            "ratings": [(v, label) for v, label in ReplyRating.choices if v != ReplyRating.DISSATISFIED], **extra}


def _review(request, pk: int):
    review = visible_reviews(request.user).filter(pk=pk).first()
    if review is None:
        raise Http404(_("No such work order."))
    return review


@login_required
def review_page(request, pk: int):
    _staff(request.user)
    review = _review(request, pk)
    template = "evaluations/_review.html" if request.headers.get("HX-Request") else "evaluations/review.html"
    return render(request, template, _review_context(request, review))


@login_required
@require_POST
def act(request, pk: int):
    _staff(request.user)
    review, post = _review(request, pk), request.POST
    action = post.get("action", "")
    htmx = request.headers.get("HX-Request")
    template = "evaluations/_review.html" if htmx else "evaluations/review.html"
    if action not in ACTION_INPUTS:
        return render(request, template, _review_context(request, review, error=_("Unknown action.")), status=400)
    payload = {name: post.get(name, "") for name in ACTION_INPUTS[action]}
    if "reached" in payload:
        payload["reached"] = {"yes": True, "no": False}.get(payload["reached"])
    try:
        review.version = int(post.get("version", "0"))
    except ValueError:
        review.version = 0
    try:
        review = services.apply(review, action, by=request.user, **payload)
    except services.EvaluationError as exc:
        review = _review(request, pk)
        return render(request, template, _review_context(request, review, error=exc.message, failed=action),
                      status=409 if exc.code in ("conflict", "bad_state") else 400)
    if htmx:
        return render(request, template, _review_context(request, review, done=action))
    return redirect("evaluations:review", pk=review.pk)


# --- guide revision tasks (指南修订) -----------------------------------------------------------------

@login_required
def guide_tasks(request):
    from .guide_tasks import TASK_ROLES, visible_tasks

    if not request.user.has_role(*TASK_ROLES):
        raise PermissionDenied(_("Guide revision tasks are for agency editors and center managers."))
    show_done = request.GET.get("done") == "1"
    rows = visible_tasks(request.user).filter(state="done" if show_done else "open")[:300]
    return render(request, "evaluations/guide_tasks.html", {"rows": rows, "show_done": show_done})


@login_required
@require_POST
def guide_task_done(request, pk: int):
    from .guide_tasks import TASK_ROLES, TaskRefused, mark_done, visible_tasks

    if not request.user.has_role(*TASK_ROLES):
        raise PermissionDenied(_("Guide revision tasks are for agency editors and center managers."))
    task = visible_tasks(request.user).filter(pk=pk).first()
    if task is None:
        raise Http404(_("No such task."))
    try:
        mark_done(task, by=request.user, note=request.POST.get("note", ""))
    except TaskRefused as exc:
        rows = visible_tasks(request.user).filter(state="open")[:300]
        return render(request, "evaluations/guide_tasks.html", {"rows": rows, "error": exc.message, "failed": pk},
                      status=409 if exc.code == "already_done" else 400)
    return redirect(reverse("evaluations:guide_tasks"))
