"""Evaluation fixtures: a center with a window, its pad, a queue, staff, and a served visit."""

from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from yimen.accounts.constants import Role
from yimen.cases.services import open_case
from yimen.cases.tests.factories import VALID_ID, make_case_item
from yimen.hall.constants import DeviceKind
from yimen.hall.services import register_device
from yimen.lib.testing import make_user
from yimen.queueing import services as queue
from yimen.queueing.constants import Channel, Outcome
from yimen.queueing.models import Queue
from yimen.workdays.services import default_calendar

SH = ZoneInfo("Asia/Shanghai")
FRIDAY = date(2026, 2, 13)


def at(day: date, hhmm: str = "10:00") -> datetime:
    h, m = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(h), int(m), tzinfo=SH)


@pytest.fixture
def hall(calendar):
    from yimen.hall.models import Center, Window

    cal = default_calendar()
    center = Center.objects.create(code="cm", name="崇明区行政服务中心", calendar=cal)
    other = Center.objects.create(code="xx", name="其他中心", calendar=cal)
    window = Window.objects.create(center=center, number="05")
    window2 = Window.objects.create(center=center, number="06")
    line = Queue.objects.create(center=center, prefix="A", name="综合")
    line.windows.set([window, window2])
    item, situation = make_case_item()
    line.items.add(item)
    pad, pad_token = register_device(center, DeviceKind.EVALUATION_PAD, "05号窗口评价器", window=window, by=None)
    h = SimpleNamespace(
        center=center, other=other, window=window, window2=window2, queue=line, item=item, situation=situation,
        pad=pad, pad_token=pad_token,
        alice=make_user("alice", center), bob=make_user("bob", center),
        manager=make_user("manager", center, Role.CENTER_MANAGER),
        manager2=make_user("manager2", center, Role.CENTER_MANAGER),
        outsider=make_user("outsider", other), admin=make_user("root", center, Role.ADMIN),
    )

    def served(now: datetime, *, window=None, by=None, item=item, minutes: int = 5):
        """A ticket issued, called, served and finished at `window` by `by`, ending at `now`."""
        window, by = window or h.window, by or h.alice
        start = now - timedelta(minutes=minutes)
        ticket = queue.issue_ticket(line, channel=Channel.STAFF, item=item, now=start - timedelta(minutes=10))
        queue.call_ticket(ticket, window, by=by, now=start - timedelta(minutes=1))
        queue.start_service(ticket, window, by=by, now=start)
        return queue.finish(ticket, window, Outcome.SERVED, by=by, now=now)

    def case_from(ticket, now: datetime, *, phone="13812345678", name="张三"):
        return open_case(center=center, item=item, situation=situation, applicant_name=name, id_number=VALID_ID,
                         phone=phone, by=h.alice, ticket=ticket, window=h.window, now=now)

    h.served = served
    h.case_from = case_from
    return h


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
