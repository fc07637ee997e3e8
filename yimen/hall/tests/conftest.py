"""A small hall on a fixed working day (Thursday 2026-11-26, hours 09:00–12:00 and 13:30–17:00):
three items on the window list (one more exited), windows W1 (items 1 and 2), W2 (item 3),
W3 (general, no items), W4 (release), and people alice, bob, carol, dave of the center."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.catalog.models import CenterItem
from yimen.catalog.tests.factories import make_item
from yimen.hall.constants import WindowType
from yimen.hall.models import Center, Window
from yimen.workdays.services import default_calendar

SH = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 11, 26)


def at(hhmm: str, day: date = DAY) -> datetime:
    h, m = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(h), int(m), tzinfo=SH)


@dataclass
class Hall:
    center: Center
    items: list
    exited: object
    w1: Window
    w2: Window
    w3: Window
    w4: Window
    alice: User
    bob: User
    carol: User
    dave: User
    outsider: User


def make_user(username, center, role=Role.WINDOW_STAFF):
    return User.objects.create_user(username=username, password="x", full_name=username.title(), role=role,
                                    center=center)


@pytest.fixture
def hall(calendar):
    calendar = default_calendar()
    center = Center.objects.create(code="h", name="测试中心", calendar=calendar)
    other = Center.objects.create(code="o", name="其他中心", calendar=calendar)
    items = [make_item(code=f"I-{n}", name=f"事项{n}") for n in (1, 2, 3)]
    exited = make_item(code="I-9", name="已退出事项")
    for item in items:
        CenterItem.objects.create(center=center, item=item, on_window_list=True)
    CenterItem.objects.create(center=center, item=exited, on_window_list=True, exited_on=date(2026, 1, 1))
    w1 = Window.objects.create(center=center, number="01", type=WindowType.GENERAL)
    w1.items.set(items[:2])
    w2 = Window.objects.create(center=center, number="02", type=WindowType.SPECIALIST)
    w2.items.set(items[2:])
    w3 = Window.objects.create(center=center, number="03", type=WindowType.GENERAL)
    w4 = Window.objects.create(center=center, number="04", type=WindowType.RELEASE)
    return Hall(center, items, exited, w1, w2, w3, w4, *(make_user(n, center) for n in ("alice", "bob", "carol", "dave")),
                outsider=make_user("outsider", other))
