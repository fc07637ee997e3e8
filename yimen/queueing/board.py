"""What the hall shows: every window's current ticket, the last calls and the waiting counts.
One function, read by the hall display, the per-window display and their resync requests."""

from __future__ import annotations

from django.utils import timezone

from yimen.hall.models import Center, Window

from .constants import AT_WINDOW
from .models import Call, Queue, Ticket
from .services import waiting_counts

LAST_CALLS = 8


def board(center: Center, *, now=None, window: Window | None = None) -> dict:
    """JSON-ready: `windows` [{id, number, name, ticket, state}], `calls` newest first
    [{label, window, at}], `queues` [{prefix, name, waiting}]."""
    day = timezone.localdate(now or timezone.now())
    windows = Window.objects.filter(center=center, is_active=True)
    if window is not None:
        windows = windows.filter(pk=window.pk)
    current = {w: (label, state) for w, label, state in Ticket.objects.filter(
        center=center, business_date=day, state__in=AT_WINDOW, window__isnull=False).order_by(
        "first_called_at").values_list("window_id", "label", "state")}
    calls = Call.objects.filter(ticket__center=center, ticket__business_date=day)
    if window is not None:
        calls = calls.filter(window=window)
    counts = waiting_counts(center.pk, day)
    return {
        "center": {"id": center.pk, "name": center.name},
        "windows": [{"id": w.pk, "number": w.number, "name": w.name or w.get_type_display(),
                     "ticket": current.get(w.pk, (None, None))[0], "state": current.get(w.pk, (None, None))[1]}
                    for w in windows],
        "calls": [{"label": label, "window": number, "at": timezone.localtime(at).strftime("%H:%M:%S"),
                   "recall": recall}
                  for label, number, at, recall in calls.order_by("-at", "-id").values_list(
                      "ticket__label", "window__number", "at", "is_recall")[:LAST_CALLS]],
        "queues": [{"prefix": q.prefix, "name": q.name, "waiting": counts.get(q.prefix, 0)}
                   for q in Queue.objects.filter(center=center, is_active=True)],
    }
