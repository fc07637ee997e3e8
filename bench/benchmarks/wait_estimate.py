"""Wait estimates on a simulated busy morning: error of Yimen's estimate and of the ZMS formula against
the waits that then happened (docs/wait-estimate.md).

A bench center gets 3 queues, 7 items with log-normal service times and 8 windows (two shared by two
queues, one opening late, one only for the peak, four clerks taking a break). Two ordinary mornings
build the history, then four busy ones (08:30–12:00, non-homogeneous Poisson arrivals peaking 09:30–10:30,
6 % green channel, 4 % appointment check-ins, 4 % no-shows) runs through the real services
(`issue_ticket`, `call_next`, `start_service`, `finish`) on the bench database with explicit `now=`
on a virtual clock. Each ticket's wait is estimated when it is issued (`at_issue`) and every 10 minutes
while it waits (`in_line`), by `yimen.queueing.estimate` and by the ZMS formula from the same hall state;
the error is estimate − realised (seconds from that moment until the ticket was first called).
"""

from __future__ import annotations

import heapq
import math
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import count

from bench.loadgen import percentile

SEED = 20260304
DAYS = [(2026, 3, 2), (2026, 3, 3)]   # history mornings (normal load)
MEASURED = [(2026, 3, 4), (2026, 3, 5), (2026, 3, 6), (2026, 3, 9)]  # busy mornings, each a new draw
SNAPSHOT_MINUTES = 10
GREEN_SHARE, APPOINTMENT_SHARE, NO_SHOW_SHARE = 0.06, 0.04, 0.04
SIGMA = 0.5                           # log-normal shape of service times
WALK_MEDIAN = 40                      # seconds from call to the citizen reaching the window

# queue prefix -> name, peak arrivals per hour, [(item key, median service s, share)]
QUEUES = {
    "A": ("综合受理", 40, [("a1", 240, 0.5), ("a2", 480, 0.3), ("a3", 840, 0.2)]),
    "B": ("不动产登记", 10, [("b1", 900, 0.5), ("b2", 420, 0.5)]),
    "C": ("社保医保", 24, [("c1", 180, 0.6), ("c2", 360, 0.4)]),
}
# window -> queues it calls, opens, closes (last call), breaks
WINDOWS = {
    "W01": ("A", "08:30", None, []),
    "W02": ("A", "08:30", None, [("10:00", "10:20")]),
    "W03": ("A", "08:30", None, [("10:20", "10:35")]),
    "W04": ("AB", "08:30", None, []),
    "W05": ("B", "08:30", None, [("10:40", "10:55")]),
    "W06": ("BC", "09:00", None, []),
    "W07": ("C", "08:30", None, [("11:00", "11:15")]),
    "W08": ("AC", "09:15", "11:30", []),
}
# arrival intensity as a share of the peak, by time of day
SHAPE = [("08:30", 0.6), ("09:00", 0.9), ("09:30", 1.0), ("10:30", 0.7), ("11:15", 0.45), ("12:00", 0.0)]


