"""What a citizen (and the kiosk) sees of a ticket: one source for the API, the live ticket page
and the printed ticket. No personal data; the priority reason only for staff."""

from __future__ import annotations

from . import services
from .constants import Outcome, TicketState
from .estimate import estimate_for
from .models import Ticket


def ticket_data(t: Ticket, *, staff: bool = False) -> dict:
    """`t.queue` should be loaded; item, window and the transfer target cost a query each when set."""
    wait = estimate_for(t) if t.state == TicketState.WAITING else None
    data = {
        "label": t.label, "token": t.public_token, "state": t.state, "state_label": _state_label(t),
        "outcome": t.outcome, "queue": t.queue.prefix, "queue_name": t.queue.name,
        "item": t.item.name if t.item_id else None, "priority": t.priority,
        "people_ahead": services.people_ahead(t),
        "window": t.window.number if t.window_id else None, "issued_at": t.issued_at,
        "estimated_wait_seconds": wait,
        "estimated_wait_minutes": None if wait is None else max(1, round(wait / 60)),
        "transferred_to": (Ticket.objects.filter(transferred_from=t).values_list("public_token", flat=True).first()
                           if t.outcome == Outcome.TRANSFERRED else None),
    }
    if staff:
        data.update(window_id=t.window_id, channel=t.channel, priority_reason=t.priority_reason,
                    recall_count=t.recall_count, skip_count=t.skip_count, wait_seconds=t.wait_seconds)
    return data


def _state_label(t: Ticket) -> str:
    if t.state == TicketState.DONE and t.outcome:
        return str(Outcome(t.outcome).label)
    return str(TicketState(t.state).label)
