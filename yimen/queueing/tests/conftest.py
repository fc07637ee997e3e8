"""Queue fixtures: a small hall on a working morning (the suite must pass at any hour)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from yimen.hall.models import Center, Window
from yimen.queueing.models import Queue

WORKDAY = datetime(2026, 3, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday, 10:00


@pytest.fixture
def workday(calendar):
    """Time travels to WORKDAY (and keeps ticking), the center's calendar knows it is a working day."""
    with time_machine.travel(WORKDAY, tick=True) as traveller:
        yield traveller


@pytest.fixture
def hall(workday):
    center = Center.objects.create(code="c", name="中心")
    windows = [Window.objects.create(center=center, number=f"{n:02d}") for n in range(1, 5)]
    queue = Queue.objects.create(center=center, prefix="A", name="综合")
    queue.windows.set(windows)
    other = Queue.objects.create(center=center, prefix="B", name="不动产")
    other.windows.set(windows[:1])
    return center, windows, queue, other
