"""Queue tickets at the service layer: 16 windows racing `call_next` on one queue, 16 kiosks racing
`issue_ticket`. Reports claims/s, p50/p99 and `double_claims` (must be 0).

Not yet here (hall issue): the same over HTTP with `ratio_to_ceiling`, and 200,000 claims by
default (BENCH_CLAIMS raises the count; the default keeps `make bench` short).
"""

from __future__ import annotations

import os
import threading
import time

from bench import yimen_db
from bench.loadgen import percentile

WINDOWS = 16
CLAIMS = int(os.environ.get("BENCH_CLAIMS", "20000"))
ISSUES = int(os.environ.get("BENCH_ISSUES", "4000"))


def _race(workers: int, work) -> tuple[list[float], list, list[BaseException], float]:
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


def _stats(lat: list[float], n: int, seconds: float) -> dict:
    s = sorted(lat)
    return {"per_s": round(n / seconds, 1), "seconds": round(seconds, 2),
            "p50_ms": round(percentile(s, 50), 3) if s else None, "p99_ms": round(percentile(s, 99), 3) if s else None,
            "max_ms": round(s[-1], 3) if s else None}


def run() -> dict:
    db = yimen_db.prepare()
    from django.utils import timezone

    from yimen.hall.models import Center, Window
    from yimen.queueing.constants import PeriodKind
    from yimen.queueing.models import DailyCounter, Queue, Ticket, TicketPeriod
    from yimen.queueing.services import call_next, issue_ticket

    center = Center.objects.get(code="cm-district")
    windows = [Window.objects.get_or_create(center=center, number=f"Z{n:02d}", defaults={"name": "bench"})[0]
               for n in range(WINDOWS)]
    queue, _ = Queue.objects.get_or_create(center=center, prefix="Z", defaults={"name": "bench"})
    queue.windows.set(windows)
    now = timezone.now()
    day = timezone.localdate(now)
    t0 = time.perf_counter()
    tickets = Ticket.objects.bulk_create([
        Ticket(center=center, queue=queue, business_date=day, number=n, label=f"Z{n:05d}", issued_at=now,
               wait_started_at=now, priority="green_channel" if n % 7 == 0 else "normal")
        for n in range(1, CLAIMS + 1)], batch_size=2000)
    TicketPeriod.objects.bulk_create([TicketPeriod(ticket=t, kind=PeriodKind.WAITING, start=now) for t in tickets],
                                     batch_size=2000)
    DailyCounter.objects.update_or_create(queue=queue, business_date=day, defaults={"last_number": CLAIMS})
    setup_s = time.perf_counter() - t0

    lat, claimed, errors, secs = _race(WINDOWS, lambda i: (t := call_next(windows[i])) and t.pk)
    double = len(claimed) - len(set(claimed))
    call = {"windows": WINDOWS, "tickets": CLAIMS, "claims": len(claimed), "double_claims": double,
            "left_waiting": Ticket.objects.filter(queue=queue, state="waiting").count(),
            "errors": [repr(e) for e in errors[:5]], **_stats(lat, len(claimed), secs)}

    remaining = [ISSUES // WINDOWS] * WINDOWS
    def issue(i: int):
        if remaining[i] == 0:
            return None
        remaining[i] -= 1
        return issue_ticket(queue).label
    lat, labels, errors, secs = _race(WINDOWS, issue)
    issued = {"kiosks": WINDOWS, "tickets": len(labels), "duplicate_numbers": len(labels) - len(set(labels)),
              "errors": [repr(e) for e in errors[:5]], **_stats(lat, len(labels), secs)}
    return {"database": db.engine, "setup_s": round(setup_s, 2), "call_next": call, "issue_ticket": issued,
            "not_yet": "HTTP figures and ratio_to_ceiling come with the window console API (hall issue)"}


def summary(r: dict) -> str:
    c, i = r["call_next"], r["issue_ticket"]
    return (f"call_next {c['claims']} claims by {c['windows']} windows: {c['per_s']:.0f}/s, p50 {c['p50_ms']} ms, "
            f"p99 {c['p99_ms']} ms, double_claims {c['double_claims']}; issue_ticket {i['per_s']:.0f}/s, "
            f"p99 {i['p99_ms']} ms, duplicate numbers {i['duplicate_numbers']}")
