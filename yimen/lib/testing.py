"""Test helpers shared by apps' tests (imported by their conftest.py and test modules, never by
production code).

- `at(day, "10:00")`: an aware datetime in Shanghai time;
- `make_user(username, center, role)`, `make_desk(window_type)`: a center on the seeded calendar
  with one desk window of `window_type`, a general window, window staff alice and bob, a center
  manager, and a staff member of another center (use it behind the app's `desk` fixture, which
  depends on the root `calendar` fixture);
- `assert_append_only_in_orm(event)`, `assert_append_only_in_sql(event)`: an event row refuses
  change and removal through the ORM, and through raw SQL (the triggers) with no maintenance
  window open (the caller's test transaction rolls the window back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.db import DatabaseError, connection, transaction

import pytest

from yimen.accounts.constants import Role
from yimen.accounts.models import User
from yimen.auditlog.models import AppendOnlyError
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


def make_desk(window_type: WindowType) -> Desk:
    cal = default_calendar()
    center = Center.objects.create(code="cm", name="崇明区行政服务中心", calendar=cal)
    other = Center.objects.create(code="xx", name="其他中心", calendar=cal)
    return Desk(
        center,
        Window.objects.create(center=center, number="20", type=window_type),
        Window.objects.create(center=center, number="05", type=WindowType.GENERAL),
        make_user("alice", center), make_user("bob", center),
        make_user("manager", center, Role.CENTER_MANAGER), make_user("outsider", other),
    )


def assert_append_only_in_orm(event) -> None:
    model = type(event)
    event.action = "changed"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        model.objects.filter(pk=event.pk).update(action="x")
    with pytest.raises(AppendOnlyError):
        model.objects.all().delete()


def assert_append_only_in_sql(event) -> None:
    model = type(event)
    table = model._meta.db_table
    action = model.objects.get(pk=event.pk).action
    with connection.cursor() as cur:  # no maintenance window open (rolled back after the test)
        cur.execute("DELETE FROM auditlog_maintenance")
    for sql in (f"UPDATE {table} SET action = 'x' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [event.pk])
    assert model.objects.get(pk=event.pk).action == action
