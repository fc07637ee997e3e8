"""Public API of queue tickets: issue, call, serve, finish (domain.md §3.4).

Concurrency:
- numbers come from a per-queue, per-day `DailyCounter` row locked while a ticket is numbered
  (unique constraints on number and label are the backstop);
- `call_next` chooses with `policy.choose` and claims with a conditional UPDATE
  (`state = waiting AND version = v`); zero rows means another window got it first, and the next
  choice is tried. Two windows calling at once never receive the same ticket, on SQLite (whose
  IMMEDIATE transactions serialise writers) and on PostgreSQL (the UPDATE waits for the other
  transaction, then re-checks the state).
Every action appends a `TicketPeriod`, and a call also a `Call` with the rule that chose it.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager, nullcontext
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.hall.models import Window

from .constants import TICKET_TRANSITIONS, Outcome, PeriodKind, Priority, TicketState
from .models import Call, DailyCounter, Queue, Ticket, TicketPeriod
from .policy import Candidate, Policy, choose

__all__ = ["QueueError", "call_next", "cancel", "finish", "hold", "issue_ticket", "recall", "resume",
           "start_service", "transfer"]

CANDIDATES = 50
MAX_RECALLS = 3
DEFAULT_POLICY = Policy()


class QueueError(Exception):
    """A refused queue action; `.code` is stable, the message is translated."""

    def __init__(self, code: str, message: str):
        self.code, self.message = code, message
        super().__init__(message)


_sqlite_writer = threading.RLock()  # re-entrant: transfer writes inside its own turn


def _write_turn():
    """SQLite allows one writer; its busy handler sleeps with back-off, which starves threads for
    seconds under contention (perf-baseline.md §2.2). Threads of one process therefore take turns
    here first; across processes SQLite's own lock still decides. PostgreSQL needs no turn."""
    return _sqlite_writer if connection.vendor == "sqlite" else nullcontext()


@contextmanager
def _writing():
    """The one way a queue service opens its write transaction."""
    with _write_turn(), transaction.atomic():
        yield


def issue_ticket(queue: Queue, *, channel: str = "kiosk", priority: str = Priority.NORMAL, priority_reason: str = "",
                 item=None, slot_start: datetime | None = None, idempotency_key: str | None = None,
                 now: datetime | None = None) -> Ticket:
    """A new ticket numbered A001, A002 … per queue and day; a retried request with the same
    idempotency key gets the ticket it already has."""
    if not queue.is_active:
        raise QueueError("queue_closed", _("This queue is not taking tickets."))
    if item is not None and queue.items.exists() and not queue.items.filter(pk=item.pk).exists():
        raise QueueError("wrong_queue", _("This item is not served by this queue."))
    if priority not in Priority.values:
        raise QueueError("bad_priority", _("Unknown priority."))
    if idempotency_key:
        existing = Ticket.objects.filter(center_id=queue.center_id, idempotency_key=idempotency_key).first()
        if existing:
            return existing
    now = now or timezone.now()
    try:
        with _writing():
            return _create(queue, channel, priority, priority_reason, item, slot_start, idempotency_key, now)
    except IntegrityError:
        if idempotency_key:
            existing = Ticket.objects.filter(center_id=queue.center_id, idempotency_key=idempotency_key).first()
            if existing:
                return existing
        raise


def _create(queue, channel, priority, priority_reason, item, slot_start, idempotency_key, now) -> Ticket:
    day = timezone.localdate(now)
    counter = DailyCounter.objects.select_for_update().filter(queue=queue, business_date=day).first()
    if counter is None:
        try:
            with transaction.atomic():
                counter = DailyCounter.objects.create(queue=queue, business_date=day)
        except IntegrityError:
            counter = DailyCounter.objects.select_for_update().get(queue=queue, business_date=day)
    DailyCounter.objects.filter(pk=counter.pk).update(last_number=F("last_number") + 1)
    number = DailyCounter.objects.values_list("last_number", flat=True).get(pk=counter.pk)
    wait_from = max(now, slot_start) if (priority == Priority.APPOINTMENT and slot_start) else now
    ticket = Ticket.objects.create(
        center_id=queue.center_id, queue=queue, business_date=day, number=number,
        label=f"{queue.prefix}{number:03d}", channel=channel, priority=priority, priority_reason=priority_reason,
        item=item, issued_at=now, wait_started_at=wait_from, slot_start=slot_start, idempotency_key=idempotency_key)
    TicketPeriod.objects.create(ticket=ticket, kind=PeriodKind.WAITING, start=now)
    return ticket


