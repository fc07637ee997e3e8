"""Cannot-handle reports (办不成事反映窗口; domain.md §3.3, §2.3 T15–T19).

Rows change only through `yimen.cannot_handle.services`. Due dates come from the center's
`RectificationPolicy` (copied into `policy_snapshot` at receipt) and count cumulatively from
receipt by default. A resolved report has a resolution, a closed one also the reporter's
satisfaction (database constraints as well as service guards).
"""

from datetime import date

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yimen.lib.crypto import EncryptedTextField
from yimen.lib.events import Event
from yimen.lib.masking import mask_name, mask_phone

from .constants import ReportChannel, ReportState, Satisfaction, Timeliness


class CannotHandleReport(models.Model):
    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="cannot_handle_reports",
                               verbose_name=_("center"))
    channel = models.CharField(pgettext_lazy("how it came in", "channel"), max_length=10, choices=ReportChannel.choices)
    window = models.ForeignKey("hall.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("window"))
    reporter_name = models.CharField(_("reporter name"), max_length=50, blank=True)
    reporter_phone = EncryptedTextField(_("reporter phone"), blank=True)  # SM4-GCM at rest (a11y-security S17)
    item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("item"))
    description = models.TextField(_("what could not be done"))
    received_at = models.DateTimeField(_("received at"))
    received_on = models.DateField(_("received on"))
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("received by"))
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("owner"))
    policy_snapshot = models.JSONField(_("policy at receipt"), default=dict)
    contact_due = models.DateField(_("contact due"))
    simple_due = models.DateField(_("simple case due"))
    complex_due = models.DateField(_("complex case due"))
    deadlines_provisional = models.BooleanField(_("due dates provisional"), default=False)
    is_complex = models.BooleanField(_("complex"), default=False)
    complex_reason = models.CharField(_("why complex"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ReportState.choices, default=ReportState.RECEIVED)
    contacted_at = models.DateTimeField(_("contacted at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_on = models.DateField(_("resolved on"), null=True, blank=True)
    timeliness = models.CharField(_("timeliness"), max_length=10, choices=Timeliness.choices, blank=True)
    satisfaction = models.CharField(_("reporter satisfaction"), max_length=20, choices=Satisfaction.choices,
                                    blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    class Meta:
        verbose_name = _("cannot-handle report")
        verbose_name_plural = _("cannot-handle reports")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["owner", "state"], name="cannot_handle_owner_state"),
            models.Index(fields=["center", "state", "received_on"], name="cannot_handle_center_state"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=[ReportState.RESOLVED, ReportState.CLOSED])
                | (~Q(resolution="") & Q(resolved_on__isnull=False)),
                name="cannot_handle_resolved_has_resolution",
                violation_error_message=_("A resolved report needs its resolution.")),
            models.CheckConstraint(
                condition=~Q(state=ReportState.CLOSED) | ~Q(satisfaction=""),
                name="cannot_handle_closed_has_satisfaction",
                violation_error_message=_("A report is closed only with the reporter's satisfaction.")),
            models.CheckConstraint(
                condition=Q(contact_due__lte=models.F("simple_due")) & Q(simple_due__lte=models.F("complex_due")),
                name="cannot_handle_dues_ordered",
                violation_error_message=_("Due dates must grow: contact ≤ simple ≤ complex.")),
        ]

    def __str__(self) -> str:
        who = mask_name(self.reporter_name) or mask_phone(self.reporter_phone) or "—"
        return f"#{self.pk} {self.description[:40]} ({who})"

    @property
    def feedback_due(self) -> date:
        """The due date that applies: the complex one once marked complex."""
        return self.complex_due if self.is_complex else self.simple_due


class CannotHandleEvent(Event):
    report = models.ForeignKey(CannotHandleReport, on_delete=models.PROTECT, related_name="events",
                               verbose_name=_("report"))

    class Meta(Event.Meta):
        verbose_name = _("cannot-handle report event")
        verbose_name_plural = _("cannot-handle report events")
        constraints = [models.UniqueConstraint(fields=["report", "seq"], name="cannot_handle_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.report_id} #{self.seq} {self.action}"
