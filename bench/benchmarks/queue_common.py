"""Shared pieces of the queue write-path benchmarks (`call_next`, `issue_ticket`).

- `bench_hall(code)`: a bench center of its own (so the live event's waiting counts and the wait
  estimate see only this benchmark's tickets) with 16 windows, one queue called by all of them and
  16 window-staff users;
- `waiting_tickets(queue, n)`: n waiting tickets of today in bulk (1 in 7 green channel);
- `sessions(users)`: a logged-in session and a CSRF token per user, made as `django.contrib.auth.login`
  makes them (SessionStore with the user id, backend and auth hash), for wrk's Cookie/X-CSRFToken;
- `race(workers, work)`: threads calling `work(i)` until it returns None, with latencies;
- `http_run(server, specs, target)`: wrk with one connection per spec (16 windows: 16 connections,
  each its own window and session), long enough for `target` successful writes;
- `stats(...)`.
"""

from __future__ import annotations

import math
import os
import threading
import time

from bench import harness, loadgen
from bench.loadgen import percentile

WINDOWS = 16
PASSWORD = "bench-not-a-secret"
# Waiting tickets kept in the queue. The live event's waiting count and the search for priority
# tickets behind the first page grow with it; a busy district center has a few hundred waiting.
DEPTH = int(os.environ.get("BENCH_DEPTH") or 2000)
# the hall issue's goals for both write endpoints: ratio to the insert ceiling, floor, p99 on PostgreSQL
GOAL_RATIO, FLOOR_RATIO, GOAL_P99_PG_MS = 0.5, 0.35, 50.0


def bench_hall(code: str):
    from yimen.accounts.constants import Role
    from yimen.accounts.models import User
    from yimen.hall.models import Center, Window
    from yimen.queueing.models import Queue

    demo = Center.objects.get(code="cm-district")
    center = Center.objects.create(code=code, name=f"bench {code}", calendar=demo.calendar)
    windows = Window.objects.bulk_create([Window(center=center, number=f"{n + 1:02d}", name="bench")
                                          for n in range(WINDOWS)])
    queue = Queue.objects.create(center=center, prefix="Z", name="bench")
    queue.windows.set(windows)
    users = [User.objects.create_user(f"{code}-{n + 1:02d}", password=PASSWORD, role=Role.WINDOW_STAFF,
                                      center=center) for n in range(WINDOWS)]
    return center, windows, queue, users


def waiting_tickets(queue, n: int, *, start: int = 1) -> float:
    """n waiting tickets numbered from `start`, with their waiting periods; seconds taken."""
    from django.db import transaction
    from django.utils import timezone

    from yimen.queueing.constants import PeriodKind
    from yimen.queueing.models import DailyCounter, Ticket, TicketPeriod

    t0 = time.perf_counter()
    now = timezone.now()
    day = timezone.localdate(now)
    batch = 5000
    for lo in range(start, start + n, batch):
        hi = min(start + n, lo + batch)
        with transaction.atomic():
            tickets = Ticket.objects.bulk_create([
                Ticket(center_id=queue.center_id, queue=queue, business_date=day, number=k, label=f"Z{k:06d}",
                       channel="staff", issued_at=now, wait_started_at=now,
                       priority="green_channel" if k % 7 == 0 else "normal")
                for k in range(lo, hi)])
            TicketPeriod.objects.bulk_create([TicketPeriod(ticket=t, kind=PeriodKind.WAITING, start=now)
                                              for t in tickets])
    DailyCounter.objects.update_or_create(queue=queue, business_date=day, defaults={"last_number": start + n - 1})
    return round(time.perf_counter() - t0, 2)


class TopUp(threading.Thread):
    """Keeps `queue` between DEPTH/2 and DEPTH waiting tickets while a run drains it (the kiosks of
    the center), numbering on from `start`. Each batch of 100 is written in the queue writers' turn
    (`yimen.lib.writers.write_turn`), as kiosks issuing through the services would: a bulk insert outside
    it would hold SQLite's write lock while the server's writers sleep in SQLite's busy handler."""

    def __init__(self, queue, start: int):
        super().__init__(daemon=True)
        self.queue, self.next, self.stop, self.added = queue, start, threading.Event(), 0

    def run(self) -> None:
        from django.db import connection

        from yimen.lib.writers import write_turn
        from yimen.queueing.models import Ticket

        try:
            while not self.stop.wait(0.05):
                if Ticket.objects.filter(queue=self.queue, state="waiting").count() < DEPTH // 2:
                    for _ in range(max(5, DEPTH // 200)):
                        with write_turn():
                            waiting_tickets(self.queue, 100, start=self.next)
                        self.next += 100
                        self.added += 100
        finally:
            connection.close()


def sessions(users) -> list[tuple[str, str]]:
    """(Cookie header, CSRF token) per user: a saved session as `login()` leaves it."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.middleware.csrf import _get_new_csrf_string
    from django.utils.module_loading import import_string

    SessionStore = import_string(f"{settings.SESSION_ENGINE}.SessionStore")  # noqa: N806
    out = []
    for user in users:
        s = SessionStore()
        s[SESSION_KEY] = str(user.pk)
        s[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        s[HASH_SESSION_KEY] = user.get_session_auth_hash()
        s.create()
        csrf = _get_new_csrf_string()
        out.append((f"{settings.SESSION_COOKIE_NAME}={s.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}", csrf))
    return out


def race(workers: int, work) -> tuple[list[float], list, list[BaseException], float]:
    """`workers` threads each calling work(i) until it returns None: latencies (ms), results, errors, seconds."""
    from django.db import connection

    latencies: list[float] = []
    results: list = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def loop(i: int) -> None:
        try:
            while True:
                t0 = time.perf_counter()
                r = work(i)
                dt = (time.perf_counter() - t0) * 1000
                if r is None:
                    break
                with lock:
                    latencies.append(dt)
                    results.append(r)
        except BaseException as exc:  # noqa: BLE001 - reported in the JSON
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=loop, args=(i,)) for i in range(workers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, results, errors, time.perf_counter() - t0


def stats(lat: list[float], n: int, seconds: float) -> dict:
    s = sorted(lat)
    return {"per_s": round(n / seconds, 1), "seconds": round(seconds, 2),
            "p50_ms": round(percentile(s, 50), 3) if s else None, "p99_ms": round(percentile(s, 99), 3) if s else None,
            "max_ms": round(s[-1], 3) if s else None}


def http_run(server: harness.Server, specs: list[dict], target: int) -> dict:
    """Warm up, then one measured wrk run (one connection per spec) long enough for `target`
    successful requests at the warm-up's rate (at least BENCH_SECONDS)."""
    script_dir = server.log_path.parent
    warm = None
    if harness.warmup_seconds() > 0:
        warm = loadgen.run_wrk_each(server.base_url, specs, seconds=harness.warmup_seconds(), script_dir=script_dir)
    rate = (warm or {}).get("ok_per_s") or 500
    seconds = max(harness.measure_seconds(), math.ceil(target * 1.1 / rate))
    result = loadgen.run_wrk_each(server.base_url, specs, seconds=seconds, script_dir=script_dir)
    result["errors_total"] = sum(result["errors"].values())
    result["warmup"] = {k: warm[k] for k in ("requests", "ok", "rps", "non_2xx", "p99_ms")} if warm else None
    return result
