from django.db import models
from django.utils.translation import gettext_lazy as _


class AgencyNature(models.TextChoices):
    STATUTORY = "statutory", _("Statutory body")
    AUTHORISED = "authorised", _("Authorised organisation")
    ENTRUSTED = "entrusted", _("Entrusted body")


class ItemType(models.TextChoices):
    LICENSING = "licensing", _("Administrative licensing")
    CONFIRMATION = "confirmation", _("Administrative confirmation")
    PAYMENT = "payment", _("Administrative payment")
    LEVY = "levy", _("Administrative levy")
    RULING = "ruling", _("Administrative ruling")
    AWARD = "award", _("Administrative award")
    OTHER_POWER = "other_power", _("Other administrative power")
    PUBLIC_SERVICE = "public_service", _("Public service")


class Audience(models.TextChoices):
    PERSON = "person", _("Natural persons")
    ORGANISATION = "organisation", _("Legal persons and other organisations")
    BOTH = "both", _("Persons and organisations")


class CaseType(models.TextChoices):
    IMMEDIATE = "immediate", _("Immediate (decided on the spot)")
    PROMISED = "promised", _("Promised (decided within a promised limit)")


class OnlineDepth(models.IntegerChoices):
    I = 1, _("I: information and consultation online")  # noqa: E741
    II = 2, _("II: online pre-check or booking, materials on site")
    III = 3, _("III: online application, at most one visit")
    IV = 4, _("IV: entirely online, no visit")


class Scope(models.TextChoices):
    DISTRICT = "district", _("District-wide")
    CITY = "city", _("City-wide")
    CROSS_PROVINCE = "cross_province", _("Cross-province")


class ItemStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXITED = "exited", _("Exited")
    CANCELLED = "cancelled", _("Cancelled")


class Necessity(models.TextChoices):
    REQUIRED = "required", _("Required")
    OPTIONAL = "optional", _("Optional")
    DEFERRABLE = "deferrable", _("May follow after acceptance")


class MaterialForm(models.TextChoices):
    PAPER = "paper", _("Paper")
    ELECTRONIC = "electronic", _("Electronic")
    EITHER = "either", _("Paper or electronic")


class MaterialKind(models.TextChoices):
    ORIGINAL = "original", _("Original")
    COPY = "copy", _("Copy")
    ORIGINAL_AND_COPY = "original_and_copy", _("Original and copy")


class ExemptReason(models.TextChoices):
    SHANGHAI_ISSUED = "shanghai_issued", _("Issued by a Shanghai body")
    E_LICENCE = "e_licence", _("Held as an e-licence")
    DATA_SHARING = "data_sharing", _("Verified by data sharing")
    NO_LEGAL_BASIS = "no_legal_basis", _("No legal basis to collect it")


class DocStatus(models.TextChoices):
    """Status of a guide or manual version."""

    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class RevisionReason(models.TextChoices):
    INITIAL = "initial", _("First edition")
    LAW = "law", _("Change of law or city-wide rule")
    ITEM_CHANGE = "item_change", _("Item change")
    FEEDBACK = "feedback", _("Review feedback")
    SELF_CHECK = "self_check", _("Self-check")


class ChangeKind(models.TextChoices):
    ADD = "add", _("Add")
    ADJUST = "adjust", _("Adjust")
    EXIT = "exit", _("Exit")
    CANCEL = "cancel", _("Cancel")


class ChangeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed by both sides")
    FILED = "filed", _("Filed")
    EFFECTIVE = "effective", _("Effective")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Item change workflow (domain.md §4.4): action -> (from states, to state, roles).
CHANGE_TRANSITIONS: dict[str, tuple[frozenset[str], str, frozenset[str]]] = {
    "propose": (frozenset({ChangeState.DRAFT}), ChangeState.PROPOSED, frozenset({"center_manager", "agency_editor"})),
    "agree": (frozenset({ChangeState.PROPOSED}), ChangeState.AGREED, frozenset({"center_manager", "agency_editor"})),
    "return": (frozenset({ChangeState.PROPOSED}), ChangeState.DRAFT, frozenset({"center_manager", "agency_editor"})),
    "file": (frozenset({ChangeState.AGREED}), ChangeState.FILED, frozenset({"district_supervisor"})),
    "take_effect": (frozenset({ChangeState.FILED}), ChangeState.EFFECTIVE, frozenset({"district_supervisor", "system"})),
    "withdraw": (
        frozenset({ChangeState.DRAFT, ChangeState.PROPOSED, ChangeState.AGREED}),
        ChangeState.WITHDRAWN,
        frozenset({"center_manager", "agency_editor"}),
    ),
}

# Catch-all clauses that a published guide must not contain (杜绝兜底条款, plan §三(一)3).
CATCH_ALL_PHRASES = ("其他相关材料", "其他材料", "其它材料", "其他有关材料", "相关部门要求的其他", "等材料")
