"""Case pages: the printable documents (收件凭证, 补正材料通知书, 受理通知书, 不予受理决定书,
决定, 办结通知) and the applicant's status page. Thin: services and public.py do the work.

A document opens for staff who may see its case (printing is an audit event, a11y-security S11),
or for the applicant with the receipt's verification code.
"""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from yimen.auditlog.services import log_action
from yimen.lib.masking import mask_name
from yimen.lib.qr import qr_svg

from .constants import FINAL_STATES, DocumentKind
from .models import Case, CaseDocument, CaseMaterial
from .public import case_by_code, status_data, visible_cases

PAPERS = ("a4", "80mm")


def _status_url(request, case: Case) -> str:
    return request.build_absolute_uri(reverse("cases:status") + f"?number={case.number}&code={case.verification_code}")


def document(request, number: str):
    doc = CaseDocument.objects.select_related("case__center", "case__item", "case__situation", "issued_by") \
        .filter(number=number).first()
    if doc is None:
        raise Http404(_("No such document."))
    case = doc.case
    staff = request.user.is_authenticated and visible_cases(request.user).filter(pk=case.pk).exists()
    if not staff and case_by_code(case.number, request.GET.get("code", "")) is None:
        raise Http404(_("No such document."))
    if staff:
        log_action(case, "print_document", request.user, {"document": doc.number, "kind": doc.kind})
    paper = request.GET.get("paper") if request.GET.get("paper") in PAPERS else "a4"
    materials = list(CaseMaterial.objects.filter(case=case).select_related("material"))
    names = {m.material_id: m.material.name for m in materials}
    items = [{"name": names.get(i["material"], "—"), "problem": i["problem"]} for i in doc.payload.get("items", [])]
    return render(request, "cases/document.html", {
        "doc": doc, "case": case, "kind": doc.kind, "kinds": DocumentKind, "paper": paper, "materials": materials,
        "items": items, "applicant": mask_name(case.applicant_name), "qr": qr_svg(_status_url(request, case),
                                                                                   title=_("Case status")),
        "status_url": _status_url(request, case),
    })


def status(request):
    """The applicant's view: case number and verification code (from the receipt's QR code)."""
    number = (request.GET.get("number") or "").strip()[:48]
    code = (request.GET.get("code") or "").strip().upper()[:12]
    ctx = {"number": number, "code": code, "data": None, "error": ""}
    if number or code:
        case = case_by_code(number, code)
        if case is None:
            ctx["error"] = _("No case with this number and verification code. Please check both on your receipt.")
        else:
            ctx["data"] = status_data(case)
            ctx["open"] = case.state not in FINAL_STATES
    return render(request, "cases/status.html", ctx)
