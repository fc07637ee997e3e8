"""Cases (办件, domain.md §3.3) and their append-only events (§3.7).

A `Case` changes only through `services.apply` (state, version and cached deadlines); the child
rows (receipts, notices, suspensions, extensions, documents) are written by the same service in
the same transaction.

Case numbers are `<CENTER CODE>-<year>-<6-digit sequence>` (for example `CM-2026-000123`): one
`CaseCounter` row per center and year, incremented inside the transaction that opens the case.
Document numbers append a kind code and a per-case sequence (`CM-2026-000123-SL1`).
"""

from datetime import date

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yimen.auditlog.models import AppendOnlyError  # noqa: F401  (importable from here: the error of CaseEvent)
from yimen.catalog.constants import ExemptReason
from yimen.lib.crypto import EncryptedTextField, blind_index
from yimen.lib.events import Event
from yimen.lib.masking import mask_id_number, mask_name

from .constants import (
    FINAL_STATES,
    ApplicantType,
    Beneficiary,
    CaseChannel,
    CaseOutcome,
    CaseState,
    DeadlineKind,
    DeliveryMethod,
    DocumentKind,
    EscalationLevel,
    HelpKind,
    PaymentMethod,
    SlaStatus,
    SuspensionReason,
    Timeliness,
)


class CaseCounter(models.Model):
    center = models.ForeignKey("hall.Center", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["center", "year"], name="cases_counter_unique")]

    def __str__(self) -> str:
        return f"{self.center_id}/{self.year}: {self.last}"


class Case(models.Model):
    number = models.CharField(_("case number"), max_length=48, unique=True)
    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="cases", verbose_name=_("center"))
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="cases",
                             verbose_name=_("item"))
    situation = models.ForeignKey("catalog.Situation", on_delete=models.PROTECT, related_name="cases",
                                  verbose_name=_("situation"))
    guide = models.ForeignKey("catalog.Guide", on_delete=models.PROTECT, related_name="cases",
                              verbose_name=_("guide version"))
    rules_snapshot = models.JSONField(_("rules at creation"), default=dict, encoder=DjangoJSONEncoder,
                                      help_text=_("The item's limits copied when the case was opened"))
    channel = models.CharField(pgettext_lazy("how it came in", "channel"), max_length=10, choices=CaseChannel.choices, default=CaseChannel.WINDOW)
    ticket = models.ForeignKey("queueing.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="cases", verbose_name=_("ticket"))
    window = models.ForeignKey("hall.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="cases",
                               verbose_name=_("window"))
    first_staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("first staff member"))
    receiver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("received by"))
    handler = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("handler"))
    state = models.CharField(_("state"), max_length=24, choices=CaseState.choices, default=CaseState.SUBMITTED)
    outcome = models.CharField(_("outcome"), max_length=20, choices=CaseOutcome.choices, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    applicant_type = models.CharField(_("applicant type"), max_length=12, choices=ApplicantType.choices,
                                      default=ApplicantType.PERSON)
    applicant_name = models.CharField(_("applicant"), max_length=100)
    # personal data encrypted at rest (SM4-GCM, a11y-security S17); `id_index` finds a case by it
    id_number = EncryptedTextField(_("identity number"), blank=True)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    id_index = models.CharField(_("identity blind index"), max_length=64, blank=True, db_index=True, editable=False,
                                help_text=_("HMAC-SM3 of the ID number or credit code, for lookups"))
    phone = EncryptedTextField(_("phone"), blank=True)
    agent_name = models.CharField(_("agent"), max_length=100, blank=True)
    agent_id_number = EncryptedTextField(_("agent's identity number"), blank=True)

    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    correction_round = models.PositiveSmallIntegerField(_("correction notices"), default=0)
    corrections_received_on = models.DateField(_("corrections received on"), null=True, blank=True)
    accepted_on = models.DateField(_("accepted on"), null=True, blank=True)
    deemed_accepted = models.BooleanField(_("deemed accepted"), default=False)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivery_method = models.CharField(_("delivery method"), max_length=10, choices=DeliveryMethod.choices,
                                       blank=True)

    correction_notice_due = models.DateField(_("correction notice due"), null=True, blank=True)
    legal_due = models.DateField(_("legal due date"), null=True, blank=True)
    promised_due = models.DateField(_("promised due date"), null=True, blank=True)
    delivery_due = models.DateField(_("delivery due date"), null=True, blank=True)
    deadlines_provisional = models.BooleanField(_("provisional deadlines"), default=False)
    is_suspended = models.BooleanField(_("suspended"), default=False)
    timeliness = models.CharField(_("timeliness"), max_length=8, choices=Timeliness.choices, blank=True)
    sla_status = models.CharField(_("deadline status"), max_length=10, choices=SlaStatus.choices,
                                  default=SlaStatus.OK, help_text=_("Stored for sorting only; computed on read"))
    next_check_at = models.DateTimeField(_("next check"), null=True, blank=True, db_index=True)
    calendar_version_used = models.PositiveIntegerField(_("calendar version used"), default=0)
    verification_code = models.CharField(_("verification code"), max_length=12)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["center", "state"], name="cases_center_state_idx"),
            models.Index(fields=["state", "sla_status"], name="cases_state_sla_idx"),
            # the month's completed cases of a center (好差评 KPIs: 办件评价率, 事项评价覆盖率)
            models.Index(fields=["center", "completed_on"], name="cases_center_completed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {mask_name(self.applicant_name)}"

    def save(self, *args, **kwargs):
        self.id_index = blind_index(self.id_number or self.credit_code)
        if kwargs.get("update_fields") is not None and {"id_number", "credit_code"} & set(kwargs["update_fields"]):
            kwargs["update_fields"] = {*kwargs["update_fields"], "id_index"}
        super().save(*args, **kwargs)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number or self.credit_code)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def received_on(self) -> date | None:
        return timezone.localdate(self.received_at) if self.received_at else None


