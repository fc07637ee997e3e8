from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from .constants import Role


def screens_for(user) -> list[tuple[str, str]]:
    """The screens a role works with (a later issue adds evaluations)."""
    screens = [(_("Public service guides"), reverse("portal-home"))]
    if user.has_role(Role.AGENCY_EDITOR, Role.ADMIN):
        screens.append((_("Guide desk: edit and publish guides and manuals"), reverse("editor-guides")))
    if user.has_role(Role.CENTER_MANAGER, Role.AGENCY_EDITOR, Role.DISTRICT_SUPERVISOR, Role.ADMIN):
        screens.append((_("Item changes: add, adjust, exit, cancel (agreed, then filed)"), reverse("item-changes")))
    if user.has_role(Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER):
        screens.append((_("Window console: call, serve, transfer"), reverse("console")))
        screens.append((_("My window post: sign in, pause, sign out"), reverse("hall:post")))
    if user.has_role(Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER, Role.REVIEWER, Role.DISTRICT_SUPERVISOR,
                     Role.ADMIN):
        screens.append((_("My cases by deadline"), reverse("cases:worklist")))
    if user.center_id and user.has_role(Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER, Role.ADMIN):
        screens.append((_("Inquiry register and my follow-ups"), reverse("inquiries:register")))
        screens.append((_("Cannot-handle reports (办不成事)"), reverse("cannot_handle:desk")))
    if user.has_role(Role.CENTER_MANAGER, Role.DISTRICT_SUPERVISOR, Role.ADMIN):
        screens.append((_("Window coverage and AB posts"), reverse("hall:coverage")))
        screens.append((_("Today's calls and why each ticket was chosen"), reverse("calls-log")))
    if user.center_id and user.has_role(Role.CENTER_MANAGER, Role.ADMIN):
        screens.append((_("Hall display (preview)"), reverse("display")))
        screens.append((_("Ticket kiosk (preview)"), reverse("kiosk")))
    if user.is_staff:
        screens.append((_("Configuration (admin)"), reverse("admin:index")))
    return screens


@login_required
def home(request):
    return render(request, "accounts/home.html", {"screens": screens_for(request.user)})


def toggle_elder_mode(request):
    """Switch the large-text elder mode (长辈版) on or off; POST only, then back to the page."""
    from django.http import HttpResponseNotAllowed, HttpResponseRedirect
    from django.utils.http import url_has_allowed_host_and_scheme

    from .context import ELDER_COOKIE

    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    target = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = HttpResponseRedirect(target)
    if request.COOKIES.get(ELDER_COOKIE) == "1":
        response.delete_cookie(ELDER_COOKIE)
    else:
        response.set_cookie(ELDER_COOKIE, "1", max_age=365 * 24 * 3600, samesite="Lax")
    return response
