"""The 15-minute service circle (15分钟政务服务圈; issue 6 §4): centers and their self-service
terminals (自助终端) for the public service map, and the staff's fault and repair marks.

A terminal's hours are "24 hours" (`open_24h`), its own hours text, or else its center's opening
hours of the day. Live waiting counts are `queueing.services.waiting_counts` (what the hall board
shows), per queue, for today. Fault and repair go through `hall.services.set_terminal_status`
(audited, the note and the moment kept on the terminal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from yimen.catalog.models import ServiceItem
from yimen.hall.constants import TerminalKind, TerminalStatus
from yimen.hall.models import Center, Terminal
from yimen.hall.services import HallError, opening_spans, set_terminal_status, terminal_items
from yimen.queueing.models import Queue
from yimen.queueing.services import waiting_counts

__all__ = ["CenterEntry", "TerminalEntry", "service_map", "staff_terminals", "report_fault", "report_repair"]

NOTE_MAX = 200


@dataclass
class TerminalEntry:
    terminal: Terminal
    hours: str
    items: list[str]
    in_service: bool


@dataclass
class CenterEntry:
    center: Center
    hours_today: list[tuple[datetime, datetime]]
    open_now: bool
    waiting: list[tuple[str, int]]  # (queue name, people waiting)
    terminals: list[TerminalEntry] = field(default_factory=list)

    @property
    def waiting_total(self) -> int:
        return sum(n for _name, n in self.waiting)


def _hours_text(spans) -> str:
    return "、".join(f"{timezone.localtime(a):%H:%M}–{timezone.localtime(b):%H:%M}" for a, b in spans)


def service_map(*, now: datetime | None = None) -> list[CenterEntry]:
    """Every center with today's hours, whether it is open now, people waiting per queue today, and
    its self-service terminals (in service first) with hours and item names."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    centers = list(Center.objects.order_by("code"))
    names = {(q.center_id, q.prefix): q.name for q in Queue.objects.filter(is_active=True)}
    terminals: dict[int, list[Terminal]] = {}
    for t in Terminal.objects.filter(kind=TerminalKind.SELF_SERVICE).prefetch_related("items").order_by("code"):
        terminals.setdefault(t.center_id, []).append(t)
    wanted: dict[int, set[int]] = {t.pk: terminal_items(t) for ts in terminals.values() for t in ts}
    item_names = dict(ServiceItem.objects.filter(pk__in=set().union(*wanted.values()) if wanted else [])
                      .values_list("pk", "name"))
    out = []
    for center in centers:
        spans = opening_spans(center, today)
        counts = waiting_counts(center.pk, today)
        entry = CenterEntry(
            center=center, hours_today=spans, open_now=any(a <= now < b for a, b in spans),
            waiting=[(names[(center.pk, p)], n) for p, n in counts.items() if (center.pk, p) in names])
        for t in terminals.get(center.pk, []):
            hours = _("Open 24 hours") if t.open_24h else (t.hours or _hours_text(spans) or _("Closed today"))
            entry.terminals.append(TerminalEntry(
                terminal=t, hours=hours, items=sorted(item_names[i] for i in wanted[t.pk] if i in item_names),
                in_service=t.status == TerminalStatus.IN_SERVICE))
        entry.terminals.sort(key=lambda e: not e.in_service)
        out.append(entry)
    return out


def staff_terminals(center_id: int) -> list[Terminal]:
    return list(Terminal.objects.filter(center_id=center_id, kind=TerminalKind.SELF_SERVICE).order_by("code"))


def _note(note: str) -> str:
    note = (note or "").strip()
    if not note or len(note) > NOTE_MAX:
        raise HallError("bad_note", _("Describe it in a few words (at most 200 characters)."))
    return note


def report_fault(terminal: Terminal, note: str, *, by, now: datetime | None = None) -> Terminal:
    """A staff member of the terminal's center marks it out of service with what is wrong (audited)."""
    note = _note(note)
    if terminal.status == TerminalStatus.OUT_OF_SERVICE:
        raise HallError("already_faulty", _("This terminal is already marked out of service."))
    return set_terminal_status(terminal, TerminalStatus.OUT_OF_SERVICE, by=by, note=note, now=now)


def report_repair(terminal: Terminal, note: str, *, by, now: datetime | None = None) -> Terminal:
    """The terminal works again: back in service with how it was repaired (audited)."""
    note = _note(note)
    if terminal.status == TerminalStatus.IN_SERVICE:
        raise HallError("not_faulty", _("This terminal is in service."))
    return set_terminal_status(terminal, TerminalStatus.IN_SERVICE, by=by, note=note, now=now)