def _candidates(window: Window, day) -> list[Candidate]:
    waiting = Ticket.objects.filter(queue__windows=window, queue__is_active=True, business_date=day,
                                    state=TicketState.WAITING)
    fields = ("id", "label", "priority", "wait_started_at", "slot_start", "overtaken")
    rows = {r[0]: r for r in waiting.order_by("wait_started_at", "id").values_list(*fields)[:CANDIDATES]}
    # priority tickets and long-overtaken ones may sit behind the first CANDIDATES by arrival
    for r in waiting.filter(~Q(priority=Priority.NORMAL) | Q(overtaken__gte=Policy.max_overtaken)).order_by(
            "wait_started_at", "id").values_list(*fields)[:CANDIDATES]:
        rows[r[0]] = r
    return [Candidate(*r) for r in rows.values()]


def call_next(window: Window, *, by=None, policy: Policy = DEFAULT_POLICY, now: datetime | None = None) -> Ticket | None:
    """Claim the next ticket for this window; None when nobody waits."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    with _writing():
        candidates = _candidates(window, day)
        recent = list(Call.objects.filter(window=window, is_recall=False).order_by("-at", "-id")
                      .values_list("rule", flat=True)[:policy.priority_streak_cap])
        local_now = timezone.localtime(now)
        while candidates:
            choice = choose(candidates, local_now, recent, policy)
            c = choice.candidate
            wait = max(0, int((now - c.wait_started_at).total_seconds()))
            claimed = Ticket.objects.filter(pk=c.id, state=TicketState.WAITING).update(
                state=TicketState.CALLED, window=window, staff=by, first_called_at=now, wait_seconds=wait,
                version=F("version") + 1)
            if claimed == 1:
                TicketPeriod.objects.filter(ticket_id=c.id, end__isnull=True).update(end=now)
                TicketPeriod.objects.create(ticket_id=c.id, kind=PeriodKind.CALLED, start=now, window=window, staff=by)
                Call.objects.create(ticket_id=c.id, window=window, staff=by, at=now, rule=choice.rule,
                                    reason=choice.reason)
                overtaken = [o.id for o in candidates if o.id != c.id and
                             (o.wait_started_at, o.id) < (c.wait_started_at, c.id)]
                if overtaken:
                    Ticket.objects.filter(pk__in=overtaken, state=TicketState.WAITING).update(
                        overtaken=F("overtaken") + 1)
                return Ticket.objects.get(pk=c.id)
            candidates = [o for o in candidates if o.id != c.id]  # another window was faster
    return None


def _act(ticket: Ticket, action: str, window: Window, *, by=None, now=None, period: str | None = None,
         **updates) -> Ticket:
    sources, target = TICKET_TRANSITIONS[action]
    now = now or timezone.now()
    with _writing():
        current = Ticket.objects.filter(pk=ticket.pk).values_list("state", "window_id", "version").first()
        if current is None:
            raise QueueError("not_found", _("No such ticket."))
        state, window_id, version = current
        if window_id is not None and window_id != window.pk:
            raise QueueError("other_window", _("This ticket belongs to another window."))
        if state not in sources:
            raise QueueError("bad_state", _("Not possible while the ticket is “%(state)s”.") % {
                "state": TicketState(state).label})
        rows = Ticket.objects.filter(pk=ticket.pk, state=state, version=version).update(
            state=target, version=F("version") + 1, **updates)
        if rows != 1:
            raise QueueError("conflict", _("Someone else changed this ticket; reload and try again."))
        if period is not None or target == TicketState.DONE:
            TicketPeriod.objects.filter(ticket=ticket, end__isnull=True).update(end=now)
        if period is not None:
            TicketPeriod.objects.create(ticket=ticket, kind=period, start=now, window=window, staff=by)
    ticket.refresh_from_db()
    return ticket


def recall(ticket: Ticket, window: Window, *, by=None, min_minutes: int = 1, now=None) -> Ticket:
    """Call the same ticket again; after MAX_RECALLS it is closed as a no-show."""
    now = now or timezone.now()
    last = Call.objects.filter(ticket=ticket).order_by("-at").values_list("at", flat=True).first()
    if last and (now - last).total_seconds() < min_minutes * 60:
        raise QueueError("too_soon", _("Wait %(n)s minute(s) before calling this ticket again.") % {"n": min_minutes})
    if ticket.recall_count >= MAX_RECALLS:
        return finish(ticket, window, Outcome.NO_SHOW, by=by, now=now)
    ticket = _act(ticket, "recall", window, by=by, now=now, recall_count=F("recall_count") + 1)
    Call.objects.create(ticket=ticket, window=window, staff=by, at=now, rule="recall", is_recall=True,
                        reason=f"{ticket.label} called again ({ticket.recall_count})")
    return ticket


def start_service(ticket: Ticket, window: Window, *, by=None, now=None) -> Ticket:
    now = now or timezone.now()
    return _act(ticket, "start", window, by=by, now=now, period=PeriodKind.SERVING, service_started_at=now)


def hold(ticket: Ticket, window: Window, *, by=None, now=None) -> Ticket:
    return _act(ticket, "hold", window, by=by, now=now, period=PeriodKind.HELD)


def resume(ticket: Ticket, window: Window, *, by=None, now=None) -> Ticket:
    return _act(ticket, "resume", window, by=by, now=now, period=PeriodKind.SERVING)


def finish(ticket: Ticket, window: Window, outcome: str, *, by=None, now=None) -> Ticket:
    """End the visit with one outcome from the list (served, no-show, …)."""
    if outcome not in (Outcome.SERVED, Outcome.NO_SHOW):
        raise QueueError("bad_outcome", _("Finish with an outcome: served or no-show."))
    now = now or timezone.now()
    started = Ticket.objects.values_list("service_started_at", flat=True).get(pk=ticket.pk)
    seconds = int((now - started).total_seconds()) if started and outcome == Outcome.SERVED else None
    return _act(ticket, "finish", window, by=by, now=now, outcome=outcome, service_ended_at=now,
                service_seconds=seconds)


def transfer(ticket: Ticket, window: Window, target: Queue, *, by=None, now=None) -> Ticket:
    """Send the citizen to another queue keeping the original arrival time; returns the new ticket."""
    if target.center_id != ticket.center_id:
        raise QueueError("other_center", _("Transfers stay within the center."))
    now = now or timezone.now()
    with _writing():
        _act(ticket, "transfer", window, by=by, now=now, outcome=Outcome.TRANSFERRED, service_ended_at=now)
        new = _create(target, ticket.channel, Priority.TRANSFER, _("transferred from %(label)s") % {
            "label": ticket.label}, ticket.item, None, None, now)
        Ticket.objects.filter(pk=new.pk).update(wait_started_at=ticket.wait_started_at, transferred_from=ticket)
    new.refresh_from_db()
    return new


def cancel(ticket: Ticket, *, now=None) -> Ticket:
    """The citizen leaves before being called (from the live ticket page)."""
    now = now or timezone.now()
    with _writing():
        rows = Ticket.objects.filter(pk=ticket.pk, state=TicketState.WAITING).update(
            state=TicketState.DONE, outcome=Outcome.CANCELLED, version=F("version") + 1)
        if rows != 1:
            raise QueueError("bad_state", _("Only a waiting ticket can be cancelled."))
        TicketPeriod.objects.filter(ticket=ticket, end__isnull=True).update(end=now)
    ticket.refresh_from_db()
    return ticket
