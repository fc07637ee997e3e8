"""Evaluations (好差评) and bad-review work orders (差评工单), domain.md §3.5, §4.3.

Rows change only through `yimen.evaluations.services`. An `Evaluation` is bound (三对应) to the
center, case (null only for a visit without a case), ticket, applicant, staff, window, item and
agency. The database keeps 一事一评 and 一次一评: one first rating per case, one per ticket without
a case, and at most one follow-up (追评) per rating. No rating is ever created by default.

Evaluator data (name, phone) is encrypted at rest with `yimen.lib.crypto` like the cases; the
applicant's identity is kept only as the case's blind index, for matching.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yimen.lib.crypto import EncryptedTextField
from yimen.lib.events import Event
from yimen.lib.masking import mask_name, mask_phone

from .constants import (
    BAD_LEVEL,
    AppealDecision,
    AppealGrounds,
    ContactChannel,
    DueKind,
    EvaluationChannel,
    EvaluationStatus,
    GuideTaskState,
    Level,
    ReplyRating,
    ReviewState,
    Verification,
)


class ReasonTag(models.Model):
    """A reason a citizen may give for a bad rating; each center keeps its own list (the defaults
    of domain.md §3.5 are created with the center's first need, `services.reason_tags`)."""

    center = models.ForeignKey("hall.Center", on_delete=models.CASCADE, related_name="reason_tags",
                               verbose_name=_("center"))
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=30)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("reason tag")
        verbose_name_plural = _("reason tags")
        ordering = ["center", "sort", "pk"]
        constraints = [models.UniqueConstraint(fields=["center", "code"], name="evaluations_tag_code_unique")]

    def __str__(self) -> str:
        return self.name


class Evaluation(models.Model):
    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="evaluations",
                               verbose_name=_("center"))
    case = models.ForeignKey("cases.Case", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="evaluations", verbose_name=_("case"))
    ticket = models.ForeignKey("queueing.Ticket", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("ticket"))
    parent = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="follow_up", verbose_name=_("follow-up of (追评)"))
    # the applicant: a name and phone (encrypted) and the case's identity blind index; anonymous
    # (all empty) only for a visit without a case
    applicant_name = EncryptedTextField(_("evaluator name"), blank=True)
    applicant_phone = EncryptedTextField(_("evaluator phone"), blank=True)
    applicant_index = models.CharField(_("evaluator blind index"), max_length=64, blank=True, editable=False)
    real_name = models.BooleanField(_("real name (实名)"), default=False)
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("staff"))
    window = models.ForeignKey("hall.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("window"))
    item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("item"))
    agency = models.ForeignKey("catalog.Agency", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("agency"))
    channel = models.CharField(pgettext_lazy("how it came in", "channel"), max_length=10,
                               choices=EvaluationChannel.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    sub_scores = models.JSONField(_("sub-scores"), default=dict, blank=True)
    reason_tags = models.ManyToManyField(ReasonTag, blank=True, related_name="evaluations",
                                         verbose_name=_("reason tags"))
    comment = models.TextField(_("comment"), blank=True, max_length=500)
    status = models.CharField(_("status"), max_length=12, choices=EvaluationStatus.choices,
                              default=EvaluationStatus.VALID)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("rated at"))
    business_date = models.DateField(_("rated on"))

    class Meta:
        verbose_name = _("evaluation (好差评)")
        verbose_name_plural = _("evaluations (好差评)")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["center", "business_date"], name="evaluations_center_day_idx"),
                   # the KPIs of a center-month read first ratings only (parent IS NULL): without it SQLite
                   # prefers the unique index of `parent` and reads every first rating (kpis.py)
                   models.Index(fields=["center", "parent", "business_date"], name="evaluations_kpi_idx")]
        constraints = [
            models.UniqueConstraint(fields=["case"], condition=Q(case__isnull=False, parent__isnull=True),
                                    name="evaluations_one_per_case",
                                    violation_error_message=_("This case has already been rated.")),
            models.UniqueConstraint(fields=["ticket"],
                                    condition=Q(case__isnull=True, ticket__isnull=False, parent__isnull=True),
                                    name="evaluations_one_per_visit",
                                    violation_error_message=_("This visit has already been rated.")),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="evaluations_level_1_5"),
            models.CheckConstraint(condition=Q(case__isnull=False) | Q(ticket__isnull=False)
                                   | Q(parent__isnull=False), name="evaluations_bound"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.level} ({self.get_channel_display()})"

    @property
    def is_bad(self) -> bool:
        return self.level <= BAD_LEVEL

    @property
    def masked_name(self) -> str:
        return mask_name(self.applicant_name)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.applicant_phone)


