"""States, choices and the transition table of cannot-handle reports (办不成事反映; domain.md §3.3, T15–T19)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yimen.accounts.constants import Role
from yimen.lib.transitions import OWNER, Transition  # the pseudo-role of the owner; a row of the table


class ReportState(models.TextChoices):
    RECEIVED = "received", _("Received")
    CONTACTED = "contacted", _("Reporter contacted")
    RESOLVING = "resolving", _("Being resolved")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", pgettext_lazy("inquiry or report state", "Closed")


OPEN_STATES = (ReportState.RECEIVED, ReportState.CONTACTED, ReportState.RESOLVING)


class ReportChannel(models.TextChoices):
    WINDOW = "window", _("At the window")
    ONLINE = "online", _("Online")
    HOTLINE = "hotline", _("12345 hotline")


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class Timeliness(models.TextChoices):
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


# T19: orders routed by the 12345 hotline are contacted the same day.
CHANNEL_CONTACT_WD: dict[str, int] = {ReportChannel.HOTLINE: 0}


STAFF = frozenset({Role.WINDOW_STAFF, Role.HELP_STAFF, Role.CENTER_MANAGER, Role.ADMIN})
MANAGERS = frozenset({Role.CENTER_MANAGER, Role.ADMIN})
OWNER_OR_MANAGER = frozenset({OWNER, *MANAGERS})
_OPEN = frozenset(OPEN_STATES)

REPORT_TRANSITIONS: dict[str, Transition] = {
    "take_report": Transition(
        frozenset(), ReportState.RECEIVED, STAFF,
        "a description; the taker owns it; contact / simple / complex dues from the center's policy"),
    "assign": Transition(
        _OPEN, None, OWNER_OR_MANAGER, "another active staff member of the same center"),
    "record_contact": Transition(
        frozenset({ReportState.RECEIVED}), ReportState.CONTACTED, OWNER_OR_MANAGER,
        "a note of the contact; chained policies count the limits from it"),
    "start_resolving": Transition(
        frozenset({ReportState.CONTACTED}), ReportState.RESOLVING, OWNER_OR_MANAGER, "a note of the measures"),
    "mark_complex": Transition(
        _OPEN, None, MANAGERS, "a reason; not yet complex; the complex due applies, still from receipt"),
    "resolve": Transition(
        frozenset({ReportState.CONTACTED, ReportState.RESOLVING}), ReportState.RESOLVED, OWNER_OR_MANAGER,
        "the resolution; records timeliness against the applicable due date"),
    "record_satisfaction": Transition(
        frozenset({ReportState.RESOLVED}), ReportState.CLOSED, OWNER_OR_MANAGER,
        "the reporter's satisfaction; closing needs a resolution and a satisfaction"),
}
