"""Choices and the bad-review transition table of 好差评 (domain.md §3.5, §4.3)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yimen.accounts.constants import Role
from yimen.lib.transitions import OWNER, Transition


class EvaluationChannel(models.TextChoices):
    PAD = "pad", _("Evaluation pad at the window")
    QR = "qr", _("QR code")
    SMS = "sms", _("SMS link")
    PORTAL = "portal", _("Portal")
    MOBILE = "mobile", _("Mobile app")
    TERMINAL = "terminal", _("Self-service terminal")
    HOTLINE = "12345", _("12345 hotline")


class Level(models.IntegerChoices):
    """5 非常满意 … 1 非常不满意; 差评 is level ≤ 2."""

    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


BAD_LEVEL = 2  # level ≤ 2 is a 差评


class SubScore(models.TextChoices):
    ATTITUDE = "attitude", _("Service attitude")
    EFFICIENCY = "efficiency", _("Efficiency")
    COMPETENCE = "competence", _("Competence")
    GUIDE_ACCURACY = "guide_accuracy", _("Guide accuracy")
    CONVENIENCE = "convenience", _("Convenience")


class EvaluationStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    UNDER_APPEAL = "under_appeal", _("Under appeal")
    EXCLUDED = "excluded", _("Excluded from statistics")


# The default reason tags of a center (domain.md §3.5): code, name (center data, edited in the admin).
DEFAULT_REASON_TAGS: list[tuple[str, str]] = [
    ("attitude", "服务态度"),
    ("long_wait", "等候时间长"),
    ("overdue", "办理超时"),
    ("repeated_corrections", "反复补正"),
    ("repeated_visits", "多次跑动"),
    ("guide_inaccurate", "指南不准确"),
    ("system", "系统或设备"),
    ("policy_or_fees", "政策或收费"),
    ("other", "其他"),
]


class ReviewState(models.TextChoices):
    RECEIVED = "received", _("Received")
    CONTACTED = "contacted", _("Evaluator contacted")
    RECTIFYING = "rectifying", _("Rectifying")
    REPLIED = "replied", _("Replied")
    CLOSED = "closed", pgettext_lazy("bad review state", "Closed")
    APPEALING = "appealing", _("Under appeal")
    ESCALATED = "escalated", _("Escalated (督办)")
    EXCLUDED = "excluded", _("Excluded")


OPEN_STATES = (ReviewState.RECEIVED, ReviewState.CONTACTED, ReviewState.RECTIFYING, ReviewState.REPLIED,
               ReviewState.APPEALING, ReviewState.ESCALATED)


class Verification(models.TextChoices):
    TRUE = "true", _("True (属实)")
    PARTLY_TRUE = "partly_true", _("Partly true (部分属实)")
    UNTRUE = "untrue", _("Untrue (不属实)")
    NO_LEGAL_BASIS = "no_legal_basis", _("Lacks a legal basis (缺乏法定依据)")
    MISTAKEN = "mistaken", _("Mistaken review (误评)")
    MALICIOUS = "malicious", _("Malicious review (恶意)")


SUBSTANTIATED = frozenset({Verification.TRUE, Verification.PARTLY_TRUE})  # measures needed
# `verify` records these; a mistaken or malicious review goes through an appeal instead
VERIFY_CHOICES = frozenset({Verification.TRUE, Verification.PARTLY_TRUE, Verification.UNTRUE,
                            Verification.NO_LEGAL_BASIS})


class ReplyRating(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("Basically satisfied")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


SATISFIED_RATINGS = frozenset({ReplyRating.SATISFIED, ReplyRating.BASICALLY_SATISFIED})


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    VISIT = "visit", _("In person")
    OTHER = "other", _("Other")


class AppealGrounds(models.TextChoices):
    MISTAKEN = "mistaken", _("Mistaken review (误评)")
    MALICIOUS = "malicious", _("Malicious review (恶意)")


class AppealDecision(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    REJECTED = "rejected", _("Rejected")


MANAGERS = frozenset({Role.CENTER_MANAGER, Role.ADMIN})
OWNER_ONLY = frozenset({OWNER})
OWNER_OR_MANAGER = frozenset({OWNER, *MANAGERS})
SYSTEM = "system"  # the creating service (an evaluation of level ≤ 2)

_S = ReviewState
# domain.md §4.3, one row per action: sources, target (None: unchanged), roles, guard. `decide_appeal`
# has two outcomes: the service runs it as `uphold_appeal` (→ EXCLUDED) or `reject_appeal`
# (→ RECTIFYING), both listed in APPEAL_OUTCOMES and written as such in the events.
BAD_REVIEW_TRANSITIONS: dict[str, Transition] = {
    "log_attempt": Transition(
        frozenset({_S.RECEIVED, _S.CONTACTED, _S.RECTIFYING, _S.REPLIED}), None, OWNER_ONLY,
        "a contact attempt: time, channel, reached or not, note"),
    "contact": Transition(
        frozenset({_S.RECEIVED}), _S.CONTACTED, OWNER_ONLY,
        "a real-name evaluator reached (note), or the policy's number of failed attempts logged (unreachable)"),
    "mark_complex": Transition(
        frozenset({_S.RECEIVED, _S.CONTACTED, _S.RECTIFYING}), None, MANAGERS,
        "a reason; not yet complex; feedback_due switches to the complex limit from the round's start"),
    "verify": Transition(
        frozenset({_S.RECEIVED, _S.CONTACTED}), _S.RECTIFYING, OWNER_ONLY,
        "from RECEIVED only when anonymous; true / partly true need measures (a ledger row), untrue / "
        "no legal basis an explanation"),
    "file_appeal": Transition(
        frozenset({_S.CONTACTED, _S.RECTIFYING}), _S.APPEALING, OWNER_ONLY,
        "mistaken or malicious, with evidence; the clock keeps running"),
    "decide_appeal": Transition(
        frozenset({_S.APPEALING}), None, MANAGERS,
        "a center manager who did not file it; upheld: EXCLUDED, evaluation excluded; rejected: RECTIFYING"),
    "reply": Transition(
        frozenset({_S.RECTIFYING}), _S.REPLIED, OWNER_ONLY,
        "the reply sent; verified; a substantiated complex order has ledger rows; sets callback_due"),
    "callback": Transition(
        frozenset({_S.REPLIED}), _S.CLOSED, OWNER_OR_MANAGER,
        "rating satisfied or basically satisfied; anonymous or unreachable evaluators close without one"),
    "reopen": Transition(
        frozenset({_S.REPLIED}), _S.RECTIFYING, OWNER_ONLY,
        "dissatisfied and round < max_rounds: round + 1, feedback_due = today + the same limit"),
    "escalate": Transition(
        frozenset({_S.REPLIED}), _S.ESCALATED, OWNER_ONLY, "dissatisfied at max_rounds: 督办"),
    "close_escalated": Transition(
        frozenset({_S.ESCALATED}), _S.CLOSED, MANAGERS, "the conclusion"),
}

APPEAL_OUTCOMES: dict[str, tuple[str, str]] = {  # decision -> (internal action, target state)
    AppealDecision.UPHELD: ("uphold_appeal", _S.EXCLUDED),
    AppealDecision.REJECTED: ("reject_appeal", _S.RECTIFYING),
}

# The inputs each action takes (API bodies and desk forms pass only these to the service).
ACTION_INPUTS: dict[str, tuple[str, ...]] = {
    "log_attempt": ("channel", "reached", "note"),
    "contact": ("note",),
    "mark_complex": ("reason",),
    "verify": ("verification", "note", "problem", "measure"),
    "file_appeal": ("grounds", "evidence"),
    "decide_appeal": ("decision", "note"),
    "reply": ("text", "verification"),
    "callback": ("rating", "note"),
    "reopen": ("note",),
    "escalate": ("note",),
    "close_escalated": ("conclusion",),
}


class GuideTaskState(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


GUIDE_TAG = "guide_inaccurate"  # the reason tag 指南不准确


class DueKind(models.TextChoices):
    CONTACT = "contact", _("Contact due")
    FEEDBACK = "feedback", _("Feedback due")
    CALLBACK = "callback", _("Call-back due")
