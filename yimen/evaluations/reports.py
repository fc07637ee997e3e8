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


def _cut_choices(center: Center, scope: kpis.Scope) -> dict:
    """The form's choices. Items: those rated in the month (read through the center-month index;
    a join over all the center's cases would read a city-sized year) and the one chosen."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    rated = kpis.valid_evaluations().filter(center_id=scope.center_id, business_date__gte=scope.start,
                                            business_date__lt=scope.end).values("item_id")
    return {
        "agencies": Agency.objects.filter(items__isnull=False).distinct().order_by("sort", "pk"),
        "windows": Window.objects.filter(center=center).order_by("number"),
        "staff": get_user_model().objects.filter(center=center, is_active=True).order_by("username"),
        "items": ServiceItem.objects.filter(Q(pk__in=rated) | Q(pk=scope.item_id or 0)).order_by("code")[:500],
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
        "centers": centers_for(request.user), "choices": _cut_choices(center, scope), "qs": request.GET.urlencode()})


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


# --- the public disclosure page (公示) --------------------------------------------------------------

def _previous_month(today: date) -> str:
    first = today.replace(day=1)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


def disclosure(center: Center, start: date, end: date, *, today: date | None = None) -> dict:
    """What the public page shows of a center-month: per agency and item the valid evaluations
    rated in P (count, 好评, 差评, rates) and the bad reviews received in P by state and timeliness.
    Nothing personal: no evaluator, no staff member, no comment."""
    from django.db.models import Count, F, Q

    from .constants import OPEN_STATES, ReviewState
    from .models import BadReview

    today = today or timezone.localdate()
    scope = kpis.Scope(center.pk, start, end)
    bad = Q(level__lte=kpis.BAD_LEVEL)

    def grouped(*fields):
        rows = (kpis.evaluations(scope).values(*fields).annotate(total=Count("pk"), bad=Count("pk", filter=bad))
                .order_by(*fields))
        for row in rows:
            row["good"] = row["total"] - row["bad"]
            row["good_rate"] = kpis.Kpi("", "", "", row["good"], row["total"]).ratio
            row["bad_rate"] = kpis.Kpi("", "", "", row["bad"], row["total"]).ratio
        return list(rows)

    reviews = BadReview.objects.filter(center=center, received_on__gte=start, received_on__lt=end)
    labels = dict(ReviewState.choices)
    by_state = [{"state": labels[r["state"]], "count": r["n"]}
                for r in reviews.values("state").annotate(n=Count("pk")).order_by("state")]
    counted = reviews.exclude(state=ReviewState.EXCLUDED)
    timeliness = counted.aggregate(
        on_time=Count("pk", filter=Q(first_replied_on__lte=F("first_feedback_due"))),
        late=Count("pk", filter=Q(first_replied_on__gt=F("first_feedback_due"))),
        open_overdue=Count("pk", filter=Q(first_replied_on__isnull=True, state__in=OPEN_STATES,
                                          feedback_due__lt=today)),
        open_in_time=Count("pk", filter=Q(first_replied_on__isnull=True, state__in=OPEN_STATES,
                                          feedback_due__gte=today)),
    )
    counts = kpis.evaluation_counts(scope)
    return {
        "total": counts, "good_rate": kpis.Kpi("", "", "", counts["good"], counts["total"]).ratio,
        "bad_rate": kpis.Kpi("", "", "", counts["bad"], counts["total"]).ratio,
        "agencies": grouped("agency__name"), "items": grouped("agency__name", "item__name"),
        "by_state": by_state, "timeliness": timeliness, "reviews": reviews.count(),
    }


def public_page(request):
    centers = Center.objects.order_by("pk")
    code = request.GET.get("center", "")
    center = centers.filter(code=code).first() if code else centers.first()
    if center is None:
        raise Http404(_("No such center."))
    try:
        start, end, month = parse_month(request.GET.get("month") or _previous_month(timezone.localdate()))
    except BadRequest as exc:
        return render(request, "evaluations/report_error.html", {"error": str(exc), "public": True}, status=400)
    return render(request, "evaluations/public.html", {
        "center": center, "centers": centers, "month": month, "start": start, "end": end,
        "d": disclosure(center, start, end), "final": timezone.localdate() > end})


# --- Excel exports -----------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """A cell value that a spreadsheet never runs as a formula (text typed by citizens or staff)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _xlsx_response(workbook, filename: str):
    from io import BytesIO

    from django.http import HttpResponse

    buffer = BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def evaluation_rows(scope: kpis.Scope, *, evaluator: bool):
    """The header and rows of every evaluation rated in P (follow-ups and excluded ones included,
    with their status): masked evaluator columns only for the roles handling reviews."""
    from .models import Evaluation

    header = [_("Evaluation"), _("Rated on"), _("Channel"), _("Level"), _("Reason tags"), _("Comment"),
              _("Status"), _("Follow-up of"), _("Case"), _("Item"), _("Agency"), _("Window"), _("Staff"),
              _("Work order")]
    if evaluator:
        header += [_("Real name"), _("Evaluator"), _("Evaluator phone")]
    yield header
    rows = (Evaluation.objects.filter(center_id=scope.center_id, business_date__gte=scope.start,
                                      business_date__lt=scope.end, **scope.cut_query())
            .select_related("case", "item", "agency", "window", "staff", "bad_review")
            .prefetch_related("reason_tags").order_by("business_date", "pk"))
    for e in rows.iterator(chunk_size=2000):
        review = getattr(e, "bad_review", None)
        row = [e.pk, e.business_date, str(e.get_channel_display()), e.level,
               "、".join(t.name for t in e.reason_tags.all()), cell(e.comment), str(e.get_status_display()),
               e.parent_id, e.case.number if e.case_id else "", e.item.name if e.item_id else "",
               e.agency.name if e.agency_id else "", e.window.number if e.window_id else "",
               (e.staff.full_name or e.staff.username) if e.staff_id else "", review.pk if review else ""]
        if evaluator:
            row += [_("yes") if e.real_name else _("no"), e.masked_name, e.masked_phone]
        yield row