class BadReview(models.Model):
    """差评工单: opened with every first rating of level ≤ 2, routed to the responsible unit
    (谁办理谁负责). Due dates count from receipt in working days (the center's
    `RectificationPolicy` copied at receipt); a new round counts from its reopening."""

    evaluation = models.OneToOneField(Evaluation, on_delete=models.PROTECT, related_name="bad_review",
                                      verbose_name=_("evaluation"))
    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="bad_reviews",
                               verbose_name=_("center"))
    agency = models.ForeignKey("catalog.Agency", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", verbose_name=_("responsible agency"))
    window = models.ForeignKey("hall.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("responsible window"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("responsible staff"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("owner"))
    real_name = models.BooleanField(_("real name (实名)"), default=False)
    state = models.CharField(_("state"), max_length=12, choices=ReviewState.choices, default=ReviewState.RECEIVED)
    version = models.PositiveIntegerField(_("version"), default=1)
    received_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(_("received on"))
    policy_snapshot = models.JSONField(_("policy at receipt"), default=dict)
    is_complex = models.BooleanField(_("complex"), default=False)
    complex_reason = models.CharField(_("why complex"), max_length=300, blank=True)
    complex_approver = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                         related_name="+", verbose_name=_("complex approved by"))
    round = models.PositiveSmallIntegerField(_("round"), default=1)
    round_started_on = models.DateField(_("round started on"))
    contact_due = models.DateField(_("contact due"), null=True, blank=True)
    feedback_due = models.DateField(_("feedback due"))
    first_feedback_due = models.DateField(_("first-round feedback due"))
    callback_due = models.DateField(_("call-back due"), null=True, blank=True)
    deadlines_provisional = models.BooleanField(_("due dates provisional"), default=False)
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    unreachable = models.BooleanField(_("evaluator unreachable"), default=False)
    verification = models.CharField(_("verification"), max_length=16, choices=Verification.choices, blank=True)
    verification_note = models.TextField(_("verification note"), blank=True)
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)
    first_replied_on = models.DateField(_("first replied on"), null=True, blank=True)
    reply_text = models.TextField(_("reply"), blank=True)
    reply_rating = models.CharField(_("reply rating"), max_length=20, choices=ReplyRating.choices, blank=True)
    called_back_at = models.DateTimeField(_("called back at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    conclusion = models.TextField(_("conclusion"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("bad review (差评工单)")
        verbose_name_plural = _("bad reviews (差评工单)")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["center", "state", "feedback_due"], name="evaluations_review_center_idx"),
            models.Index(fields=["owner", "state"], name="evaluations_review_owner_idx"),
            # the KPIs of a center-month (kpis.py)
            models.Index(fields=["center", "received_on"], name="evaluations_review_recv_idx"),
            models.Index(fields=["center", "first_feedback_due"], name="evaluations_review_fdue_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(state=ReviewState.REPLIED) | ~Q(reply_text=""),
                                   name="evaluations_replied_has_reply"),
            models.CheckConstraint(condition=Q(real_name=True) | Q(contact_due__isnull=True),
                                   name="evaluations_anonymous_no_contact_due"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_state_display()} ({self.received_on})"

    @property
    def is_open(self) -> bool:
        from .constants import OPEN_STATES

        return self.state in OPEN_STATES

    @property
    def policy(self):
        from yimen.hall.rectification import from_snapshot

        return from_snapshot(self.policy_snapshot)


class ContactAttempt(models.Model):
    review = models.ForeignKey(BadReview, on_delete=models.PROTECT, related_name="attempts",
                               verbose_name=_("bad review"))
    at = models.DateTimeField(_("time"))
    channel = models.CharField(pgettext_lazy("how it came in", "channel"), max_length=10,
                               choices=ContactChannel.choices)
    reached = models.BooleanField(_("reached"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                           verbose_name=_("by"))

    class Meta:
        verbose_name = _("contact attempt")
        verbose_name_plural = _("contact attempts")
        ordering = ["review", "at", "pk"]

    def __str__(self) -> str:
        return f"{self.review_id} {self.at:%Y-%m-%d %H:%M} {'✓' if self.reached else '✗'}"


class Rectification(models.Model):
    """One line of the rectification ledger (整改台账): problem, measure, owner, due, done."""

    review = models.ForeignKey(BadReview, on_delete=models.PROTECT, related_name="ledger",
                               verbose_name=_("bad review"))
    problem = models.CharField(_("problem"), max_length=300)
    measure = models.TextField(_("measure"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("owner"))
    due = models.DateField(_("due"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("rectification (整改台账)")
        verbose_name_plural = _("rectification ledger (整改台账)")
        ordering = ["review", "created_at", "pk"]

    def __str__(self) -> str:
        return self.problem

    @property
    def done(self) -> bool:
        return self.done_on is not None


class Appeal(models.Model):
    """申诉复核: the responsible unit asks the center to exclude a mistaken or malicious review."""

    review = models.ForeignKey(BadReview, on_delete=models.PROTECT, related_name="appeals",
                               verbose_name=_("bad review"))
    grounds = models.CharField(_("grounds"), max_length=10, choices=AppealGrounds.choices)
    evidence = models.TextField(_("evidence"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("filed by"))
    filed_unit = models.CharField(_("filing unit"), max_length=120, blank=True)
    filed_at = models.DateTimeField(_("filed at"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision = models.CharField(_("decision"), max_length=10, choices=AppealDecision.choices, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    class Meta:
        verbose_name = _("appeal (申诉复核)")
        verbose_name_plural = _("appeals (申诉复核)")
        ordering = ["review", "filed_at"]

    def __str__(self) -> str:
        return f"{self.review_id} {self.get_grounds_display()} {self.decision or '…'}"


class BadReviewEvent(Event):
    """One step of a work order; rows are only inserted (triggers from migration 0002)."""

    append_only_name = "bad review events"

    review = models.ForeignKey(BadReview, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("bad review"))

    class Meta(Event.Meta):
        verbose_name = _("bad review event")
        verbose_name_plural = _("bad review events")
        constraints = [models.UniqueConstraint(fields=["review", "seq"], name="evaluations_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.review_id} #{self.seq} {self.action}"


class GuideRevisionTask(models.Model):
    """指南动态修订: a bad review verified true or partly true whose reason is an inaccurate or unclear
    guide (tag `guide_inaccurate`) asks the item's agency editor to revise the guide; one per order."""

    review = models.OneToOneField(BadReview, on_delete=models.PROTECT, related_name="guide_task",
                                  verbose_name=_("bad review"))
    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    agency = models.ForeignKey("catalog.Agency", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("agency"))
    item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("item"))
    situation = models.ForeignKey("catalog.Situation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("situation"))
    problem = models.TextField(_("problem reported"))
    state = models.CharField(_("state"), max_length=8, choices=GuideTaskState.choices, default=GuideTaskState.OPEN)
    created_at = models.DateTimeField(_("opened at"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+", verbose_name=_("done by"))
    done_note = models.TextField(_("what was revised"), blank=True)

    class Meta:
        verbose_name = _("guide revision task (指南修订)")
        verbose_name_plural = _("guide revision tasks (指南修订)")
        ordering = ["state", "-created_at"]
        indexes = [models.Index(fields=["agency", "state"], name="evaluations_guidetask_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_state_display()}"


class ReviewEscalation(models.Model):
    """督办 of an overdue work order: each (order, due kind, due date, level) fires once; the sweep
    (`overdue.sweep`) records it and mails the center's managers."""

    review = models.ForeignKey(BadReview, on_delete=models.PROTECT, related_name="escalations",
                               verbose_name=_("bad review"))
    due_kind = models.CharField(_("due"), max_length=10, choices=DueKind.choices)
    due_date = models.DateField(_("due date"))
    level = models.CharField(_("level"), max_length=10, default="overdue")
    recipients = models.JSONField(_("recipients"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("work order escalation")
        verbose_name_plural = _("work order escalations")
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["review", "due_kind", "due_date", "level"],
                                               name="evaluations_escalation_once")]

    def __str__(self) -> str:
        return f"{self.review_id} {self.due_kind} {self.due_date} {self.level}"
