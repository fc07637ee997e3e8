"""States, outcomes and the transition table of inquiries (首问负责制, 窗口无否决权制; domain.md §3.3, §5)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yimen.accounts.constants import Role
from yimen.lib.transitions import OWNER, Transition  # the pseudo-role of the owner; a row of the table

DEFAULT_FOLLOW_UP_WD = 2  # domain.md §2.3: follow_up_due = registered + 2 WD (per center, §8)


class InquiryState(models.TextChoices):
    OPEN = "open", _("Open (follow-up pending)")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", pgettext_lazy("inquiry or report state", "Closed")


class InquiryOutcome(models.TextChoices):
    ANSWERED = "answered", _("Answered on the spot")
    GUIDED = "guided", _("Guided to a window")
    FOLLOW_UP = "follow_up", _("Registered for follow-up")
    NOT_OURS = "not_ours", _("Not ours: sent to the competent body")


STAFF = frozenset({Role.WINDOW_STAFF, Role.HELP_STAFF, Role.REVIEWER, Role.CENTER_MANAGER, Role.ADMIN})
OWNER_OR_MANAGER = frozenset({OWNER, Role.CENTER_MANAGER, Role.ADMIN})

# Registration lands in a state that depends on the outcome: whatever cannot be answered now
# becomes an owned follow-up (OPEN); everything else is dealt with at once (CLOSED).
REGISTER_TARGET: dict[str, str] = {
    InquiryOutcome.ANSWERED: InquiryState.CLOSED,
    InquiryOutcome.GUIDED: InquiryState.CLOSED,
    InquiryOutcome.NOT_OURS: InquiryState.CLOSED,
    InquiryOutcome.FOLLOW_UP: InquiryState.OPEN,
}

INQUIRY_TRANSITIONS: dict[str, Transition] = {
    "register": Transition(
        frozenset(), None, STAFF,
        "the registering staff member is the first staff and owner; answered needs the answer, guided the "
        "window, not ours where the person was sent; follow-up gets follow_up_due = registered + N WD"),
    "hand_over": Transition(
        frozenset({InquiryState.OPEN, InquiryState.ANSWERED}), None, OWNER_OR_MANAGER,
        "a reason; the new owner is another active staff member of the same center"),
    "answer": Transition(
        frozenset({InquiryState.OPEN}), InquiryState.ANSWERED, OWNER_OR_MANAGER, "the answer text"),
    "close": Transition(
        frozenset({InquiryState.ANSWERED}), InquiryState.CLOSED, OWNER_OR_MANAGER,
        "an answer (an open follow-up is refused with answer_required)"),
}
