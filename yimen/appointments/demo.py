"""Demo data of appointments and the service map (called by `manage.py load_demo`; idempotent):
a capacity plan for the demo center's first queue, so that `make run` shows bookable slots, and
self-service terminals in the center and around it (the 15-minute service circle). Existing rows
are left as they are, so a second run adds nothing and administrator edits survive."""

from __future__ import annotations

from django.db import transaction

from yimen.hall.constants import TerminalKind
from yimen.hall.models import Center, Terminal

from .models import CapacityPlan

# code, name, place, 24 hours, hours text, directions
TERMINALS = [
    ("zz-02", "大厅自助终端2号", "一楼大厅西侧 24 小时自助区", True, "",
     "从人民路正门进入，左转到底；夜间由东侧小门刷身份证进入"),
    ("zz-bank", "农商银行城桥支行政务自助终端", "农商银行城桥支行营业厅", False, "工作日 9:00–17:00",
     "中心向东步行约 5 分钟，银行营业厅入口右手边"),
    ("zz-mall", "商场政务服务驿站", "城桥商业广场一楼服务台旁", False, "每天 10:00–21:00",
     "中心向南步行约 10 分钟，商场北门进入"),
]
# the hall demo's own terminal: give it the same public details
LOBBY = ("zz-01", True, "从人民路正门进入，右手边导服台旁")


@transaction.atomic
def load_appointments_demo(center: Center) -> dict:
    counts = {"plans": 0, "terminals": 0}
    queue = center.queues.filter(is_active=True).order_by("prefix").first()
    if queue is not None:
        _, made = CapacityPlan.objects.get_or_create(queue=queue, defaults={
            "center": center, "slot_minutes": 30, "handling_minutes": 15, "web_percent": 40, "phone_percent": 10,
            "internal_percent": 10, "walk_in_percent": 40})
        counts["plans"] += made
    for code, name, place, open_24h, hours, directions in TERMINALS:
        _, made = Terminal.objects.get_or_create(center=center, code=code, defaults={
            "name": name, "place": place, "kind": TerminalKind.SELF_SERVICE, "open_24h": open_24h, "hours": hours,
            "directions": directions})
        counts["terminals"] += made
    code, open_24h, directions = LOBBY
    Terminal.objects.filter(center=center, code=code, directions="").update(open_24h=open_24h, directions=directions)
    return counts