def _at(day: datetime, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return day.replace(hour=h, minute=m)


def _shape(day: datetime, t: datetime) -> float:
    level = 0.0
    for hhmm, value in SHAPE:
        if t >= _at(day, hhmm):
            level = value
    return level


def arrivals(rng: random.Random, day: datetime, load: float) -> list[tuple[datetime, str, str, str, datetime | None]]:
    """(time, queue prefix, item key, priority, slot start) by thinning a Poisson process per queue."""
    out = []
    start, end = _at(day, SHAPE[0][0]), _at(day, SHAPE[-1][0])
    for prefix, (_name, peak, items) in QUEUES.items():
        rate = peak * load / 3600
        t = start
        while True:
            t += timedelta(seconds=rng.expovariate(rate))
            if t >= end:
                break
            if rng.random() > _shape(day, t):
                continue
            key = rng.choices([k for k, _m, _s in items], weights=[s for _k, _m, s in items])[0]
            r, slot = rng.random(), None
            priority = "normal"
            if r < GREEN_SHARE:
                priority = "green_channel"
            elif r < GREEN_SHARE + APPOINTMENT_SHARE:
                priority, slot = "appointment", t + timedelta(minutes=rng.randint(0, 15))
            out.append((t, prefix, key, priority, slot))
    return sorted(out, key=lambda a: a[0])


@dataclass
class Desk:
    window: object
    opens: datetime
    closes: datetime | None
    breaks: list[tuple[datetime, datetime]]
    idle: bool = True
    busy_until: datetime | None = None

    def resume_at(self, t: datetime) -> datetime | None:
        """When this clerk can call at `t`: t itself, the end of a break, the opening; None once closed."""
        if self.closes and t >= self.closes:
            return None
        if t < self.opens:
            return self.opens
        for b0, b1 in self.breaks:
            if b0 <= t < b1:
                return b1
        return t

    def logged_in(self, t: datetime) -> bool:
        return self.opens <= t and (self.closes is None or t < self.closes)


@dataclass
class Morning:
    records: list[dict] = field(default_factory=list)
    estimate_ms: list[float] = field(default_factory=list)
    tickets: int = 0
    no_shows: int = 0


def run_morning(ctx, day: datetime, rng: random.Random, *, load: float, measure: bool) -> Morning:
    from yimen.queueing import estimate
    from yimen.queueing.constants import Outcome
    from yimen.queueing.services import call_next, finish, issue_ticket, start_service

    center, queues, items, windows, medians = ctx
    desks = {}
    for number, (_qs, opens, closes, breaks) in WINDOWS.items():
        desks[number] = Desk(windows[number], _at(day, opens), _at(day, closes) if closes else None,
                             [(_at(day, a), _at(day, b)) for a, b in breaks])
    morning = Morning()
    seq = count()
    events: list = []

    def push(t, kind, payload=None):
        heapq.heappush(events, (t, next(seq), kind, payload))

    for a in arrivals(rng, day, load):
        push(a[0], "arrive", a)
    for number, desk in desks.items():
        push(desk.opens, "free", number)
        for _b0, b1 in desk.breaks:
            push(b1, "free", number)
    t = _at(day, SHAPE[0][0])
    while t < _at(day, SHAPE[-1][0]) + timedelta(hours=3):
        if measure:
            push(t, "snapshot")
        t += timedelta(minutes=SNAPSHOT_MINUTES)

    def estimate_now(now: datetime, only: set[int] | None, moment: str) -> None:
        t0 = time.perf_counter()
        state = estimate.hall_state(center.pk, now)
        ours = estimate.simulate(state.waiting, state.desks, state.occupancy, state.inflow_share)
        morning.estimate_ms.append((time.perf_counter() - t0) * 1000)
        for prefix, queue in queues.items():
            logged_in = sum(1 for n, d in desks.items() if prefix in WINDOWS[n][0] and d.logged_in(now))
            zms = estimate.zms_baseline(state, queue.pk, workstations=logged_in)
            for w in state.waiting:
                if w.queue_id == queue.pk and (only is None or w.id in only):
                    morning.records.append({"ticket": w.id, "queue": prefix, "priority": w.priority,
                                            "moment": moment, "at": now, "ours": ours.get(w.id),
                                            "zms": zms.get(w.id)})

    while events:
        now, _, kind, payload = heapq.heappop(events)
        if kind == "arrive":
            _t, prefix, key, priority, slot = payload
            ticket = issue_ticket(queues[prefix], item=items[key], priority=priority, slot_start=slot,
                                  channel="checkin" if slot else "kiosk", now=now)
            morning.tickets += 1
            if measure:
                estimate_now(now, {ticket.pk}, "at_issue")
            for number, desk in desks.items():
                if desk.idle and prefix in WINDOWS[number][0]:
                    push(now, "free", number)
        elif kind == "snapshot":
            estimate_now(now, None, "in_line")
        elif kind == "free":
            desk = desks[payload]
            if desk.busy_until and now < desk.busy_until:
                continue  # a stale wake-up: the desk is serving
            when = desk.resume_at(now)
            if when is None:
                desk.idle = False  # closed for the day
                continue
            if when > now:
                desk.idle = False  # on a break or not open yet: it wakes itself
                continue
            ticket = call_next(desk.window, now=now)
            if ticket is None:
                desk.idle, desk.busy_until = True, None
                continue
            desk.idle = False
            if rng.random() < NO_SHOW_SHARE:
                end = now + timedelta(seconds=rng.uniform(90, 180))  # recalled, then closed
                push(end, "no_show", (payload, ticket))
            else:
                walk = rng.lognormvariate(math.log(WALK_MEDIAN), 0.5)
                service = rng.lognormvariate(math.log(medians[ticket.item_id]), SIGMA)
                push(now + timedelta(seconds=walk), "start", (payload, ticket, service))
                end = now + timedelta(seconds=walk + service)
            desk.busy_until = end
        elif kind == "start":
            number, ticket, service = payload
            ticket = start_service(ticket, desks[number].window, now=now)
            push(now + timedelta(seconds=service), "finish", (number, ticket))
        elif kind in ("finish", "no_show"):
            number, ticket = payload
            outcome = Outcome.SERVED if kind == "finish" else Outcome.NO_SHOW
            morning.no_shows += kind == "no_show"
            finish(ticket, desks[number].window, outcome, now=now)
            desks[number].busy_until = None
            push(now, "free", number)
    return morning


def setup():
    from yimen.catalog.models import ServiceItem
    from yimen.hall.models import Center, Window
    from yimen.queueing.models import Queue

    # opens at 08:30 like the mornings below (kiosk tickets are refused outside opening hours)
    hours = {str(d): [["08:30", "12:00"], ["13:30", "17:00"]] for d in range(1, 6)}
    center, _ = Center.objects.get_or_create(code="bench-wait", defaults={"name": "排队预估测试中心",
                                                                          "opening_hours": hours})
    demo_items = list(ServiceItem.objects.order_by("id")[:7])
    if len(demo_items) < 7:
        raise RuntimeError("the bench database needs the demo items (load_demo)")
    keys = [k for _p, (_n, _r, its) in QUEUES.items() for k, _m, _s in its]
    items = dict(zip(keys, demo_items, strict=True))
    medians = {items[k].pk: m for _p, (_n, _r, its) in QUEUES.items() for k, m, _s in its}
    queues = {}
    for prefix, (name, _rate, its) in QUEUES.items():
        queue, _ = Queue.objects.get_or_create(center=center, prefix=prefix, defaults={"name": name})
        queue.items.set([items[k] for k, _m, _s in its])
        queues[prefix] = queue
    windows = {}
    for number in WINDOWS:
        windows[number], _ = Window.objects.get_or_create(center=center, number=number)
    for prefix, queue in queues.items():
        queue.windows.set([windows[n] for n, spec in WINDOWS.items() if prefix in spec[0]])
    return center, queues, items, windows, medians


def _errors(records: list[dict], key: str) -> dict:
    errs = [r[key] - r["real"] for r in records if r[key] is not None]
    if not errs:
        return {"n": 0}
    absolute = sorted(abs(e) for e in errs)
    mae = sum(absolute) / len(absolute)
    return {"n": len(errs), "mae_s": round(mae), "mae_min": round(mae / 60, 2),
            "median_abs_s": round(statistics.median(absolute)), "p90_abs_s": round(percentile(absolute, 90)),
            "bias_s": round(sum(errs) / len(errs)),
            "within_5_min": round(sum(1 for a in absolute if a <= 300) / len(absolute), 3)}


def compare(records: list[dict]) -> dict:
    ours, zms = _errors(records, "ours"), _errors(records, "zms")
    real = [r["real"] for r in records]
    return {"records": len(records), "mean_real_wait_s": round(sum(real) / len(real)) if real else None,
            "max_real_wait_s": max(real) if real else None, "ours": ours, "zms": zms,
            "mae_ratio_ours_to_zms": round(ours["mae_s"] / zms["mae_s"], 3) if zms.get("mae_s") else None}


def run() -> dict:
    from bench import yimen_db

    db = yimen_db.prepare()
    from django.utils import timezone

    from yimen.queueing import estimate
    from yimen.queueing.models import Ticket

    rng = random.Random(SEED)
    t0 = time.perf_counter()
    ctx = setup()
    estimate.clear_cache()
    for y, m, d in DAYS:
        run_morning(ctx, timezone.make_aware(datetime(y, m, d)), rng, load=0.8, measure=False)
    history_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    mornings = [run_morning(ctx, timezone.make_aware(datetime(*ymd)), rng, load=1.0, measure=True)
                for ymd in MEASURED]
    measured_s = time.perf_counter() - t1

    records, per_morning = [], []
    for ymd, morning in zip(MEASURED, mornings, strict=True):
        called = dict(Ticket.objects.filter(pk__in={r["ticket"] for r in morning.records})
                      .values_list("id", "first_called_at"))
        mine = [{**r, "real": max(0.0, (called[r["ticket"]] - r["at"]).total_seconds())}
                for r in morning.records if called.get(r["ticket"]) is not None]
        records += mine
        issued = compare([r for r in mine if r["moment"] == "at_issue"])
        per_morning.append({"date": str(date(*ymd)), "tickets": morning.tickets, "no_shows": morning.no_shows,
                            "mean_real_wait_s": issued["mean_real_wait_s"], "mae_ours_s": issued["ours"]["mae_s"],
                            "mae_zms_s": issued["zms"]["mae_s"], "ratio": issued["mae_ratio_ours_to_zms"]})
    at_issue = [r for r in records if r["moment"] == "at_issue"]
    in_line = [r for r in records if r["moment"] == "in_line"]
    by_queue = {p: compare([r for r in at_issue if r["queue"] == p]) for p in QUEUES}
    lat = sorted(ms for m in mornings for ms in m.estimate_ms)
    return {
        "database": db.engine,
        "scenario": {
            "queues": {p: {"name": n, "peak_per_h": rate, "items": [{"median_s": m, "share": s} for _k, m, s in its]}
                       for p, (n, rate, its) in QUEUES.items()},
            "windows": {n: {"queues": q, "opens": o, "closes": c, "breaks": b} for n, (q, o, c, b) in WINDOWS.items()},
            "arrival_shape": SHAPE, "history_mornings": len(DAYS), "history_load": 0.8,
            "green_share": GREEN_SHARE, "appointment_share": APPOINTMENT_SHARE, "no_show_share": NO_SHOW_SHARE,
            "service_sigma": SIGMA, "walk_median_s": WALK_MEDIAN, "seed": SEED,
            "measured_mornings": len(MEASURED),
        },
        "per_morning": per_morning,
        "zms_inputs": "the queue's mean processing (start → end) time from the same history; workstations = "
                      "windows of the queue logged in now (a clerk on a break stays logged in)",
        "at_issue": compare(at_issue),
        "in_line": compare(in_line),
        "at_issue_by_queue": by_queue,
        "estimate_cost_ms": {"calls": len(lat), "p50": round(percentile(lat, 50), 2),
                             "p99": round(percentile(lat, 99), 2),
                             "note": "hall_state (2 queries + cached history) + simulate, whole center"},
        "timings_s": {"history_mornings": round(history_s, 1), "measured_morning": round(measured_s, 1)},
    }


def summary(r: dict) -> str:
    a, line = r["at_issue"], r["in_line"]
    return (f"{len(r['per_morning'])} busy mornings; at issue ({a['records']} tickets, mean real wait {a['mean_real_wait_s'] / 60:.1f} min): MAE ours "
            f"{a['ours']['mae_min']} min vs ZMS {a['zms']['mae_min']} min (ratio {a['mae_ratio_ours_to_zms']}); "
            f"in line ({line['records']} estimates): ours {line['ours']['mae_min']} vs ZMS "
            f"{line['zms']['mae_min']} min (ratio {line['mae_ratio_ours_to_zms']})")
