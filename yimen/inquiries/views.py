"""The inquiry register (首问负责制, 窗口无否决权制) for window and help-desk staff: register what was
asked and what happened; whatever cannot be answered now becomes a follow-up the first person
asked owns until it is answered or handed over with a reason. Thin: services decide."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.accounts.models import User
from yimen.hall.models import Window
from yimen.hall.services import current_shift
from yimen.lib.errors import Refused
from yimen.workdays.sla import SlaStatus

from . import services
from .constants import STAFF, InquiryOutcome
from .models import Inquiry

SLA_LABELS = dict(SlaStatus.choices)


def _allowed(user) -> None:
    if not (user.has_role(*STAFF) and user.center_id):
        raise PermissionDenied(_("The inquiry register is for the center's staff."))


def _context(request, **extra) -> dict:
    user = request.user
    today = timezone.localdate()
    return {
        "outcomes": InquiryOutcome.choices,
        "windows": Window.objects.filter(center_id=user.center_id, is_active=True).order_by("number"),
        "follow_ups": [(f, SLA_LABELS.get(f.status, f.status)) for f in services.worklist(user)],
        "today": Inquiry.objects.filter(center_id=user.center_id, registered_on=today)
        .select_related("owner", "guided_to").order_by("-registered_at")[:50],
        "colleagues": User.objects.filter(center_id=user.center_id, is_active=True).exclude(pk=user.pk)
        .order_by("username"),
        "form": {}, **extra,
    }


@login_required
def register_page(request):
    _allowed(request.user)
    return render(request, "inquiries/register.html", _context(request))


@login_required
@require_POST
def register(request):
    _allowed(request.user)
    user, post = request.user, request.POST
    windows = {str(w.pk): w for w in Window.objects.filter(center_id=user.center_id)}
    shift = current_shift(user)
    try:
        services.register(
            user.center, by=user, topic=post.get("topic", ""), outcome=post.get("outcome", ""),
            window=shift.window if shift else None, contact_name=post.get("contact_name", ""),
            contact_phone=post.get("contact_phone", ""), answer=post.get("answer", ""),
            guided_to=windows.get(post.get("guided_to", "")), sent_to=post.get("sent_to", ""))
    except Refused as exc:
        return render(request, "inquiries/register.html", _context(request, error=exc.message, form=post), status=400)
    return redirect("inquiries:register")


@login_required
@require_POST
def act(request, pk: int):
    """Answer, close or hand over one of my follow-ups."""
    _allowed(request.user)
    user, post = request.user, request.POST
    inquiry = Inquiry.objects.filter(pk=pk, center_id=user.center_id).first()
    if inquiry is None:
        raise Http404(_("No such inquiry."))
    action = post.get("action", "")
    try:
        if action == "answer":
            services.answer(inquiry, post.get("text", ""), by=user)
        elif action == "close":
            services.close(inquiry, by=user)
        elif action == "hand_over":
            to = User.objects.filter(pk=post.get("to") or 0, center_id=user.center_id).first()
            services.hand_over(inquiry, to, by=user, reason=post.get("reason", ""))
        else:
            raise services.InquiryError("bad_action", _("Unknown action."))
    except Refused as exc:
        return render(request, "inquiries/register.html", _context(request, error=exc.message), status=400)
    return redirect("inquiries:register")
