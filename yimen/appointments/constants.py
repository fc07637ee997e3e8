"""States, channels and defaults of appointments (统一预约; domain.md §3.4, §8)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class BookingState(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Checked in")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", pgettext_lazy("appointment state", "Cancelled")


class WaitState(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Place offered")
    BOOKED = "booked", _("Booked")
    EXPIRED = "expired", _("Expired")
    LEFT = "left", _("Left the waitlist")


class BookingChannel(models.TextChoices):
    """Where a booking was made; each has its own share of a slot (the walk-in share is never booked)."""

    WEB = "web", _("Web and phone browser")
    PHONE = "phone", _("Hotline (12345)")
    INTERNAL = "internal", _("Internal (staff)")


class ApplicantType(models.TextChoices):
    PERSON = "person", _("Natural person (ID number)")
    ORGANISATION = "organisation", _("Enterprise or organisation (unified social credit code)")


class LateRule(models.TextChoices):
    """What check-in does after the check-in window has closed."""

    WALK_IN = "walk_in", _("Take a normal ticket (walk-in)")
    REFUSE = "refuse", _("Refuse: book again")


# The one active state: a booking that still holds its place (one per person and item).
ACTIVE_STATES = (BookingState.BOOKED,)
# States that count against a slot's capacity (a checked-in or no-show booking used its place).
HOLDING_STATES = (BookingState.BOOKED, BookingState.CHECKED_IN, BookingState.NO_SHOW)

# action -> (from states, to state); the services check it.
BOOKING_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "book": (frozenset(), BookingState.BOOKED),
    "reschedule": (frozenset({BookingState.BOOKED}), BookingState.BOOKED),
    "cancel": (frozenset({BookingState.BOOKED}), BookingState.CANCELLED),
    "check_in": (frozenset({BookingState.BOOKED}), BookingState.CHECKED_IN),
    "no_show": (frozenset({BookingState.BOOKED}), BookingState.NO_SHOW),
    "remind": (frozenset({BookingState.BOOKED}), BookingState.BOOKED),
}

# Defaults of BookingPolicy (domain.md §8), used for a center without a row.
DEFAULT_NO_SHOW_LIMIT = 3
DEFAULT_NO_SHOW_DAYS = 90
DEFAULT_BLOCK_DAYS = 30
DEFAULT_PHONE_DAILY = 5      # bookings made with one phone number in 24 hours
DEFAULT_ADDRESS_HOURLY = 20  # bookings made from one network address in an hour
DEFAULT_HORIZON_DAYS = 14
DEFAULT_RELEASE_DELAY = 10  # minutes a freed place stays taken (against handing slots over: anchors.md, ZMS)

DEFAULT_OFFER_MINUTES = 30  # how long a place offered to the waitlist is held for its citizen
# Waitlist entries that are still in line (one per person and item, like bookings)
WAIT_ACTIVE_STATES = (WaitState.WAITING, WaitState.OFFERED)

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 10