def ledger_rows(scope: kpis.Scope):
    """The rectification ledger (整改台账): every line of the complex work orders received in P."""
    from .models import Rectification

    yield [_("Work order"), _("Received on"), _("State"), _("Agency"), _("Window"), _("Item"), _("Problem"),
           _("Measure"), _("Owner"), _("Due"), _("Done on"), _("First-round feedback due"), _("First replied on")]
    rows = Rectification.objects.filter(review__center_id=scope.center_id, review__is_complex=True,
                                        review__received_on__gte=scope.start, review__received_on__lt=scope.end)
    for key in ("agency", "window", "staff"):
        if getattr(scope, f"{key}_id"):
            rows = rows.filter(**{f"review__{key}_id": getattr(scope, f"{key}_id")})
    if scope.item_id:
        rows = rows.filter(review__evaluation__item_id=scope.item_id)
    rows = rows.select_related("review__agency", "review__window", "review__evaluation__item", "owner").order_by(
        "review__received_on", "review_id", "created_at", "pk")
    for line in rows.iterator(chunk_size=2000):
        r = line.review
        yield [r.pk, r.received_on, str(r.get_state_display()), r.agency.name if r.agency_id else "",
               r.window.number if r.window_id else "", r.evaluation.item.name if r.evaluation.item_id else "",
               cell(line.problem), cell(line.measure),
               (line.owner.full_name or line.owner.username) if line.owner_id else "", line.due, line.done_on,
               r.first_feedback_due, r.first_replied_on]


def _workbook(title: str, rows):
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=title[:31])
    for row in rows:
        sheet.append(row)
    return book


@login_required
def export_evaluations(request):
    try:
        center, scope, month = staff_scope(request)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    book = _workbook(_("Evaluations"), evaluation_rows(scope, evaluator=can_see_evaluator(request.user, center.pk)))
    return _xlsx_response(book, f"evaluations-{center.code}-{month}.xlsx")


@login_required
def export_ledger(request):
    try:
        center, scope, month = staff_scope(request)
    except BadRequest as exc:
        return _bad_request(request, str(exc))
    return _xlsx_response(_workbook(_("Rectification ledger"), ledger_rows(scope)),
                          f"rectification-ledger-{center.code}-{month}.xlsx")
