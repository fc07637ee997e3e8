"""`booking`: 200 bookers at once for the last 10 places (appointments issue), in process and over HTTP.

Each part gets a bench center of its own (one window, one queue serving one demo item, a capacity
plan) whose `BookingPolicy` lifts the per-phone and per-address limits (every HTTP booker comes
from 127.0.0.1; the limits are the service's, tested in the app, not what is measured here).
Every booker is a different person (a valid GB 11643 ID number and a phone of their own).

- `contention` (in process): 10 slots of the first bookable day with one web place each
  (`capacity_override` 2, web share 50 %, walk-in share 50 %): 10 places. BENCH_BOOKERS (200)
  bookers, booker i asking for slot i mod 10, all released at once by a barrier. On PostgreSQL
  200 threads with a connection each would pass `max_connections` (100 by default), so the
  bookers run on a bounded pool of BENCH_BOOKING_POOL (32) threads, each holding one connection
  and taking the next booker as soon as its last one is answered: 32 bookings in flight at any
  moment, 200 in all. SQLite uses the same pool. `booking.overbooked` = Σ over the slots of
  max(0, bookings holding a place − the slot's web quota), read from the database afterwards:
  must be 0; `booked` must be 10 (every place sold, none twice); `refusals` counts the codes
  (`slot_full` expected). `decisions_per_s` = bookers answered ÷ wall time (a booking or a
  refusal, each decided under the day's lock) and p50/p99 of one attempt.
- `sustained` (in process): the same pool books BENCH_BOOKINGS (2,000) places of a plan with room
  for all (capacity 1,000 a slot) over the slots of the horizon, no refusal expected:
  `bookings_per_s` is the service's booking rate with the day locks of several days in play.
- `http`: BENCH_BOOKERS Python threads (one keep-alive connection each, released by a barrier)
  each POST `/api/v1/appointments/bookings` once, for 10 places as in `contention`. The server is
  production's (granian, 2 workers × 4 threads): it holds at most 8 database connections, so 200
  concurrent bookers are safe on PostgreSQL; the other 192 requests wait in the server. Every
  client connects before the barrier (200 SYNs at once overflow the listen backlog, and the
  kernel's SYN retransmits, 1 s, 3 s, 7 s …, would otherwise be what is measured) and closes
  its connection once answered (`Connection: close`): granian serves at most its backpressure
  (64 per worker) of connections at a time, and idle keep-alive connections of answered bookers
  kept the others waiting for ~30 s in a first version of this benchmark.
  201 = booked, 409 `slot_full` = refused; `overbooked` and `booked` from the database as above,
  `decisions_per_s`, p50/p99/max as the clients saw them, `non_2xx_unexpected` (anything but a
  201 or a 409 slot_full: must be 0).

BENCH_DATABASE_URL selects PostgreSQL; results go to booking.json or booking_postgresql.json.
"""

from __future__ import annotations

import http.client
import json
import os
import threading
import time
from collections import Counter

from bench import yimen_db
from bench.loadgen import percentile

BOOKERS = int(os.environ.get("BENCH_BOOKERS") or 200)
PLACES = 10
POOL = int(os.environ.get("BENCH_BOOKING_POOL") or 32)
SUSTAINED = int(os.environ.get("BENCH_BOOKINGS") or 2000)


def result_name() -> str:
    return "booking" + yimen_db.engine_suffix()


def person(n: int) -> tuple[str, str]:
    """A valid ID number and a mobile number of booker n."""
    from yimen.lib.idcodes import id_number_check_digit

    first17 = f"110105{1950 + n // 1000:04d}0101{n % 1000:03d}"
    return first17 + id_number_check_digit(first17), f"139{n:08d}"


def bench_center(code: str, *, capacity: int, web: int, walk_in: int):
    from yimen.appointments.models import BookingPolicy, CapacityPlan
    from yimen.catalog.models import ServiceItem
    from yimen.hall.models import Center, Window
    from yimen.queueing.models import Queue

    demo = Center.objects.get(code="cm-district")
    center = Center.objects.create(code=code, name=f"bench {code}", calendar=demo.calendar)
    window = Window.objects.create(center=center, number="01", name="bench")
    item = ServiceItem.objects.filter(status="active").order_by("code").first()
    queue = Queue.objects.create(center=center, prefix="Y", name="bench")
    queue.windows.set([window])
    queue.items.set([item])
    plan = CapacityPlan.objects.create(center=center, queue=queue, capacity_override=capacity, web_percent=web,
                                       phone_percent=0, internal_percent=0, walk_in_percent=walk_in,
                                       slot_minutes=30)
    BookingPolicy.objects.create(center=center, phone_daily_limit=30000, address_hourly_limit=30000)
    return center, item, plan


