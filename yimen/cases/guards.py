"""Guards of the case state machine, named by `constants.ALLOWED_TRANSITIONS`.

Each guard takes the transition context (the case re-read inside the write transaction, the actor,
today's local date and the payload) and raises `CaseError` with a stable code when the action is
not allowed; it never writes. Guards may read the database.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from yimen.accounts.constants import Role
from yimen.catalog.constants import CaseType
from yimen.lib.errors import Refused
from yimen.supervision.constants import Power
from yimen.supervision.services import authorized
from yimen.workdays import calc

from .constants import SYSTEM, CaseOutcome, DeliveryMethod, SuspensionReason
from .models import Case, CaseEvent, CaseExtension, CaseMaterial, CaseSuspension, CorrectionNotice


class CaseError(Refused):
    """A refused case action; `.code` is stable, the message is translated."""


@dataclass
class Ctx:
    case: Case
    by: object  # a User, or constants.SYSTEM / constants.CITIZEN
    role: str
    now: datetime
    today: date
    cal: calc.Calendar
    payload: dict = field(default_factory=dict)

    @property
    def user(self):
        return self.by if getattr(self.by, "pk", None) else None


def _text(ctx: Ctx, name: str) -> str:
    value = ctx.payload.get(name)
    return value.strip() if isinstance(value, str) else ""


INPUT_LABELS = {  # what a missing input is called in the refusal
    "reason": _lazy("the reason"), "reasons": _lazy("the reasons"), "basis": _lazy("the legal basis"),
    "notice_ref": _lazy("the reference of the written notice"), "approved_by": _lazy("who approved it"),
    "legal_cause": _lazy("the legal cause"),
}


def _require(ctx: Ctx, *names: str) -> None:
    for name in names:
        if not _text(ctx, name):
            raise CaseError(f"{name}_required", _("Please give %(field)s.") % {"field": INPUT_LABELS[name]})


def _window_authorized(ctx: Ctx, power: str) -> None:
    """Window staff act for the agency only under a covering supervision `Authorization`."""
    if ctx.role == Role.WINDOW_STAFF and not authorized(ctx.user, power, ctx.case.item, ctx.case.situation,
                                                        on=ctx.today):
        raise CaseError("not_authorized", _("You hold no authorization of the agency for this item."))


def _reasons_and_remedies(ctx: Ctx) -> None:
    if not _text(ctx, "reasons") or not _text(ctx, "remedies"):
        raise CaseError("reasons_required", _("A refusal must state its reasons and the applicant's remedies "
                                              "(administrative review or litigation)."))


def _missing_materials(case: Case) -> list[CaseMaterial]:
    return list(CaseMaterial.objects.filter(case=case, received=False, exempt=False,
                                            material__necessity="required").select_related("material"))


# What the case alone already rules out, before any input: the buttons and the API's `actions`
# leave these out; the guards below refuse the same with their reason.
FEASIBLE: dict[str, Callable[[Case], bool]] = {
    "complete_immediately": lambda case: case.rules_snapshot.get("case_type") == CaseType.IMMEDIATE,
    "suspend": lambda case: not case.is_suspended and case.rules_snapshot.get("suspension_allowed", True),
    "resume": lambda case: case.is_suspended,
}


def can_receive(ctx: Ctx) -> None:
    received = ctx.payload.get("materials")
    if received is not None:
        known = set(CaseMaterial.objects.filter(case=ctx.case).values_list("material_id", flat=True))
        ids = {getattr(m, "pk", m) for m in received}
        if not ids <= known:
            raise CaseError("unknown_material", _("Only materials of the case's guide can be received."))


def can_request_correction(ctx: Ctx) -> None:
    case = ctx.case
    if case.correction_notice_due is None or ctx.today > case.correction_notice_due:
        raise CaseError("correction_too_late", _("The correction notice was due by %(due)s; the application is "
                                                 "accepted by law.") % {"due": case.correction_notice_due})
    items = ctx.payload.get("items") or []
    if not items:
        raise CaseError("items_required", _("List every correction in one notice."))
    guide_materials = set(case.guide.materials.values_list("pk", flat=True))
    listed = set()
    for entry in items:
        material = entry.get("material")
        pk = getattr(material, "pk", material)
        if pk not in guide_materials:
            raise CaseError("not_in_guide", _("Only materials of the published guide may be requested."))
        if not str(entry.get("problem") or "").strip():
            raise CaseError("problem_required", _("Say what is wrong with each material."))
        listed.add(pk)
    unlisted = [m.material.name for m in _missing_materials(case) if m.material_id not in listed]
    if unlisted:
        raise CaseError("incomplete_notice", _("The notice must list every missing material: %(names)s.") % {
            "names": "、".join(unlisted)})
    if case.correction_round >= 1:
        approver, reason = second_notice_approval(ctx)
        if not (getattr(approver, "role", None) == Role.CENTER_MANAGER and approver.center_id == case.center_id):
            raise CaseError("second_notice_needs_manager", _("A second correction notice needs the approval of a "
                                                             "manager of this center."))
        if not reason:
            raise CaseError("reason_required", _("Please give %(field)s.") % {"field": INPUT_LABELS["reason"]})


SECOND_NOTICE_APPROVED = "second_notice_approved"


def second_notice_approval(ctx: Ctx) -> tuple[object, str]:
    """Who approved a further correction notice for this submission, and why: the manager who
    co-signed at the window (`approved_by` and `reason` in the input), or else a manager's approval
    recorded on the case for the current round (`services.approve_second_notice`, used once: the
    notice moves the case to the next round)."""
    if ctx.payload.get("approved_by") is not None:
        return ctx.payload["approved_by"], _text(ctx, "reason")
    for event in (CaseEvent.objects.filter(case=ctx.case, action=SECOND_NOTICE_APPROVED)
                  .select_related("actor").order_by("-seq")):
        if event.payload.get("round") == ctx.case.correction_round:
            return event.actor, str(event.payload.get("reason") or "")
    return None, ""


def can_submit_corrections(ctx: Ctx) -> None:
    pass


def can_abandon_correction(ctx: Ctx) -> None:
    if ctx.by == SYSTEM:
        notice = CorrectionNotice.objects.filter(case=ctx.case).order_by("-round").first()
        if notice is None or ctx.today <= notice.reply_due:
            raise CaseError("reply_period_running", _("The applicant's correction period has not passed."))
    else:
        _require(ctx, "reason")


def can_accept(ctx: Ctx) -> None:
    missing = _missing_materials(ctx.case)
    if missing:
        raise CaseError("materials_missing", _("Required materials are missing: %(names)s. Request corrections "
                                               "instead.") % {"names": "、".join(m.material.name for m in missing)})


def can_deem_accept(ctx: Ctx) -> None:
    due = ctx.case.correction_notice_due
    if due is None or ctx.today <= due:
        raise CaseError("not_due", _("Acceptance by law falls due only after %(due)s.") % {"due": due})


def can_reject(ctx: Ctx) -> None:
    _window_authorized(ctx, Power.ACCEPT)
    _reasons_and_remedies(ctx)


def can_start_review(ctx: Ctx) -> None:
    handler = ctx.payload.get("handler") or ctx.user
    if getattr(handler, "role", None) != Role.REVIEWER or handler.agency_id != ctx.case.item.agency_id:
        raise CaseError("bad_handler", _("The handler must be a reviewer of the item's agency."))


def can_suspend(ctx: Ctx) -> None:
    if not ctx.case.rules_snapshot.get("suspension_allowed", True):
        raise CaseError("suspension_not_allowed", _("This item does not allow suspensions."))
    if ctx.payload.get("reason_type") not in SuspensionReason.values:
        raise CaseError("bad_reason_type", _("Choose a legal reason for the suspension."))
    _require(ctx, "basis", "notice_ref")
    if CaseSuspension.objects.filter(case=ctx.case, ended_on__isnull=True).exists():
        raise CaseError("already_suspended", _("The case is already suspended."))


def can_resume(ctx: Ctx) -> None:
    if not CaseSuspension.objects.filter(case=ctx.case, ended_on__isnull=True).exists():
        raise CaseError("not_suspended", _("The case is not suspended."))


def can_extend(ctx: Ctx) -> None:
    snap = ctx.case.rules_snapshot
    if not snap.get("extension_allowed", True):
        raise CaseError("extension_not_allowed", _("This item does not allow extensions."))
    if CaseExtension.objects.filter(case=ctx.case).count() >= snap.get("max_extensions", 1):
        raise CaseError("too_many_extensions", _("The limit has already been extended."))
    due = ctx.case.legal_due
    if due is None:
        raise CaseError("no_due_date", _("No extension while the case is suspended."))
    if ctx.today > due:
        raise CaseError("extension_too_late", _("An extension must be approved by the legal due date %(due)s.") % {
            "due": due})
    _require(ctx, "reason", "approved_by")


def _outcome(ctx: Ctx, default: str | None = None) -> None:
    outcome = ctx.payload.get("outcome", default)
    if outcome not in CaseOutcome.values:
        raise CaseError("outcome_required", _("Choose the outcome of the decision."))
    if outcome == CaseOutcome.DENIED:
        _reasons_and_remedies(ctx)
    elif outcome == CaseOutcome.PARTIALLY_APPROVED:
        _require(ctx, "reasons")


def can_decide(ctx: Ctx) -> None:
    if ctx.case.is_suspended:
        raise CaseError("suspended", _("No decision while the case is suspended."))
    _window_authorized(ctx, Power.DECIDE)
    _outcome(ctx)


def can_complete(ctx: Ctx) -> None:
    pass


def can_deliver(ctx: Ctx) -> None:
    method = ctx.payload.get("method")
    if method not in DeliveryMethod.values:
        raise CaseError("method_required", _("Choose how the result is delivered."))
    if ctx.by == SYSTEM and method != DeliveryMethod.E_LICENCE:
        raise CaseError("system_delivers_e_licences", _("Only electronic licences are delivered automatically."))


def can_complete_immediately(ctx: Ctx) -> None:
    if ctx.case.rules_snapshot.get("case_type") != CaseType.IMMEDIATE:
        raise CaseError("not_immediate", _("Only immediate items are completed in one visit."))
    _window_authorized(ctx, Power.DECIDE)
    _outcome(ctx, CaseOutcome.APPROVED)


def can_withdraw(ctx: Ctx) -> None:
    _require(ctx, "reason")


def can_terminate(ctx: Ctx) -> None:
    _require(ctx, "legal_cause", "reason")
