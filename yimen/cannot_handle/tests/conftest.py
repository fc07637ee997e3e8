"""A center on the seeded 2026 calendar with a 办不成事 window, a general window, window staff alice
and bob, a center manager, and a staff member of another center."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.hall.constants import WindowType
from yimen.hall.models import Center, Window
from yimen.workdays.services import default_calendar

SH = ZoneInfo("Asia/Shanghai")


def at(day: date, hhmm: str = "10:00") -> datetime:
    h, m = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(h), int(m), tzinfo=SH)


@dataclass
class Desk:
    center: Center
    desk: Window
    general: Window
    alice: User
    bob: User
    manager: User
    outsider: User


def make_user(username, center, role=Role.WINDOW_STAFF):
    return User.objects.create_user(username=username, password="x", full_name=username.title(), role=role,
                                    center=center)


@pytest.fixture
def desk(calendar):
    cal = default_calendar()
    center = Center.objects.create(code="cm", name="崇明区行政服务中心", calendar=cal)
    other = Center.objects.create(code="xx", name="其他中心", calendar=cal)
    return Desk(
        center,
        Window.objects.create(center=center, number="20", type=WindowType.CANNOT_HANDLE),
        Window.objects.create(center=center, number="05", type=WindowType.GENERAL),
        make_user("alice", center), make_user("bob", center),
        make_user("manager", center, Role.CENTER_MANAGER), make_user("outsider", other),
    )
