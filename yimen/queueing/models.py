"""Queues and tickets (domain.md §3.4). Every wait and service time is a query over TicketPeriod
rows, not a guess; `wait_seconds` and `service_seconds` are also stored as integers when they
become known, so dashboards never compute durations in the database."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import Channel, Outcome, PeriodKind, Priority, TicketState


def all_channels() -> list[str]:
    return list(Channel.values)


def new_token() -> str:
    """The citizen's handle on a ticket (live page, QR code): unguessable, never the number."""
    return secrets.token_urlsafe(16)


class Queue(models.Model):
    center = models.ForeignKey("hall.Center", on_delete=models.CASCADE, related_name="queues",
                               verbose_name=_("center"))
    prefix = models.CharField(_("prefix"), max_length=2, help_text=_("Letter printed before the number: A012"))
    name = models.CharField(_("name"), max_length=60)
    items = models.ManyToManyField("catalog.ServiceItem", blank=True, related_name="queues", verbose_name=_("items"))
    windows = models.ManyToManyField("hall.Window", blank=True, related_name="queues",
                                     verbose_name=_("windows calling this queue"))
    is_active = models.BooleanField(_("active"), default=True)
    channels = models.JSONField(_("channels"), default=all_channels, blank=True,
                                help_text=_("Where tickets of this queue may be taken: kiosk, phone, checkin, staff"))
    max_recalls = models.PositiveSmallIntegerField(_("calls again at most"), default=3,
                                                   help_text=_("After this many recalls the next one ends the "
                                                               "ticket as a no-show"))
    recall_after_minutes = models.PositiveSmallIntegerField(_("minutes between calls"), default=1,
                                                            help_text=_("A ticket is not called again sooner"))

    class Meta:
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        ordering = ["center", "prefix"]
        constraints = [models.UniqueConstraint(fields=["center", "prefix"], name="queueing_prefix_unique")]

    def __str__(self) -> str:
        return f"{self.prefix} {self.name}"


class DailyCounter(models.Model):
    """The last number issued in a queue on a business day; locked while a ticket is numbered."""

    queue = models.ForeignKey(Queue, on_delete=models.CASCADE, related_name="+")
    business_date = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["queue", "business_date"], name="queueing_counter_unique")]

    def __str__(self) -> str:
        return f"{self.queue_id}@{self.business_date}: {self.last_number}"


class Ticket(models.Model):
    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="tickets", verbose_name=_("queue"))
    business_date = models.DateField(_("business date"))
    number = models.PositiveIntegerField(_("number"))
    label = models.CharField(_("ticket number"), max_length=8)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.KIOSK)
    priority = models.CharField(_("priority"), max_length=14, choices=Priority.choices, default=Priority.NORMAL)
    priority_reason = models.CharField(_("priority reason"), max_length=60, blank=True)
    item = models.ForeignKey("catalog.ServiceItem", null=True, blank=True, on_delete=models.PROTECT,
                             related_name="+", verbose_name=_("item"))
    state = models.CharField(_("state"), max_length=10, choices=TicketState.choices, default=TicketState.WAITING)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    window = models.ForeignKey("hall.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("window"))
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("staff"))
    issued_at = models.DateTimeField(_("issued at"))
    wait_started_at = models.DateTimeField(_("waiting since"),
                                           help_text=_("Issue time; for appointments the later of issue and slot start; "
                                                       "kept across transfers"))
    slot_start = models.DateTimeField(_("appointment slot start"), null=True, blank=True)
    first_called_at = models.DateTimeField(_("first called at"), null=True, blank=True)
    service_started_at = models.DateTimeField(_("service started at"), null=True, blank=True)
    service_ended_at = models.DateTimeField(_("service ended at"), null=True, blank=True)
    wait_seconds = models.PositiveIntegerField(null=True, blank=True)
    service_seconds = models.PositiveIntegerField(null=True, blank=True)
    recall_count = models.PositiveSmallIntegerField(default=0)
    skip_count = models.PositiveSmallIntegerField(_("times skipped"), default=0)
    overtaken = models.PositiveSmallIntegerField(_("times overtaken"), default=0)
    transferred_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)
    public_token = models.CharField(max_length=32, unique=True, default=new_token, editable=False)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["business_date", "queue", "number"]
        constraints = [
            models.UniqueConstraint(fields=["queue", "business_date", "number"], name="queueing_number_unique"),
            models.UniqueConstraint(fields=["center", "business_date", "label"], name="queueing_label_unique"),
            models.UniqueConstraint(fields=["center", "idempotency_key"], condition=models.Q(idempotency_key__isnull=False),
                                    name="queueing_idempotency_unique"),
        ]
        indexes = [
            models.Index(fields=["queue", "business_date", "state", "wait_started_at"], name="queueing_waiting_idx"),
            # call_next's search behind the first page (services._candidates): priority tickets that
            # kept their class, and tickets overtaken too often, read without scanning the line
            # ("state" in the first key although the condition fixes it: with it SQLite's planner
            # prefers this smaller index to queueing_waiting_idx)
            models.Index(fields=["queue", "business_date", "state", "wait_started_at"], name="queueing_priority_waiting_idx",
                         condition=models.Q(state="waiting", skip_count=0) & ~models.Q(priority="normal")),
            models.Index(fields=["queue", "business_date", "overtaken"], name="queueing_overtaken_waiting_idx",
                         condition=models.Q(state="waiting")),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.business_date})"

    @property
    def priority_reason_display(self) -> str:
        """A green-channel code shown in the reader's language; other reasons as written."""
        from .constants import GreenReason

        return str(GreenReason(self.priority_reason).label) if self.priority_reason in GreenReason.values \
            else self.priority_reason


class TicketPeriod(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(max_length=8, choices=PeriodKind.choices)
    start = models.DateTimeField()
    end = models.DateTimeField(null=True, blank=True)
    window = models.ForeignKey("hall.Window", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")

    class Meta:
        ordering = ["ticket", "start", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.start:%H:%M:%S}"


class Call(models.Model):
    """Every call, with the ordering rule that chose the ticket (shown to the manager)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls")
    window = models.ForeignKey("hall.Window", on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    at = models.DateTimeField()
    rule = models.CharField(max_length=40)
    reason = models.CharField(max_length=300, blank=True)
    is_recall = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["window", "at"], name="queueing_call_window_idx")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.window_id} ({self.rule})"
