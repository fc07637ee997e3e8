"""The window console (htmx): the current ticket, every window action, the waiting list, pause.

One page; the panel re-renders after each action and whenever a live event for the console's
windows arrives. B's console also calls the queue of each absent A it covers (hall.consoled_windows),
and the citizen is always called to the window the B person sits at.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.accounts.constants import Role
from yimen.hall import services as hall
from yimen.hall.constants import PauseReason
from yimen.lib.errors import Refused
from yimen.live import channels
from yimen.live.subscribe import stream_url

from . import services
from .constants import AT_WINDOW, CALL_RULES, Outcome, TicketState
from .models import Call, Queue, Ticket

CONSOLE_ROLES = (Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER)


def _covered(user, window) -> list:
    """The windows of absent A posts this user covers as B, besides their own."""
    return [w for w in hall.consoled_windows(user) if w.pk != window.pk]


def _context(request, *, error: str = "", notice: str = "") -> dict:
    user = request.user
    shift = hall.current_shift(user)
    ctx = {"shift": shift, "error": error, "notice": notice, "pause_reasons": PauseReason.choices}
    if shift is None:
        return ctx
    window = shift.window
    covered = _covered(user, window)
    day = timezone.localdate()
    tickets = list(Ticket.objects.filter(window=window, business_date=day, state__in=AT_WINDOW)
                   .select_related("item", "queue").order_by("first_called_at"))
    current = next((t for t in tickets if t.state != TicketState.HELD), None)
    why = Call.objects.filter(ticket=current).order_by("-at", "-id").values_list("rule", flat=True).first() \
        if current else None
    ctx.update({
        "window": window, "covered": covered, "state": hall.window_state(window),
        "current": current, "why": CALL_RULES.get(why, why), "held": [t for t in tickets if t.state == TicketState.HELD],
        "waiting": services.waiting_list(window, also=covered, limit=30),
        "queues": Queue.objects.filter(center=window.center, is_active=True),
        "served_today": Ticket.objects.filter(window=window, business_date=day, outcome=Outcome.SERVED).count(),
    })
    return ctx


def _allowed(user) -> None:
    if not user.has_role(*CONSOLE_ROLES):
        raise PermissionDenied(_("The window console is for window staff."))


@login_required
def console(request):
    _allowed(request.user)
    ctx = _context(request)
    if ctx.get("window"):
        chans = [channels.window(w.pk) for w in [ctx["window"], *ctx["covered"]]]
        ctx["stream"] = stream_url(request, [*chans, channels.center(ctx["window"].center_id)])
    return render(request, "queueing/console.html", ctx)


@login_required
def panel(request):
    _allowed(request.user)
    return render(request, "queueing/_console_panel.html", _context(request))


def _ticket(request, window) -> Ticket:
    token = request.POST.get("token", "")
    ticket = Ticket.objects.filter(public_token=token, center=window.center).first()
    if ticket is None:
        raise services.QueueError("not_found", _("No such ticket."))
    return ticket


@login_required
@require_POST
def act(request):
    """Run one window action; the refreshed panel comes back (409 with the reason when refused)."""
    _allowed(request.user)
    user, action = request.user, request.POST.get("action", "")
    shift = hall.current_shift(user)
    if shift is None:
        return render(request, "queueing/_console_panel.html",
                      _context(request, error=_("Sign in to a window first.")), status=409)
    window = shift.window
    notice = ""
    try:
        if action == "call_next":
            ticket = services.call_next(window, by=user, also=_covered(user, window))
            if ticket is None:
                raise services.QueueError("queue_empty", _("Nobody is waiting for this window."))
            notice = _("Called %(label)s.") % {"label": ticket.label}
        elif action == "call_ticket":
            services.call_ticket(_ticket(request, window), window, by=user)
        elif action in ("recall", "skip", "start", "hold", "resume"):
            fn = {"recall": services.recall, "skip": services.skip, "start": services.start_service,
                  "hold": services.hold, "resume": services.resume}[action]
            fn(_ticket(request, window), window, by=user)
        elif action == "finish":
            services.finish(_ticket(request, window), window, request.POST.get("outcome", ""), by=user)
        elif action == "transfer":
            target = Queue.objects.filter(pk=request.POST.get("queue") or 0, center=window.center).first()
            if target is None:
                raise services.QueueError("bad_queue", _("Choose the queue to transfer to."))
            new = services.transfer(_ticket(request, window), window, target, by=user)
            notice = _("Transferred as %(label)s to %(queue)s.") % {"label": new.label, "queue": target.name}
        elif action == "pause":
            hall.pause(user, request.POST.get("reason", ""), request.POST.get("note", ""))
        elif action == "resume_window":
            hall.resume(user)
        else:
            raise services.QueueError("bad_action", _("Unknown action."))
    except Refused as exc:
        return render(request, "queueing/_console_panel.html", _context(request, error=exc.message), status=409)
    return render(request, "queueing/_console_panel.html", _context(request, notice=notice))


MANAGER_ROLES = (Role.CENTER_MANAGER, Role.DISTRICT_SUPERVISOR, Role.ADMIN)


@login_required
def calls_log(request):
    """Today's calls with the rule that chose each ticket (the ordering policy, explained)."""
    if not request.user.has_role(*MANAGER_ROLES) or not request.user.center_id:
        raise PermissionDenied(_("The calls log is for center managers."))
    day = timezone.localdate()
    calls = (Call.objects.filter(ticket__center_id=request.user.center_id, ticket__business_date=day)
             .select_related("ticket", "window", "staff").order_by("-at", "-id")[:300])
    rows = [(c, CALL_RULES.get(c.rule, c.rule)) for c in calls]
    return render(request, "queueing/calls_log.html", {"rows": rows, "day": day})
