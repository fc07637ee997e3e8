"""Public API of cannot-handle reports (办不成事反映窗口; domain.md §3.3, §2.3 T15–T19, §4.1).

- `take_report(center, by=…, channel=…, description=…)`: RECEIVED, owned by the staff member who
  took it; contact / simple / complex due dates from the center's `RectificationPolicy` (1/4/13
  working days cumulative from receipt by default, 1/5/15 preset). A 12345 hotline report is
  contacted the same day (T19).
- `assign`, `record_contact`, `start_resolving`, `mark_complex`, `resolve`, `record_satisfaction`:
  each is one action of `REPORT_TRANSITIONS` (`constants.py`) through the one transition service
  `apply` (row lock, role and state check, guard, compare-and-set UPDATE on (state, version), a
  `CannotHandleEvent` in the same transaction). Closing needs a resolution and a satisfaction.
- `report_sla(report)`: the worst open deadline's SLA status, computed on read;
  `worklist(user)`: the user's open reports, most urgent first.

Refusals raise `CannotHandleError` with a stable `.code`; a refused action changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Case, F, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yimen.hall.models import Center, Window
from yimen.hall.rectification import RectificationAnchor, deadlines, from_snapshot, policy_for, snapshot
from yimen.lib.errors import Refused
from yimen.lib.transitions import Wording, Workflow, is_staff_of
from yimen.workdays.services import get_calendar
from yimen.workdays.sla import Sla, sla_status, worst

from .constants import (
    CHANNEL_CONTACT_WD,
    OPEN_STATES,
    REPORT_TRANSITIONS,
    ReportChannel,
    ReportState,
    Satisfaction,
    Timeliness,
)
from .models import CannotHandleEvent, CannotHandleReport

__all__ = ["CannotHandleError", "OpenReport", "apply", "assign", "mark_complex", "record_contact",
           "record_satisfaction", "report_sla", "resolve", "start_resolving", "take_report", "worklist"]


class CannotHandleError(Refused):
    """A refused cannot-handle action; `.code` is stable, the message is translated."""


# --- due dates ------------------------------------------------------------------------------------

def _dues(report: CannotHandleReport, *, contacted_on: date | None = None) -> dict:
    """The cached due-date fields of a report from its policy snapshot (never from today's policy)."""
    policy = from_snapshot(report.policy_snapshot)
    dues = deadlines(policy, report.received_on, contacted_on=contacted_on,
                     contact_wd=CHANNEL_CONTACT_WD.get(report.channel), calendar_id=report.center.calendar_id)
    return {"contact_due": dues.contact.date, "simple_due": dues.simple.date, "complex_due": dues.complex.date,
            "deadlines_provisional": dues.provisional}


# --- receipt --------------------------------------------------------------------------------------

def take_report(center: Center, *, by, channel: str, description: str, reporter_name: str = "",
                reporter_phone: str = "", item=None, window: Window | None = None,
                now: datetime | None = None) -> CannotHandleReport:
    """Take a report; the staff member taking it owns it until it is assigned.

    Refuses: the actor (`forbidden`, `wrong_center`), an unknown channel (`bad_channel`), no
    description (`description_required`), a window of another center (`wrong_window`)."""
    rule = REPORT_TRANSITIONS["take_report"]
    _WORKFLOW.check_actor(rule, by, center.pk)
    if channel not in ReportChannel.values:
        raise CannotHandleError("bad_channel", _("Choose how the report came in."))
    description = description.strip()
    if not description:
        raise CannotHandleError("description_required", _("Describe what could not be done."))
    if window is not None and window.center_id != center.pk:
        raise CannotHandleError("wrong_window", _("Choose a window of this center."))
    now = now or timezone.now()
    report = CannotHandleReport(
        center=center, channel=channel, window=window, reporter_name=reporter_name.strip(),
        reporter_phone=reporter_phone.strip(), item=item, description=description, received_at=now,
        received_on=timezone.localdate(now), received_by=by, owner=by, policy_snapshot=snapshot(policy_for(center)),
        state=rule.target,
    )
    for name, value in _dues(report).items():
        setattr(report, name, value)
    with transaction.atomic():
        report.save()
        _WORKFLOW.record(report, "take_report", "", report.state, by, now, {
            "channel": channel, "owner": by.pk, "policy": report.policy_snapshot, "contact_due": report.contact_due,
            "simple_due": report.simple_due, "complex_due": report.complex_due,
        })
    return report


# --- transitions ----------------------------------------------------------------------------------

def _guard_assign(report, *, by, now, to=None, note: str = "") -> tuple[dict, dict]:
    if not is_staff_of(to, report.center_id, REPORT_TRANSITIONS["take_report"].roles):
        raise CannotHandleError("bad_owner", _("Assign to an active staff member of this center."))
    if to.pk == report.owner_id:
        raise CannotHandleError("same_owner", _("This person already owns the report."))
    return {"owner": to}, {"from_owner": report.owner_id, "to_owner": to.pk, "note": note.strip()}


def _guard_record_contact(report, *, by, now, note: str = "") -> tuple[dict, dict]:
    note = note.strip()
    if not note:
        raise CannotHandleError("note_required", _("Note what was agreed with the reporter."))
    contacted_on = timezone.localdate(now)
    updates: dict = {"contacted_at": now}
    if report.policy_snapshot.get("anchor") == RectificationAnchor.CHAINED:
        updates.update(_dues(report, contacted_on=contacted_on))
    return updates, {"note": note, "late": contacted_on > report.contact_due,
                     "simple_due": updates.get("simple_due", report.simple_due),
                     "complex_due": updates.get("complex_due", report.complex_due)}


def _guard_start_resolving(report, *, by, now, note: str = "") -> tuple[dict, dict]:
    note = note.strip()
    if not note:
        raise CannotHandleError("note_required", _("Note the measures being taken."))
    return {}, {"note": note}


def _guard_mark_complex(report, *, by, now, reason: str = "") -> tuple[dict, dict]:
    reason = reason.strip()
    if report.is_complex:
        raise CannotHandleError("already_complex", _("The report is already complex."))
    if not reason:
        raise CannotHandleError("reason_required", _("Say why the report is complex."))
    return {"is_complex": True, "complex_reason": reason}, {
        "reason": reason, "feedback_due": {"before": report.simple_due, "after": report.complex_due}}


def _guard_resolve(report, *, by, now, resolution: str = "") -> tuple[dict, dict]:
    resolution = resolution.strip()
    if not resolution:
        raise CannotHandleError("resolution_required", _("Describe how the matter was resolved."))
    resolved_on = timezone.localdate(now)
    timeliness = Timeliness.ON_TIME if resolved_on <= report.feedback_due else Timeliness.LATE
    return {"resolution": resolution, "resolved_on": resolved_on, "timeliness": timeliness}, {
        "timeliness": timeliness, "feedback_due": report.feedback_due}


def _guard_record_satisfaction(report, *, by, now, satisfaction: str = "") -> tuple[dict, dict]:
    if satisfaction not in Satisfaction.values:
        raise CannotHandleError("satisfaction_required", _("Record the reporter's satisfaction."))
    if not report.resolution.strip():
        raise CannotHandleError("resolution_required", _("Describe how the matter was resolved."))
    return {"satisfaction": satisfaction, "closed_at": now}, {"satisfaction": satisfaction}


_GUARDS: dict[str, Callable[..., tuple[dict, dict]]] = {
    "assign": _guard_assign,
    "record_contact": _guard_record_contact,
    "start_resolving": _guard_start_resolving,
    "mark_complex": _guard_mark_complex,
    "resolve": _guard_resolve,
    "record_satisfaction": _guard_record_satisfaction,
}


def _state_refusal(action: str, report: CannotHandleReport) -> CannotHandleError | None:
    if action == "record_satisfaction" and report.state in OPEN_STATES:
        return CannotHandleError("resolution_required", _("Describe how the matter was resolved."))
    return None


_WORKFLOW = Workflow(
    model=CannotHandleReport, transitions=REPORT_TRANSITIONS, guards=_GUARDS, error=CannotHandleError,
    wording=Wording(wrong_center=gettext_lazy("This report belongs to another center."),
                    conflict=gettext_lazy("Someone else changed this report; reload it."),
                    bad_state=gettext_lazy("Not possible while the report is “%(state)s”.")),
    event_model=CannotHandleEvent, event_fk="report", select_related=("center",), state_refusal=_state_refusal,
)


def apply(report: CannotHandleReport, action: str, *, by, now: datetime | None = None,
          **payload) -> CannotHandleReport:
    """The one transition service (domain.md §4.1; `yimen.lib.transitions.Workflow`). Returns the
    report as changed.

    Refuses: an unknown action (`unknown_action`), a stale copy or a concurrent change
    (`conflict`), the actor (`forbidden`, `wrong_center`), the state (`bad_state`; closing before
    a resolution: `resolution_required`) and each action's guard."""
    return _WORKFLOW.apply(report, action, by=by, now=now, **payload)


def assign(report: CannotHandleReport, to, *, by, note: str = "", now: datetime | None = None):
    """Give the report to another staff member of the center (an event records who and why)."""
    return apply(report, "assign", by=by, now=now, to=to, note=note)


def record_contact(report: CannotHandleReport, *, by, note: str, now: datetime | None = None):
    """The reporter was contacted (T15: within the contact limit; a late contact is flagged)."""
    return apply(report, "record_contact", by=by, now=now, note=note)


def start_resolving(report: CannotHandleReport, *, by, note: str, now: datetime | None = None):
    return apply(report, "start_resolving", by=by, now=now, note=note)


def mark_complex(report: CannotHandleReport, *, by, reason: str, now: datetime | None = None):
    """A center manager marks the report complex: the complex due date applies, still from receipt."""
    return apply(report, "mark_complex", by=by, now=now, reason=reason)


def resolve(report: CannotHandleReport, resolution: str, *, by, now: datetime | None = None):
    return apply(report, "resolve", by=by, now=now, resolution=resolution)


def record_satisfaction(report: CannotHandleReport, satisfaction: str, *, by, now: datetime | None = None):
    """The reporter's satisfaction with the resolution; closes the report."""
    return apply(report, "record_satisfaction", by=by, now=now, satisfaction=satisfaction)


# --- reading ----------------------------------------------------------------------------------------

def report_sla(report: CannotHandleReport, *, today: date | None = None, calendar=None) -> Sla | None:
    """The worst open deadline (contact while not contacted, feedback while not resolved), on read."""
    if report.state not in OPEN_STATES:
        return None
    today = today or timezone.localdate()
    cal = calendar or get_calendar(report.center.calendar_id)
    running = [report.feedback_due]
    if report.state == ReportState.RECEIVED:
        running.append(report.contact_due)
    return worst(*(sla_status(due, anchor=report.received_on, today=today,
                              provisional=report.deadlines_provisional, calendar=cal) for due in running))


@dataclass(frozen=True)
class OpenReport:
    report: CannotHandleReport
    sla: Sla

    @property
    def due(self) -> date:
        return self.sla.due

    @property
    def wd_left(self) -> int:
        return self.sla.wd_left

    @property
    def status(self) -> str:
        return self.sla.status


def worklist(user, *, today: date | None = None) -> list[OpenReport]:
    """The user's open reports, earliest open due date first (contact while not contacted, else feedback)."""
    today = today or timezone.localdate()
    next_due = Case(When(state=ReportState.RECEIVED, then=F("contact_due")),
                    When(is_complex=True, then=F("complex_due")), default=F("simple_due"))
    rows = (CannotHandleReport.objects.filter(owner=user, state__in=OPEN_STATES).select_related("center", "item")
            .annotate(next_due=next_due).order_by("next_due", "received_at", "pk"))
    calendars: dict[int | None, object] = {}
    items = []
    for report in rows:
        cid = report.center.calendar_id
        if cid not in calendars:
            calendars[cid] = get_calendar(cid)
        items.append(OpenReport(report, report_sla(report, today=today, calendar=calendars[cid])))
    return items
