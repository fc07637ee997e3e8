"""The public form of an item (办事指南): one source for the portal page, the print view and the API.

`public_item(item)` returns plain data (dicts and lists) so the HTML templates and
`GET /api/v1/catalog/items/{code}` show exactly the same published content (线上线下同源发布).
"""

from __future__ import annotations

from django.db.models import Prefetch

from .constants import Audience, CaseType, DocStatus, ExemptReason, ItemStatus, OnlineDepth
from .models import Choice, Guide, Material, Question, ServiceItem


def public_items():
    return ServiceItem.objects.filter(status=ItemStatus.ACTIVE).select_related("agency")


def load_item(code: str) -> ServiceItem | None:
    return (
        public_items()
        .prefetch_related(
            "fees",
            Prefetch("questions", queryset=Question.objects.prefetch_related(
                Prefetch("choices", queryset=Choice.objects.select_related("situation")))),
            "situations",
            Prefetch("situations__guides", queryset=Guide.objects.filter(status=DocStatus.PUBLISHED).prefetch_related(
                Prefetch("materials", queryset=Material.objects.select_related("condition__question"))),
                to_attr="published"),
        )
        .filter(code=code)
        .first()
    )


def _limit(n: int, unit: str) -> dict:
    return {"value": n, "unit": unit}


def material_data(m: Material) -> dict:
    return {
        "id": m.id,
        "name": m.name,
        "necessity": m.necessity,
        "necessity_label": str(m.get_necessity_display()),
        "form": str(m.get_form_display()),
        "kind": str(m.get_kind_display()),
        "copies": m.copies,
        "source": m.source,
        "basis": m.basis,
        "acceptance_standard": m.acceptance_standard,
        "blank_form": m.blank_form,
        "sample": m.sample,
        "exempt": bool(m.exempt_reason),
        "exempt_reason": m.exempt_reason or None,
        "exempt_reason_label": str(ExemptReason(m.exempt_reason).label) if m.exempt_reason else None,
        "exempt_reference": m.exempt_reference,
        "only_when": (f"{m.condition.question.text}：{m.condition.text}" if m.condition_id else None),
    }


def guide_data(guide: Guide) -> dict:
    return {
        "version": guide.version,
        "published_at": guide.published_at,
        "conditions": guide.conditions,
        "procedure": guide.procedure,
        "basis": guide.basis,
        "quantity_limit": guide.quantity_limit,
        "result_delivery": guide.result_delivery,
        "notes": guide.notes,
        "materials": [material_data(m) for m in guide.materials.all()],
    }


def public_item(item: ServiceItem) -> dict:
    """Everything a citizen needs to know before coming (行政许可法 art. 30 elements and more)."""
    situations = []
    for s in item.situations.all():
        if not s.is_active:
            continue
        published = getattr(s, "published", None)
        if published is None:
            published = list(s.guides.filter(status=DocStatus.PUBLISHED))
        guide = published[0] if published else None
        situations.append({
            "id": s.id,
            "code": s.code,
            "name": s.name,
            "description": s.description,
            "promised_limit": _limit(s.effective_promised_limit, item.promised_unit),
            "visits_required": s.effective_visits,
            "guide": guide_data(guide) if guide else None,
        })
    return {
        "code": item.code,
        "name": item.name,
        "basic_code": item.basic_code,
        "handling_code": item.handling_code,
        "item_type": item.item_type,
        "item_type_label": str(item.get_item_type_display()),
        "agency": {"code": item.agency.code, "name": item.agency.name},
        "level": item.level,
        "audience": item.audience,
        "audience_label": str(Audience(item.audience).label),
        "case_type": item.case_type,
        "case_type_label": str(CaseType(item.case_type).label),
        "legal_limit": _limit(item.legal_limit, item.legal_unit),
        "promised_limit": _limit(item.promised_limit, item.promised_unit),
        "visits_required": item.visits_required,
        "onsite_reason": item.onsite_reason,
        "online_depth": item.online_depth,
        "online_depth_label": str(OnlineDepth(item.online_depth).label),
        "online_url": item.online_url,
        "scope": item.scope,
        "scope_label": str(item.get_scope_display()),
        "is_fee": item.is_fee,
        "fees": [{"name": f.name, "standard": f.standard, "basis": f.basis} for f in item.fees.all()],
        "place": item.place,
        "hours": item.hours,
        "consult_phone": item.consult_phone,
        "supervise_phone": item.supervise_phone,
        "result_name": item.result_name,
        "delivery_methods": item.delivery_methods,
        "legal_basis": item.legal_basis,
        "summary": item.summary,
        "situations": situations,
        "questions": [
            {"id": q.id, "text": q.text, "help_text": q.help_text,
             "choices": [{"id": c.id, "text": c.text, "situation": c.situation.code if c.situation_id else None}
                         for c in q.choices.all()]}
            for q in item.questions.all()
        ],
    }
