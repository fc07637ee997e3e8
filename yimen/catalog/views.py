"""Public guide pages (办事指南) and the agency editors' guide desk. Thin: data comes from
`public.py` (the same source as the API), rules from `services.py`."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.accounts.constants import Role
from yimen.auditlog.services import events_for, log_action

from .constants import Audience, DocStatus
from .forms import GuideForm, ItemChangeForm, ManualForm, MaterialFormSet
from .models import Agency, ItemChange, LifeEvent, Situation
from .public import load_item, public_item
from .search import browse, search_items
from .services import (
    CatalogError,
    apply_change,
    new_guide_draft,
    new_manual_draft,
    publish_guide,
    publish_manual,
    resolve_smart_guide,
)


def _nav_context() -> dict:
    return {
        "agencies": Agency.objects.annotate(n=Count("items", filter=Q(items__status="active"))).filter(n__gt=0),
        "life_events": LifeEvent.objects.all(),
    }


def home(request):
    return render(request, "catalog/home.html", _nav_context())


def search(request):
    q = request.GET.get("q", "").strip()[:100]
    results = [h.entry.summary(h.score) for h in search_items(q, limit=50)] if q else []
    return render(request, "catalog/list.html", {
        "title": _("Search results for “%(q)s”") % {"q": q} if q else _("Search"),
        "q": q, "items": results, "searched": bool(q), **_nav_context(),
    })


def _listing(request, title: str, entries):
    return render(request, "catalog/list.html", {"title": title, "items": [e.summary() for e in entries],
                                                 **_nav_context()})


def by_agency(request, code: str):
    agency = get_object_or_404(Agency, code=code)
    return _listing(request, agency.name, browse(agency_id=agency.pk))


def by_audience(request, audience: str):
    if audience not in (Audience.PERSON, Audience.ORGANISATION):
        raise Http404
    title = _("Services for individuals") if audience == Audience.PERSON else _("Services for enterprises")
    return _listing(request, title, browse(audience=audience))


def by_life_event(request, slug: str):
    event = get_object_or_404(LifeEvent, slug=slug)
    return _listing(request, event.name, browse(ids=set(event.items.values_list("id", flat=True))))


def item_detail(request, code: str):
    item = load_item(code)
    if item is None:
        raise Http404
    return render(request, "catalog/item.html", {"item": public_item(item)})


def smart_guide(request, code: str):
    """GET form: every answer is a query parameter q<question id>=<choice id>, so the result is a shareable link."""
    item = load_item(code)
    if item is None:
        raise Http404
    answers: dict[int, int] = {}
    for key, value in request.GET.items():
        if key.startswith("q") and key[1:].isdigit() and value.isdigit():
            answers[int(key[1:])] = int(value)
    result = resolve_smart_guide(item, answers) if answers or not item.questions.exists() else None
    return render(request, "catalog/smart.html", {
        "item": item, "data": public_item(item), "answers": answers, "result": result,
        "questions": item.questions.all(),
    })


# ---------------------------------------------------------------- agency editors' guide desk

EDITOR_ROLES = (Role.AGENCY_EDITOR, Role.ADMIN)


def _editor_situations(user):
    if not user.has_role(*EDITOR_ROLES):
        raise PermissionDenied
    qs = Situation.objects.select_related("item__agency").filter(is_active=True)
    if not user.is_superuser and user.role != Role.ADMIN:
        qs = qs.filter(item__agency_id=user.agency_id)
    return qs


@login_required
def editor_list(request):
    q = request.GET.get("q", "").strip()
    situations = _editor_situations(request.user).prefetch_related("guides", "manuals").order_by("item__code", "sort")
    if q:
        situations = situations.filter(Q(item__name__icontains=q) | Q(item__code__icontains=q))
    rows = []
    for s in situations[:300]:
        guides = list(s.guides.all())
        manuals = list(s.manuals.all())
        rows.append({
            "situation": s,
            "guide": next((g for g in guides if g.status == DocStatus.PUBLISHED), None),
            "draft": next((g for g in guides if g.is_editable), None),
            "manual": next((m for m in manuals if m.status == DocStatus.PUBLISHED), None),
        })
    return render(request, "catalog/editor_list.html", {"rows": rows, "q": q})


@login_required
def editor_edit(request, situation_id: int):
    situation = get_object_or_404(_editor_situations(request.user), pk=situation_id)
    guide = situation.guides.filter(status__in=[DocStatus.DRAFT, DocStatus.REVIEW]).first()
    manual = situation.manuals.filter(status__in=[DocStatus.DRAFT, DocStatus.REVIEW]).first()
    published = situation.guides.filter(status=DocStatus.PUBLISHED).first()
    if request.method == "POST" and "new_draft" in request.POST:
        new_guide_draft(situation, by=request.user, reason=request.POST.get("reason", "self_check"),
                        note=request.POST.get("note", ""))
        new_manual_draft(situation, by=request.user, reason=request.POST.get("reason", "self_check"))
        messages.success(request, _("A new draft was made from the published version."))
        return redirect("editor-guide-edit", situation_id=situation.pk)
    if guide is None:
        return render(request, "catalog/editor_edit.html", {"situation": situation, "published": published,
                                                            "guide": None})
    if manual is None:
        manual = new_manual_draft(situation, by=request.user)
    gform = GuideForm(request.POST or None, instance=guide, prefix="g")
    mform = ManualForm(request.POST or None, instance=manual, prefix="m")
    formset = MaterialFormSet(request.POST or None, instance=guide, prefix="mat",
                              form_kwargs={"item": situation.item})
    if request.method == "POST":
        if gform.is_valid() and mform.is_valid() and formset.is_valid():
            gform.save()
            mform.save()
            formset.save()
            if "publish" in request.POST:
                try:
                    publish_guide(guide, by=request.user)
                    publish_manual(manual, by=request.user)
                except CatalogError as exc:
                    messages.error(request, exc.message)
                    return redirect("editor-guide-edit", situation_id=situation.pk)
                messages.success(request, _("Published: the new version replaces the old one for new cases."))
                return redirect("editor-guides")
            messages.success(request, _("Draft saved."))
            return redirect("editor-guide-edit", situation_id=situation.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(request, "catalog/editor_edit.html", {
        "situation": situation, "guide": guide, "published": published, "gform": gform, "mform": mform,
        "formset": formset,
    })


# ---------------------------------------------------------------- item changes (新增/调整/退出/取消)

CHANGE_ROLES = (Role.CENTER_MANAGER, Role.AGENCY_EDITOR, Role.DISTRICT_SUPERVISOR, Role.ADMIN)


def _changes_for(user):
    if not user.has_role(*CHANGE_ROLES):
        raise PermissionDenied
    qs = ItemChange.objects.select_related("item__agency", "center")
    if user.role == Role.AGENCY_EDITOR and not user.is_superuser:
        qs = qs.filter(item__agency_id=user.agency_id)
    elif user.role == Role.CENTER_MANAGER and user.center_id and not user.is_superuser:
        qs = qs.filter(center_id=user.center_id)
    return qs


@login_required
def change_list(request):
    changes = _changes_for(request.user)
    form = ItemChangeForm(request.POST or None, user=request.user)
    if request.method == "POST":
        if not request.user.has_role(Role.CENTER_MANAGER, Role.AGENCY_EDITOR, Role.ADMIN):
            raise PermissionDenied
        if form.is_valid():
            change = form.save(commit=False)
            change.proposed_by = request.user
            change.save()
            log_action(change, "catalog.item_change.drafted", request.user, {"kind": change.kind})
            messages.success(request, _("Draft saved. Propose it when it is ready."))
            return redirect("item-change", pk=change.pk)
        messages.error(request, _("Please correct the errors below."))
    return render(request, "catalog/change_list.html", {"changes": changes[:200], "form": form})


@login_required
def change_detail(request, pk: int):
    change = get_object_or_404(_changes_for(request.user), pk=pk)
    if request.method == "POST":
        action = request.POST.get("action", "")
        payload = {k: request.POST.get(k, "") for k in ("comment", "reason", "filing_no")}
        if action == "file":
            try:
                payload["effective_date"] = date.fromisoformat(request.POST.get("effective_date", ""))
            except ValueError:
                messages.error(request, _("Enter the effective date as YYYY-MM-DD."))
                return redirect("item-change", pk=pk)
        try:
            apply_change(change, action, by=request.user, **payload)
            messages.success(request, _("Done."))
        except CatalogError as exc:
            messages.error(request, exc.message)
        return redirect("item-change", pk=pk)
    return render(request, "catalog/change_detail.html", {
        "change": change, "events": events_for(change), "today": timezone.localdate(),
    })
