"""Public API of queue tickets: issue, call, serve, finish (domain.md §3.4, docs/queue.md).

Concurrency:
- numbers come from a per-queue, per-day `DailyCounter` row locked while a ticket is numbered
  (unique constraints on number and label are the backstop);
- `call_next` chooses with `policy.choose` and claims with a conditional UPDATE
  (`state = waiting AND version = v`); zero rows means another window got it first, and the next
  choice is tried. Two windows calling at once never receive the same ticket, on SQLite (whose
  IMMEDIATE transactions serialise writers) and on PostgreSQL (the UPDATE waits for the other
  transaction, then re-checks the state);
- every other action re-reads the ticket inside its write transaction and updates it on the
  version it read (`conflict` if someone else changed it in between).

Every action appends `TicketPeriod` rows, a call also a `Call` with the rule that chose it. Window
actions other than `call_next` are audited with `log_action`; for `call_next` the `Call` row is
the audit record (who, which window, when, which rule and why). Every change is announced on the
live bus (`_announce`) inside the write transaction; the bus delivers it after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.auditlog.models import ActorKind
from yimen.auditlog.services import log_action
from yimen.catalog.constants import ItemStatus
from yimen.hall.models import Center, Window
from yimen.hall.services import is_open
from yimen.lib.errors import Refused
from yimen.lib.rows import aware as _aware
from yimen.lib.rows import fetch as _rows
from yimen.lib.rows import from_row, returning
from yimen.lib.rows import load as load_row
from yimen.lib.writers import write_turn
from yimen.live import bus, channels

from . import estimate
from .constants import (
    AT_WINDOW,
    FINISH_OUTCOMES,
    MAX_SKIPS,
    PUBLIC_CHANNELS,
    TICKET_TRANSITIONS,
    Channel,
    Outcome,
    PeriodKind,
    Priority,
    TicketState,
)
from .models import Call, DailyCounter, Queue, Ticket, TicketPeriod
from .policy import Candidate, Choice, Policy, choose

__all__ = ["QueueError", "call_next", "call_ticket", "cancel", "close_day", "finish", "hold", "issue_or_get",
           "issue_ticket", "people_ahead", "recall", "resume", "skip", "start_service", "transfer", "waiting_counts",
           "waiting_list"]

CANDIDATES = 50  # tickets read for the window's list (waiting_list)
CALL_PAGE = 20  # read by call_next: the policy needs the first of each class, not the whole line
DEFAULT_POLICY = Policy()
OPEN_STATES = (TicketState.WAITING, *AT_WINDOW)


class QueueError(Refused):
    """A refused queue action; `.code` is stable, the message is translated."""


@contextmanager
def _writing():
    """The one way a queue service opens its write transaction.

    On PostgreSQL the transaction does not wait for its WAL flush (`synchronous_commit = off`,
    QUEUE_SYNCHRONOUS_COMMIT): the same durability as SQLite's default here (WAL with
    synchronous=NORMAL): a crash of the server can lose the last fraction of a second of queue
    writes, never corrupt or half-apply one. Queue tickets live for a day; cases, evaluations and the
    audit log keep full durability (docs/benchmarks.md, queue writes). Only for a transaction of
    its own: called inside a caller's transaction it leaves that one's durability alone."""
    outermost = not connection.in_atomic_block  # inside a caller's transaction: its durability
    with write_turn(), transaction.atomic():
        if outermost and connection.vendor == "postgresql" and not settings.QUEUE_SYNCHRONOUS_COMMIT:
            with connection.cursor() as cur:
                cur.execute("SET LOCAL synchronous_commit TO OFF")
        yield


# --- live events -------------------------------------------------------------------------------

def waiting_counts(center_id: int, day) -> dict[str, int]:
    """Waiting tickets per queue prefix of a center on a day, zeros included: one query, each
    count a range of the (queue, business_date, state, …) index, read without the table rows."""
    rows = _rows(f"SELECT q.prefix, (SELECT COUNT(*) FROM {_T} t WHERE t.queue_id = q.id AND t.business_date = %s"
                 f" AND t.state = 'waiting') FROM {_Q} q WHERE q.center_id = %s ORDER BY q.prefix",
                 [connection.ops.adapt_datefield_value(day), center_id])
    return dict(rows)


def _announce(ticket: Ticket, action: str, *, waiting: dict[str, int] | None = None) -> None:
    """Publish one small ticket event to the center, the ticket's window (if any) and the ticket's
    own page. `ticket.queue` and `ticket.window` must already be loaded (no query here but the
    waiting counts, which a caller announcing several tickets may pass in)."""
    window = ticket.window if ticket.window_id else None
    if waiting is None:
        waiting = waiting_counts(ticket.center_id, ticket.business_date)
    event = {
        "type": "ticket",
        "action": action,
        "ticket": {
            "label": ticket.label, "token": ticket.public_token, "state": ticket.state,
            "queue": ticket.queue.prefix, "priority": ticket.priority,
            "window": window.number if window else None, "window_id": ticket.window_id,
            "outcome": ticket.outcome,
        },
        "waiting": waiting,
        "center": ticket.center_id,
    }
    targets = [channels.center(ticket.center_id)]
    if ticket.window_id:
        targets.append(channels.window(ticket.window_id))
    targets.append(channels.ticket(ticket.public_token))
    bus.publish(targets, event)
    if action != "issue":  # a new ticket is the forecast's to count; anything else changes the hall
        estimate.forget(ticket.center_id)


# --- which queue serves an item -------------------------------------------------------------

def item_queues(center_id: int) -> dict[int, Queue]:
    """Item id -> the queue a ticket for it goes to: the most specific active queue of the center
    listing the item (fewest items; the first prefix on a tie). Kiosk search and the API agree."""
    best: dict[int, tuple[int, Queue]] = {}
    queues = list(Queue.objects.filter(center_id=center_id, is_active=True).order_by("prefix"))
    listed: dict[int, list[int]] = {q.pk: [] for q in queues}
    for queue_id, item_id in Queue.items.through.objects.filter(queue_id__in=listed) \
            .values_list("queue_id", "serviceitem_id"):  # ids only: no item rows are built
        listed[queue_id].append(item_id)
    for queue in queues:
        ids = listed[queue.pk]
        for item_id in ids:
            if item_id not in best or len(ids) < best[item_id][0]:
                best[item_id] = (len(ids), queue)
    return {item_id: q for item_id, (_n, q) in best.items()}


# --- issuing -----------------------------------------------------------------------------------

def issue_ticket(queue: Queue, *, channel: str = Channel.KIOSK, priority: str = Priority.NORMAL,
                 priority_reason: str = "", item=None, slot_start: datetime | None = None,
                 idempotency_key: str | None = None, now: datetime | None = None) -> Ticket:
    """A new ticket numbered A001, A002 … per queue and day; a retried request with the same
    idempotency key gets the ticket it already has."""
    return issue_or_get(queue, channel=channel, priority=priority, priority_reason=priority_reason, item=item,
                        slot_start=slot_start, idempotency_key=idempotency_key, now=now)[0]


def issue_or_get(queue: Queue, *, channel: str = Channel.KIOSK, priority: str = Priority.NORMAL,
                 priority_reason: str = "", item=None, slot_start: datetime | None = None,
                 idempotency_key: str | None = None, now: datetime | None = None) -> tuple[Ticket, bool]:
    """`issue_ticket` that also tells whether the ticket is new (False: an idempotent retry).

    Refuses: an inactive queue (`queue_closed`), an item the queue does not serve (`wrong_queue`)
    or that is not active (`item_inactive`), an unknown priority or channel, a channel the queue
    does not take (`channel_closed`), and a kiosk, phone or check-in ticket while the center is
    closed (`center_closed`; staff may issue while they are there; an appointment check-in is
    taken from the start of its check-in window, `_early_checkin`)."""
    if not queue.is_active:
        raise QueueError("queue_closed", _("This queue is not taking tickets."))
    if priority not in Priority.values:
        raise QueueError("bad_priority", _("Unknown priority."))
    if channel not in Channel.values:
        raise QueueError("bad_channel", _("Unknown channel."))
    if item is not None:
        if item.status != ItemStatus.ACTIVE:
            raise QueueError("item_inactive", _("This item is not offered now."))
        if queue.items.exists() and not queue.items.filter(pk=item.pk).exists():
            raise QueueError("wrong_queue", _("This item is not served by this queue."))
    if idempotency_key:
        existing = _by_key(queue, idempotency_key)
        if existing:
            return existing, False
    now = now or timezone.now()
    if channel not in (queue.channels or []):
        raise QueueError("channel_closed", _("This queue does not take tickets from this channel."))
    if channel in PUBLIC_CHANNELS and not is_open(queue.center, now) \
            and not _early_checkin(queue.center, channel, priority, slot_start, now):
        raise QueueError("center_closed", _("The center is closed now; please come back during opening hours."))
    try:
        with _writing():
            ticket = _create(queue, channel, priority, priority_reason, item, slot_start, idempotency_key, now)
    except IntegrityError:
        if idempotency_key:
            existing = _by_key(queue, idempotency_key)
            if existing:
                return existing, False
        raise
    _announce(ticket, "issue")  # after commit, outside the writers' turn
    return ticket, True


def _early_checkin(center: Center, channel: str, priority: str, slot_start: datetime | None, now: datetime) -> bool:
    """An appointment check-in ticket (channel checkin, a slot start) is taken from the start of
    its check-in window (the center's `checkin_before_minutes`) even while the center is not open
    yet, when the slot itself is in opening hours: a 09:00 booking checks in at 08:45."""
    if channel != Channel.CHECKIN or priority != Priority.APPOINTMENT or slot_start is None:
        return False
    opens = slot_start - timedelta(minutes=center.checkin_before_minutes)
    return opens <= now < slot_start and is_open(center, slot_start)


def _center_policy(window: Window, policy: Policy, candidates: Sequence[Candidate]) -> Policy:
    """The default ordering policy with the center's appointment check-in window (hall.Center:
    the same minutes appointments' check-in uses). Read only when an appointment ticket is among
    the candidates and the caller brought no policy of its own: other calls cost no query."""
    if policy is not DEFAULT_POLICY or not any(c.priority == Priority.APPOINTMENT and c.slot_start is not None
                                               for c in candidates):
        return policy
    if Window.center.is_cached(window):
        before, after = window.center.checkin_before_minutes, window.center.checkin_after_minutes
    else:
        before, after = Center.objects.filter(pk=window.center_id) \
            .values_list("checkin_before_minutes", "checkin_after_minutes").get()
    return replace(policy, checkin_before=timedelta(minutes=before), checkin_after=timedelta(minutes=after))


def _by_key(queue: Queue, key: str) -> Ticket | None:
    return Ticket.objects.select_related("queue", "item").filter(center_id=queue.center_id,
                                                                 idempotency_key=key).first()


def _create(queue, channel, priority, priority_reason, item, slot_start, idempotency_key, now,
            wait_from: datetime | None = None, transferred_from: Ticket | None = None) -> Ticket:
    day = timezone.localdate(now)
    number = _next_number(queue, day)
    if wait_from is None:
        wait_from = max(now, slot_start) if (priority == Priority.APPOINTMENT and slot_start) else now
    ticket = Ticket.objects.create(
        center_id=queue.center_id, queue=queue, business_date=day, number=number,
        label=f"{queue.prefix}{number:03d}", channel=channel, priority=priority, priority_reason=priority_reason,
        item=item, issued_at=now, wait_started_at=wait_from, slot_start=slot_start, idempotency_key=idempotency_key,
        transferred_from=transferred_from)
    TicketPeriod.objects.create(ticket=ticket, kind=PeriodKind.WAITING, start=now)
    return ticket


def _next_number(queue: Queue, day) -> int:
    """The queue's next number of the day: one UPDATE … RETURNING on the day's counter row (on
    PostgreSQL its row lock serialises concurrent kiosks until commit; on SQLite the writers'
    turn does). The day's first ticket creates the row."""
    take = f"UPDATE {_D} SET last_number = last_number + 1 WHERE queue_id = %s AND business_date = %s RETURNING last_number"
    params = [queue.pk, connection.ops.adapt_datefield_value(day)]
    rows = _rows(take, params)
    if not rows:
        try:
            with transaction.atomic():
                DailyCounter.objects.create(queue=queue, business_date=day)
        except IntegrityError:
            pass  # another kiosk created it first
        rows = _rows(take, params)
    return rows[0][0]


# --- calling -----------------------------------------------------------------------------------

_POLICY_FIELDS = ("id", "label", "priority", "wait_started_at", "slot_start", "overtaken", "skip_count")
# Narrow rows: converting columns (datetimes above all, on SQLite) for 50-100 candidates costs more
# than re-reading the one claimed ticket by primary key.
_ROW_FIELDS = _POLICY_FIELDS + ("version", "wait_seconds")

# The hot path is plain SQL (same statements on SQLite and PostgreSQL): building the same ORM
# queries again for every call cost ~4x the database time, and on SQLite it is spent while the
# process holds the one write lock (docs/benchmarks.md, call_next). Values go through the
# backend's own adapters and converters, so rows come back exactly as the ORM returns them.
_T, _Q, _QW, _C, _P, _D = "queueing_ticket", "queueing_queue", "queueing_queue_windows", "queueing_call", \
    "queueing_ticketperiod", "queueing_dailycounter"
_COLS = ", ".join(f"t.{f}" for f in _ROW_FIELDS)
_PAGE = (f"SELECT {_COLS} FROM {_T} t WHERE t.queue_id = %s AND t.business_date = %s AND t.state = 'waiting'"
         " {extra} ORDER BY t.wait_started_at, t.id LIMIT %s")
# Behind a full first page: priority tickets that kept their class, and tickets overtaken too often.
# Each is written as the condition of its partial index (models.Ticket.Meta), so both read only
# those tickets instead of scanning the line.
_PRIORITY = "AND t.skip_count = 0 AND NOT (t.priority = 'normal')"
_OVERTAKEN = "AND t.overtaken >= %s"




def _page(queue_ids: list[int], day, size: int, slices: Sequence[tuple[str, Sequence]] = (("", ()),)) -> list[tuple]:
    """The first `size` waiting tickets by (wait_started_at, id) of each queue and each slice (an
    extra condition and its parameters), in one query of one ordered index range per queue and
    slice (a single query over several queues makes SQLite sort every waiting row); without repeats,
    in arrival order."""
    day = connection.ops.adapt_datefield_value(day)
    parts, params = [], []
    for extra, extra_params in slices:
        for q in queue_ids:
            parts.append(_PAGE.format(extra=extra))
            params += [q, day, *extra_params, size]
    sql = parts[0] if len(parts) == 1 else " UNION ALL ".join(f"SELECT * FROM ({p}) q{n}" for n, p in enumerate(parts))
    # positions 3 and 4 of _ROW_FIELDS are wait_started_at and slot_start
    rows = {r[0]: (*r[:3], _aware(r[3]), _aware(r[4]), *r[5:]) for r in _rows(sql, params)}
    return sorted(rows.values(), key=lambda r: (r[3], r[0])) if len(parts) > 1 else list(rows.values())


def _candidates(window: Window, day, policy: Policy, also: Sequence[Window] = (),
                size: int = CANDIDATES) -> tuple[list[tuple], list[str], list[int]]:
    """The waiting tickets this window may call, the rules of its last calls (newest first) and
    the queues they wait in.

    First one small query for the window's active queues where someone waits (B covering absent
    A: A's queues too, each once) and its recent rules; then the first `size` by arrival, each row
    wide enough to claim the ticket. Only when that page is full can priority and long-overtaken
    tickets hide behind it; a second query then fetches the first `size` of each (partial indexes)."""
    ids = [window.pk, *(w.pk for w in also)]
    marks = ", ".join(["%s"] * len(ids))
    context = _rows(
        f"SELECT DISTINCT qw.queue_id, CAST(NULL AS VARCHAR(40)) FROM {_QW} qw INNER JOIN {_Q} q ON q.id = qw.queue_id"
        f" WHERE qw.window_id IN ({marks}) AND q.is_active AND EXISTS (SELECT 1 FROM {_T} t"
        f" WHERE t.queue_id = q.id AND t.business_date = %s AND t.state = 'waiting')"
        f" UNION ALL SELECT * FROM (SELECT CAST(NULL AS BIGINT), c.rule FROM {_C} c WHERE c.window_id = %s AND NOT c.is_recall"
        f" ORDER BY c.at DESC, c.id DESC LIMIT %s) r",
        [*ids, connection.ops.adapt_datefield_value(day), window.pk, policy.priority_streak_cap])
    queue_ids = sorted(q for q, _ in context if q is not None)  # those with someone waiting
    recent = [rule for q, rule in context if q is None]
    if not queue_ids:
        return [], [], []
    rows = _page(queue_ids, day, size)
    if len(rows) >= size:
        seen = {r[0] for r in rows}
        behind = _page(queue_ids, day, size, ((_PRIORITY, ()), (_OVERTAKEN, (policy.max_overtaken,))))
        rows += [r for r in behind if r[0] not in seen]
    return rows, recent, queue_ids


def _candidate(row: tuple) -> Candidate:
    return Candidate(*row[:len(_POLICY_FIELDS)])


def call_next(window: Window, *, by=None, policy: Policy = DEFAULT_POLICY, now: datetime | None = None,
              also: Sequence[Window] = ()) -> Ticket | None:
    """Claim the next ticket for this window; None when nobody waits (the API says `queue_empty`).
    `also`: windows of absent A posts this window's B covers (hall.consoled_windows); their queues'
    tickets are called to *this* window, where the B person sits.

    Lean on purpose (it is the hot write path; a test guards the count). In the write transaction
    (on SQLite the one writer's turn): the window's queues and recent rules, the candidates, the
    claim UPDATE returning the claimed ticket, the period UPDATE and INSERT, the `Call` INSERT
    (which is also the audit record of the call), and the `overtaken` UPDATE only when somebody was
    overtaken. After it: the ticket's queue and the live event with the waiting counts, which
    need no lock."""
    if not window.is_active:
        raise QueueError("window_inactive", _("This window is closed."))
    now = now or timezone.now()
    day = timezone.localdate(now)
    try:
        ticket = _call(window, by, policy, now, day, also, lock_first=False)
    except _LockFirst:  # rolled back, nothing held: again, taking the queue lock first
        ticket = _call(window, by, policy, now, day, also, lock_first=True)
    if ticket is not None:
        ticket.queue = load_row(Queue, ticket.queue_id)
        _announce(ticket, "call")
    return ticket


class _LockFirst(Exception):
    """A call found it must overtake after a claim attempt: start again with the queue lock."""


def _call(window: Window, by, policy: Policy, now: datetime, day, also: Sequence[Window], *,
          lock_first: bool) -> Ticket | None:
    """One write transaction of `call_next`. On PostgreSQL the queue lock must come before any
    ticket row this transaction holds (a failed SKIP LOCKED claim may still hold the row it
    rechecked), so a call that only finds it overtakes after a claim attempt starts again."""
    local_now = timezone.localtime(now)
    ticket, locked, tried = None, False, False
    with _writing():
        if lock_first:
            _lock_queues_of([window, *also])
            locked = True
        rows, recent, queue_ids = _candidates(window, day, policy, also, size=CALL_PAGE)
        by_id = {r[0]: r for r in rows}
        candidates = [_candidate(r) for r in rows]
        policy = _center_policy(window, policy, candidates)
        while candidates and ticket is None:
            choice = choose(candidates, local_now, recent, policy)
            c = choice.candidate
            overtakes = any((o.wait_started_at, o.id) < (c.wait_started_at, c.id) for o in candidates)
            if overtakes and not locked and connection.vendor == "postgresql":
                if tried:
                    raise _LockFirst
                _lock_queues_of([window, *also])
                locked = True
            ticket = _claim(window, by_id[c.id], by, now)
            tried = True
            if ticket is not None:
                _record_call(ticket, window, by, now, choice, queue_ids, day, overtakes)
            candidates = [o for o in candidates if o.id != c.id]  # another window was faster
    return ticket


def _lock_queues_of(windows: Sequence[Window] = (), *, queue_id: int | None = None) -> None:
    """PostgreSQL: calls that change other tickets of a queue (the `overtaken` counts) take the
    queue's row lock first, in id order, before they hold any ticket row. Without it two windows
    deadlock: each holds the ticket it claimed and waits for the other's to count it as overtaken.
    A call in arrival order changes no other ticket and takes no queue lock: it claims with SKIP
    LOCKED and never waits for a row (`_claim`), so it cannot be part of a wait cycle, and the
    windows of one queue claim in parallel. SQLite writers already take turns."""
    if connection.vendor != "postgresql":
        return
    if queue_id is not None:
        sql, params = f"SELECT id FROM {_Q} WHERE id = %s FOR UPDATE", [queue_id]
    else:
        marks = ", ".join(["%s"] * len(windows))
        sql = (f"SELECT id FROM {_Q} WHERE id IN (SELECT queue_id FROM {_QW} WHERE window_id IN ({marks}))"
               " ORDER BY id FOR UPDATE")
        params = [w.pk for w in windows]
    _rows(sql, params)


def _claim(window: Window, row: tuple, by, now: datetime) -> Ticket | None:
    """The conditional UPDATE on the version the candidate was read with, returning the ticket."""
    values = dict(zip(_ROW_FIELDS, row, strict=True))
    wait = max(0, int((now - values["wait_started_at"]).total_seconds()))
    at = connection.ops.adapt_datetimefield_value(now)
    # PostgreSQL: a ticket another window is claiming right now is skipped, not waited for
    where = (f"id = (SELECT id FROM {_T} WHERE id = %s AND state = 'waiting' AND version = %s FOR UPDATE SKIP LOCKED)"
             if connection.vendor == "postgresql" else "id = %s AND state = 'waiting' AND version = %s")
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {_T} SET state = 'called', window_id = %s, staff_id = %s, version = %s,"
            " first_called_at = COALESCE(first_called_at, %s), wait_seconds = %s"  # a skipped ticket keeps its first call
            f" WHERE {where} RETURNING {returning(Ticket)}",
            [window.pk, by.pk if by else None, values["version"] + 1, at,
             values["wait_seconds"] if values["wait_seconds"] is not None else wait, values["id"], values["version"]])
        claimed = cur.fetchone()
    if claimed is None:
        return None
    ticket = from_row(Ticket, claimed)
    ticket.window = window
    if by is not None:
        ticket.staff = by
    return ticket


