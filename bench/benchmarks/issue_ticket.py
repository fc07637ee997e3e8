"""`issue_ticket`: 16 clients taking tickets of one queue, at the service layer and over HTTP (hall issue).

- `service`: 16 threads call `issue_ticket(queue, channel="staff")` until BENCH_ISSUES (default
  200,000) tickets exist; every DEPTH tickets the bench ends the waiting ones in bulk (not timed),
  so the queue stays as deep as a busy center's.
- `http`: 16 wrk connections, each a clerk with its own session, POST `/api/v1/queue/tickets`
  `{"queue_id": …, "channel": "staff"}` until at least BENCH_HTTP_ISSUES (default 20,000) tickets;
  a drain thread keeps the waiting line at most DEPTH deep (the answer carries the wait estimate,
  a simulation of the whole line). Compared with the insert ceiling of the same run.

Checked from the database: numbers 1..n without gap or duplicate, one waiting period per ticket.
BENCH_DATABASE_URL selects PostgreSQL; results go to issue_ticket.json or issue_ticket_postgresql.json.
"""

from __future__ import annotations

import json
import os
import threading

from bench import harness, yimen_db

from . import queue_common as qc

ISSUES = int(os.environ.get("BENCH_ISSUES") or 200_000)
HTTP_ISSUES = int(os.environ.get("BENCH_HTTP_ISSUES") or 20_000)
GOAL_RATIO, FLOOR_RATIO, GOAL_P99_PG_MS = qc.GOAL_RATIO, qc.FLOOR_RATIO, qc.GOAL_P99_PG_MS


def result_name() -> str:
    return "issue_ticket" + yimen_db.engine_suffix()


def numbering(queue) -> dict:
    from django.db.models import Count, Max

    from yimen.queueing.models import Ticket, TicketPeriod

    tickets = Ticket.objects.filter(queue=queue)
    agg = tickets.aggregate(n=Count("id"), top=Max("number"), distinct=Count("number", distinct=True))
    periods = TicketPeriod.objects.filter(ticket__queue=queue, kind="waiting").count()
    return {"tickets_in_db": agg["n"], "duplicate_numbers": agg["n"] - agg["distinct"],
            "number_gaps": (agg["top"] or 0) - agg["distinct"], "waiting_periods": periods}


def _end_waiting(queue) -> None:
    from yimen.queueing.models import Ticket

    Ticket.objects.filter(queue=queue, state="waiting").update(state="done", outcome="closed")


class Drain(threading.Thread):
    """Ends waiting tickets in bulk whenever more than DEPTH wait (the windows of the center)."""

    def __init__(self, queue):
        super().__init__(daemon=True)
        self.queue, self.stop = queue, threading.Event()

    def run(self) -> None:
        from django.db import connection

        from yimen.queueing.models import Ticket

        try:
            while not self.stop.wait(0.05):
                if Ticket.objects.filter(queue=self.queue, state="waiting").count() > qc.DEPTH:
                    _end_waiting(self.queue)
        finally:
            connection.close()


def service_layer() -> dict:
    from yimen.queueing.services import issue_ticket

    _, _, queue, _ = qc.bench_hall("bench-issue-svc")
    lat, labels, errors, secs, done = [], [], [], 0.0, 0
    while done < ISSUES and not errors:
        n = min(qc.DEPTH, ISSUES - done)
        remaining = [n // qc.WINDOWS + (1 if i < n % qc.WINDOWS else 0) for i in range(qc.WINDOWS)]

        def issue(i: int, remaining=remaining):
            if remaining[i] == 0:
                return None
            remaining[i] -= 1
            return issue_ticket(queue, channel="staff").label

        la, lb, er, se = qc.race(qc.WINDOWS, issue)
        lat, labels, errors, secs, done = lat + la, labels + lb, errors + er, secs + se, done + n
        _end_waiting(queue)
    return {"clients": qc.WINDOWS, "tickets": len(labels), "depth": qc.DEPTH, **numbering(queue),
            "duplicate_labels": len(labels) - len(set(labels)), "errors": [repr(e) for e in errors[:5]],
            **qc.stats(lat, len(labels), secs)}


def http(db: yimen_db.YimenDB) -> dict:
    _, _, queue, users = qc.bench_hall("bench-issue-http")
    body = json.dumps({"queue_id": queue.pk, "channel": "staff"})
    specs = [{"method": "POST", "path": "/api/v1/queue/tickets", "cookie": cookie, "csrf": csrf, "body": body}
             for cookie, csrf in qc.sessions(users)]
    drain = Drain(queue)
    with db.server() as server:
        drain.start()
        try:
            run = qc.http_run(server, specs, HTTP_ISSUES)
        finally:
            drain.stop.set()
            drain.join()
    check = numbering(queue)
    out = harness.vs_ceiling(run, "insert")
    out["ratio_to_ceiling"] = round(run["ok_per_s"] / out["ceiling"]["rps"], 3)
    out.update(depth=qc.DEPTH, **check, tickets_per_s=run["ok_per_s"], goal_ratio=GOAL_RATIO, floor_ratio=FLOOR_RATIO)
    out["goal_met"] = bool(out["ratio_to_ceiling"] >= GOAL_RATIO and run["non_2xx"] == 0
                           and check["duplicate_numbers"] == 0 and run["ok"] >= HTTP_ISSUES
                           and (db.engine == "sqlite" or run["p99_ms"] <= GOAL_P99_PG_MS))
    return out


def run() -> dict:
    db = yimen_db.prepare()
    parts = os.environ.get("BENCH_PARTS") or "service,http"
    out = {"database": db.engine, "database_setup_s": db.timings_s}
    if "service" in parts:
        out["service"] = service_layer()
    if "http" in parts:
        harness.ceilings()
        out["http"] = http(db)
    return out | {"ceilings": harness.ceilings_summary()}


def summary(r: dict) -> str:
    out = [f"[{r['database']}]"]
    if s := r.get("service"):
        out.append(f"service: {s['tickets']} tickets {s['per_s']:.0f}/s p50 {s['p50_ms']} p99 {s['p99_ms']} ms "
                   f"duplicates {s['duplicate_numbers']};")
    if h := r.get("http"):
        out.append(f"http: {h['ok']} tickets {h['tickets_per_s']:.0f}/s p50 {h['p50_ms']} p99 {h['p99_ms']} ms "
                   f"non-2xx {h['non_2xx']} duplicates {h['duplicate_numbers']} ratio {h['ratio_to_ceiling']} "
                   f"(insert ceiling {h['ceiling']['rps']:.0f}/s)")
    return " ".join(out)
