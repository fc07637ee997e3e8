"""Load the demo district center: agencies, items with situations, guides and manuals, windows,
and one demo account per role. Idempotent: existing rows (matched by code) are left as they are,
so a second run adds nothing and administrator edits survive."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.hall.constants import CenterKind, WindowType
from yimen.hall.demo import load_hall_demo
from yimen.hall.models import Center, Window
from yimen.lib.idcodes import uscc_check_char
from yimen.workdays.services import default_calendar

from .constants import DocStatus, ItemStatus
from .demo import AGENCIES, CENTER, LIFE_EVENTS, SUPERVISE_PHONE
from .models import (
    Agency,
    CenterItem,
    Choice,
    FeeItem,
    Guide,
    LifeEvent,
    Manual,
    Material,
    Question,
    ServiceItem,
    Situation,
)
from .services import bump_catalog_version

DEMO_PASSWORD = "yimen-demo-2026"

DEMO_USERS = [
    # username, full name, role, agency key, is_staff
    ("supervisor", "区政务服务办 周督查", Role.DISTRICT_SUPERVISOR, None, False),
    ("manager", "中心主任 陈敏", Role.CENTER_MANAGER, None, True),
    ("window1", "综合窗口 王芳", Role.WINDOW_STAFF, None, False),
    ("window2", "综合窗口 李强", Role.WINDOW_STAFF, None, False),
    ("reviewer", "市场监管局审批科 赵磊", Role.REVIEWER, "scjg", False),
    ("editor", "市场监管局指南编辑 孙丽", Role.AGENCY_EDITOR, "scjg", True),
    ("helper", "帮办员 吴静", Role.HELP_STAFF, None, False),
    ("admin", "系统管理员", Role.ADMIN, None, True),
]

WINDOWS = [
    # number, name, type, serves all listed items
    *[(f"{n:02d}", f"综合受理{n}号", WindowType.GENERAL, True) for n in range(1, 7)],
    ("07", "企业开办综合受理", WindowType.GENERAL, False),
    ("08", "工程建设综合受理", WindowType.GENERAL, False),
    ("09", "不动产登记", WindowType.SPECIALIST, False),
    ("10", "统一出件", WindowType.RELEASE, False),
    ("11", "跨省通办", WindowType.CROSS_PROVINCE, False),
    ("12", "办不成事反映", WindowType.CANNOT_HANDLE, False),
    ("13", "帮办代办", WindowType.HELP, False),
    ("14", "咨询导服", WindowType.INQUIRY, False),
]


def agency_code(index: int) -> str:
    """A syntactically valid unified social credit code for demo agency number `index` (not a real one)."""
    first17 = f"11310151MB{index:07d}"
    return first17 + uscc_check_char(first17)


def all_items() -> list[dict]:
    items: list[dict] = []
    for module in ("items_a", "items_b"):
        try:
            mod = __import__(f"yimen.catalog.demo.{module}", fromlist=["ITEMS"])
        except ImportError:
            continue
        items.extend(mod.ITEMS)
    return items


@transaction.atomic
def load_demo() -> dict:
    cal = default_calendar()
    center, _ = Center.objects.get_or_create(code=CENTER["code"], defaults={
        "name": CENTER["name"], "kind": CenterKind.DISTRICT, "address": CENTER["address"],
        "phone": CENTER["phone"], "calendar": cal, "is_demo": True})
    agencies: dict[str, Agency] = {}
    for i, (key, name, short, phone) in enumerate(AGENCIES, start=1):
        agencies[key], _ = Agency.objects.get_or_create(code=agency_code(i), defaults={
            "name": name, "short_name": short, "sort": i * 10})
        agencies[key].demo_phone = phone
    events = {}
    for i, (slug, name, audience) in enumerate(LIFE_EVENTS, start=1):
        events[slug], _ = LifeEvent.objects.get_or_create(slug=slug, defaults={
            "name": name, "audience": audience, "sort": i * 10})
    existing = set(ServiceItem.objects.values_list("code", flat=True))
    created = 0
    for data in all_items():
        if data["code"] in existing:
            continue
        _create_item(data, agencies, events, center)
        created += 1
    _windows(center)
    _queues(center, agencies)
    users = _users(center, agencies)
    bump_catalog_version()
    return {"center": center.code, "items_created": created, "users_created": users, "hall": load_hall_demo(center)}


def _create_item(d: dict, agencies: dict[str, Agency], events: dict[str, LifeEvent], center: Center) -> None:
    agency = agencies[d["agency"]]
    item = ServiceItem(
        code=d["code"], name=d["name"], basic_code=d.get("basic_code", ""), item_type=d["item_type"],
        agency=agency, legal_basis=d.get("legal_basis", ""), summary=d.get("summary", ""),
        keywords=d.get("keywords", ""), audience=d["audience"], case_type=d["case_type"],
        legal_limit=d["legal_limit"], promised_limit=d["promised_limit"],
        visits_required=d["visits_required"], onsite_reason=d.get("onsite_reason", ""),
        online_depth=d["online_depth"], is_fee=d.get("is_fee", False),
        place=f"{CENTER['name'].replace('（演示）', '')} 一楼综合受理区", hours="工作日 9:00–12:00，13:30–17:00（周四延时至19:00）",
        consult_phone=agency.demo_phone, supervise_phone=SUPERVISE_PHONE, result_name=d.get("result_name", ""),
        delivery_methods=d.get("delivery_methods", ["window"]), status=ItemStatus.ACTIVE, is_demo=True,
        online_url="https://zwdt.sh.gov.cn/" if d["online_depth"] >= 3 else "",
        handling_code=f"{d['code']}-01",
    )
    item.full_clean()
    item.save()
    FeeItem.objects.bulk_create([FeeItem(item=item, **fee) for fee in d.get("fees", [])])
    situations = {}
    for order, s in enumerate(d["situations"], start=1):
        situations[s["code"]] = Situation.objects.create(item=item, code=s["code"], name=s["name"], sort=order)
    choices: dict[str, Choice] = {}
    for qorder, q in enumerate(d.get("questions", []), start=1):
        question = Question.objects.create(item=item, order=qorder, text=q["text"])
        for corder, c in enumerate(q["choices"], start=1):
            choices[c["key"]] = Choice.objects.create(
                question=question, order=corder, text=c["text"],
                situation=situations.get(c["situation"]) if c.get("situation") else None)
    for s in d["situations"]:
        situation = situations[s["code"]]
        guide = Guide.objects.create(
            situation=situation, version=1, status=DocStatus.PUBLISHED, conditions=s["conditions"],
            procedure=s["procedure"], basis=d.get("legal_basis", ""), notes=s.get("notes", ""),
            result_delivery="、".join({"window": "窗口领取", "post": "快递寄送", "e_licence": "电子证照"}.get(m, m)
                                      for m in d.get("delivery_methods", ["window"])))
        Material.objects.bulk_create([
            Material(guide=guide, order=i, name=m["name"], necessity=m.get("necessity", "required"),
                     form=m.get("form", "paper"), kind=m.get("kind", "original"), copies=m.get("copies", 1),
                     source=m.get("source", "申请人自备"), acceptance_standard=m["acceptance_standard"],
                     exempt_reason=m.get("exempt_reason", ""), exempt_reference=m.get("exempt_reference", ""),
                     condition=choices.get(m["when"]) if m.get("when") else None)
            for i, m in enumerate(s["materials"], start=1)
        ])
        Guide.objects.filter(pk=guide.pk).update(published_at=guide.created_at)
        Manual.objects.create(situation=situation, version=1, status=DocStatus.PUBLISHED,
                              review_points=s.get("review_points", ""), criteria=s.get("criteria", ""))
    CenterItem.objects.get_or_create(center=center, item=item, defaults={
        "on_window_list": True, "on_terminal_list": d.get("on_terminal_list", False)})
    for slug in d.get("life_events", []):
        if slug in events:
            events[slug].items.add(item)


def _windows(center: Center) -> None:
    for number, name, wtype, all_items_ in WINDOWS:
        Window.objects.get_or_create(center=center, number=number, defaults={
            "name": name, "type": wtype, "serves_all_items": all_items_})


QUEUES = [
    # prefix, name, window numbers calling it, agency keys of its items (None: every listed item)
    ("A", "综合受理", ["01", "02", "03", "04", "05", "06"], None),
    ("B", "企业开办", ["07"], ["scjg", "swj"]),
    ("C", "工程建设", ["08"], ["ghzy", "zjw", "sthj", "xf"]),
    ("D", "不动产登记", ["09"], ["bdc"]),
    ("E", "统一出件", ["10"], []),
    ("F", "跨省通办", ["11"], []),
    ("G", "办不成事反映", ["12"], []),
    ("H", "帮办代办", ["13"], []),
]


def _queues(center: Center, agencies: dict[str, Agency]) -> None:
    from yimen.queueing.models import Queue

    windows = {w.number: w for w in center.windows.all()}
    for prefix, name, numbers, agency_keys in QUEUES:
        queue, created = Queue.objects.get_or_create(center=center, prefix=prefix, defaults={"name": name})
        if not created:
            continue
        queue.windows.set([windows[n] for n in numbers if n in windows])
        items = ServiceItem.objects.filter(center_items__center=center, center_items__on_window_list=True)
        if agency_keys is not None:
            items = items.filter(agency__in=[agencies[k] for k in agency_keys])
        queue.items.set(items)


def _users(center: Center, agencies: dict[str, Agency]) -> int:
    editors, _ = Group.objects.get_or_create(name="指南编辑 agency editors")
    editors.permissions.set(Permission.objects.filter(
        content_type__app_label="catalog",
        codename__in=["view_serviceitem", "view_situation", "view_guide", "change_guide", "add_guide",
                      "view_material", "change_material", "add_material", "delete_material", "view_manual",
                      "change_manual", "add_manual", "view_question", "change_question", "add_question",
                      "view_choice", "change_choice", "add_choice"]))
    managers, _ = Group.objects.get_or_create(name="中心管理 center managers")
    managers.permissions.set(Permission.objects.filter(content_type__app_label__in=["catalog", "hall", "workdays"]))
    created = 0
    for username, full_name, role, agency_key, is_staff in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        user = User(username=username, full_name=full_name, role=role, is_staff=is_staff, is_demo=True,
                    center=center, agency=agencies.get(agency_key) if agency_key else None,
                    is_superuser=role == Role.ADMIN)
        user.set_password(DEMO_PASSWORD)
        user.save()
        if role == Role.AGENCY_EDITOR:
            user.groups.add(editors)
        if role == Role.CENTER_MANAGER:
            user.groups.add(managers)
        created += 1
    return created