def _record_call(ticket: Ticket, window: Window, by, now: datetime, choice: Choice, queue_ids: list[int], day,
                 overtakes: bool) -> None:
    at = connection.ops.adapt_datetimefield_value(now)
    staff = by.pk if by else None
    with connection.cursor() as cur:
        cur.execute(f'UPDATE {_P} SET "end" = %s WHERE ticket_id = %s AND "end" IS NULL', [at, ticket.pk])
        cur.execute(f'INSERT INTO {_P} (ticket_id, kind, start, "end", window_id, staff_id) VALUES (%s, %s, %s, NULL, %s, %s)',
                    [ticket.pk, PeriodKind.CALLED, at, window.pk, staff])
        cur.execute(f"INSERT INTO {_C} (ticket_id, window_id, staff_id, at, rule, reason, is_recall)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    [ticket.pk, window.pk, staff, at, choice.rule, choice.reason, False])
        c = choice.candidate
        # Everyone still waiting who arrived before the chosen ticket was overtaken: counted in the
        # database over the window's queues, not only among the candidates read. The candidates
        # hold the earliest arrivals, so when none of them is earlier (`overtakes` false), nobody is.
        if overtakes:
            marks = ", ".join(["%s"] * len(queue_ids))
            since = connection.ops.adapt_datetimefield_value(c.wait_started_at)
            cur.execute(f"UPDATE {_T} SET overtaken = overtaken + 1 WHERE queue_id IN ({marks})"
                        " AND business_date = %s AND state = 'waiting'"
                        " AND (wait_started_at < %s OR (wait_started_at = %s AND id < %s))",
                        [*queue_ids, connection.ops.adapt_datefield_value(day), since, since, c.id])


def waiting_list(window: Window, *, policy: Policy = DEFAULT_POLICY, now: datetime | None = None,
                 limit: int = CANDIDATES, also: Sequence[Window] = ()) -> list[tuple[Ticket, str, str]]:
    """The tickets this window would call, in the order it would call them if nobody else called
    and nobody arrived: (ticket, rule, reason). Read-only; three queries."""
    now = now or timezone.now()
    rows, recent, _queue_ids = _candidates(window, timezone.localdate(now), policy, also)
    local_now = timezone.localtime(now)
    candidates = [_candidate(r) for r in rows]
    policy = _center_policy(window, policy, candidates)
    order = []
    while candidates and len(order) < limit:
        choice = choose(candidates, local_now, recent, policy)
        order.append(choice)
        recent = [choice.rule, *recent]
        candidates = [o for o in candidates if o.id != choice.candidate.id]
    tickets = Ticket.objects.select_related("queue", "item").in_bulk([c.candidate.id for c in order])
    return [(tickets[c.candidate.id], c.rule, c.reason) for c in order]


# --- window actions ----------------------------------------------------------------------------

def _fresh(ticket: Ticket, action: str, window: Window | None, now: datetime) -> Ticket:
    """Re-read the ticket inside the write transaction and check day, window and state."""
    t = Ticket.objects.select_related("queue", "window").filter(pk=ticket.pk).first()
    if t is None:
        raise QueueError("not_found", _("No such ticket."))
    if t.business_date != timezone.localdate(now):
        raise QueueError("stale_ticket", _("This ticket is from another day."))
    if window is not None and (t.center_id != window.center_id or t.window_id not in (None, window.pk)):
        raise QueueError("other_window", _("This ticket belongs to another window."))
    if t.state not in TICKET_TRANSITIONS[action][0]:
        raise QueueError("bad_state", _("Not possible while the ticket is “%(state)s”.") % {
            "state": TicketState(t.state).label})
    return t


def _apply(t: Ticket, action: str, now: datetime, *, window: Window | None = None, by=None,
           period: str | None = None, **values) -> Ticket:
    """Move the fresh ticket `t` along `action` on the version it was read with; close the open
    period when the state changes and open `period` if given."""
    target = TICKET_TRANSITIONS[action][1]
    values = {"state": target, "version": t.version + 1, **values}
    rows = Ticket.objects.filter(pk=t.pk, version=t.version).update(**values)
    if rows != 1:
        raise QueueError("conflict", _("Someone else changed this ticket; reload and try again."))
    state_changes = target != t.state
    for name, value in values.items():
        setattr(t, name, value)
    if state_changes or period is not None:
        TicketPeriod.objects.filter(ticket=t, end__isnull=True).update(end=now)
    if period is not None:
        TicketPeriod.objects.create(ticket=t, kind=period, start=now,
                                    window=window if period != PeriodKind.WAITING else None, staff=by)
    return t


def _done(t: Ticket, action: str, by, data: dict) -> Ticket:
    """Audit and announce a window action (inside its write transaction)."""
    log_action(t, action, by, data)
    _announce(t, action)
    return t


def call_ticket(ticket: Ticket, window: Window, *, by=None, now: datetime | None = None) -> Ticket:
    """Call a specific waiting ticket (the citizen shows the number at the window); rule
    `by_number`. Tickets of the same queue that waited longer count as overtaken."""
    if not window.is_active:
        raise QueueError("window_inactive", _("This window is closed."))
    now = now or timezone.now()
    with _writing():
        _lock_queues_of(queue_id=Ticket.objects.values_list("queue_id", flat=True).get(pk=ticket.pk))
        t = _fresh(ticket, "call_number", window, now)
        wait = max(0, int((now - t.wait_started_at).total_seconds()))
        _apply(t, "call_number", now, window=window, by=by, period=PeriodKind.CALLED, window_id=window.pk,
               staff=by, first_called_at=t.first_called_at or now,
               wait_seconds=t.wait_seconds if t.wait_seconds is not None else wait)
        t.window = window
        reason = _("%(label)s called by number at window %(window)s") % {"label": t.label, "window": window.number}
        Call.objects.create(ticket=t, window=window, staff=by, at=now, rule="by_number", reason=reason)
        Ticket.objects.filter(queue_id=t.queue_id, business_date=t.business_date, state=TicketState.WAITING,
                              wait_started_at__lt=t.wait_started_at).update(overtaken=F("overtaken") + 1)
        return _done(t, "call_number", by, {"window": window.number, "rule": "by_number"})


def recall(ticket: Ticket, window: Window, *, by=None, now: datetime | None = None) -> Ticket:
    """Call the same ticket again: not sooner than the queue's `recall_after_minutes` after the
    last call, at most `max_recalls` times; the call after that ends the ticket as a no-show."""
    now = now or timezone.now()
    with _writing():
        t = _fresh(ticket, "recall", window, now)
        last = Call.objects.filter(ticket=t).order_by("-at", "-id").values_list("at", flat=True).first()
        minutes = t.queue.recall_after_minutes
        if last and now - last < timedelta(minutes=minutes):
            raise QueueError("too_soon", _("Wait %(n)s minute(s) before calling this ticket again.") % {"n": minutes})
        if t.recall_count >= t.queue.max_recalls:
            return _end(t, window, Outcome.NO_SHOW, by, now, reason="recalls_exhausted")
        _apply(t, "recall", now, window=window, by=by, recall_count=t.recall_count + 1)
        Call.objects.create(ticket=t, window=window, staff=by, at=now, rule="recall", is_recall=True,
                            reason=_("%(label)s called again (%(n)s)") % {"label": t.label, "n": t.recall_count})
        return _done(t, "recall", by, {"window": window.number, "recall_count": t.recall_count})


def skip(ticket: Ticket, window: Window, *, by=None, now: datetime | None = None) -> Ticket:
    """过号: the called citizen is not here. The ticket waits again behind everyone waiting now
    (its waiting time restarts, its priority class and overtaken count no longer apply, and no
    window holds it); the stored first-call wait is kept for the statistics. A ticket skipped
    `MAX_SKIPS` times already ends as a no-show."""
    now = now or timezone.now()
    with _writing():
        t = _fresh(ticket, "skip", window, now)
        if t.skip_count >= MAX_SKIPS:
            return _end(t, window, Outcome.NO_SHOW, by, now, reason="skipped_twice")
        _apply(t, "skip", now, window=window, by=by, period=PeriodKind.WAITING, skip_count=t.skip_count + 1,
               wait_started_at=now, overtaken=0, window_id=None, staff_id=None)
        return _done(t, "skip", by, {"window": window.number, "skip_count": t.skip_count})


def start_service(ticket: Ticket, window: Window, *, by=None, now: datetime | None = None) -> Ticket:
    now = now or timezone.now()
    with _writing():
        t = _fresh(ticket, "start", window, now)
        _apply(t, "start", now, window=window, by=by, period=PeriodKind.SERVING, service_started_at=now)
        return _done(t, "start", by, {"window": window.number})


def hold(ticket: Ticket, window: Window, *, by=None, now: datetime | None = None) -> Ticket:
    now = now or timezone.now()
    with _writing():
        t = _fresh(ticket, "hold", window, now)
        _apply(t, "hold", now, window=window, by=by, period=PeriodKind.HELD)
        return _done(t, "hold", by, {"window": window.number})


def resume(ticket: Ticket, window: Window, *, by=None, now: datetime | None = None) -> Ticket:
    now = now or timezone.now()
    with _writing():
        t = _fresh(ticket, "resume", window, now)
        _apply(t, "resume", now, window=window, by=by, period=PeriodKind.SERVING)
        return _done(t, "resume", by, {"window": window.number})


def finish(ticket: Ticket, window: Window, outcome: str, *, by=None, now: datetime | None = None) -> Ticket:
    """End the visit with one outcome a window may choose: served or no-show (`bad_outcome`)."""
    if outcome not in FINISH_OUTCOMES:
        raise QueueError("bad_outcome", _("Finish with an outcome: served or no-show."))
    now = now or timezone.now()
    with _writing():
        t = _fresh(ticket, "finish", window, now)
        return _end(t, window, outcome, by, now)


def _end(t: Ticket, window: Window, outcome: str, by, now: datetime, reason: str = "") -> Ticket:
    seconds = None
    if t.service_started_at and outcome == Outcome.SERVED:
        seconds = max(0, int((now - t.service_started_at).total_seconds()))
    _apply(t, "finish", now, window=window, by=by, outcome=outcome, service_ended_at=now, service_seconds=seconds)
    data = {"window": window.number, "outcome": outcome}
    if reason:
        data["reason"] = reason
    return _done(t, "finish", by, data)


def transfer(ticket: Ticket, window: Window, target: Queue, *, by=None, now: datetime | None = None) -> Ticket:
    """Send the citizen to another queue of the center keeping the original arrival time; returns
    the new ticket (priority `transfer`, `transferred_from` the old one)."""
    if not target.is_active:
        raise QueueError("queue_closed", _("This queue is not taking tickets."))
    now = now or timezone.now()
    with _writing():
        t = _fresh(ticket, "transfer", window, now)
        if target.center_id != t.center_id:
            raise QueueError("other_center", _("Transfers stay within the center."))
        _apply(t, "transfer", now, window=window, by=by, outcome=Outcome.TRANSFERRED, service_ended_at=now)
        new = _create(target, t.channel, Priority.TRANSFER, _("transferred from %(label)s") % {"label": t.label},
                      t.item, None, None, now, wait_from=t.wait_started_at, transferred_from=t)
        log_action(t, "transfer", by, {"window": window.number, "to": new.label})
        waiting = waiting_counts(t.center_id, t.business_date)
        _announce(t, "transfer", waiting=waiting)
        _announce(new, "issue", waiting=waiting)
    return new


def cancel(ticket: Ticket, *, now: datetime | None = None) -> Ticket:
    """The citizen leaves before being called (from the live ticket page)."""
    now = now or timezone.now()
    with _writing():
        t = _fresh(ticket, "cancel", None, now)
        _apply(t, "cancel", now, outcome=Outcome.CANCELLED)
        log_action(t, "cancel", None, {}, actor_kind=ActorKind.CITIZEN)
        _announce(t, "cancel")
    return t


def close_day(center, day, *, now: datetime | None = None) -> int:
    """End every ticket of `center` still open on `day` with outcome `closed` (run at day end;
    idempotent). Periods end now, or at midnight for a day already past. One audit entry on the
    center lists the labels; each ticket is announced. Returns the number closed."""
    now = now or timezone.now()
    midnight = timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))
    end = min(now, midnight)
    with _writing():
        tickets = list(Ticket.objects.select_for_update(of=("self",)).select_related("queue", "window")
                       .filter(center_id=center.pk, business_date=day, state__in=OPEN_STATES).order_by("id"))
        if not tickets:
            return 0
        ids = [t.pk for t in tickets]
        Ticket.objects.filter(pk__in=ids).update(state=TicketState.DONE, outcome=Outcome.CLOSED,
                                                 version=F("version") + 1)
        TicketPeriod.objects.filter(ticket_id__in=ids, end__isnull=True).update(end=end)
        log_action(center, "queue_close_day", None, {"day": day.isoformat(), "tickets": [t.label for t in tickets]})
        waiting = waiting_counts(center.pk, day)
        for t in tickets:
            t.state, t.outcome, t.version = TicketState.DONE, Outcome.CLOSED, t.version + 1
            _announce(t, "close", waiting=waiting)
    return len(tickets)


