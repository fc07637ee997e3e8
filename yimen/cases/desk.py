"""Staff screens of cases (htmx): the front desk opens a case from the ticket being served, ticks
the materials, receives, accepts, issues the one-time correction notice or completes an 即办件;
the back office works its list by deadline; every case has a page with its deadlines, documents,
timeline and the actions the transition table allows the reader's role. Thin: services decide.
"""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from yimen.accounts.constants import Role
from yimen.auditlog.services import log_action
from yimen.catalog.constants import DocStatus, ItemStatus
from yimen.catalog.models import CenterItem, FeeItem, Guide, ServiceItem, Situation
from yimen.queueing.models import Ticket

from . import services
from .constants import (
    OPEN_STATES,
    Beneficiary,
    CaseOutcome,
    DeliveryMethod,
    HelpKind,
    PaymentMethod,
    SuspensionReason,
)
from .forms import ApplicantForm
from .models import Case, CaseMaterial, Payment
from .public import WORKLISTS, available_actions, case_data, permitted, visible_cases, worklist

DESK_ROLES = (Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER, Role.REVIEWER, Role.DISTRICT_SUPERVISOR,
              Role.ADMIN)
OPENING_ROLES = (Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER)
TEXT_INPUTS = ("reason", "reasons", "remedies", "outcome", "method", "reason_type", "basis", "notice_ref",
               "legal_cause")


def _allowed(user, roles=DESK_ROLES) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(_("These pages are for the center's and agencies' staff."))


@login_required
def worklist_page(request):
    _allowed(request.user)
    kind = request.GET.get("kind") if request.GET.get("kind") in WORKLISTS else "handling"
    return render(request, "cases/worklist.html", {"rows": worklist(request.user, kind=kind), "kind": kind})


def _ticket(request) -> Ticket | None:
    token = request.GET.get("ticket") or request.POST.get("ticket") or ""
    return Ticket.objects.select_related("item", "window").filter(public_token=token,
                                                                  center_id=request.user.center_id).first()


@login_required
def new_case(request):
    """Step 1: the item (the ticket's, or chosen from the center's window list); step 2: the
    situation and the applicant; then the case page, where the materials are received."""
    _allowed(request.user, OPENING_ROLES)
    user = request.user
    ticket = _ticket(request)
    code = request.GET.get("item") or request.POST.get("item") or (ticket.item.code if ticket and ticket.item else "")
    item = ServiceItem.objects.filter(code=code, status=ItemStatus.ACTIVE).first() if code else None
    if item is None:
        listed = CenterItem.objects.filter(center_id=user.center_id, on_window_list=True, item__status=ItemStatus.ACTIVE)
        items = ServiceItem.objects.filter(pk__in=listed.values("item_id")).select_related("agency").order_by("name")
        return render(request, "cases/new_item.html", {"items": items, "ticket": ticket})
    published = Guide.objects.filter(situation=OuterRef("pk"), status=DocStatus.PUBLISHED)
    situations = list(Situation.objects.filter(item=item, is_active=True).filter(Exists(published)).order_by("sort"))
    form = ApplicantForm(request.POST or None, situations=situations)
    error = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            case = services.open_case(
                center=user.center, item=item, situation=next(s for s in situations if s.pk == d["situation"]),
                by=user, applicant_type=d["applicant_type"], applicant_name=d["applicant_name"],
                id_number=d["id_number"], credit_code=d["credit_code"], phone=d["phone"], agent_name=d["agent_name"],
                agent_id_number=d["agent_id_number"], ticket=ticket, window=ticket.window if ticket else None)
        except services.CaseError as exc:
            error = exc.message
        else:
            return redirect("cases:desk", number=case.number)
    return render(request, "cases/new_case.html", {"item": item, "form": form, "ticket": ticket, "error": error,
                                                   "situations": situations}, status=400 if error else 200)


def _case(request, number: str) -> Case:
    case = visible_cases(request.user).select_related("center", "item", "situation").filter(number=number).first()
    if case is None:
        raise Http404(_("No such case."))
    return case


def _context(request, case: Case, *, error: str = "", notice: str = "") -> dict:
    data = case_data(case, request.user)
    materials = list(CaseMaterial.objects.filter(case=case).select_related("material"))
    center_staff = request.user.center_id == case.center_id and case.state in OPEN_STATES
    return {"case": case, "data": data, "materials": materials, "actions": available_actions(case, request.user),
            "error": error, "notice": notice, "outcomes": CaseOutcome.choices, "methods": DeliveryMethod.choices,
            "suspension_reasons": SuspensionReason.choices,
            "can_pay": center_staff and case.rules_snapshot.get("is_fee") and request.user.has_role(
                Role.WINDOW_STAFF, Role.CENTER_MANAGER),
            "can_help": center_staff and request.user.has_role(*services.HELPERS),
            "fees": FeeItem.objects.filter(item=case.item), "payment_methods": PaymentMethod.choices,
            "payments": Payment.objects.filter(case=case).order_by("paid_at"),
            "help_kinds": HelpKind.choices, "beneficiaries": Beneficiary.choices}


