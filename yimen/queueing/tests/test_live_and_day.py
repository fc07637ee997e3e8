"""Live events after commit (UDP on one host, pg_notify on PostgreSQL), the lean call path,
close_day and its periodic task, and a race between calling by number and calling next."""

import datetime as dt
import json
import select
import socket
import threading
from datetime import timedelta

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

import pytest

from yimen.auditlog.models import LogEntry
from yimen.hall.models import Center, Window
from yimen.queueing.constants import Channel, Priority, TicketState
from yimen.queueing.models import Queue, Ticket, TicketPeriod
from yimen.queueing.services import (
    QueueError,
    call_next,
    call_ticket,
    close_day,
    issue_ticket,
    start_service,
)
from yimen.queueing.tasks import at_local, close_open_days


@pytest.fixture
def udp():
    """A bound UDP socket the local bus sends to; yields a function reading the next event."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]

    def receive(timeout=2.0):
        ready, _, _ = select.select([sock], [], [], timeout)
        if not ready:
            return None
        return json.loads(sock.recv(65535))

    with override_settings(LIVE_BUS="local", LIVE_BUS_ADDRS=[f"127.0.0.1:{port}"]):
        yield receive
    sock.close()


def test_call_event_after_commit(hall, udp, django_capture_on_commit_callbacks):
    center, windows, queue, _ = hall
    w = windows[0]
    with django_capture_on_commit_callbacks(execute=True):
        t = issue_ticket(queue, priority=Priority.GREEN_CHANNEL)
    issued = udp()
    assert issued["ev"]["action"] == "issue" and issued["ev"]["waiting"] == {"A": 1, "B": 0}
    with django_capture_on_commit_callbacks(execute=True):
        call_next(w)
    msg = udp()
    assert msg["ch"] == [f"center.{center.pk}", f"window.{w.pk}", f"ticket.{t.public_token}"]
    ev = dict(msg["ev"])
    assert isinstance(ev.pop("ts"), float)
    assert ev == {
        "type": "ticket", "action": "call",
        "ticket": {"label": "A001", "token": t.public_token, "state": "called", "queue": "A",
                   "priority": "green_channel", "window": "01", "window_id": w.pk, "outcome": ""},
        "waiting": {"A": 0, "B": 0},
        "center": center.pk,
    }


def test_no_event_for_a_rolled_back_or_refused_change(hall, udp, django_capture_on_commit_callbacks):
    _, windows, queue, _ = hall
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            issue_ticket(queue)
            raise RuntimeError("rolled back")
        t = issue_ticket(queue)
    assert udp()["ev"]["ticket"]["token"] == t.public_token
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(QueueError):
            start_service(t, windows[0])
    assert udp(timeout=0.3) is None


@pytest.mark.django_db(transaction=True)
def test_pg_notify_on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("pg_notify is the bus on PostgreSQL only")
    import psycopg

    from yimen.live.bus import PG_CHANNEL

    s = connection.settings_dict
    listener = psycopg.connect(host=s["HOST"], port=s["PORT"] or 5432, user=s["USER"], dbname=s["NAME"],
                               password=s["PASSWORD"] or None, autocommit=True)
    try:
        listener.execute(f"LISTEN {PG_CHANNEL}")
        center = Center.objects.create(code="pg", name="中心")
        window = Window.objects.create(center=center, number="07")
        queue = Queue.objects.create(center=center, prefix="C", name="综合")
        queue.windows.set([window])
        with override_settings(LIVE_BUS=""):
            t = issue_ticket(queue, channel=Channel.STAFF)
            call_next(window)
        events = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=2)]
    finally:
        listener.close()
    assert [e["ev"]["action"] for e in events] == ["issue", "call"]
    assert events[1]["ch"] == [f"center.{center.pk}", f"window.{window.pk}", f"ticket.{t.public_token}"]
    assert events[1]["ev"]["ticket"]["window"] == "07" and events[1]["ev"]["waiting"] == {"C": 0}


def _real(queries):
    """Statements that are not the test's savepoints nor the bus's pg_notify."""
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"] and "pg_notify" not in q["sql"]]


LOCK_QUERIES = 1  # PostgreSQL: the queue's row lock, only for a call that overtakes (services._lock_queues_of)


def test_call_next_query_count(hall):
    LOCK = LOCK_QUERIES if connection.vendor == "postgresql" else 0
    """Regression guard for the hot write path. Before the rewrite: 9 queries (two candidate reads
    always, recent rules, claim, period close and open, Call, overtaken, re-read), no live event.
    Now 9 with the event's waiting counts, 8 when nobody is overtaken: the second candidate read
    only runs when the first page (CANDIDATES) is full."""
    _, windows, queue, _ = hall
    now = timezone.now()
    issue_ticket(queue, now=now - timedelta(minutes=5))
    issue_ticket(queue, priority=Priority.GREEN_CHANNEL, now=now - timedelta(minutes=1))
    issue_ticket(queue, now=now)
    with CaptureQueriesContext(connection) as ctx:
        assert call_next(windows[0], now=now).label == "A002"  # overtakes A001
    assert len(_real(ctx.captured_queries)) == 9 + LOCK, _real(ctx.captured_queries)
    with CaptureQueriesContext(connection) as ctx:
        assert call_next(windows[0], now=now).label == "A001"
    assert len(_real(ctx.captured_queries)) == 8, _real(ctx.captured_queries)  # in arrival order: no lock
    call_next(windows[0], now=now)
    with CaptureQueriesContext(connection) as ctx:
        assert call_next(windows[0], now=now) is None
    assert len(_real(ctx.captured_queries)) == 1  # nobody waits: one read


def test_close_day_ends_open_tickets(hall, udp, django_capture_on_commit_callbacks):
    center, windows, queue, _ = hall
    waiting = issue_ticket(queue)
    serving = start_service(call_next(windows[0]), windows[0])
    assert serving.pk == waiting.pk
    left = issue_ticket(queue)
    day = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        assert close_day(center, day) == 2
    events = [udp(), udp()]
    assert {e["ev"]["ticket"]["label"] for e in events} == {"A001", "A002"}
    assert {(e["ev"]["action"], e["ev"]["ticket"]["state"], e["ev"]["ticket"]["outcome"]) for e in events} == {
        ("close", "done", "closed")}
    assert set(Ticket.objects.values_list("outcome", flat=True)) == {"closed"}
    assert not TicketPeriod.objects.filter(ticket__in=[serving, left], end__isnull=True).exists()
    assert LogEntry.objects.for_object(center).get().data["tickets"] == ["A001", "A002"]
    assert close_day(center, day) == 0


def test_periodic_close_catches_up_and_runs_at_20_local(hall):
    _, _, queue, _ = hall
    yesterday = timezone.now() - timedelta(days=1)
    old = issue_ticket(queue, channel=Channel.STAFF, now=yesterday)
    today = issue_ticket(queue)
    assert close_open_days() == 2
    old.refresh_from_db()
    today.refresh_from_db()
    assert (old.outcome, today.outcome) == ("closed", "closed")
    end = old.periods.get().end
    assert timezone.localtime(end).date() == timezone.localdate(yesterday) + timedelta(days=1)  # midnight
    validate = at_local(dt.time(20, 0))
    assert validate(dt.datetime(2026, 3, 3, 12, 0))  # huey's naive UTC: 20:00 in Shanghai
    assert not validate(dt.datetime(2026, 3, 3, 20, 0))


def _race(ticket, by_number_window, next_window) -> list:
    results: list = []
    barrier = threading.Barrier(2)

    def by_number():
        barrier.wait()
        try:
            results.append(("number", call_ticket(ticket, by_number_window).pk))
        except QueueError as exc:
            results.append(("number", exc.code))
        finally:
            connection.close()

    def next_one():
        barrier.wait()
        try:
            got = call_next(next_window)
            results.append(("next", got.pk if got else None))
        finally:
            connection.close()

    threads = [threading.Thread(target=by_number), threading.Thread(target=next_one)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_call_by_number_races_call_next():
    """One waiting ticket, one window calling it by number while another calls next: exactly one
    of them gets it, the other is refused (other_window; conflict on PostgreSQL when its versioned
    UPDATE lost) or finds the queue empty."""
    center = Center.objects.create(code="race3", name="并发")
    windows = [Window.objects.create(center=center, number=f"{n:02d}") for n in range(1, 3)]
    queue = Queue.objects.create(center=center, prefix="A", name="综合")
    queue.windows.set(windows)
    for _ in range(20):
        t = issue_ticket(queue, channel=Channel.STAFF)
        results = _race(t, windows[0], windows[1])
        winners = [r for r in results if r[1] == t.pk]
        assert len(winners) == 1, results
        assert {r[1] for r in results if r[1] != t.pk} <= {"other_window", "conflict", None}, results
        assert Ticket.objects.get(pk=t.pk).state == TicketState.CALLED
        assert t.calls.count() == 1
