import threading
from datetime import timedelta

from django.db import connection
from django.utils import timezone

import pytest

from yimen.hall.models import Center, Window
from yimen.queueing.constants import Channel, Outcome, PeriodKind, Priority, TicketState
from yimen.queueing.models import Call, Queue, Ticket
from yimen.queueing.services import (
    QueueError,
    call_next,
    cancel,
    finish,
    hold,
    issue_ticket,
    recall,
    resume,
    start_service,
    transfer,
)


def test_numbers_per_queue_reset_daily(hall):
    _, _, queue, other = hall
    day1 = timezone.now() - timedelta(days=1)
    assert [issue_ticket(queue, now=day1).label for _ in range(3)] == ["A001", "A002", "A003"]
    assert issue_ticket(other, now=day1).label == "B001"
    assert issue_ticket(queue).label == "A001"


def test_idempotent_retry_gets_the_same_ticket(hall):
    _, _, queue, _ = hall
    a = issue_ticket(queue, idempotency_key="kiosk-1:42")
    b = issue_ticket(queue, idempotency_key="kiosk-1:42")
    assert a.pk == b.pk and Ticket.objects.count() == 1


def test_call_order_and_explanations(hall):
    _, windows, queue, _ = hall
    now = timezone.now()
    normal = issue_ticket(queue, now=now - timedelta(minutes=10))
    green = issue_ticket(queue, priority=Priority.GREEN_CHANNEL, now=now - timedelta(minutes=5))
    first = call_next(windows[0], now=now)
    assert first.pk == green.pk and first.state == TicketState.CALLED
    assert first.wait_seconds == 300
    assert Call.objects.get(ticket=green).rule == "green_channel"
    assert Ticket.objects.get(pk=normal.pk).overtaken == 1
    assert call_next(windows[0], now=now).pk == normal.pk
    assert call_next(windows[0], now=now) is None


def test_full_visit_records_periods(hall):
    _, windows, queue, _ = hall
    w = windows[0]
    t = issue_ticket(queue)
    t = call_next(w)
    t = start_service(t, w)
    t = hold(t, w)
    t = resume(t, w)
    t = finish(t, w, Outcome.SERVED)
    assert t.state == TicketState.DONE and t.outcome == Outcome.SERVED
    kinds = list(t.periods.values_list("kind", flat=True))
    assert kinds == [PeriodKind.WAITING, PeriodKind.CALLED, PeriodKind.SERVING, PeriodKind.HELD, PeriodKind.SERVING]
    assert not t.periods.filter(end__isnull=True).exists()
    assert t.service_seconds is not None


def test_bad_actions_are_refused_without_change(hall):
    _, windows, queue, _ = hall
    t = call_next(windows[0]) or issue_ticket(queue)
    t = call_next(windows[0])
    with pytest.raises(QueueError) as exc:
        start_service(t, windows[1])
    assert exc.value.code == "other_window"
    with pytest.raises(QueueError) as exc:
        finish(t, windows[0], "")
    assert exc.value.code == "bad_outcome"
    with pytest.raises(QueueError) as exc:
        resume(t, windows[0])
    assert exc.value.code == "bad_state"
    assert Ticket.objects.get(pk=t.pk).state == TicketState.CALLED
    closed = Queue.objects.create(center=queue.center, prefix="Z", name="停用", is_active=False)
    with pytest.raises(QueueError):
        issue_ticket(closed)


def test_recall_limits_then_no_show(hall):
    _, windows, queue, _ = hall
    issue_ticket(queue)
    now = timezone.now()
    t = call_next(windows[0], now=now)
    with pytest.raises(QueueError) as exc:
        recall(t, windows[0], now=now + timedelta(seconds=10))
    assert exc.value.code == "too_soon"
    for i in range(1, 4):
        t = recall(t, windows[0], now=now + timedelta(minutes=2 * i))
    assert t.recall_count == 3
    t = recall(t, windows[0], now=now + timedelta(minutes=10))
    assert t.state == TicketState.DONE and t.outcome == Outcome.NO_SHOW


def test_transfer_keeps_arrival_time(hall):
    _, windows, queue, other = hall
    early = issue_ticket(queue, now=timezone.now() - timedelta(minutes=30))
    t = call_next(windows[0])
    assert t.pk == early.pk
    moved = transfer(t, windows[0], other)
    assert moved.label == "B001" and moved.priority == Priority.TRANSFER
    assert moved.wait_started_at == early.wait_started_at
    assert Ticket.objects.get(pk=early.pk).outcome == Outcome.TRANSFERRED
    assert call_next(windows[0]).pk == moved.pk


def test_cancel_only_while_waiting(hall):
    _, windows, queue, _ = hall
    t = issue_ticket(queue)
    assert cancel(t).outcome == Outcome.CANCELLED
    with pytest.raises(QueueError):
        cancel(t)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("windows_n, tickets_n, every_green", [(8, 120, 0), (16, 300, 3)])