@login_required
def desk(request, number: str):
    _allowed(request.user)
    case = _case(request, number)
    return render(request, "cases/desk.html", _context(request, case))


def _payload(request, action: str) -> dict:
    post = request.POST
    payload = {k: post[k].strip() for k in TEXT_INPUTS if post.get(k, "").strip()}
    if action in ("extend", "suspend") and post.get("approved_by", "").strip():
        payload["approved_by"] = post["approved_by"].strip()  # the agency head's name, as written
    if action in ("receive", "submit_corrections") and "material" in post:
        payload["materials"] = [int(v) for v in post.getlist("material") if v.isdigit()]
    if action == "request_correction":
        payload["items"] = [{"material": int(v), "problem": post.get(f"problem_{v}", "").strip()}
                            for v in post.getlist("fix") if v.isdigit()]
        if post.get("approver"):  # a second notice: the center manager co-signs at the window
            payload["approved_by"] = authenticate(request, username=post["approver"],
                                                  password=post.get("approver_password", ""))
    if action == "extend" and post.get("days", "").isdigit():
        payload["days"] = int(post["days"])
    return payload


@login_required
@require_POST
def record(request, number: str):
    """A payment (cash always accepted) or a help service (帮办) on the case; the panel comes back."""
    _allowed(request.user)
    case, post, user = _case(request, number), request.POST, request.user
    try:
        if post.get("what") == "payment":
            fee = FeeItem.objects.filter(pk=post.get("fee") or 0, item=case.item).first()
            services.record_payment(case, by=user, amount=post.get("amount", ""), method=post.get("method", ""),
                                    fee_item=fee)
            notice = _("Payment recorded.")
        elif post.get("what") == "help":
            services.record_help(case.center, by=user, kind=post.get("kind", ""),
                                 beneficiary=post.get("beneficiary", ""), case=case, note=post.get("note", ""))
            notice = _("Help service recorded.")
        else:
            raise services.CaseError("bad_action", _("Unknown action."))
    except services.CaseError as exc:
        return render(request, "cases/_panel.html", _context(request, _case(request, number), error=exc.message),
                      status=400)
    return render(request, "cases/_panel.html", _context(request, _case(request, number), notice=notice))


@login_required
@require_POST
def upload(request, number: str):
    """Attach a scan or upload to one material of the case (收件无纸化): it travels with the case."""
    _allowed(request.user, OPENING_ROLES)
    case = _case(request, number)
    material = CaseMaterial.objects.filter(case=case, material_id=request.POST.get("material") or 0).first()
    upload = request.FILES.get("file")
    error = ""
    if material is None or upload is None:
        error = _("Choose the material and the file.")
    elif upload.size > services.max_upload_bytes():
        error = _("The file is larger than %(mb)d MB.") % {"mb": services.max_upload_bytes() // (1024 * 1024)}
    else:
        try:
            services.attach_file(material, upload.read(), filename=upload.name, content_type=upload.content_type or "")
        except services.CaseError as exc:
            error = exc.message
    if error:
        return render(request, "cases/desk.html", _context(request, case, error=error), status=400)
    return redirect("cases:desk", number=case.number)


@login_required
def material_file(request, number: str, material_id: int):
    """The attached file, decrypted, for staff who may see the case (each view is an audit event)."""
    _allowed(request.user)
    case = _case(request, number)
    material = CaseMaterial.objects.filter(case=case, material_id=material_id).exclude(file_path="").first()
    if material is None:
        raise Http404(_("No file for this material."))
    content = services.read_file(material)
    log_action(case, "view_material", request.user, {"material": material.material_id, "sha256": material.sha256})
    response = HttpResponse(content, content_type=material.content_type)
    response["Content-Disposition"] = f'inline; filename="{material.sha256[:12]}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def act(request, number: str):
    """Run one action of the transition table; the refreshed panel comes back (4xx with the
    reason when refused; nothing changed then)."""
    _allowed(request.user)
    case = _case(request, number)
    action = request.POST.get("action", "")
    if str(case.version) != request.POST.get("version"):
        ctx = _context(request, case, error=_("Someone else changed this case; it has been reloaded."))
        return render(request, "cases/_panel.html", ctx, status=409)
    if not permitted(case, request.user, action):
        return render(request, "cases/_panel.html", _context(request, case, error=_("Not possible now.")), status=403)
    try:
        case = services.apply(case, action, by=request.user, **_payload(request, action))
    except services.CaseError as exc:
        status = 409 if exc.code == "conflict" else 400
        return render(request, "cases/_panel.html", _context(request, _case(request, number), error=exc.message),
                      status=status)
    return render(request, "cases/_panel.html", _context(request, case, notice=_("Done.")))
