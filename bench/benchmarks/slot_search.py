"""`slot_search`: the free slots of one item over the next 14 days (appointments issue), in process and over HTTP.

Data: the demo center after `load_demo` (its first queue, 综合受理, has a capacity plan: 30-minute
slots, 6 windows × 30 ÷ 15 min = 12 places a slot, web share 40 %: 4 web places). The bench books
half of the web places of every slot of the horizon in bulk (`Booking` rows made with
`bulk_create`, each its own person: blind indexes of `bench-<n>`), and puts one closure
(`PlanDay`) and one cancelled-and-held place (`SlotHold`) in, so that the search reads every kind
of row it counts. The items are the demo items whose queue is that plan's (up to 10).

- `in_process.search_slots`: p50/p95/p99/max of `yimen.appointments.services.search_slots(center,
  item)` (three queries: the plan, its day overrides, the booked counts, plus the item → queue
  lookup of `plan_for`) over shuffled rounds of the items, for at least 3 s.
- `http`: `GET /api/v1/appointments/centers/<center>/items/<item>/slots` cycled over the items,
  32 wrk connections, compared with the read ceiling of the same run:
  `slot_search.ratio_to_ceiling` = req/s ÷ the ceiling's (goal ≥ 0.25, with 0 non-2xx).

The answer depends on the clock (slots that have started are left out): the JSON records the
number of days and slots the first item showed. BENCH_DATABASE_URL selects PostgreSQL; results
go to slot_search.json or slot_search_postgresql.json.
"""

from __future__ import annotations

import http.client
import json
import random
import time

from bench import harness, yimen_db
from bench.loadgen import percentile

GOAL_RATIO = 0.25
MIN_SECONDS = 3.0


def result_name() -> str:
    return "slot_search" + yimen_db.engine_suffix()


def _stats(ms: list[float]) -> dict:
    s = sorted(ms)
    return {"n": len(s), "p50_ms": round(percentile(s, 50), 3), "p95_ms": round(percentile(s, 95), 3),
            "p99_ms": round(percentile(s, 99), 3), "max_ms": round(s[-1], 3), "mean_ms": round(sum(s) / len(s), 3)}


def prepare_data() -> dict:
    """Half of the web places of the demo plan's horizon booked in bulk, one closure, one hold."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from yimen.appointments import services
    from yimen.appointments.models import Booking, CapacityPlan, PlanDay, SlotHold
    from yimen.catalog.models import ServiceItem
    from yimen.hall.models import Center
    from yimen.lib.crypto import blind_index

    t0 = time.perf_counter()
    center = Center.objects.get(code="cm-district")
    plan = CapacityPlan.objects.select_related("queue", "center").get(center=center)
    items = [i for i in ServiceItem.objects.filter(queues=plan.queue).order_by("code")
             if services.plan_for(center, i) == plan][:10]
    now = timezone.now()
    days = services.search_slots(center, items[0], now=now)
    rows, n = [], 0
    for day in days:
        for slot in day.slots:
            for _ in range(slot.quota // 2):
                n += 1
                rows.append(Booking(
                    center=center, plan=plan, item=items[n % len(items)], channel="web", business_date=day.date,
                    slot_start=slot.start, slot_end=slot.end, code=f"BENCH{n:06d}", name="压测", id_number=f"bench-{n}",
                    id_index=blind_index(f"bench-{n}"), phone="13800000000", phone_index=blind_index(f"p{n}"),
                    created_at=now))
    with transaction.atomic():
        Booking.objects.bulk_create(rows, batch_size=2000)
        if len(days) > 3:
            PlanDay.objects.get_or_create(plan=plan, date=days[3].date, defaults={"closed": True, "note": "bench"})
        if days and days[0].slots:
            SlotHold.objects.create(plan=plan, slot_start=days[0].slots[-1].start, channel="web",
                                    until=now + timedelta(hours=12))
    shown = services.search_slots(center, items[0])
    return {"center": center.code, "plan": str(plan), "items": [i.code for i in items], "bookings_added": len(rows),
            "days_shown": len(shown), "slots_shown": sum(len(d.slots) for d in shown),
            "free_web_places_shown": sum(d.free for d in shown), "data_build_s": round(time.perf_counter() - t0, 2)}


def in_process(data: dict) -> dict:
    from yimen.appointments import services
    from yimen.catalog.models import ServiceItem
    from yimen.hall.models import Center

    center = Center.objects.get(code=data["center"])
    items = list(ServiceItem.objects.filter(code__in=data["items"]))
    for item in items:  # warm: the first call per process builds nothing, but imports and caches
        services.search_slots(center, item)
    lat: list[float] = []
    t_end = time.perf_counter() + MIN_SECONDS
    rounds = 0
    while time.perf_counter() < t_end or rounds < 10:
        order = items[:]
        random.shuffle(order)
        for item in order:
            t0 = time.perf_counter()
            services.search_slots(center, item)
            lat.append((time.perf_counter() - t0) * 1000)
        rounds += 1
    return {"search_slots": _stats(lat), "rounds": rounds}


def _check(server: harness.Server, paths: list[str]) -> list[dict]:
    out = []
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    for p in paths:
        conn.request("GET", p)
        resp = conn.getresponse()
        body = resp.read()
        days = json.loads(body) if resp.status == 200 else None
        out.append({"path": p, "status": resp.status, "days": len(days) if days is not None else None})
    conn.close()
    return out


def over_http(db: yimen_db.YimenDB, data: dict) -> dict:
    harness.ceilings()  # before the Yimen server starts: the two never share the CPU
    paths = [f"/api/v1/appointments/centers/{data['center']}/items/{code}/slots" for code in data["items"]]
    with db.server() as server:
        checked = _check(server, paths)
        result = harness.vs_ceiling(harness.measure(server, paths), "read")
    result["goal_ratio"] = GOAL_RATIO
    result["goal_met"] = (result["ratio_to_ceiling"] or 0) >= GOAL_RATIO and result["non_2xx"] == 0
    result["endpoint"] = "GET /api/v1/appointments/centers/<center>/items/<item>/slots (items cycled)"
    result["paths"] = checked
    return result


def run() -> dict:
    db = yimen_db.prepare()
    data = prepare_data()
    inproc = in_process(data)
    from django.db import connections

    connections.close_all()
    http_result = over_http(db, data)
    return {
        "database": {"engine": db.engine, "build_s": db.timings_s, **data},
        "in_process": inproc,
        "http": http_result,
        "slot_search": {"p95_ms_in_process": inproc["search_slots"]["p95_ms"], "p95_ms_http": http_result["p95_ms"],
                        "ratio_to_ceiling": http_result["ratio_to_ceiling"], "goal_ratio": GOAL_RATIO,
                        "goal_met": http_result["goal_met"]},
        "ceilings": harness.ceilings_summary(),
    }


def summary(r: dict) -> str:
    s, h = r["in_process"]["search_slots"], r["http"]
    return (f"[{r['database']['engine']}] search_slots p95 {s['p95_ms']:.2f} ms in process; HTTP {h['rps']:.0f} req/s "
            f"p95 {h['p95_ms']:.1f} ms, {h['ratio_to_ceiling']:.2f} of read ceiling {h['ceiling']['rps']:.0f} req/s "
            f"(goal >={GOAL_RATIO}: {'met' if h['goal_met'] else 'NOT met'}), non-2xx {h['non_2xx']}")