def contested_slots(center, item) -> list:
    """10 slots of the first day that has 10 left (tomorrow or later: none passes during the run)."""
    from django.utils import timezone

    from yimen.appointments import services

    today = timezone.localdate()
    for day in services.search_slots(center, item):
        if day.date > today and len(day.slots) >= PLACES:
            return [s.start for s in day.slots[:PLACES]]
    raise RuntimeError("no day with 10 slots in the horizon")


def check(plan, slots) -> dict:
    from yimen.appointments import services
    from yimen.appointments.constants import HOLDING_STATES
    from yimen.appointments.models import Booking

    quota = services.channel_quota(plan, "web")
    per_slot = Counter(Booking.objects.filter(plan=plan, state__in=HOLDING_STATES, slot_start__in=slots)
                       .values_list("slot_start", flat=True))
    return {"places": quota * len(slots), "booked": sum(per_slot.values()),
            "overbooked": sum(max(0, per_slot.get(s, 0) - quota) for s in slots)}


def pool_run(n: int, attempt) -> tuple[list[float], Counter, float]:
    """POOL threads answering bookers 0..n-1 (each thread one connection), started together."""
    from django.db import connection

    from yimen.appointments.services import AppointmentError

    lat: list[float] = []
    outcomes: Counter = Counter()
    lock = threading.Lock()
    nxt = iter(range(n))
    barrier = threading.Barrier(min(POOL, n) + 1)

    def loop():
        try:
            barrier.wait()
            while True:
                with lock:
                    i = next(nxt, None)
                if i is None:
                    return
                t0 = time.perf_counter()
                try:
                    attempt(i)
                    outcome = "booked"
                except AppointmentError as exc:
                    outcome = exc.code
                except Exception as exc:  # noqa: BLE001 - counted and reported
                    outcome = f"error: {exc!r}"[:120]
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    lat.append(dt)
                    outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=loop) for _ in range(min(POOL, n))]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return lat, outcomes, time.perf_counter() - t0


def _lat(lat: list[float]) -> dict:
    s = sorted(lat)
    return {"p50_ms": round(percentile(s, 50), 2), "p99_ms": round(percentile(s, 99), 2),
            "max_ms": round(s[-1], 2) if s else None}


def contention() -> dict:
    from yimen.appointments import services

    center, item, plan = bench_center("bench-book-svc", capacity=2, web=50, walk_in=50)
    slots = contested_slots(center, item)

    def attempt(i: int):
        id_number, phone = person(i)
        services.book(center, item, slots[i % PLACES], name="压测", id_number=id_number, phone=phone,
                      address=f"10.0.{i // 250}.{i % 250}")

    lat, outcomes, secs = pool_run(BOOKERS, attempt)
    return {"bookers": BOOKERS, "pool": min(POOL, BOOKERS), **check(plan, slots), "refusals": dict(outcomes),
            "seconds": round(secs, 3), "decisions_per_s": round(BOOKERS / secs, 1), **_lat(lat)}


def sustained() -> dict:
    from yimen.appointments import services

    center, item, plan = bench_center("bench-book-many", capacity=1000, web=100, walk_in=0)
    starts = [s.start for d in services.search_slots(center, item) for s in d.slots]

    def attempt(i: int):
        id_number, phone = person(10_000 + i)
        services.book(center, item, starts[i % len(starts)], name="压测", id_number=id_number, phone=phone)

    lat, outcomes, secs = pool_run(SUSTAINED, attempt)
    return {"bookings": outcomes.get("booked", 0), "attempts": SUSTAINED, "pool": min(POOL, SUSTAINED),
            "slots_used": min(len(starts), SUSTAINED), "outcomes": dict(outcomes), "seconds": round(secs, 3),
            "bookings_per_s": round(outcomes.get("booked", 0) / secs, 1), **_lat(lat)}


