"""Catalogue API: the same published content as the portal pages (one source)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest

from ninja import Router, Schema, Status

from yimen.lib.api import ErrorOut, error, json_response

from .models import Agency, LifeEvent
from .public import load_item, material_data, public_item
from .search import browse, filter_entries, get_index
from .services import resolve_smart_guide

router = Router(tags=["catalog"])


class ItemSummary(Schema):
    code: str
    name: str
    agency: str
    audience: str
    case_type: str
    promised_limit: int
    promised_unit: str
    visits_required: int
    online_depth: int
    score: float | None = None


class ItemList(Schema):
    count: int
    items: list[ItemSummary]


class Limit(Schema):
    value: int
    unit: str


class MaterialOut(Schema):
    id: int
    name: str
    necessity: str
    necessity_label: str
    form: str
    kind: str
    copies: int
    source: str
    basis: str
    acceptance_standard: str
    blank_form: str
    sample: str
    exempt: bool
    exempt_reason: str | None
    exempt_reason_label: str | None
    exempt_reference: str
    only_when: str | None


class GuideOut(Schema):
    version: int
    published_at: datetime | None
    conditions: str
    procedure: str
    basis: str
    quantity_limit: str
    result_delivery: str
    notes: str
    materials: list[MaterialOut]


class SituationOut(Schema):
    id: int
    code: str
    name: str
    description: str
    promised_limit: Limit
    visits_required: int
    guide: GuideOut | None


class ChoiceOut(Schema):
    id: int
    text: str
    situation: str | None


class QuestionOut(Schema):
    id: int
    text: str
    help_text: str
    choices: list[ChoiceOut]


class AgencyRef(Schema):
    code: str
    name: str


class FeeOut(Schema):
    name: str
    standard: str
    basis: str


class ItemDetail(Schema):
    code: str
    name: str
    basic_code: str
    handling_code: str
    item_type: str
    item_type_label: str
    agency: AgencyRef
    level: str
    audience: str
    audience_label: str
    case_type: str
    case_type_label: str
    legal_limit: Limit
    promised_limit: Limit
    visits_required: int
    onsite_reason: str
    online_depth: int
    online_depth_label: str
    online_url: str
    scope: str
    scope_label: str
    is_fee: bool
    fees: list[FeeOut]
    place: str
    hours: str
    consult_phone: str
    supervise_phone: str
    result_name: str
    delivery_methods: list[str]
    legal_basis: str
    summary: str
    situations: list[SituationOut]
    questions: list[QuestionOut]


class SmartGuideOut(Schema):
    item: str
    situation: str | None
    situation_name: str | None
    guide_version: int | None
    ambiguous: bool
    unanswered: list[int]
    materials: list[MaterialOut]
    exempt: list[MaterialOut]


@router.get("/items", response={200: ItemList, 400: ErrorOut}, summary="Search or list service items")
def list_items(request: HttpRequest, q: str = "", agency: str = "", audience: str = "", life_event: str = "",
               limit: int = 20, offset: int = 0):
    if not 1 <= limit <= 100:
        return error(400, "bad_limit", "limit must be between 1 and 100")
    if offset < 0:
        return error(400, "bad_offset", "offset must be >= 0")
    if len(q) > 100:
        return error(400, "query_too_long", "the query may have at most 100 characters")
    if audience and audience not in ("person", "organisation"):
        return error(400, "bad_audience", "audience must be person or organisation")
    agency_id = None
    if agency:
        agency_id = Agency.objects.filter(code=agency).values_list("id", flat=True).first()
        if agency_id is None:
            return error(400, "bad_agency", f"no agency with code {agency!r}")
    ids = None
    if life_event:
        ids = set(LifeEvent.items.through.objects.filter(lifeevent__slug=life_event)
                  .values_list("serviceitem_id", flat=True))
    if q.strip():
        index = get_index()
        ranked = index.ranked(q)
        if agency_id or audience or ids is not None:
            keep = {e.id for e in filter_entries([index.entries[k] for k, _ in ranked], agency_id=agency_id,
                                                  audience=audience, ids=ids)}
            ranked = [(k, s) for k, s in ranked if index.entries[k].id in keep]
        page = ranked[offset:offset + limit]
        return json_response({"count": len(ranked), "items": [index.entries[k].summary(s) for k, s in page]})
    entries = browse(agency_id=agency_id, audience=audience, ids=ids)
    return json_response({"count": len(entries), "items": [e.summary() for e in entries[offset:offset + limit]]})


@router.get("/items/{code}", response={200: ItemDetail, 404: ErrorOut}, summary="One item with its published guides")
def get_item(request: HttpRequest, code: str):
    item = load_item(code)
    if item is None:
        return error(404, "not_found", f"no active service item with code {code!r}")
    return Status(200, public_item(item))


@router.get("/items/{code}/smart-guide", response={200: SmartGuideOut, 400: ErrorOut, 404: ErrorOut},
            summary="Pick the situation and the exact material list from answers",
            description="`answers` is a comma-separated list of `question_id:choice_id`.")
def smart_guide(request: HttpRequest, code: str, answers: str = ""):
    item = load_item(code)
    if item is None:
        return error(404, "not_found", f"no active service item with code {code!r}")
    parsed: dict[int, int] = {}
    for part in filter(None, (p.strip() for p in answers.split(","))):
        try:
            qid, cid = (int(x) for x in part.split(":", 1))
        except ValueError:
            return error(400, "bad_answers", f"answers must look like 12:34,13:37; {part!r} does not")
        parsed[qid] = cid
    r = resolve_smart_guide(item, parsed)
    return Status(200, {
        "item": item.code,
        "situation": r.situation.code if r.situation else None,
        "situation_name": r.situation.name if r.situation else None,
        "guide_version": r.guide.version if r.guide else None,
        "ambiguous": r.ambiguous,
        "unanswered": [q.id for q in r.unanswered],
        "materials": [material_data(m) for m in r.materials],
        "exempt": [material_data(m) for m in r.exempt],
    })


class AgencyOut(Schema):
    code: str
    name: str
    short_name: str
    items: int


@router.get("/agencies", response=list[AgencyOut], summary="Agencies with their number of active items")
def agencies(request: HttpRequest):
    from django.db.models import Count, Q

    qs = Agency.objects.annotate(n=Count("items", filter=Q(items__status="active"))).order_by("sort", "name")
    return [{"code": a.code, "name": a.name, "short_name": a.short_name, "items": a.n} for a in qs]


class LifeEventOut(Schema):
    slug: str
    name: str
    audience: str


@router.get("/life-events", response=list[LifeEventOut], summary="Life and business events for browsing")
def life_events(request: HttpRequest):
    return [{"slug": e.slug, "name": e.name, "audience": e.audience} for e in LifeEvent.objects.all()]
