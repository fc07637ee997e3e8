"""Capacity plans, bookings and their events (统一预约; domain.md §3.4).

Slots are computed from a `CapacityPlan` (and its `PlanDay` closures and special hours), never
stored one row per slot; a slot's booked count is a count of its `Booking` rows. Rows change only
through `yimen.appointments.services`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yimen.lib.crypto import EncryptedTextField, blind_index
from yimen.lib.events import Event
from yimen.lib.masking import mask_id_number, mask_name, mask_phone

from . import constants as c
from .constants import ApplicantType, BookingChannel, BookingState, LateRule, WaitState


def spans_problem(spans) -> str | None:
    """Why a list of [start, end] local times ("HH:MM", end up to "24:00") is not usable, or None."""
    from datetime import time

    if not isinstance(spans, list):
        return _("Give a list of [start, end] pairs such as [[\"09:00\", \"12:00\"]].")
    for pair in spans:
        try:
            start, end = pair
            a = time.fromisoformat(start)
            b = time(23, 59, 59, 999999) if end == "24:00" else time.fromisoformat(end)
        except (TypeError, ValueError):
            return _("Each span is [start, end] in HH:MM, such as [\"09:00\", \"12:00\"].")
        if not a < b:
            return _("A span must end after it starts.")
    return None


class CapacityPlan(models.Model):
    """The bookable capacity of one queue (the hall's item group) of a center (号源计划, AvailabilityRule).

    Capacity per slot = the override, or ⌊planned windows × slot length ÷ handling time⌋ (planned
    windows default to the queue's active windows). Each channel may book its percentage of a
    slot; what the channel shares leave (at least `walk_in_percent`) stays for walk-ins."""

    center = models.ForeignKey("hall.Center", on_delete=models.CASCADE, related_name="capacity_plans",
                               verbose_name=_("center"))
    queue = models.OneToOneField("queueing.Queue", on_delete=models.CASCADE, related_name="capacity_plan",
                                 verbose_name=_("item group (queue)"))
    slot_minutes = models.PositiveSmallIntegerField(_("slot length (minutes)"), default=30)
    handling_minutes = models.PositiveSmallIntegerField(_("handling time per visit (minutes)"), default=15)
    planned_windows = models.PositiveSmallIntegerField(
        _("planned windows"), null=True, blank=True,
        help_text=_("Leave empty to use the queue's active windows"))
    capacity_override = models.PositiveSmallIntegerField(
        _("capacity per slot (set)"), null=True, blank=True,
        help_text=_("Leave empty to derive it from windows and handling time"))
    web_percent = models.PositiveSmallIntegerField(_("web share (%)"), default=40)
    phone_percent = models.PositiveSmallIntegerField(_("hotline 12345 share (%)"), default=10)
    internal_percent = models.PositiveSmallIntegerField(_("internal share (%)"), default=10)
    walk_in_percent = models.PositiveSmallIntegerField(_("walk-in share kept free (%)"), default=40)
    hours = models.JSONField(_("booking hours"), default=dict, blank=True,
                             help_text=_("ISO weekday -> [[start, end], …]; empty: the center's opening hours"))
    horizon_days = models.PositiveSmallIntegerField(_("bookable days ahead"), default=c.DEFAULT_HORIZON_DAYS)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("capacity plan (号源)")
        verbose_name_plural = _("capacity plans (号源)")
        ordering = ["center", "queue"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slot_minutes__gte=5) & Q(handling_minutes__gte=1),
                name="appointments_plan_lengths_positive",
                violation_error_message=_("Slots last at least 5 minutes; handling takes at least 1.")),
            models.CheckConstraint(
                condition=Q(web_percent__lte=100) & Q(phone_percent__lte=100) & Q(internal_percent__lte=100)
                & Q(walk_in_percent__lte=100),
                name="appointments_plan_percent_range",
                violation_error_message=_("Shares are percentages.")),
        ]

    def __str__(self) -> str:
        return f"{self.center} · {self.queue}"

    def clean(self):
        from django.core.exceptions import ValidationError

        total = self.web_percent + self.phone_percent + self.internal_percent + self.walk_in_percent
        if total > 100:
            raise ValidationError(_("The channel shares and the walk-in share add up to more than 100 %."))
        if self.queue_id and self.center_id and self.queue.center_id != self.center_id:
            raise ValidationError({"queue": _("The queue belongs to another center.")})
        if not isinstance(self.hours, dict) or any(
                k not in {str(d) for d in range(1, 8)} for k in self.hours):
            raise ValidationError({"hours": _("Use ISO weekdays 1 (Monday) to 7 (Sunday) as keys.")})
        for spans in self.hours.values():
            if problem := spans_problem(spans):
                raise ValidationError({"hours": problem})

    def share(self, channel: str) -> int:
        return {BookingChannel.WEB: self.web_percent, BookingChannel.PHONE: self.phone_percent,
                BookingChannel.INTERNAL: self.internal_percent}.get(channel, 0)


class PlanDay(models.Model):
    """A closure or special hours (延时/错时服务) of a plan on one date; it wins over the calendar."""

    plan = models.ForeignKey(CapacityPlan, on_delete=models.CASCADE, related_name="days", verbose_name=_("plan"))
    date = models.DateField(_("date"))
    closed = models.BooleanField(_("closed for booking"), default=False)
    hours = models.JSONField(_("special hours"), default=list, blank=True,
                             help_text=_("[[start, end], …] that day, e.g. [[\"17:00\", \"19:00\"]] for extended hours"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("plan day (closure or special hours)")
        verbose_name_plural = _("plan days (closures and special hours)")
        ordering = ["plan", "date"]
        constraints = [models.UniqueConstraint(fields=["plan", "date"], name="appointments_planday_unique")]

    def __str__(self) -> str:
        return f"{self.plan} {self.date}"

    def clean(self):
        from django.core.exceptions import ValidationError

        if problem := spans_problem(self.hours):
            raise ValidationError({"hours": problem})


class BookingPolicy(models.Model):
    """Per-center rules of booking and check-in (domain.md §8); a center without a row uses the defaults."""

    center = models.OneToOneField("hall.Center", on_delete=models.CASCADE, related_name="booking_policy",
                                  verbose_name=_("center"))
    no_show_limit = models.PositiveSmallIntegerField(_("no-shows that block booking"), default=c.DEFAULT_NO_SHOW_LIMIT)
    no_show_days = models.PositiveSmallIntegerField(_("… within (days)"), default=c.DEFAULT_NO_SHOW_DAYS)
    block_days = models.PositiveSmallIntegerField(_("booking blocked for (days)"), default=c.DEFAULT_BLOCK_DAYS)
    late_rule = models.CharField(_("late arrivals"), max_length=10, choices=LateRule.choices, default=LateRule.WALK_IN)
    phone_daily_limit = models.PositiveSmallIntegerField(_("bookings per phone per day"),
                                                         default=c.DEFAULT_PHONE_DAILY)
    address_hourly_limit = models.PositiveSmallIntegerField(_("bookings per network address per hour"),
                                                            default=c.DEFAULT_ADDRESS_HOURLY)
    offer_minutes = models.PositiveSmallIntegerField(
        _("a place offered to the waitlist is held for (minutes)"), default=c.DEFAULT_OFFER_MINUTES)
    release_delay_minutes = models.PositiveSmallIntegerField(
        _("freed places released after (minutes)"), default=c.DEFAULT_RELEASE_DELAY,
        help_text=_("A cancelled or moved booking keeps its place this long, so that slots cannot be handed "
                    "over to a buyer at an agreed moment"))

    class Meta:
        verbose_name = _("booking policy")
        verbose_name_plural = _("booking policies")
        ordering = ["center"]
        constraints = [
            models.CheckConstraint(condition=Q(no_show_limit__gte=1) & Q(no_show_days__gte=1),
                                   name="appointments_policy_no_show_positive",
                                   violation_error_message=_("The no-show limit and its period are at least 1.")),
        ]

    def __str__(self) -> str:
        return str(self.center)

    # The check-in window is the center's (hall.Center), shared with the queue's ordering policy.
    @property
    def checkin_before_minutes(self) -> int:
        return self.center.checkin_before_minutes

    @property
    def checkin_after_minutes(self) -> int:
        return self.center.checkin_after_minutes


class BookingDay(models.Model):
    """The lock row of a plan's day: every write that takes a place on that day locks it first
    (services module docstring)."""

    plan = models.ForeignKey(CapacityPlan, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "date"], name="appointments_bookingday_unique")]

    def __str__(self) -> str:
        return f"{self.plan_id}@{self.date}"


class SlotHold(models.Model):
    """A place freed by a cancellation or a reschedule, still taken until `until` (release delay)."""

    plan = models.ForeignKey(CapacityPlan, on_delete=models.CASCADE, related_name="+")
    slot_start = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=BookingChannel.choices)
    until = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["plan", "slot_start", "until"], name="appointments_hold_slot_idx")]

    def __str__(self) -> str:
        return f"{self.plan_id}@{self.slot_start:%Y-%m-%d %H:%M} until {self.until:%H:%M}"


class Applicant(models.Model):
    """Who books or waits: a person (ID number) or an organisation (credit code) with a phone. ID
    number and phone are encrypted at rest (SM4-GCM, a11y-security S17); the blind indexes find
    them; the network address is kept only as a blind index (rate limits)."""

    applicant_type = models.CharField(_("applicant type"), max_length=12, choices=ApplicantType.choices,
                                      default=ApplicantType.PERSON)
    name = models.CharField(_("name"), max_length=100)
    id_number = EncryptedTextField(_("ID number or credit code"))
    id_index = models.CharField(_("identity blind index"), max_length=64, editable=False, db_index=True)
    phone = EncryptedTextField(_("phone"))
    phone_index = models.CharField(_("phone blind index"), max_length=64, editable=False, db_index=True)
    address_index = models.CharField(_("network address blind index"), max_length=64, blank=True, editable=False)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.id_index = blind_index(self.id_number)
        self.phone_index = blind_index(self.phone)
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "id_index", "phone_index"}
        super().save(*args, **kwargs)

    @property
    def masked_name(self) -> str:
        return mask_name(self.name)

    @property
    def masked_id(self) -> str:
        return mask_id_number(self.id_number)

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class Booking(Applicant):
    """One appointment (预约): a place in a slot for one person or organisation and one item."""

    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    plan = models.ForeignKey(CapacityPlan, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("plan"))
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("item"))
    situation = models.ForeignKey("catalog.Situation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("situation"))
    channel = models.CharField(_("channel"), max_length=10, choices=BookingChannel.choices,
                               default=BookingChannel.WEB)
    business_date = models.DateField(_("date"))
    slot_start = models.DateTimeField(_("slot start"))
    slot_end = models.DateTimeField(_("slot end"))
    code = models.CharField(_("booking code"), max_length=16, unique=True)
    state = models.CharField(_("state"), max_length=12, choices=BookingState.choices, default=BookingState.BOOKED)
    version = models.PositiveIntegerField(_("version"), default=1)
    ticket = models.ForeignKey("queueing.Ticket", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("ticket"))
    created_at = models.DateTimeField(_("booked at"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_late = models.BooleanField(_("checked in late (walk-in ticket)"), default=False)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+", verbose_name=_("booked by staff"))

    class Meta:
        verbose_name = _("appointment (预约)")
        verbose_name_plural = _("appointments (预约)")
        ordering = ["slot_start", "id"]
        indexes = [
            models.Index(fields=["plan", "business_date", "state"], name="appointments_plan_day_idx"),
            models.Index(fields=["state", "slot_start"], name="appointments_state_slot_idx"),
            models.Index(fields=["phone_index", "created_at"], name="appointments_phone_idx"),
            models.Index(fields=["address_index", "created_at"], name="appointments_address_idx"),
        ]
        constraints = [
            # at most one active booking per person and item (the backstop of the service's check)
            models.UniqueConstraint(fields=["item", "id_index"], condition=Q(state="booked"),
                                    name="appointments_one_active_per_person_item"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {mask_name(self.name)}"



class BookingEvent(Event):
    append_only_name = "booking events"

    booking = models.ForeignKey(Booking, on_delete=models.PROTECT, related_name="events", verbose_name=_("booking"))

    class Meta(Event.Meta):
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        constraints = [models.UniqueConstraint(fields=["booking", "seq"], name="appointments_event_seq_unique")]

    def __str__(self) -> str:
        return f"{self.booking_id} #{self.seq} {self.action}"


class WaitlistEntry(Applicant):
    """A citizen waiting for a place in a full slot (候补). A place freed there is offered to the
    first in line by SMS and held for them `offer_minutes` (services: waitlist)."""

    center = models.ForeignKey("hall.Center", on_delete=models.PROTECT, related_name="+", verbose_name=_("center"))
    plan = models.ForeignKey(CapacityPlan, on_delete=models.PROTECT, related_name="waitlist", verbose_name=_("plan"))
    item = models.ForeignKey("catalog.ServiceItem", on_delete=models.PROTECT, related_name="+",
                             verbose_name=_("item"))
    situation = models.ForeignKey("catalog.Situation", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("situation"))
    channel = models.CharField(_("channel"), max_length=10, choices=BookingChannel.choices,
                               default=BookingChannel.WEB)
    business_date = models.DateField(_("date"))
    slot_start = models.DateTimeField(_("slot start"))
    slot_end = models.DateTimeField(_("slot end"))
    code = models.CharField(_("waitlist code"), max_length=16, unique=True)
    state = models.CharField(_("state"), max_length=10, choices=WaitState.choices, default=WaitState.WAITING)
    created_at = models.DateTimeField(_("joined at"))
    offered_at = models.DateTimeField(_("offered at"), null=True, blank=True)
    offer_until = models.DateTimeField(_("offer held until"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    booking = models.OneToOneField(Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("booking"))

    class Meta:
        verbose_name = _("waitlist entry (候补)")
        verbose_name_plural = _("waitlist entries (候补)")
        ordering = ["slot_start", "created_at", "id"]
        indexes = [
            models.Index(fields=["plan", "business_date", "state"], name="appointments_wait_day_idx"),
            models.Index(fields=["state", "slot_start"], name="appointments_wait_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["item", "id_index"], condition=Q(state__in=["waiting", "offered"]),
                                    name="appointments_one_wait_per_person_item"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {mask_name(self.name)}"

