"""The 办不成事 desk: take a report (at the 办不成事反映 window, from the hotline or online), and work
my reports to their resolution and the reporter's satisfaction within the center's 1/4/13
working-day limits. Managers see every open report of the center. Thin: services decide."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.accounts.models import User
from yimen.hall.services import current_shift
from yimen.lib.errors import Refused
from yimen.workdays.sla import SlaStatus

from . import services
from .constants import MANAGERS, OPEN_STATES, STAFF, ReportChannel, ReportState, Satisfaction
from .models import CannotHandleEvent, CannotHandleReport

SLA_LABELS = dict(SlaStatus.choices)
ACTIONS = {
    "record_contact": lambda r, p, by: services.record_contact(r, by=by, note=p.get("note", "")),
    "start_resolving": lambda r, p, by: services.start_resolving(r, by=by, note=p.get("note", "")),
    "mark_complex": lambda r, p, by: services.mark_complex(r, by=by, reason=p.get("reason", "")),
    "resolve": lambda r, p, by: services.resolve(r, p.get("resolution", ""), by=by),
    "record_satisfaction": lambda r, p, by: services.record_satisfaction(r, p.get("satisfaction", ""), by=by),
}


def _allowed(user) -> None:
    if not (user.has_role(*STAFF) and user.center_id):
        raise PermissionDenied(_("The 办不成事 desk is for the center's staff."))


def _list_context(request, **extra) -> dict:
    user = request.user
    mine = [(o, SLA_LABELS.get(o.status, o.status)) for o in services.worklist(user)]
    awaiting = CannotHandleReport.objects.filter(owner=user, state=ReportState.RESOLVED).order_by("resolved_on")
    center_open = None
    if user.has_role(*MANAGERS):
        center_open = (CannotHandleReport.objects.filter(center_id=user.center_id,
                                                         state__in=[*OPEN_STATES, ReportState.RESOLVED])
                       .select_related("owner").order_by("received_at"))
    return {"mine": mine, "awaiting": awaiting, "center_open": center_open, "channels": ReportChannel.choices,
            "form": {}, **extra}


@login_required
def desk(request):
    _allowed(request.user)
    return render(request, "cannot_handle/desk.html", _list_context(request))


@login_required
@require_POST
def take(request):
    _allowed(request.user)
    user, post = request.user, request.POST
    shift = current_shift(user)
    try:
        report = services.take_report(user.center, by=user, channel=post.get("channel", ""),
                                      description=post.get("description", ""), reporter_name=post.get("reporter_name", ""),
                                      reporter_phone=post.get("reporter_phone", ""), window=shift.window if shift else None)
    except Refused as exc:
        return render(request, "cannot_handle/desk.html", _list_context(request, error=exc.message, form=post),
                      status=400)
    return redirect("cannot_handle:report", pk=report.pk)


def _report(request, pk: int) -> CannotHandleReport:
    report = CannotHandleReport.objects.select_related("owner", "center").filter(
        pk=pk, center_id=request.user.center_id).first()
    if report is None:
        raise Http404(_("No such report."))
    return report


def _report_context(request, report, **extra) -> dict:
    sla = services.report_sla(report)
    return {"r": report, "sla": sla, "sla_label": SLA_LABELS.get(sla.status, sla.status) if sla else "",
            "events": CannotHandleEvent.objects.filter(report=report).select_related("actor").order_by("seq"),
            "satisfactions": Satisfaction.choices, "is_manager": request.user.has_role(*MANAGERS),
            "colleagues": User.objects.filter(center_id=report.center_id, is_active=True).order_by("username"),
            **extra}


@login_required
def report_page(request, pk: int):
    _allowed(request.user)
    return render(request, "cannot_handle/report.html", _report_context(request, _report(request, pk)))


@login_required
@require_POST
def act(request, pk: int):
    _allowed(request.user)
    report, post, user = _report(request, pk), request.POST, request.user
    action = post.get("action", "")
    try:
        if action == "assign":
            to = User.objects.filter(pk=post.get("to") or 0, center_id=user.center_id).first()
            services.assign(report, to, by=user, note=post.get("note", ""))
        elif action in ACTIONS:
            ACTIONS[action](report, post, user)
        else:
            raise services.CannotHandleError("bad_action", _("Unknown action."))
    except Refused as exc:
        return render(request, "cannot_handle/report.html",
                      _report_context(request, _report(request, pk), error=exc.message), status=400)
    return redirect("cannot_handle:report", pk=pk)
