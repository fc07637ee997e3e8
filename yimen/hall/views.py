"""Staff screens of the hall: item coverage, the window post (sign in, pause, resume, sign out),
and the device enrolment link that leaves a device token in a kiosk's or display's browser."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from yimen.accounts.constants import Role

from . import services
from .forms import CenterChoiceForm, PauseForm, SignInForm
from .models import Center

COVERAGE_ROLES = (Role.CENTER_MANAGER, Role.DISTRICT_SUPERVISOR, Role.ADMIN)
POST_ROLES = (Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER, Role.ADMIN)
DEVICE_COOKIE_AGE = 400 * 24 * 3600  # browsers cap cookies at 400 days


def _centers_for(user):
    if user.is_superuser or user.role in (Role.DISTRICT_SUPERVISOR, Role.ADMIN):
        return Center.objects.all()
    return Center.objects.filter(pk=user.center_id)


@login_required
def coverage_page(request):
    if not request.user.has_role(*COVERAGE_ROLES):
        raise PermissionDenied
    centers = _centers_for(request.user)
    form = CenterChoiceForm(request.GET or None, centers=centers)
    center = form.cleaned_data.get("center") if form.is_valid() else None
    center = center or centers.filter(pk=request.user.center_id).first() or centers.first()
    if center is None:
        raise Http404
    if not form.is_bound:
        form = CenterChoiceForm(initial={"center": center}, centers=centers)
    return render(request, "hall/coverage.html", {
        "cov": services.coverage(center), "form": form, "many_centers": centers.count() > 1})


@login_required
def post_page(request):
    """The window post of the signed-in staff member: one form per action, each calling one service."""
    user = request.user
    if not user.has_role(*POST_ROLES):
        raise PermissionDenied
    action = request.POST.get("action", "") if request.method == "POST" else ""
    sign_in_form = SignInForm(request.POST if action == "sign_in" else None, user=user)
    pause_form = PauseForm(request.POST if action == "pause" else None)
    status = 200
    if request.method == "POST":
        try:
            if action == "sign_in" and sign_in_form.is_valid():
                shift = services.sign_in(user, sign_in_form.cleaned_data["window"])
                messages.success(request, _("Signed in to window %(number)s.") % {"number": shift.window.number})
                return redirect("hall:post")
            if action == "pause" and pause_form.is_valid():
                services.pause(user, pause_form.cleaned_data["reason"], pause_form.cleaned_data["note"])
                messages.success(request, _("Paused. Resume when you are back at the window."))
                return redirect("hall:post")
            if action == "resume":
                services.resume(user)
                messages.success(request, _("Welcome back: the window is open again."))
                return redirect("hall:post")
            if action == "sign_out":
                services.sign_out(user)
                messages.success(request, _("Signed out."))
                return redirect("hall:post")
            if action not in ("sign_in", "pause"):
                messages.error(request, _("Unknown action."))
            status = 400
        except services.HallError as exc:
            messages.error(request, exc.message)
            status = 400
    shift = services.current_shift(user)
    now = timezone.now()
    open_pause = shift.pauses.filter(ended_at__isnull=True).first() if shift else None
    consoled = services.consoled_windows(user, now=now)
    return render(request, "hall/post.html", {
        "shift": shift, "open_pause": open_pause, "sign_in_form": sign_in_form, "pause_form": pause_form,
        "on_post_today": services.on_post_seconds_on(user, timezone.localdate(now), now=now),
        "covering": [w for w in consoled if not shift or w.pk != shift.window_id],
    }, status=status)


@never_cache
def device_enrol(request):
    """`?token=<device token>&next=<screen path>`: checks the token, stores it in an HttpOnly cookie
    (SameSite=Lax, path /) and goes to `next` on this host. No login: it runs on the device."""
    token = request.GET.get("token", "")
    device = services.authenticate_device(token)
    if device is None:
        return render(request, "hall/device_refused.html", status=403)
    target = request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = "/"
    response = HttpResponseRedirect(target)
    response.set_cookie(services.DEVICE_COOKIE, token, max_age=DEVICE_COOKIE_AGE, path="/", httponly=True,
                        samesite="Lax", secure=request.is_secure())
    response["Referrer-Policy"] = "no-referrer"
    return response
