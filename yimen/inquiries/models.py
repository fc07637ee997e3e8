"""The inquiry register (咨询登记) with owned follow-ups (首问负责制, 窗口无否决权制; domain.md §3.3, §5).

Rows change only through `yimen.inquiries.services`. The invariants are also database
constraints: a follow-up has an owner and a due date, a "not ours" outcome names where the
person was sent, a guided one the window, and nothing is closed without an answer.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yimen.lib.crypto import EncryptedTextField
from yimen.lib.events import Event
from yimen.lib.masking import mask_name, mask_phone

from .constants import DEFAULT_FOLLOW_UP_WD, InquiryOutcome, InquiryState


class InquiryPolicy(models.Model):
    """Per-center settings of the inquiry register (domain.md §8); a center without a row uses the defaults."""

    center = models.OneToOneField("hall.Center", on_delete=models.CASCADE, related_name="inquiry_policy",
                                  verbose_name=_("center"))
    follow_up_wd = models.PositiveSmallIntegerField(
        _("follow up within (working days)"), default=DEFAULT_FOLLOW_UP_WD,
        help_text=_("An inquiry registered for follow-up is due this many working days after registration"))

    class Meta:
        verbose_name = _("inquiry policy")
        verbose_name_plural = _("inquiry policies")
        ordering = ["center"]
        constraints = [
            models.CheckConstraint(condition=Q(follow_up_wd__gte=1) & Q(follow_up_wd__lte=30),
                                   name="inquiries_policy_follow_up_range",
                                   violation_error_message=_("Between 1 and 30 working days.")),
        ]

    def __str__(self) -> str:
        return str(self.center)


class Inquiry(models.Model):
    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="inquiries",
                               verbose_name=_("center"))
    window = models.ForeignKey("hall.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("window"), help_text=_("Empty at the help desk"))
    first_staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("first staff asked"))
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = EncryptedTextField(_("contact phone"), blank=True)  # SM4-GCM at rest (a11y-security S17)
    topic = models.CharField(_("topic"), max_length=200)
    item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("item"))
    outcome = models.CharField(_("outcome"), max_length=12, choices=InquiryOutcome.choices)
    guided_to = models.ForeignKey("hall.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("guided to window"))
    sent_to = models.CharField(_("sent to"), max_length=200, blank=True,
                               help_text=_("The competent body the person was sent to"))
    answer = models.TextField(pgettext_lazy("reply", "answer"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    registered_at = models.DateTimeField(_("registered at"))
    registered_on = models.DateField(_("registered on"))
    follow_up_due = models.DateField(_("follow-up due"), null=True, blank=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=InquiryState.choices)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("inquiry")
        verbose_name_plural = _("inquiries")
        ordering = ["-registered_at"]
        indexes = [
            models.Index(fields=["owner", "state", "follow_up_due"], name="inquiries_owner_worklist"),
            models.Index(fields=["center", "state", "follow_up_due"], name="inquiries_center_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(outcome=InquiryOutcome.FOLLOW_UP) | Q(follow_up_due__isnull=False),
                name="inquiries_follow_up_has_due",
                violation_error_message=_("A follow-up needs a due date.")),
            models.CheckConstraint(
                condition=~Q(outcome=InquiryOutcome.NOT_OURS) | ~Q(sent_to=""),
                name="inquiries_not_ours_names_where_sent",
                violation_error_message=_("Say where the person was sent.")),
            models.CheckConstraint(
                condition=~Q(outcome=InquiryOutcome.GUIDED) | Q(guided_to__isnull=False),
                name="inquiries_guided_names_window",
                violation_error_message=_("Say which window the person was guided to.")),
            models.CheckConstraint(
                condition=~Q(state=InquiryState.CLOSED) | ~Q(answer="")
                | Q(outcome__in=[InquiryOutcome.GUIDED, InquiryOutcome.NOT_OURS]),
                name="inquiries_closed_has_answer",
                violation_error_message=_("An inquiry is closed only with an answer.")),
        ]

    def __str__(self) -> str:
        who = mask_name(self.contact_name) or mask_phone(self.contact_phone) or "—"
        return f"#{self.pk} {self.topic[:40]} ({who})"

    @property
    def has_answer(self) -> bool:
        """Guiding to a window, or naming the competent body, is itself the answer."""
        if self.outcome == InquiryOutcome.GUIDED:
            return self.guided_to_id is not None
        if self.outcome == InquiryOutcome.NOT_OURS:
            return bool(self.sent_to.strip())
        return bool(self.answer.strip())


class InquiryEvent(Event):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.PROTECT, related_name="events", verbose_name=_("inquiry"))

    class Meta(Event.Meta):
        verbose_name = _("inquiry event")
        verbose_name_plural = _("inquiry events")
        constraints = [models.UniqueConstraint(fields=["inquiry", "seq"], name="inquiries_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.inquiry_id} #{self.seq} {self.action}"