# --- reading -----------------------------------------------------------------------------------

def people_ahead(ticket: Ticket) -> int:
    """How many waiting tickets the policy would call before this one, approximately: those of the
    same queue waiting since earlier, plus (for a normal ticket) every waiting priority ticket of
    the queue. Ignores other queues served by the same windows, appointment check-in windows and
    the fairness cap (docs/queue.md). One statement of two counts, each read from an index alone
    (queueing_waiting_idx; the priority tickets' partial index)."""
    if ticket.state != TicketState.WAITING:
        return 0
    at = connection.ops.adapt_datetimefield_value(ticket.wait_started_at)
    line = [ticket.queue_id, connection.ops.adapt_datefield_value(ticket.business_date)]
    count = f"SELECT COUNT(*) FROM {_T} t WHERE t.queue_id = %s AND t.business_date = %s AND t.state = 'waiting'"
    earlier = "(t.wait_started_at < %s OR (t.wait_started_at = %s AND t.id < %s))"
    mark = [at, at, ticket.pk]
    if ticket.priority == Priority.NORMAL or ticket.skip_count:  # everyone earlier, priority tickets after it too
        sql, params = f"SELECT ({count} AND {earlier}) + ({count} {_PRIORITY} AND NOT {earlier})", line + mark + line + mark
    else:
        sql, params = f"{count} {_PRIORITY} AND {earlier}", line + mark
    return _rows(sql, params)[0][0]
