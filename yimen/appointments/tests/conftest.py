"""Appointment fixtures: a center on the seeded calendar with one queue of two windows, a bookable
item with a published guide, and its capacity plan (2 windows × 30 min ÷ 15 min = 4 places a slot,
web share 50 %: 2 web places a slot). Time is Thursday 2026-02-12 10:00 (Shanghai): the 13th is a
working Friday, the 14th a make-up working Saturday (调休), the 15th–23rd the Spring Festival."""

from datetime import date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yimen.catalog.constants import DocStatus
from yimen.catalog.models import Agency, Guide, Material, ServiceItem, Situation
from yimen.hall.models import Center, Window
from yimen.lib.idcodes import id_number_check_digit, uscc_check_char
from yimen.queueing.models import Queue

SH = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 2, 12, 10, 0, tzinfo=SH)
FRIDAY, MAKEUP_SATURDAY, HOLIDAY = date(2026, 2, 13), date(2026, 2, 14), date(2026, 2, 16)


def at(day: date, hhmm: str = "09:00") -> datetime:
    h, m = hhmm.split(":")
    return datetime(day.year, day.month, day.day, int(h), int(m), tzinfo=SH)


def person_id(serial: int = 1) -> str:
    first = f"31023019800101{serial:03d}"
    return first + id_number_check_digit(first)


def credit_code(serial: int = 1) -> str:
    first = f"9131023000000{serial:04d}"
    return first + uscc_check_char(first)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_world():
    from yimen.appointments.models import CapacityPlan

    center = Center.objects.create(code="cm", name="崇明区行政服务中心", address="崇明区某路 1 号")
    windows = [Window.objects.create(center=center, number=f"0{n}") for n in (1, 2)]
    agency = Agency.objects.create(code=credit_code(99), name="区民政局")
    item = ServiceItem.objects.create(name="婚姻登记", code="MZ-001", agency=agency, consult_phone="021-1",
                                      supervise_phone="021-2")
    other = ServiceItem.objects.create(name="低保申请", code="MZ-002", agency=agency, consult_phone="021-1",
                                       supervise_phone="021-2")
    situation = Situation.objects.create(item=item, code="01", name="内地居民结婚登记")
    guide = Guide.objects.create(situation=situation, conditions="双方自愿", procedure="申请、审查、登记",
                                 status=DocStatus.PUBLISHED)
    Material.objects.create(guide=guide, order=1, name="本人有效身份证件", acceptance_standard="原件")
    Material.objects.create(guide=guide, order=2, name="本人户口簿", acceptance_standard="原件")
    queue = Queue.objects.create(center=center, prefix="A", name="民政")
    queue.items.set([item, other])
    queue.windows.set(windows)
    plan = CapacityPlan.objects.create(center=center, queue=queue, slot_minutes=30, handling_minutes=15,
                                       web_percent=50, phone_percent=0, internal_percent=25, walk_in_percent=25)
    return SimpleNamespace(center=center, windows=windows, item=item, other=other, situation=situation,
                           queue=queue, plan=plan)


@pytest.fixture
def world(calendar, frozen):
    return make_world()


@pytest.fixture
def applicant():
    return {"name": "张三", "id_number": person_id(1), "phone": "13812345678"}