class CaseEvent(Event):
    """One transition (or recomputation) of a case; rows are only ever inserted. Migration 0002
    installs triggers refusing UPDATE and DELETE on SQLite and PostgreSQL."""

    append_only_name = "case events"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("case"))
    seq = models.PositiveIntegerField(_("sequence"), help_text=_("Contiguous per case, from 1"))
    action = models.CharField(_("action"), max_length=40)
    from_state = models.CharField(_("from state"), max_length=24, blank=True)
    to_state = models.CharField(_("to state"), max_length=24, blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["case", "seq"]
        constraints = [models.UniqueConstraint(fields=["case", "seq"], name="cases_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.action} #{self.seq}"


class Receipt(models.Model):
    """收件凭证: issued by `receive` and by `submit_corrections` (one per submission)."""

    number = models.CharField(_("number"), max_length=60, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="receipts", verbose_name=_("case"))
    received_at = models.DateTimeField(_("received at"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("staff"))
    materials = models.JSONField(_("materials"), default=list, blank=True, encoder=DjangoJSONEncoder)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["case", "received_at"]

    def __str__(self) -> str:
        return self.number


class CaseMaterial(models.Model):
    """One material of the case's guide version: received, or exempt (两个免于提交), with its file."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials", verbose_name=_("case"))
    material = models.ForeignKey("catalog.Material", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("guide material"))
    received = models.BooleanField(_("received"), default=False)
    exempt = models.BooleanField(_("exempt from submission"), default=False)
    exempt_reason = models.CharField(_("exemption reason"), max_length=16, choices=ExemptReason.choices, blank=True)
    data_reference = models.CharField(_("data reference"), max_length=200, blank=True,
                                      help_text=_("The e-licence or shared data used instead"))
    file_path = models.CharField(_("file"), max_length=300, blank=True,
                                 help_text=_("Relative to VAR_DIR/media"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(_("size"), null=True, blank=True)
    content_type = models.CharField(_("content type"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("case material")
        verbose_name_plural = _("case materials")
        ordering = ["case", "material__order", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "material"], name="cases_material_unique")]

    def __str__(self) -> str:
        return str(self.material)


class CorrectionNotice(models.Model):
    """补正材料通知书: one notice listing every correction (一次告知). A second one for the same
    case needs a center manager's approval and a reason."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="correction_notices",
                             verbose_name=_("case"))
    round = models.PositiveSmallIntegerField(_("round"))
    receipt = models.ForeignKey(Receipt, on_delete=models.PROTECT, related_name="+", verbose_name=_("submission"))
    issued_at = models.DateTimeField(pgettext_lazy("document", "issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("issued by"))
    reply_due = models.DateField(_("applicant's reply due"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("second notice approved by"))
    approval_reason = models.TextField(_("reason for a second notice"), blank=True)

    class Meta:
        verbose_name = _("correction notice")
        verbose_name_plural = _("correction notices")
        ordering = ["case", "round"]
        constraints = [models.UniqueConstraint(fields=["case", "round"], name="cases_notice_round_unique")]

    def __str__(self) -> str:
        return f"{self.case.number} #{self.round}"


class CorrectionItem(models.Model):
    notice = models.ForeignKey(CorrectionNotice, on_delete=models.CASCADE, related_name="items",
                               verbose_name=_("notice"))
    material = models.ForeignKey("catalog.Material", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("material"))
    problem = models.TextField(_("what is wrong"))

    class Meta:
        verbose_name = _("correction item")
        verbose_name_plural = _("correction items")
        ordering = ["notice", "material__order"]

    def __str__(self) -> str:
        return f"{self.material}: {self.problem}"


class CaseSuspension(models.Model):
    """特别程序 (T11): days s < d <= e are excluded from the limits; open while `ended_on` is null."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="suspensions", verbose_name=_("case"))
    reason_type = models.CharField(_("reason"), max_length=16, choices=SuspensionReason.choices)
    basis = models.TextField(pgettext_lazy("suspension", "legal basis"))
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    notice_ref = models.CharField(_("written notice"), max_length=100)
    approved_by = models.CharField(_("approved by"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("suspension")
        verbose_name_plural = _("suspensions")
        ordering = ["case", "started_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case"], condition=models.Q(ended_on__isnull=True),
                                               name="cases_one_open_suspension")]

    def __str__(self) -> str:
        return f"{self.get_reason_type_display()} {self.started_on}–{self.ended_on or ''}"


class CaseExtension(models.Model):
    """延长 (T7): approved by the agency head, the reason told to the applicant."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="extensions", verbose_name=_("case"))
    days = models.PositiveSmallIntegerField(_("working days"))
    reason = models.TextField(_("reason"))
    approved_by = models.CharField(_("approved by (agency head)"), max_length=100)
    approved_at = models.DateTimeField(_("approved at"))
    notified_at = models.DateTimeField(_("applicant told at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("recorded by"))

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        ordering = ["case", "approved_at"]

    def __str__(self) -> str:
        return f"+{self.days} WD"


class CaseDocument(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="documents", verbose_name=_("case"))
    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind.choices)
    number = models.CharField(_("number"), max_length=60, unique=True)
    payload = models.JSONField(_("content"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    issued_at = models.DateTimeField(pgettext_lazy("document", "issued at"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("issued by"))

    class Meta:
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")
        ordering = ["case", "issued_at", "id"]

    def __str__(self) -> str:
        return self.number


class Escalation(models.Model):
    """督办: each (case, deadline kind, due date, level) fires once (domain.md §2.6)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="escalations", verbose_name=_("case"))
    deadline_kind = models.CharField(_("deadline"), max_length=20, choices=DeadlineKind.choices)
    due_date = models.DateField(_("due date"))
    level = models.CharField(_("level"), max_length=10, choices=EscalationLevel.choices)
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["case", "deadline_kind", "due_date", "level"],
                                               name="cases_escalation_once")]

    def __str__(self) -> str:
        return f"{self.case.number} {self.deadline_kind} {self.due_date} {self.level}"


class HelpService(models.Model):
    """帮办: an assisted handling, with its kind and who was helped; linked to the case it led to."""

    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.PROTECT, related_name="help_services",
                             verbose_name=_("case"))
    kind = models.CharField(_("kind of help"), max_length=10, choices=HelpKind.choices)
    beneficiary = models.CharField(_("who was helped"), max_length=12, choices=Beneficiary.choices)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("helped by"))
    at = models.DateTimeField(_("time"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("help service")
        verbose_name_plural = _("help services")
        ordering = ["-at"]
        indexes = [models.Index(fields=["center", "at"], name="cases_help_center_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_beneficiary_display()}"


class Payment(models.Model):
    """A fee paid at the window (cash always accepted), or waived by law."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payments", verbose_name=_("case"))
    fee_item = models.ForeignKey("catalog.FeeItem", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("fee"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    method = models.CharField(_("payment method"), max_length=10, choices=PaymentMethod.choices)
    paid_at = models.DateTimeField(_("paid at"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("received by"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["case", "paid_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="cases_payment_not_negative")]

    def __str__(self) -> str:
        return f"{self.amount} · {self.get_method_display()}"
