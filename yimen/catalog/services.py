"""Public API of the service catalogue.

Guides and manuals: `new_guide_draft`, `publish_guide`, `new_manual_draft`, `publish_manual`
(publishing supersedes the previous version; exactly one published per situation).
Item changes: `apply_change(change, action, by=..., **payload)` driven by `CHANGE_TRANSITIONS`.
Reading: `published_guide`, `resolve_smart_guide`, `item_rules_snapshot`; search lives in `search.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.auditlog.services import log_action
from yimen.lib.errors import Refused

from .constants import CATCH_ALL_PHRASES, CHANGE_TRANSITIONS, ChangeKind, ChangeState, DocStatus, ItemStatus
from .models import CenterItem, Choice, Guide, ItemChange, Manual, Material, Question, ServiceItem, Situation

__all__ = [
    "CatalogError",
    "SmartGuideResult",
    "apply_change",
    "bump_catalog_version",
    "catalog_version",
    "guide_problems",
    "item_rules_snapshot",
    "new_guide_draft",
    "new_manual_draft",
    "publish_guide",
    "publish_manual",
    "published_guide",
    "resolve_smart_guide",
    "take_effect_due_changes",
]


class CatalogError(Refused):
    """A refused catalogue action; `.code` is stable, the message is translated."""


# ---------------------------------------------------------------- catalogue version (search cache key)

def catalog_version() -> int:
    from yimen.ops.models import Counter

    row = Counter.objects.filter(name="catalog").values_list("value", flat=True).first()
    return row or 0


def bump_catalog_version() -> None:
    from yimen.ops.models import Counter

    if not Counter.objects.filter(name="catalog").update(value=F("value") + 1):
        try:
            with transaction.atomic():
                Counter.objects.create(name="catalog", value=1)
        except IntegrityError:
            Counter.objects.filter(name="catalog").update(value=F("value") + 1)


# ---------------------------------------------------------------- guides and manuals

def guide_problems(guide: Guide) -> list[str]:
    """Why this guide cannot be published (empty when it can)."""
    problems = []
    materials = list(guide.materials.all())
    if not materials:
        problems.append(_("The guide lists no materials."))
    for m in materials:
        if not m.acceptance_standard.strip():
            problems.append(_("Material “%(name)s” has no acceptance standard.") % {"name": m.name})
        for phrase in CATCH_ALL_PHRASES:
            if phrase in m.name:
                problems.append(_("Material “%(name)s” is a catch-all clause; list the exact document.") % {"name": m.name})
                break
        if m.exempt_reason and not m.exempt_reference.strip() and m.exempt_reason != "no_legal_basis":
            problems.append(_("Exempt material “%(name)s” needs the reference used instead.") % {"name": m.name})
    for field in ("conditions", "procedure"):
        text = getattr(guide, field)
        if not text.strip():
            problems.append(_("The guide needs its %(field)s.") % {"field": Guide._meta.get_field(field).verbose_name})
        elif any(p in text for p in CATCH_ALL_PHRASES):
            problems.append(_("The %(field)s contain a catch-all clause.") % {"field": Guide._meta.get_field(field).verbose_name})
    return problems


def _next_version(model, situation: Situation) -> int:
    last = model.objects.filter(situation=situation).order_by("-version").values_list("version", flat=True).first()
    return (last or 0) + 1


@transaction.atomic
def new_guide_draft(situation: Situation, *, by=None, reason: str = "self_check", note: str = "") -> Guide:
    """A new draft copied from the published (or latest) guide, materials included."""
    existing = situation.guides.filter(status__in=[DocStatus.DRAFT, DocStatus.REVIEW]).first()
    if existing:
        return existing
    source = situation.guides.filter(status=DocStatus.PUBLISHED).first() or situation.guides.first()
    draft = Guide(situation=situation, version=_next_version(Guide, situation), status=DocStatus.DRAFT,
                  revision_reason=reason, revision_note=note, created_by=by if getattr(by, "pk", None) else None)
    if source:
        for f in ("conditions", "procedure", "basis", "quantity_limit", "result_delivery", "notes"):
            setattr(draft, f, getattr(source, f))
    draft.save()
    if source:
        Material.objects.bulk_create([
            Material(**{f.attname: getattr(m, f.attname) for f in Material._meta.concrete_fields
                        if f.attname not in ("id", "guide_id")}, guide=draft)
            for m in source.materials.all()
        ])
    log_action(draft, "catalog.guide.drafted", by, {"from_version": source.version if source else None})
    return draft


def _publish(doc, model, *, by, event: str) -> None:
    now = timezone.now()
    old = list(model.objects.select_for_update().filter(situation=doc.situation, status=DocStatus.PUBLISHED)
               .exclude(pk=doc.pk))
    model.objects.filter(pk__in=[o.pk for o in old]).update(status=DocStatus.SUPERSEDED)
    doc.status, doc.published_at = DocStatus.PUBLISHED, now
    doc.published_by = by if getattr(by, "pk", None) else None
    doc.save(update_fields=["status", "published_at", "published_by"])
    log_action(doc, event, by, {"version": doc.version, "superseded": [o.version for o in old]})
    bump_catalog_version()


@transaction.atomic
def publish_guide(guide: Guide, *, by=None) -> Guide:
    """Publish a draft; the previous published version becomes superseded (cases keep their version)."""
    guide = Guide.objects.select_for_update().get(pk=guide.pk)
    if guide.status == DocStatus.PUBLISHED:
        raise CatalogError("already_published", _("This guide version is already published."))
    if guide.status == DocStatus.SUPERSEDED:
        raise CatalogError("superseded", _("A superseded version cannot be published again; make a new draft."))
    problems = guide_problems(guide)
    if problems:
        raise CatalogError("guide_incomplete", " ".join(problems))
    _publish(guide, Guide, by=by, event="catalog.guide.published")
    return guide


@transaction.atomic
def new_manual_draft(situation: Situation, *, by=None, reason: str = "self_check", note: str = "") -> Manual:
    existing = situation.manuals.filter(status__in=[DocStatus.DRAFT, DocStatus.REVIEW]).first()
    if existing:
        return existing
    source = situation.manuals.filter(status=DocStatus.PUBLISHED).first() or situation.manuals.first()
    draft = Manual(situation=situation, version=_next_version(Manual, situation), status=DocStatus.DRAFT,
                   revision_reason=reason, revision_note=note, created_by=by if getattr(by, "pk", None) else None)
    if source:
        for f in ("review_points", "criteria", "steps", "templates"):
            setattr(draft, f, getattr(source, f))
    draft.save()
    log_action(draft, "catalog.manual.drafted", by, {"from_version": source.version if source else None})
    return draft


@transaction.atomic
def publish_manual(manual: Manual, *, by=None) -> Manual:
    manual = Manual.objects.select_for_update().get(pk=manual.pk)
    if manual.status != DocStatus.DRAFT and manual.status != DocStatus.REVIEW:
        raise CatalogError("not_draft", _("Only a draft manual can be published."))
    if not manual.review_points.strip():
        raise CatalogError("manual_incomplete", _("The manual needs its review points."))
    _publish(manual, Manual, by=by, event="catalog.manual.published")
    return manual


def published_guide(situation: Situation) -> Guide | None:
    return situation.guides.filter(status=DocStatus.PUBLISHED).prefetch_related("materials").first()


def item_rules_snapshot(item: ServiceItem, situation: Situation | None = None) -> dict:
    """The rule fields a case copies when it is opened (item edits never touch running cases)."""
    fields = ["case_type", "legal_limit", "legal_unit", "promised_limit", "promised_unit", "correction_notice_wd",
              "applicant_correction_cd", "extension_allowed", "extension_wd", "max_extensions",
              "suspension_allowed", "delivery_wd", "roll_forward", "visits_required", "online_depth"]
    snap = {f: getattr(item, f) for f in fields}
    if situation is not None:
        snap["promised_limit"] = situation.effective_promised_limit
        snap["visits_required"] = situation.effective_visits
        guide = published_guide(situation)
        snap["guide_version"] = guide.version if guide else None
    snap["item_version"] = item.version
    return snap


# ---------------------------------------------------------------- smart guide

@dataclass
class SmartGuideResult:
    situation: Situation | None
    guide: Guide | None
    materials: list[Material]
    exempt: list[Material]
    chosen: list[Choice]
    unanswered: list[Question]
    ambiguous: bool


def resolve_smart_guide(item: ServiceItem, answers: dict[int, int]) -> SmartGuideResult:
    """Pick the situation and the exact material list from answers {question_id: choice_id}.

    Answers for questions of another item are ignored. The situation is the one every chosen
    answer that names a situation agrees on; with one active situation, that one. Materials tied
    to an answer appear only when that answer was chosen.
    """
    questions = list(item.questions.prefetch_related("choices"))
    by_id = {c.id: c for q in questions for c in q.choices.all()}
    chosen = [by_id[cid] for qid, cid in answers.items() if cid in by_id and by_id[cid].question_id == qid]
    unanswered = [q for q in questions if q.id not in {c.question_id for c in chosen}]
    situations = list(item.situations.filter(is_active=True))
    named = {c.situation_id for c in chosen if c.situation_id}
    situation = None
    ambiguous = False
    if len(named) == 1:
        situation = next((s for s in situations if s.id in named), None)
    elif len(named) > 1:
        ambiguous = True
    elif len(situations) == 1:
        situation = situations[0]
    guide = published_guide(situation) if situation else None
    chosen_ids = {c.id for c in chosen}
    materials, exempt = [], []
    if guide:
        for m in guide.materials.all():
            if m.condition_id and m.condition_id not in chosen_ids:
                continue
            (exempt if m.exempt_reason else materials).append(m)
    return SmartGuideResult(situation, guide, materials, exempt, chosen, unanswered, ambiguous)


# ---------------------------------------------------------------- item changes (新增/调整/退出/取消)

def _role_of(by) -> str:
    if by is None:
        return "system"
    return by.role if not by.is_superuser else "admin"


@transaction.atomic
def apply_change(change: ItemChange, action: str, *, by=None, **payload) -> ItemChange:
    """The one transition service for item changes (domain.md §4.4); every step is an audit event."""
    if action not in CHANGE_TRANSITIONS:
        raise CatalogError("unknown_action", _("Unknown action."))
    sources, target, roles = CHANGE_TRANSITIONS[action]
    change = ItemChange.objects.select_for_update().get(pk=change.pk)
    role = _role_of(by)
    if role not in roles and role != "admin":
        raise CatalogError("forbidden", _("Your role may not do this."))
    if change.state not in sources:
        raise CatalogError("bad_state", _("Not possible while the change is “%(state)s”.") % {
            "state": change.get_state_display()})
    before = change.state
    now = timezone.now()
    updates: dict = {}
    if action == "propose":
        if not change.reason.strip():
            raise CatalogError("reason_required", _("Give the reason for the change."))
        updates = {"proposed_by": by, "center_agreed_by": None, "agency_agreed_by": None,
                   "center_agreed_at": None, "agency_agreed_at": None}
    elif action == "agree":
        if role in ("center_manager", "admin") and not change.center_agreed_by_id:
            updates = {"center_agreed_by": by, "center_agreed_at": now}
        elif role in ("agency_editor", "admin") and not change.agency_agreed_by_id:
            if by is not None and by.agency_id and by.agency_id != change.item.agency_id:
                raise CatalogError("forbidden", _("Only the item's own agency can agree for the agency."))
            updates = {"agency_agreed_by": by, "agency_agreed_at": now}
        else:
            raise CatalogError("already_agreed", _("Your side has already agreed."))
        both = (updates.get("center_agreed_by") or change.center_agreed_by) and (
            updates.get("agency_agreed_by") or change.agency_agreed_by)
        if not both:
            target = ChangeState.PROPOSED
    elif action == "return":
        if not payload.get("comment", "").strip():
            raise CatalogError("comment_required", _("Say why the proposal is returned."))
    elif action == "file":
        filing_no = (payload.get("filing_no") or "").strip()
        effective = payload.get("effective_date")
        if not filing_no:
            raise CatalogError("filing_no_required", _("A filing number is required."))
        if ItemChange.objects.filter(filing_no=filing_no).exclude(pk=change.pk).exists():
            raise CatalogError("filing_no_taken", _("This filing number is already used."))
        if not isinstance(effective, date):
            raise CatalogError("effective_date_required", _("An effective date is required."))
        updates = {"filing_no": filing_no, "filed_by": by, "filed_at": now, "effective_date": effective}
    elif action == "take_effect":
        today = timezone.localdate()
        if change.effective_date and change.effective_date > today:
            raise CatalogError("not_yet", _("The change takes effect on %(d)s.") % {"d": change.effective_date})
        _effect(change, today)
    elif action == "withdraw":
        if not payload.get("reason", "").strip():
            raise CatalogError("reason_required", _("Give the reason for withdrawing."))
    updates["state"] = target
    rows = ItemChange.objects.filter(pk=change.pk, state=before, version=change.version).update(
        version=F("version") + 1, **updates)
    if rows != 1:
        raise CatalogError("conflict", _("Someone else changed this record; reload and try again."))
    change.refresh_from_db()
    log_action(change, f"catalog.item_change.{action}", by,
               {"from": before, "to": target, **{k: v for k, v in payload.items() if isinstance(v, str | int)}})
    return change


def _effect(change: ItemChange, today: date) -> None:
    item = change.item
    if change.kind in (ChangeKind.ADD, ChangeKind.ADJUST):
        missing = [s.name for s in item.situations.filter(is_active=True)
                   if not s.guides.filter(status=DocStatus.PUBLISHED).exists()
                   or not s.manuals.filter(status=DocStatus.PUBLISHED).exists()]
        if missing:
            raise CatalogError("guide_missing", _("Publish a guide and a manual for: %(s)s.") % {"s": "、".join(missing)})
        ci, _created = CenterItem.objects.get_or_create(center=change.center, item=item,
                                                         defaults={"entered_on": today})
        ci.on_window_list, ci.on_terminal_list, ci.exited_on = change.on_window_list, change.on_terminal_list, None
        ci.save()
        if item.status != ItemStatus.ACTIVE:
            ServiceItem.objects.filter(pk=item.pk).update(status=ItemStatus.ACTIVE, version=F("version") + 1)
    elif change.kind == ChangeKind.EXIT:
        CenterItem.objects.filter(center=change.center, item=item).update(
            on_window_list=False, on_terminal_list=False, exited_on=today)
    elif change.kind == ChangeKind.CANCEL:
        CenterItem.objects.filter(item=item).update(on_window_list=False, on_terminal_list=False, exited_on=today)
        ServiceItem.objects.filter(pk=item.pk).update(status=ItemStatus.CANCELLED, version=F("version") + 1)
    bump_catalog_version()


def take_effect_due_changes(today: date | None = None) -> int:
    """Sweep: filed changes whose effective date has come take effect (idempotent)."""
    today = today or timezone.localdate()
    done = 0
    for change in ItemChange.objects.filter(state=ChangeState.FILED, effective_date__lte=today):
        try:
            apply_change(change, "take_effect", by=None)
            done += 1
        except CatalogError:
            continue
    return done