def over_http(db: yimen_db.YimenDB) -> dict:
    from django.db import connections

    center, item, plan = bench_center("bench-book-http", capacity=2, web=50, walk_in=50)
    slots = contested_slots(center, item)
    bodies = []
    for i in range(BOOKERS):
        id_number, phone = person(20_000 + i)
        bodies.append(json.dumps({"center": center.code, "item": item.code, "slot_start": slots[i % PLACES].isoformat(),
                                  "name": "压测", "id_number": id_number, "phone": phone}))
    connections.close_all()
    lat: list[float] = []
    statuses: Counter = Counter()
    samples: dict[str, str] = {}
    lock = threading.Lock()
    with db.server() as server:
        conns = [http.client.HTTPConnection("127.0.0.1", server.port, timeout=120) for _ in range(BOOKERS)]
        barrier = threading.Barrier(BOOKERS + 1)

        def one(i: int):
            # connect before the start: 200 simultaneous SYNs overflow the listen backlog and
            # the kernel's retransmits (1 s, 3 s, 7 s …) would be measured instead of Yimen
            try:
                conns[i].connect()
            finally:
                barrier.wait()
            t0 = time.perf_counter()
            try:
                conns[i].request("POST", "/api/v1/appointments/bookings", bodies[i],
                                 {"Content-Type": "application/json", "Connection": "close"})
                resp = conns[i].getresponse()
                body = resp.read().decode()
                conns[i].close()  # a booker leaves: an idle keep-alive connection holds a server slot
                key = str(resp.status) if resp.status == 201 else f"{resp.status} {json.loads(body).get('code')}"
            except Exception as exc:  # noqa: BLE001 - counted and reported
                key, body = "error", repr(exc)
            dt = (time.perf_counter() - t0) * 1000
            with lock:
                lat.append(dt)
                statuses[key] += 1
                samples.setdefault(key, body[:200])

        threads = [threading.Thread(target=one, args=(i,)) for i in range(BOOKERS)]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        secs = time.perf_counter() - t0
        for c in conns:
            c.close()
    unexpected = sum(n for k, n in statuses.items() if k not in ("201", "409 slot_full"))
    return {"bookers": BOOKERS, "server": "granian, 2 workers x 4 threads (at most 8 database connections)",
            **check(plan, slots), "statuses": dict(statuses), "non_2xx_unexpected": unexpected,
            "samples": {k: v for k, v in samples.items() if k != "201"}, "seconds": round(secs, 3),
            "decisions_per_s": round(BOOKERS / secs, 1), **_lat(lat)}


def run() -> dict:
    db = yimen_db.prepare()
    parts = os.environ.get("BENCH_PARTS") or "contention,sustained,http"
    out: dict = {"database": db.engine, "database_setup_s": db.timings_s}
    if "contention" in parts:
        out["contention"] = contention()
    if "sustained" in parts:
        out["sustained"] = sustained()
    if "http" in parts:
        out["http"] = over_http(db)
    runs = [out[k] for k in ("contention", "http") if k in out]
    out["booking"] = {"overbooked": sum(r["overbooked"] for r in runs),
                      "booked_of_places": [f"{r['booked']}/{r['places']}" for r in runs],
                      "bookings_per_s": out.get("sustained", {}).get("bookings_per_s"),
                      "goal_met": all(r["overbooked"] == 0 and r["booked"] == r["places"] for r in runs)}
    return out


def summary(r: dict) -> str:
    out = [f"[{r['database']}] overbooked {r['booking']['overbooked']};"]
    if c := r.get("contention"):
        out.append(f"in process: {c['bookers']} bookers (pool {c['pool']}) booked {c['booked']}/{c['places']} "
                   f"{c['decisions_per_s']:.0f} decisions/s p99 {c['p99_ms']} ms;")
    if s := r.get("sustained"):
        out.append(f"sustained {s['bookings']} bookings {s['bookings_per_s']:.0f}/s p99 {s['p99_ms']} ms;")
    if h := r.get("http"):
        out.append(f"http: booked {h['booked']}/{h['places']} {h['decisions_per_s']:.0f} decisions/s "
                   f"p99 {h['p99_ms']} ms unexpected {h['non_2xx_unexpected']}")
    return " ".join(out)
