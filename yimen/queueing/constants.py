from django.db import models
from django.utils.translation import gettext_lazy as _


class TicketState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Being served")
    HELD = "held", _("On hold")
    DONE = "done", _("Done")


class Outcome(models.TextChoices):
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("Did not come")
    TRANSFERRED = "transferred", _("Transferred")
    CANCELLED = "cancelled", _("Cancelled by the citizen")
    CLOSED = "closed", _("Closed at the end of the day")


class Channel(models.TextChoices):
    KIOSK = "kiosk", _("Kiosk")
    PHONE = "phone", _("Phone (QR code or web)")
    CHECKIN = "checkin", _("Appointment check-in")
    STAFF = "staff", _("Issued by staff")


class Priority(models.TextChoices):
    """Ticket classes, strongest first (the ordering policy, policy.py, decides between them)."""

    APPOINTMENT = "appointment", _("Appointment")
    GREEN_CHANNEL = "green_channel", _("Green channel (elderly, disabled, pregnant, military)")
    TRANSFER = "transfer", _("Transferred")
    NORMAL = "normal", _("Normal")


class PeriodKind(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    CALLED = "called", _("Called")
    SERVING = "serving", _("Serving")
    HELD = "held", _("On hold")


# A ticket a window holds: called, being served or on hold (shown on displays and the console).
AT_WINDOW = (TicketState.CALLED, TicketState.SERVING, TicketState.HELD)

# Window actions: action -> (from states, to state). The services check it; the console reads it.
TICKET_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "call": (frozenset({TicketState.WAITING}), TicketState.CALLED),
    "call_number": (frozenset({TicketState.WAITING}), TicketState.CALLED),
    "recall": (frozenset({TicketState.CALLED}), TicketState.CALLED),
    "skip": (frozenset({TicketState.CALLED}), TicketState.WAITING),
    "start": (frozenset({TicketState.CALLED}), TicketState.SERVING),
    "hold": (frozenset({TicketState.CALLED, TicketState.SERVING}), TicketState.HELD),
    "resume": (frozenset({TicketState.HELD}), TicketState.SERVING),
    "finish": (frozenset({TicketState.CALLED, TicketState.SERVING, TicketState.HELD}), TicketState.DONE),
    "transfer": (frozenset({TicketState.CALLED, TicketState.SERVING, TicketState.HELD}), TicketState.DONE),
    "cancel": (frozenset({TicketState.WAITING}), TicketState.DONE),
    "close": (frozenset({TicketState.WAITING, TicketState.CALLED, TicketState.SERVING, TicketState.HELD}),
              TicketState.DONE),
}
# Citizen-facing channels: a ticket from these needs the center to be open (staff may issue any time).
PUBLIC_CHANNELS = frozenset({Channel.KIOSK, Channel.PHONE, Channel.CHECKIN})
# Finishing outcomes a window may choose; the others come from transfer, cancel and close_day.
FINISH_OUTCOMES = frozenset({Outcome.SERVED, Outcome.NO_SHOW})
MAX_SKIPS = 1  # 过号 once: back to the queue; a second skip ends the ticket as a no-show


class GreenReason(models.TextChoices):
    """What a citizen declares at the kiosk for the green channel (绿色通道); staff check it."""

    ELDERLY = "elderly", _("Elderly")
    DISABLED = "disabled", _("Disabled")
    PREGNANT = "pregnant", _("Pregnant")
    MILITARY = "military", _("Serviceman or veteran")


# Why a ticket was called: the rule stored with every Call (policy.py), explained to staff.
CALL_RULES: dict[str, str] = {
    "overtaken_limit": _("It had been overtaken too often (fairness limit)"),
    "fairness_cap": _("Priority calls in a row reached the cap: the longest-waiting ticket goes first"),
    "appointment": _("Appointment within its check-in window"),
    "green_channel": _("Green channel"),
    "transfer": _("Transferred: keeps its original arrival time"),
    "arrival": _("Waited longest"),
    "by_number": _("Called by number"),
    "recall": _("Called again"),
}
