"""Estimated wait for every waiting ticket (docs/wait-estimate.md).

The estimate is the time from `now` until the ticket is first called. It comes from a small
deterministic simulation of the hall as it stands now, not from a formula:

- every window that is really serving now is a server; it becomes free when its current visit is
  expected to end (the mean *remaining* occupancy given how long the visit has already lasted);
  an idle window that leaves callable tickets waiting is on a break and expected back later;
- the waiting tickets of the center are taken in call order (the policy's class, then arrival);
  each free window takes the first ticket of the queues it calls, so a comprehensive window shared
  by several queues spends its time on all of them, exactly as `call_next` does;
- a window is occupied by a visit for its item's expected *occupancy*: call → end, which includes
  walking to the window, recalls and no-shows, from the item's recent history at this center,
  shrunk towards the queue's mean when the item has few visits, then the center's, then a default;
- normal tickets are stretched by the share of capacity that priority tickets still to come will
  take (green channel, appointments, transfers issued in the last hour).

The pure core (`simulate`, `Occupancy`, `zms_estimates`) has no ORM. The DB layer
(`estimate_waits`, `estimate_for`) reads two queries per call, plus one history query at most
once a minute per center (in-process cache).
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from math import floor

__all__ = ["Desk", "Occupancy", "Waiting", "estimate_for", "estimate_waits", "simulate", "zms_estimates"]

DEFAULT_SECONDS = 480.0   # occupancy assumed when the center has no history at all
ITEM_SAMPLES = 50         # last N visits of an item used for its mean
QUEUE_SAMPLES = 200
CENTER_SAMPLES = 500
HISTORY_DAYS = 28
HISTORY_ROWS = 5000       # newest finished visits read per center
SHRINK = 5                # pseudo-visits of the queue mean blended into an item mean
GRACE = 180               # an idle window leaving callable tickets waiting longer than this is paused
PAUSE_SECONDS = 900       # a paused window is expected back this long after its last call or finish
MIN_BACK_IN = 120         # … but not sooner than this from now
CLOSED_AFTER = 2700       # idle this long while tickets wait: closed for the day
INFLOW_SECONDS = 3600     # priority arrivals counted over the last hour
MAX_INFLOW_SHARE = 0.5
CACHE_SECONDS = 60


# ---------------------------------------------------------------- pure core

@dataclass(frozen=True)
class Waiting:
    """A waiting ticket; lists of them are given in call order."""

    id: int
    queue_id: int
    item_id: int | None = None
    priority: str = "normal"


@dataclass(frozen=True)
class Desk:
    """A window serving now: the queues it calls and the seconds until its current visit ends."""

    id: int
    queue_ids: frozenset[int]
    busy_for: float = 0.0


def robust_mean(samples: list[float]) -> float:
    """Mean with both 5 % tails clipped (winsorised) once there are 10 samples: a visit nobody
    finished until lunch must not triple an item's mean, but the long tail of real visits counts."""
    if not samples:
        raise ValueError("no samples")
    if len(samples) < 10:
        return sum(samples) / len(samples)
    s = sorted(samples)
    lo, hi = s[len(s) // 20], s[-(len(s) // 20) - 1]
    return sum(min(max(x, lo), hi) for x in s) / len(s)


@dataclass
class Occupancy:
    """How long a visit occupies a window (call → end, seconds), from recent history.

    `by_item` and `by_queue` hold samples newest first; `overall` the center's."""

    by_item: dict[int, list[float]] = field(default_factory=dict)
    by_queue: dict[int, list[float]] = field(default_factory=dict)
    overall: list[float] = field(default_factory=list)
    default: float = DEFAULT_SECONDS
    _means: dict = field(default_factory=dict, repr=False)

    def queue_mean(self, queue_id: int | None) -> float:
        key = ("q", queue_id)
        if key not in self._means:
            samples = self.by_queue.get(queue_id) or []
            if samples:
                value = robust_mean(samples)
            elif self.overall:
                value = robust_mean(self.overall)
            else:
                value = self.default
            self._means[key] = value
        return self._means[key]

    def mean(self, item_id: int | None, queue_id: int | None) -> float:
        """The item's mean, shrunk towards the queue's: (n·item + SHRINK·queue) / (n + SHRINK)."""
        key = ("i", item_id, queue_id)
        if key not in self._means:
            base = self.queue_mean(queue_id)
            samples = (self.by_item.get(item_id) or []) if item_id is not None else []
            n = len(samples)
            self._means[key] = (n * robust_mean(samples) + SHRINK * base) / (n + SHRINK) if n else base
        return self._means[key]

    def remaining(self, item_id: int | None, queue_id: int | None, elapsed: float) -> float:
        """Expected seconds left of a visit that has lasted `elapsed`: the mean of (s − elapsed) over
        past visits longer than `elapsed`, so an overrunning visit is not assumed to end this second."""
        mean = self.mean(item_id, queue_id)
        samples = (self.by_item.get(item_id) if item_id is not None else None) or self.by_queue.get(queue_id) or []
        longer = [s - elapsed for s in samples if s > elapsed]
        if len(longer) >= 3:
            return sum(longer) / len(longer)
        return max(mean - elapsed, 0.2 * mean)


def simulate(waiting: list[Waiting], desks: list[Desk], occupancy: Occupancy,
             inflow_share: dict[int, float] | None = None) -> dict[int, int | None]:
    """Seconds until each waiting ticket is called (None: no desk calls its queue); see `_run`."""
    return _run(waiting, desks, occupancy, inflow_share)[0]


def _run(waiting: list[Waiting], desks: list[Desk], occupancy: Occupancy,
         inflow_share: dict[int, float] | None = None) -> tuple[dict[int, int | None], dict[int, float]]:
    """Seconds until each waiting ticket is called (None: no desk calls its queue).

    `waiting` is in call order (all queues of the center, or at least of the desks given);
    the earliest free desk takes the first ticket of its queues, for that ticket's mean occupancy.
    `inflow_share[queue_id]` (0…MAX_INFLOW_SHARE) is the capacity future priority tickets will
    take from that queue's desks: normal tickets' waits are divided by (1 − share).
    Also: when each desk has nothing left to call (the forecast's start for tickets issued later)."""
    heads: dict[int, deque[tuple[int, Waiting]]] = defaultdict(deque)
    for rank, w in enumerate(waiting):
        heads[w.queue_id].append((rank, w))
    free = [(max(0.0, d.busy_for), d.id, d.queue_ids) for d in desks if d.queue_ids]
    heapq.heapify(free)
    out: dict[int, int | None] = {w.id: None for w in waiting}
    free_at: dict[int, float] = {}
    left = len(waiting)
    while free and left:
        at, desk_id, queue_ids = heapq.heappop(free)
        pick = min((heads[q][0] for q in queue_ids if heads.get(q)), default=None, key=lambda rw: rw[0])
        if pick is None:
            free_at[desk_id] = at  # nothing left this desk may call: it drops out
            continue
        _, w = pick
        heads[w.queue_id].popleft()
        left -= 1
        wait = at
        if w.priority == "normal" and inflow_share:
            wait = at / (1 - min(MAX_INFLOW_SHARE, inflow_share.get(w.queue_id, 0.0)))
        out[w.id] = round(wait)
        heapq.heappush(free, (at + occupancy.mean(w.item_id, w.queue_id), desk_id, queue_ids))
    for at, desk_id, _ in free:
        free_at[desk_id] = at
    return out, free_at


def zms_estimates(waiting: list[Waiting], processing_seconds: float, workstations: int) -> dict[int, int]:
    """The ZMS formula (eappointment QueueList::withEstimatedWaitingTime, pessimistic variant):
    the k-th waiting ticket (k = 1, 2, …, in ZMS order) waits k × processing time ÷ workstations,
    floored to whole minutes. One average for the whole queue, no item, no window state."""
    step = processing_seconds / max(1, workstations)
    return {w.id: floor(k * step / 60) * 60 for k, w in enumerate(waiting, start=1)}


# ---------------------------------------------------------------- database layer

_cache: dict[int, tuple[datetime, Occupancy, dict[int, float]]] = {}
_cache_lock = threading.Lock()


def _history(center_id: int, now: datetime) -> tuple[Occupancy, dict[int, float]]:
    """Occupancy samples of the center and each queue's mean service (start → end) seconds, the
    latter for the ZMS baseline; one query, cached CACHE_SECONDS of the caller's clock."""
    with _cache_lock:
        hit = _cache.get(center_id)
        if hit and timedelta(0) <= now - hit[0] < timedelta(seconds=CACHE_SECONDS):
            return hit[1], hit[2]
    from .constants import Outcome
    from .models import Ticket

    rows = (Ticket.objects.filter(center_id=center_id, service_ended_at__lte=now,
                                  service_ended_at__gte=now - timedelta(days=HISTORY_DAYS),
                                  first_called_at__isnull=False,
                                  outcome__in=[Outcome.SERVED, Outcome.NO_SHOW, Outcome.TRANSFERRED])
            .order_by("-service_ended_at")
            .values_list("item_id", "queue_id", "first_called_at", "service_started_at", "service_ended_at",
                         "outcome")[:HISTORY_ROWS])
    occ = Occupancy()
    service: dict[int, list[float]] = defaultdict(list)
    for item_id, queue_id, called, started, ended, outcome in rows:
        seconds = max(0.0, (ended - called).total_seconds())
        if item_id is not None and len(occ.by_item.setdefault(item_id, [])) < ITEM_SAMPLES:
            occ.by_item[item_id].append(seconds)
        if len(occ.by_queue.setdefault(queue_id, [])) < QUEUE_SAMPLES:
            occ.by_queue[queue_id].append(seconds)
        if len(occ.overall) < CENTER_SAMPLES:
            occ.overall.append(seconds)
        if outcome == Outcome.SERVED and started and len(service[queue_id]) < QUEUE_SAMPLES:
            service[queue_id].append((ended - started).total_seconds())
    processing = {q: sum(s) / len(s) for q, s in service.items() if s}
    with _cache_lock:
        _cache[center_id] = (now, occ, processing)
    return occ, processing


def clear_cache() -> None:
    with _cache_lock:
        _cache.clear()
    _forecasts.clear()


@dataclass
class HallState:
    """What the DB layer read: the inputs of `simulate` plus what the ZMS baseline needs."""

    waiting: list[Waiting]
    desks: list[Desk]
    occupancy: Occupancy
    inflow_share: dict[int, float]
    processing: dict[int, float]
    queue_windows: dict[int, set[int]]


def hall_state(center_id: int, now: datetime) -> HallState:
    """The queue↔window links, the center's waiting and at-window tickets of today (one narrow raw
    read of the (queue, day, state) index), who is signed in (hall.window_presence), and two
    aggregates: each window's last call or finish in the last hour (only for a center without
    sign-ins) and each queue's priority tickets issued in the last hour. Plus the cached history.
    Nothing here grows with the tickets already finished today."""
    from django.db import connection
    from django.db.models import Count, Max, Q
    from django.utils import timezone

    from yimen.hall.services import covering_windows, window_presence
    from yimen.lib.rows import aware, fetch

    from .constants import AT_WINDOW, Priority, TicketState
    from .models import Queue, Ticket
    from .policy import Candidate, Policy, _class

    occ, processing = _history(center_id, now)
    links = Queue.windows.through.objects.filter(queue__center_id=center_id, queue__is_active=True,
                                                 window__is_active=True).values_list("window_id", "queue_id")
    window_queues: dict[int, set[int]] = defaultdict(set)
    queue_windows: dict[int, set[int]] = defaultdict(set)
    for window_id, queue_id in links:
        window_queues[window_id].add(queue_id)
        queue_windows[queue_id].add(window_id)

    day = timezone.localdate(now)
    recent = now - timedelta(seconds=INFLOW_SECONDS)
    states = (TicketState.WAITING, *AT_WINDOW)
    rows = fetch(
        f"SELECT id, label, queue_id, item_id, priority, state, wait_started_at, slot_start, overtaken, skip_count,"
        f" window_id, first_called_at FROM {Ticket._meta.db_table}"
        f" WHERE queue_id IN (SELECT id FROM {Queue._meta.db_table} WHERE center_id = %s) AND business_date = %s"
        f" AND state IN ({', '.join(['%s'] * len(states))}) AND issued_at <= %s",
        [center_id, connection.ops.adapt_datefield_value(day), *states, connection.ops.adapt_datetimefield_value(now)])

    local_now, policy = timezone.localtime(now), Policy()
    candidates, meta = [], {}
    busy: dict[int, float] = {}
    last_activity: dict[int, datetime] = {}
    for tid, label, queue_id, item_id, priority, state, wait_from, slot, overtaken, skips, window_id, called in rows:
        if state == TicketState.WAITING:
            candidates.append(Candidate(tid, label, priority, aware(wait_from), aware(slot), overtaken, skips))
            meta[tid] = (queue_id, item_id, priority)
        elif window_id is not None and called is not None:
            called = aware(called)
            elapsed = max(0.0, (now - called).total_seconds())
            busy[window_id] = max(busy.get(window_id, 0.0), occ.remaining(item_id, queue_id, elapsed))
            if called <= now and (window_id not in last_activity or called > last_activity[window_id]):
                last_activity[window_id] = called

    candidates.sort(key=lambda c: (_class(c, local_now, policy)[0], c.wait_started_at, c.id))
    waiting = [Waiting(c.id, *meta[c.id]) for c in candidates]
    oldest: dict[int, datetime] = {}
    for c in candidates:
        q = meta[c.id][0]
        if q not in oldest or c.wait_started_at < oldest[q]:
            oldest[q] = c.wait_started_at

    desks = []
    presence = window_presence(center_id, now)
    if presence is not None:  # the center signs in to windows: the shift records say who serves now
        covered = covering_windows(center_id, now)  # B at their window also calls absent A's queues
        for window_id, queue_ids in window_queues.items():
            if window_id not in presence:
                continue  # nobody signed in: closed
            for a_window in covered.get(window_id, ()):
                queue_ids = queue_ids | window_queues.get(a_window, set())
            paused_since = presence[window_id]
            if paused_since is not None:
                back_in = PAUSE_SECONDS - (now - paused_since).total_seconds()
                desks.append(Desk(window_id, frozenset(queue_ids), max(back_in, MIN_BACK_IN, busy.get(window_id, 0.0))))
            else:
                desks.append(Desk(window_id, frozenset(queue_ids), busy.get(window_id, 0.0)))
        window_queues = {}  # no guessing below
    else:  # the windows' last call or finish in the last hour
        activity = (Ticket.objects.filter(center_id=center_id, business_date=day, window__isnull=False)
                    .exclude(state=TicketState.WAITING)
                    .filter(Q(first_called_at__gte=recent, first_called_at__lte=now)
                            | Q(service_ended_at__gte=recent, service_ended_at__lte=now))
                    .values("window_id")
                    .annotate(called=Max("first_called_at", filter=Q(first_called_at__lte=now)),
                              ended=Max("service_ended_at", filter=Q(service_ended_at__lte=now)))
                    .values_list("window_id", "called", "ended"))
        for window_id, *moments in activity:
            for at in moments:
                if at is not None and (window_id not in last_activity or at > last_activity[window_id]):
                    last_activity[window_id] = at
    for window_id, queue_ids in window_queues.items():
        if window_id in busy:
            desks.append(Desk(window_id, frozenset(queue_ids), busy[window_id]))
            continue
        # idle: free now, unless a clerk at work would have called a ticket long waiting by now;
        # then the clerk is on a break and expected back PAUSE_SECONDS after the last activity,
        # or gone for the day after CLOSED_AFTER (a window that never worked today is not open)
        idle_since = last_activity.get(window_id)
        stale = now - timedelta(seconds=GRACE)
        overlooked = any(q in oldest and oldest[q] < stale for q in queue_ids)
        if not (overlooked and (idle_since is None or idle_since < stale)):
            desks.append(Desk(window_id, frozenset(queue_ids), 0.0))
        elif idle_since is not None and now - idle_since < timedelta(seconds=CLOSED_AFTER):
            back_in = PAUSE_SECONDS - (now - idle_since).total_seconds()
            desks.append(Desk(window_id, frozenset(queue_ids), max(back_in, MIN_BACK_IN)))
    served = {q for d in desks for q in d.queue_ids}
    for window_id, queue_ids in window_queues.items():  # nobody calls a queue (not open yet): all its windows
        if any(q not in served for q in queue_ids) and all(d.id != window_id for d in desks):
            desks.append(Desk(window_id, frozenset(q for q in queue_ids if q not in served), 0.0))

    priority_inflow = (Ticket.objects.filter(center_id=center_id, business_date=day, issued_at__gte=recent,
                                             issued_at__lte=now)
                       .exclude(priority=Priority.NORMAL).values("queue_id").annotate(n=Count("id"))
                       .values_list("queue_id", "n"))
    inflow_share = {}
    for q, n in priority_inflow:
        desks_q = sum(1 for d in desks if q in d.queue_ids)
        if desks_q:
            rate = n / INFLOW_SECONDS
            inflow_share[q] = min(MAX_INFLOW_SHARE, rate * occ.queue_mean(q) / desks_q)
    return HallState(waiting, desks, occ, inflow_share, processing, queue_windows)


def estimate_center(center_id: int, *, now: datetime | None = None) -> dict[int, int | None]:
    """Estimated seconds until called for every waiting ticket of the center."""
    from django.utils import timezone

    now = now or timezone.now()
    state = hall_state(center_id, now)
    return simulate(state.waiting, state.desks, state.occupancy, state.inflow_share)


def estimate_waits(queue, *, now: datetime | None = None) -> dict[int, int]:
    """Ticket id → estimated seconds until called, for every waiting ticket of `queue`
    (tickets no open window can call are left out), computed now from the database. The other
    queues of the center are simulated too, because windows shared with them call their tickets
    in between."""
    from django.utils import timezone

    now = now or timezone.now()
    state = hall_state(queue.center_id, now)
    mine = [w.id for w in state.waiting if w.queue_id == queue.pk]
    if not mine:
        return {}
    result = simulate(state.waiting, state.desks, state.occupancy, state.inflow_share)
    return {tid: result[tid] for tid in mine if result[tid] is not None}


def estimate_for(ticket, *, now: datetime | None = None) -> int | None:
    """Estimated seconds until `ticket` is called; None unless it is waiting (or no window calls it).

    With `now` given: computed from the database for that moment (tests, the benchmark). Without:
    from the center's forecast (`forecast_wait`), at most FORECAST_SECONDS old, so a kiosk issuing
    tickets or a thousand live ticket pages do not each simulate the whole hall."""
    from .constants import TicketState

    if ticket.state != TicketState.WAITING:
        return None
    if now is not None:
        return estimate_waits(ticket.queue, now=now).get(ticket.pk)
    return forecast_wait(ticket)


# ---------------------------------------------------------------- forecast (per process)

FORECAST_SECONDS = 2.0   # a center's forecast is reused this long …
STALE_SECONDS = 10.0     # … and, while another thread of the process recomputes it, this long


@dataclass
class Forecast:
    """One simulation of a center's hall, kept for FORECAST_SECONDS. `waits` are seconds from `at`
    for the tickets waiting then; `free_at` says when each desk has nothing left to call of them;
    `last_number` is each queue's last ticket number read just before the waiting tickets."""

    at: datetime
    waits: dict[int, int | None]
    free_at: dict[int, float]
    desks: list[Desk]
    last_number: dict[int, int]
    occupancy: Occupancy
    inflow_share: dict[int, float]
    made: float = 0.0  # time.monotonic() when computed

    def knows(self, ticket) -> bool:
        """The ticket was waiting when the forecast was made, or is a normal ticket issued since."""
        return ticket.pk in self.waits or (ticket.priority == "normal" and not ticket.skip_count
                                           and ticket.number > self.last_number.get(ticket.queue_id, 0))

    def wait_of(self, ticket, now: datetime) -> int | None:
        """Seconds from `now` until `ticket` (waiting, `knows(ticket)`) is called.

        A ticket of the forecast: its wait less the time since. A normal ticket issued since: after
        the k tickets of its queue numbered between the forecast and it, each taking the queue's
        mean occupancy, on the desks of its queue from when they run out of the forecast's tickets.
        The last ticket in call order changes nobody else's wait, so this is what a new simulation
        would give, up to other queues' tickets issued in the meantime (docs/wait-estimate.md)."""
        age = max(0.0, (now - self.at).total_seconds())
        if ticket.pk in self.waits:
            wait = self.waits[ticket.pk]
            return None if wait is None else max(0, round(wait - age))
        free = [self.free_at[d.id] for d in self.desks if ticket.queue_id in d.queue_ids]
        if not free:
            return None
        heapq.heapify(free)
        mean = self.occupancy.queue_mean(ticket.queue_id)
        for _ in range(ticket.number - self.last_number.get(ticket.queue_id, 0) - 1):
            heapq.heappush(free, heapq.heappop(free) + mean)
        at = free[0] / (1 - min(MAX_INFLOW_SHARE, self.inflow_share.get(ticket.queue_id, 0.0)))
        return max(0, round(at - age))


_forecasts: dict[int, Forecast] = {}
_forecast_locks: dict[int, threading.Lock] = defaultdict(threading.Lock)


def make_forecast(center_id: int, now: datetime) -> Forecast:
    """Simulate the center's hall at `now`. The ticket numbers are read first, so a ticket issued
    meanwhile is either in the simulation or counted after it."""
    from django.utils import timezone

    from .models import DailyCounter

    last = dict(DailyCounter.objects.filter(queue__center_id=center_id, business_date=timezone.localdate(now))
                .values_list("queue_id", "last_number"))
    state = hall_state(center_id, now)
    waits, free_at = _run(state.waiting, state.desks, state.occupancy, state.inflow_share)
    return Forecast(now, waits, free_at, state.desks, last, state.occupancy, state.inflow_share, time.monotonic())


def forecast_wait(ticket) -> int | None:
    """Seconds until the waiting `ticket` is called, from its center's forecast. The forecast is
    reused for FORECAST_SECONDS; then one thread of the process recomputes it while the others
    answer from the previous one (up to STALE_SECONDS). A ticket the forecast does not know (a
    priority ticket issued since) makes it recompute."""
    from django.utils import timezone

    cid = ticket.center_id
    lock = _forecast_locks[cid]
    hit = _forecasts.get(cid)
    if hit is not None and hit.knows(ticket):
        age = time.monotonic() - hit.made
        if age < FORECAST_SECONDS or (age < STALE_SECONDS and lock.locked()):
            return hit.wait_of(ticket, timezone.now())
    with lock:
        now = timezone.now()
        fresh = _forecasts.get(cid)
        if (fresh is None or fresh is hit or not fresh.knows(ticket)
                or time.monotonic() - fresh.made >= FORECAST_SECONDS):
            fresh = _forecasts[cid] = make_forecast(cid, now)
        return fresh.wait_of(ticket, now)


def forget(center_id: int) -> None:
    """Drop the center's forecast (a window action in this process changed the hall)."""
    _forecasts.pop(center_id, None)


def zms_baseline(state: HallState, queue_id: int, workstations: int | None = None) -> dict[int, int]:
    """The ZMS formula for one queue on the same hall state: its waiting tickets in call order,
    the queue's mean processing (start → end) time, `workstations` = the windows logged in to it
    (default: all active windows linked to the queue)."""
    waiting = [w for w in state.waiting if w.queue_id == queue_id]
    processing = state.processing.get(queue_id) or state.occupancy.queue_mean(queue_id)
    n = workstations if workstations is not None else len(state.queue_windows.get(queue_id, ()))
    return zms_estimates(waiting, processing, n)
