"""Reports of 好差评: the KPI page (domain.md §6) with the records behind every figure, the public
disclosure page (公示) and the Excel exports (evaluations of a month, the rectification ledger).

Who sees what: the KPI page and the exports are for the center's staff (a district supervisor or
an administrator chooses the center); the evaluator's masked name and phone are shown only to the
roles that handle reviews (`can_see_evaluator`: window staff, center managers and administrators of
the center), as on the rectification desk. The public page carries no personal data: no names, no
staff, only agencies, items and counts.
"""

from __future__ import annotations

import re
from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts.constants import Role
from yimen.catalog.models import Agency, ServiceItem
from yimen.hall.models import Center, Window
from yimen.lib.masking import mask_name

from . import kpis

CENTER_CHOOSERS = (Role.DISTRICT_SUPERVISOR, Role.ADMIN)
EVALUATOR_ROLES = (Role.WINDOW_STAFF, Role.CENTER_MANAGER, Role.ADMIN)
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
RECORDS_SHOWN = 500


class BadRequest(Exception):
    pass


def centers_for(user):
    if user.is_superuser or user.role in CENTER_CHOOSERS:
        return Center.objects.order_by("pk")
    return Center.objects.filter(pk=user.center_id)


def can_see_evaluator(user, center_id: int) -> bool:
    """The roles handling reviews (domain.md §3.5) of that center; administrators everywhere."""
    if user.is_superuser or user.role == Role.ADMIN:
        return True
    return user.center_id == center_id and user.role in EVALUATOR_ROLES


def parse_month(value: str | None, today: date | None = None) -> tuple[date, date, str]:
    today = today or timezone.localdate()
    value = (value or "").strip() or f"{today:%Y-%m}"
    match = MONTH_RE.match(value)
    if not match or not 1 <= int(match[2]) <= 12 or not 2000 <= int(match[1]) <= 2100:
        raise BadRequest(_("Give the month as YYYY-MM."))
    start, end = kpis.month(int(match[1]), int(match[2]))
    return start, end, value


def _int(value: str | None, what: str) -> int | None:
    if not value:
        return None
    if not value.isdigit():
        raise BadRequest(_("Unknown %(what)s.") % {"what": what})
    return int(value)


def staff_scope(request) -> tuple[Center, kpis.Scope, str]:
    """The center, the scope and the month (YYYY-MM) of a staff report request."""
    user = request.user
    if not (user.center_id or user.is_superuser or user.role in CENTER_CHOOSERS):
        raise PermissionDenied(_("The reports are for the center's staff."))
    centers = centers_for(user)
    get = request.GET
    center_id = _int(get.get("center"), _("center"))
    center = centers.filter(pk=center_id).first() if center_id else (
        centers.filter(pk=user.center_id).first() or centers.first())
    if center is None:
        raise Http404(_("No such center."))
    start, end, month = parse_month(get.get("month"))
    scope = kpis.Scope(center.pk, start, end, agency_id=_int(get.get("agency"), _("agency")),
                       window_id=_int(get.get("window"), _("window")), staff_id=_int(get.get("staff"), _("staff")),
                       item_id=_int(get.get("item"), _("item")))
    return center, scope, month


def _cut_choices(center: Center) -> dict:
    from django.contrib.auth import get_user_model

    return {
        "agencies": Agency.objects.filter(items__isnull=False).distinct().order_by("sort", "pk"),
        "windows": Window.objects.filter(center=center).order_by("number"),
        "staff": get_user_model().objects.filter(center=center, is_active=True).order_by("username"),
        "items": ServiceItem.objects.filter(cases__center=center).distinct().order_by("code")[:500],
    }


def _bad_request(request, message: str):
    return render(request, "evaluations/report_error.html", {"error": message}, status=400)


@login_required
def kpi_page(request):
    try:
        center, scope, month = staff_scope(request)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    return render(request, "evaluations/kpis.html", {
        "center": center, "scope": scope, "month": month, "rows": kpis.all_kpis(scope),
        "centers": centers_for(request.user), "choices": _cut_choices(center), "qs": request.GET.urlencode()})


@login_required
def kpi_records(request, name: str, part: str):
    if name not in kpis.DEFINITIONS or part not in ("numerator", "denominator"):
        raise Http404(_("No such figure."))
    try:
        center, scope, month = staff_scope(request)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    label, model, _num, _den = kpis.DEFINITIONS[name]
    rows = kpis.records(scope, name, part)
    if model == "item":
        rows = ServiceItem.objects.filter(pk__in=rows).select_related("agency").order_by("code")
    elif model == "case":
        rows = rows.select_related("item", "window").order_by("completed_on", "pk")
    elif model == "evaluation":
        rows = rows.select_related("item", "window", "staff", "case").order_by("business_date", "pk")
    else:
        rows = rows.select_related("evaluation__item", "window", "agency").order_by("received_on", "pk")
    total = rows.count()
    rows = list(rows[:RECORDS_SHOWN])
    if model == "case":
        for case in rows:
            case.masked_applicant = mask_name(case.applicant_name)
    return render(request, "evaluations/kpi_records.html", {
        "center": center, "month": month, "label": label, "part": part, "model": model, "total": total,
        "rows": rows, "truncated": total > RECORDS_SHOWN, "qs": request.GET.urlencode(),
        "evaluator": can_see_evaluator(request.user, center.pk)})
