"""`call_next`: 16 windows racing for one queue, at the service layer and over HTTP (hall issue).

- `service`: 16 threads, one per window, call `yimen.queueing.services.call_next` until the queue of
  BENCH_CLAIMS (default 200,000) bulk-created tickets is empty.
- `http`: 16 wrk connections, each one window logged in with its own clerk's session, POST
  `/api/v1/queue/windows/{id}/call-next` against granian as production runs it, until at least
  BENCH_HTTP_CLAIMS (default 20,000) claims; compared with the insert ceiling of the same run.
  Goal: ratio ≥ 0.5 (≥ 0.35 at the very least), p99 ≤ 50 ms on PostgreSQL.

Both check `double_claims` from the database afterwards: a ticket with more than one Call, a Call
whose window is not the ticket's, or a called ticket without its Call. It must be 0.
BENCH_DATABASE_URL selects PostgreSQL; results go to call_next.json or call_next_postgresql.json.
"""

from __future__ import annotations

import os

from bench import harness, yimen_db

from . import queue_common as qc

CLAIMS = int(os.environ.get("BENCH_CLAIMS") or 200_000)
HTTP_CLAIMS = int(os.environ.get("BENCH_HTTP_CLAIMS") or 20_000)
GOAL_RATIO, FLOOR_RATIO, GOAL_P99_PG_MS = qc.GOAL_RATIO, qc.FLOOR_RATIO, qc.GOAL_P99_PG_MS


def result_name() -> str:
    return "call_next" + yimen_db.engine_suffix()


def double_claims(queue) -> dict:
    """Claims of `queue` as the database has them, and every way a ticket could be claimed twice."""
    from django.db.models import Count, F

    from yimen.queueing.models import Call, Ticket

    calls = Call.objects.filter(ticket__queue=queue)
    claimed = Ticket.objects.filter(queue=queue).exclude(state="waiting")
    twice = calls.values("ticket_id").annotate(n=Count("id")).filter(n__gt=1).count()
    other_window = calls.exclude(window_id=F("ticket__window_id")).count()
    no_call = claimed.filter(calls__isnull=True).count()
    no_window = claimed.filter(window__isnull=True).count()
    return {"calls": calls.count(), "claimed_tickets": claimed.count(),
            "tickets_with_two_calls": twice, "calls_to_another_window": other_window,
            "claimed_without_call": no_call, "claimed_without_window": no_window,
            "double_claims": twice + other_window + no_call + no_window}


def service_layer() -> dict:
    """CLAIMS claims in rounds: DEPTH tickets bulk-created (not timed), 16 windows drain them."""
    from yimen.queueing.models import Ticket
    from yimen.queueing.services import call_next

    _, windows, queue, users = qc.bench_hall("bench-call-svc")
    lat, claimed, errors, secs, setup_s, start = [], [], [], 0.0, 0.0, 1
    while start <= CLAIMS and not errors:
        n = min(qc.DEPTH, CLAIMS - start + 1)
        setup_s += qc.waiting_tickets(queue, n, start=start)
        start += n
        la, cl, er, se = qc.race(qc.WINDOWS, lambda i: (t := call_next(windows[i], by=users[i])) and t.pk)
        lat += la
        claimed += cl
        errors += er
        secs += se
    return {"windows": qc.WINDOWS, "tickets": start - 1, "depth": qc.DEPTH, "setup_s": round(setup_s, 2),
            "claims": len(claimed), "returned_twice": len(claimed) - len(set(claimed)), **double_claims(queue),
            "left_waiting": Ticket.objects.filter(queue=queue, state="waiting").count(),
            "errors": [repr(e) for e in errors[:5]], **qc.stats(lat, len(claimed), secs)}


def http(db: yimen_db.YimenDB) -> dict:
    _, windows, queue, users = qc.bench_hall("bench-call-http")
    setup_s = qc.waiting_tickets(queue, qc.DEPTH)
    topup = qc.TopUp(queue, qc.DEPTH + 1)
    specs = [{"method": "POST", "path": f"/api/v1/queue/windows/{w.pk}/call-next", "cookie": cookie, "csrf": csrf}
             for w, (cookie, csrf) in zip(windows, qc.sessions(users), strict=True)]
    with db.server() as server:
        topup.start()
        try:
            run = qc.http_run(server, specs, HTTP_CLAIMS)
        finally:
            topup.stop.set()
            topup.join()
    check = double_claims(queue)
    out = harness.vs_ceiling(run, "insert")
    out["ratio_to_ceiling"] = round(run["ok_per_s"] / out["ceiling"]["rps"], 3)  # claims/s, not responses/s
    out.update(depth=qc.DEPTH, tickets=qc.DEPTH + topup.added, setup_s=setup_s, claims_total=check["calls"], **check,
               claims_per_s=run["ok_per_s"], goal_ratio=GOAL_RATIO, floor_ratio=FLOOR_RATIO)
    out["goal_met"] = bool(out["ratio_to_ceiling"] >= GOAL_RATIO and run["non_2xx"] == 0 and check["double_claims"] == 0
                           and run["ok"] >= HTTP_CLAIMS and (db.engine == "sqlite" or run["p99_ms"] <= GOAL_P99_PG_MS))
    return out


def run() -> dict:
    db = yimen_db.prepare()
    parts = os.environ.get("BENCH_PARTS") or "service,http"  # BENCH_PARTS=http for a quick HTTP-only run
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
        out.append(f"service: {s['claims']} claims {s['per_s']:.0f}/s p50 {s['p50_ms']} p99 {s['p99_ms']} ms "
                   f"double {s['double_claims']};")
    if h := r.get("http"):
        out.append(f"http: {h['ok']} claims {h['claims_per_s']:.0f}/s p50 {h['p50_ms']} p99 {h['p99_ms']} ms "
                   f"non-2xx {h['non_2xx']} double {h['double_claims']} ratio {h['ratio_to_ceiling']} "
                   f"(insert ceiling {h['ceiling']['rps']:.0f}/s)")
    return " ".join(out)