def test_concurrent_windows_never_get_the_same_ticket(windows_n, tickets_n, every_green):
    """With green-channel tickets mixed in, calls overtake tickets other windows are claiming at
    that moment (on PostgreSQL this deadlocked before calls took the queue's lock)."""
    center = Center.objects.create(code="race", name="并发")
    windows = [Window.objects.create(center=center, number=f"{n:02d}") for n in range(1, windows_n + 1)]
    queue = Queue.objects.create(center=center, prefix="A", name="综合")
    queue.windows.set(windows)
    for n in range(tickets_n):
        green = every_green and n % every_green == every_green - 1
        issue_ticket(queue, channel=Channel.STAFF, priority=Priority.GREEN_CHANNEL if green else Priority.NORMAL)
    claimed: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(window):
        try:
            while True:
                t = call_next(window)
                if t is None:
                    break
                with lock:
                    claimed.append(t.pk)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in windows]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert len(claimed) == len(set(claimed)) == tickets_n
    assert Call.objects.count() == tickets_n


@pytest.mark.django_db(transaction=True)
def test_concurrent_kiosks_get_distinct_numbers():
    center = Center.objects.create(code="race2", name="并发")
    queue = Queue.objects.create(center=center, prefix="A", name="综合")
    labels: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work():
        try:
            for _ in range(15):
                t = issue_ticket(queue, channel=Channel.STAFF)
                with lock:
                    labels.append(t.label)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors
    assert sorted(labels) == [f"A{n:03d}" for n in range(1, 91)]


@pytest.mark.django_db(transaction=True)
def test_queue_writes_skip_the_wal_flush_only_on_postgresql(hall, settings):
    """QUEUE_SYNCHRONOUS_COMMIT=false: the queue's write transaction sets synchronous_commit off for
    itself alone (SQLite WAL/NORMAL durability); true keeps PostgreSQL's default."""
    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    _, _, queue, _ = hall
    with CaptureQueriesContext(connection) as ctx:
        issue_ticket(queue)
    local = [q["sql"] for q in ctx.captured_queries if "synchronous_commit" in q["sql"]]
    assert local == (["SET LOCAL synchronous_commit TO OFF"] if connection.vendor == "postgresql" else [])
    settings.QUEUE_SYNCHRONOUS_COMMIT = True
    with CaptureQueriesContext(connection) as ctx:
        issue_ticket(queue)
    assert not [q for q in ctx.captured_queries if "synchronous_commit" in q["sql"]]
    if connection.vendor == "postgresql":
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SHOW synchronous_commit")
            assert cur.fetchone()[0] == "on"  # outside the queue's transactions nothing changed


def test_a_call_that_finds_it_must_overtake_after_a_failed_claim_starts_again_with_the_queue_lock(
        hall, monkeypatch):
    """PostgreSQL: the queue lock must come before any ticket row the call holds. Here the first
    choice (A001, in arrival order) is claimed by another window meanwhile (the claim fails), and
    the next choice (green channel A003) overtakes A002: the call rolls back and starts again with
    the lock, then calls A003 and counts A001 and A002 as overtaken. SQLite never needs the lock."""
    from yimen.queueing import services

    _, windows, queue, _ = hall
    now = timezone.now()
    a1 = issue_ticket(queue, channel=Channel.STAFF, now=now - timedelta(minutes=5))
    issue_ticket(queue, channel=Channel.STAFF, now=now - timedelta(minutes=4))
    issue_ticket(queue, channel=Channel.STAFF, priority=Priority.GREEN_CHANNEL, now=now - timedelta(minutes=1))
    real_choose, real_claim, real_call = services.choose, services._claim, services._call
    first = {"choose": True, "claim": True}
    modes = []

    def choose(candidates, *args):
        if first.pop("choose", False):  # as if the policy had picked the first arrival
            return real_choose([c for c in candidates if c.id == a1.pk], *args)
        return real_choose(candidates, *args)

    def claim(*args):
        return None if first.pop("claim", False) else real_claim(*args)

    def call(*args, lock_first):
        modes.append(lock_first)
        return real_call(*args, lock_first=lock_first)

    monkeypatch.setattr(services, "choose", choose)
    monkeypatch.setattr(services, "_claim", claim)
    monkeypatch.setattr(services, "_call", call)
    assert call_next(windows[0], now=now).label == "A003"
    assert modes == ([False, True] if connection.vendor == "postgresql" else [False])
    assert sorted(Ticket.objects.filter(state=TicketState.WAITING).values_list("label", "overtaken")) == [
        ("A001", 1), ("A002", 1)]
    assert Call.objects.count() == 1
