"""Hall demo data: a township center and a village station, one AB post per window of the district
center, a few terminals, and (for a demo center only) one device of each kind with a fixed token.

Idempotent: rows are matched by code, name or token, so a second run adds nothing."""

from __future__ import annotations

from django.db import transaction

from .constants import CenterKind, DeviceKind, PostRole, TerminalKind
from .models import Center, Device, Post, Terminal
from .services import assign_post, hash_token, register_device

TOWNSHIP = {"code": "cm-chengqiao", "name": "城桥镇社区事务受理服务中心（演示）", "kind": CenterKind.TOWNSHIP,
            "address": "上海市崇明区城桥镇人民路（演示地址）", "filing_authority": "区民政局"}
STATION = {"code": "cm-chengqiao-village", "name": "城桥镇某村便民服务站（演示）", "kind": CenterKind.STATION,
           "address": "上海市崇明区城桥镇某村村委会（演示地址）", "filing_authority": "区民政局"}

# post window number -> A username, B usernames in order
POST_STAFF = {"01": ("window1", ["window2"]), "02": ("window2", ["window1"]), "13": ("helper", [])}

TERMINALS = [
    # code, name, place, kind, hours
    ("zz-01", "大厅自助终端1号", "一楼大厅东侧", TerminalKind.SELF_SERVICE, "24 小时"),
    ("qh-01", "取号机", "一楼大厅入口", TerminalKind.TICKET_KIOSK, "工作日 8:45–17:00"),
    ("pj-01", "评价器（01号窗口）", "01号窗口台面", TerminalKind.EVALUATION_PAD, "工作日"),
]

# fixed demo tokens (docs/hall.md): kind, name, token, window number
DEMO_DEVICES = [
    (DeviceKind.KIOSK, "演示取号机", "demo-kiosk", None),
    (DeviceKind.HALL_DISPLAY, "演示大厅屏", "demo-display", None),
    (DeviceKind.WINDOW_DISPLAY, "演示01号窗口屏", "demo-window-01", "01"),
    (DeviceKind.EVALUATION_PAD, "演示01号窗口评价器", "demo-pad", "01"),
]


@transaction.atomic
def load_hall_demo(center: Center) -> dict:
    from yimen.accounts.models import User

    counts = {"centers": 0, "posts": 0, "terminals": 0, "devices": 0}
    township, made = Center.objects.get_or_create(code=TOWNSHIP["code"], defaults={
        **TOWNSHIP, "parent": center, "calendar": center.calendar, "is_demo": center.is_demo})
    counts["centers"] += made
    _, made = Center.objects.get_or_create(code=STATION["code"], defaults={
        **STATION, "parent": township, "calendar": center.calendar, "is_demo": center.is_demo})
    counts["centers"] += made

    users = {u.username: u for u in User.objects.filter(center=center)}
    for window in center.windows.all():
        post, made = Post.objects.get_or_create(center=center, window=window,
                                                defaults={"name": f"{window.number}号窗口岗"})
        counts["posts"] += made
        if not made:
            continue
        a_name, b_names = POST_STAFF.get(window.number, (None, []))
        if a_name in users:
            assign_post(post, users[a_name], PostRole.A, by=None)
        for order, b_name in enumerate(b_names, start=1):
            if b_name in users:
                assign_post(post, users[b_name], PostRole.B, order=order, by=None)

    for code, name, place, kind, hours in TERMINALS:
        _, made = Terminal.objects.get_or_create(center=center, code=code, defaults={
            "name": name, "place": place, "kind": kind, "hours": hours})
        counts["terminals"] += made
    _, made = Terminal.objects.get_or_create(center=township, code="zz-01", defaults={
        "name": "社区自助终端", "place": "城桥镇社区事务受理服务中心大厅", "kind": TerminalKind.SELF_SERVICE,
        "hours": "24 小时"})
    counts["terminals"] += made

    if center.is_demo:
        windows = {w.number: w for w in center.windows.all()}
        for kind, name, token, number in DEMO_DEVICES:
            if Device.objects.filter(token_hash=hash_token(token)).exists() or (number and number not in windows):
                continue
            register_device(center, kind, name, window=windows.get(number) if number else None, by=None, token=token)
            counts["devices"] += 1
    return counts
