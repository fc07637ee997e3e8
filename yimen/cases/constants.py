"""Enumerations of the cases app and THE case state machine (domain.md §4.2).

`ALLOWED_TRANSITIONS` drives `services.apply`, future buttons and API permissions, and the
exhaustive state × action × role test. Each row: action → `Transition(sources, target, roles,
guard)`; `target` None means the state stays (suspend, resume, extend); roles are `Role` values
plus `SYSTEM` (the sweep) and `CITIZEN`; `guard` names a function of `guards.py`.
"""

from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _

from yimen.accounts.constants import Role
from yimen.workdays import sla as _sla

SYSTEM = "system"
CITIZEN = "citizen"


class CaseState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    RECEIVED = "received", _("Received")
    CORRECTION_REQUESTED = "correction_requested", _("Correction requested")
    ACCEPTED = "accepted", _("Accepted")
    UNDER_REVIEW = "under_review", _("Under review")
    DECIDED = "decided", _("Decided")
    COMPLETED = "completed", _("Completed")
    DELIVERED = "delivered", _("Delivered")
    REJECTED = "rejected", _("Not accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TERMINATED = "terminated", _("Terminated")
    CLOSED_UNCORRECTED = "closed_uncorrected", _("Closed without corrections")


FINAL_STATES = frozenset({CaseState.DELIVERED, CaseState.REJECTED, CaseState.WITHDRAWN, CaseState.TERMINATED,
                          CaseState.CLOSED_UNCORRECTED})
OPEN_STATES = frozenset(CaseState.values) - FINAL_STATES
BEFORE_DECISION = frozenset({CaseState.SUBMITTED, CaseState.RECEIVED, CaseState.CORRECTION_REQUESTED,
                             CaseState.ACCEPTED, CaseState.UNDER_REVIEW})
IN_HANDLING = frozenset({CaseState.ACCEPTED, CaseState.UNDER_REVIEW})


class CaseOutcome(models.TextChoices):
    APPROVED = "approved", _("Approved")
    PARTIALLY_APPROVED = "partially_approved", _("Partially approved")
    DENIED = "denied", _("Denied")


class CaseChannel(models.TextChoices):
    WINDOW = "window", _("At a window")
    ONLINE = "online", _("Online")
    HELP = "help", _("Assisted (help service)")


class ApplicantType(models.TextChoices):
    PERSON = "person", _("Natural person")
    ORGANISATION = "organisation", _("Organisation")


class DeliveryMethod(models.TextChoices):
    WINDOW = "window", _("At the release window")
    POST = "post", _("By post")
    E_LICENCE = "e_licence", _("Electronic licence")


# the one SLA status of domain.md §2.4 (workdays.sla), re-exported for the cases' models and forms
SlaStatus = _sla.SlaStatus


class Timeliness(models.TextChoices):
    EARLY = "early", _("Early")
    ON_TIME = "on_time", _("On time")
    LATE = "late", _("Late")


class SuspensionReason(models.TextChoices):
    """T11 (行政许可法 art. 45) plus another legal cause."""

    HEARING = "hearing", _("Hearing")
    TENDER = "tender", _("Tender")
    AUCTION = "auction", _("Auction")
    INSPECTION = "inspection", _("Inspection")
    TESTING = "testing", _("Testing")
    QUARANTINE = "quarantine", _("Quarantine")
    APPRAISAL = "appraisal", _("Appraisal")
    EXPERT_REVIEW = "expert_review", _("Expert review")
    OTHER_LEGAL = "other_legal", _("Other legal cause")


class DocumentKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    CORRECTION_NOTICE = "correction_notice", _("Correction notice")
    ACCEPTANCE_NOTICE = "acceptance_notice", _("Acceptance notice")
    REJECTION_DECISION = "rejection_decision", _("Decision not to accept")
    DECISION = "decision", _("Decision")
    COMPLETION_NOTICE = "completion_notice", _("Completion notice")


DOCUMENT_CODES = {
    DocumentKind.RECEIPT: "SJ", DocumentKind.CORRECTION_NOTICE: "BZ", DocumentKind.ACCEPTANCE_NOTICE: "SL",
    DocumentKind.REJECTION_DECISION: "BSL", DocumentKind.DECISION: "JD", DocumentKind.COMPLETION_NOTICE: "BJ",
}


class DeadlineKind(models.TextChoices):
    CORRECTION_NOTICE = "correction_notice", _("Correction notice or acceptance")
    LEGAL = "legal", _("Legal limit")
    PROMISED = "promised", _("Promised limit")
    DELIVERY = "delivery", _("Delivery")


class EscalationLevel(models.TextChoices):
    """warning → assignee; due_today → + section chief; overdue → + center leadership (domain.md §2.6)."""

    WARNING = "warning", _("Due soon: the handler")
    DUE_TODAY = "due_today", _("Due today: handler and section chief")
    OVERDUE = "overdue", _("Overdue: center leadership (督办)")


class HelpKind(models.TextChoices):
    """帮办 (domain.md §3.3 HelpService)."""

    ONLINE = "online", _("Online help")
    WINDOW = "window", _("Help at a window")
    CADRE = "cadre", _("Help by a leading cadre")
    VOLUNTEER = "volunteer", _("Volunteer help")
    AT_HOME = "at_home", _("Service at home")
    REMOTE = "remote", _("Remote help")
    POST = "post", _("By post")


class Beneficiary(models.TextChoices):
    ELDERLY = "elderly", _("Elderly person")
    DISABLED = "disabled", _("Person with a disability")
    PREGNANT = "pregnant", _("Pregnant woman")
    MILITARY = "military", _("Serviceman or veteran")
    ENTERPRISE = "enterprise", _("Enterprise (key project)")
    OTHER = "other", _("Other applicant")


class PaymentMethod(models.TextChoices):
    """How a fee was paid. Cash is always a choice: the plan forbids refusing cash."""

    CASH = "cash", _("Cash")
    CARD = "card", _("Bank card")
    MOBILE = "mobile", _("Mobile payment")
    TRANSFER = "transfer", _("Bank transfer")
    WAIVED = "waived", _("Waived by law")


class Transition(NamedTuple):
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    guard: str


S = CaseState
WS, HS, RV, CM, AD = Role.WINDOW_STAFF, Role.HELP_STAFF, Role.REVIEWER, Role.CENTER_MANAGER, Role.ADMIN


def _t(sources, target, roles, guard) -> Transition:
    return Transition(frozenset(sources), target, frozenset(roles), guard)


ALLOWED_TRANSITIONS: dict[str, Transition] = {
    "receive": _t({S.SUBMITTED}, S.RECEIVED, {WS, HS, SYSTEM}, "can_receive"),
    "request_correction": _t({S.RECEIVED}, S.CORRECTION_REQUESTED, {WS, RV}, "can_request_correction"),
    "submit_corrections": _t({S.CORRECTION_REQUESTED}, S.RECEIVED, {WS, CITIZEN}, "can_submit_corrections"),
    "abandon_correction": _t({S.CORRECTION_REQUESTED}, S.CLOSED_UNCORRECTED, {SYSTEM, WS}, "can_abandon_correction"),
    "accept": _t({S.RECEIVED}, S.ACCEPTED, {WS, RV}, "can_accept"),
    "deem_accept": _t({S.RECEIVED}, S.ACCEPTED, {SYSTEM}, "can_deem_accept"),
    "reject": _t({S.RECEIVED}, S.REJECTED, {WS, RV}, "can_reject"),
    "start_review": _t({S.ACCEPTED}, S.UNDER_REVIEW, {RV}, "can_start_review"),
    "suspend": _t(IN_HANDLING, None, {RV}, "can_suspend"),
    "resume": _t(IN_HANDLING, None, {RV}, "can_resume"),
    "extend": _t(IN_HANDLING, None, {RV}, "can_extend"),
    "decide": _t({S.UNDER_REVIEW}, S.DECIDED, {RV, WS}, "can_decide"),
    "complete": _t({S.DECIDED}, S.COMPLETED, {RV, WS}, "can_complete"),
    "deliver": _t({S.COMPLETED}, S.DELIVERED, {WS, SYSTEM}, "can_deliver"),
    "complete_immediately": _t({S.SUBMITTED}, S.COMPLETED, {WS}, "can_complete_immediately"),
    "withdraw": _t(BEFORE_DECISION, S.WITHDRAWN, {WS, CITIZEN}, "can_withdraw"),
    "terminate": _t(BEFORE_DECISION, S.TERMINATED, {CM, AD}, "can_terminate"),
}

ACTIONS = tuple(ALLOWED_TRANSITIONS)
ACTOR_ROLES = (*Role.values, SYSTEM, CITIZEN)
