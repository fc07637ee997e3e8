"""Centers, windows, terminals, devices, shifts and AB posts (domain.md §3.1).

Rows change through `yimen.hall.services`; the models only hold data and one-object rules."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .constants import CenterKind, DeviceKind, PauseReason, PostRole, TerminalKind, TerminalStatus, WindowType


def default_opening_hours() -> dict:
    """ISO weekday -> list of [open, close] local times; working days follow the work calendar."""
    day = [["09:00", "12:00"], ["13:30", "17:00"]]
    return {str(d): day for d in range(1, 6)}


class Center(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=12, choices=CenterKind.choices, default=CenterKind.DISTRICT)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent center"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    calendar = models.ForeignKey("workdays.WorkCalendar", null=True, blank=True, on_delete=models.PROTECT,
                                 verbose_name=_("work calendar"))
    opening_hours = models.JSONField(_("opening hours"), default=default_opening_hours)
    filing_authority = models.CharField(_("filing authority"), max_length=60, default="区政务服务办")
    is_demo = models.BooleanField(_("demo data"), default=False)
    # The appointment check-in window (预约优先): booked citizens check in from `before` minutes
    # before their slot to `after` minutes after its start, and the queue's ordering calls them
    # first inside the same window. One value for appointments and queueing (neither imports the other).
    checkin_before_minutes = models.PositiveSmallIntegerField(
        _("appointment check-in opens before the slot (minutes)"), default=15)
    checkin_after_minutes = models.PositiveSmallIntegerField(
        _("appointment check-in closes after the slot start (minutes)"), default=10,
        help_text=_("Inside this window the appointment ticket is called first (within the fairness cap)"))

    class Meta:
        verbose_name = _("service center")
        verbose_name_plural = _("service centers")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def hours_display(self) -> str:
        hours = self.opening_hours or {}
        spans = hours.get("1") or []
        return "、".join(f"{a}–{b}" for a, b in spans)


class Window(models.Model):
    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="windows", verbose_name=_("center"))
    number = models.CharField(_("number"), max_length=10)
    name = models.CharField(_("name"), max_length=60, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=WindowType.choices, default=WindowType.GENERAL)
    serves_all_items = models.BooleanField(
        _("serves every listed item"), default=False,
        help_text=_("A 'no-difference' comprehensive window serves every item on the center's window list"),
    )
    items = models.ManyToManyField("catalog.ServiceItem", blank=True, related_name="windows", verbose_name=_("items"))
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("window")
        verbose_name_plural = _("windows")
        ordering = ["center", "number"]
        constraints = [models.UniqueConstraint(fields=["center", "number"], name="hall_window_number_unique")]

    def __str__(self) -> str:
        return f"{self.number} {self.name or self.get_type_display()}"


class Terminal(models.Model):
    """A self-service machine (自助终端) with its own item list; empty list = the center's terminal list."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="terminals", verbose_name=_("center"))
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=60)
    place = models.CharField(_("place"), max_length=100, blank=True,
                             help_text=_("Where it stands: hall, village committee, bank branch, mall …"))
    kind = models.CharField(_("kind"), max_length=20, choices=TerminalKind.choices, default=TerminalKind.SELF_SERVICE)
    hours = models.CharField(_("hours"), max_length=60, blank=True, help_text=_("For example 24 小时 or 工作日 9:00–17:00"))
    items = models.ManyToManyField("catalog.ServiceItem", blank=True, related_name="terminals", verbose_name=_("items"),
                                   help_text=_("Leave empty to offer the center's terminal list"))
    open_24h = models.BooleanField(_("open 24 hours"), default=False,
                                   help_text=_("Reachable day and night (a 24-hour self-service room)"))
    directions = models.CharField(_("directions"), max_length=200, blank=True,
                                  help_text=_("How to find it, in one sentence: entrance, floor, landmark"))
    status = models.CharField(_("status"), max_length=20, choices=TerminalStatus.choices,
                              default=TerminalStatus.IN_SERVICE)
    status_note = models.CharField(_("status note"), max_length=200, blank=True,
                                   help_text=_("The fault reported, or how it was repaired"))
    status_since = models.DateTimeField(_("status since"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)

    class Meta:
        verbose_name = _("self-service terminal")
        verbose_name_plural = _("self-service terminals")
        ordering = ["center", "code"]
        constraints = [models.UniqueConstraint(fields=["center", "code"], name="hall_terminal_code_unique")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Device(models.Model):
    """A kiosk, display or evaluation pad allowed to call the API with a revocable token.

    Only the sha256 hash of the token is stored; the plain token is shown once at registration."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="devices", verbose_name=_("center"))
    kind = models.CharField(_("kind"), max_length=20, choices=DeviceKind.choices)
    name = models.CharField(_("name"), max_length=60)
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.PROTECT, related_name="devices",
                               verbose_name=_("window"))
    terminal = models.ForeignKey(Terminal, null=True, blank=True, on_delete=models.PROTECT, related_name="devices",
                                 verbose_name=_("terminal"))
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("registered by"))
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("revoked by"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["center", "kind", "name"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class Shift(models.Model):
    """One person signed in to one window (上岗), from sign-in to sign-out."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shifts",
                             verbose_name=_("staff"))
    window = models.ForeignKey(Window, on_delete=models.PROTECT, related_name="shifts", verbose_name=_("window"))
    started_at = models.DateTimeField(_("signed in at"))
    ended_at = models.DateTimeField(_("signed out at"), null=True, blank=True)

    class Meta:
        verbose_name = _("window shift")
        verbose_name_plural = _("window shifts")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["window", "started_at"], name="hall_shift_window_start")]
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="hall_shift_one_open_per_user"),
            models.UniqueConstraint(fields=["window"], condition=Q(ended_at__isnull=True),
                                    name="hall_shift_one_open_per_window"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="hall_shift_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.window}"


class ShiftPause(models.Model):
    """A pause inside a shift (暂离) with its reason; on-post time excludes it."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="pauses", verbose_name=_("shift"))
    started_at = models.DateTimeField(_("paused at"))
    ended_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=PauseReason.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("pause")
        verbose_name_plural = _("pauses")
        ordering = ["started_at"]
        constraints = [
            models.UniqueConstraint(fields=["shift"], condition=Q(ended_at__isnull=True), name="hall_pause_one_open"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="hall_pause_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.shift} · {self.get_reason_display()}"


class Post(models.Model):
    """An AB post (岗位, 顶岗补位): a window and/or an item group, held by A and backed by one or more B."""

    center = models.ForeignKey(Center, on_delete=models.CASCADE, related_name="posts", verbose_name=_("center"))
    name = models.CharField(_("name"), max_length=60)
    window = models.ForeignKey(Window, null=True, blank=True, on_delete=models.SET_NULL, related_name="posts",
                               verbose_name=_("window"))
    items = models.ManyToManyField("catalog.ServiceItem", blank=True, related_name="posts",
                                   verbose_name=_("item group"),
                                   help_text=_("Items of this post besides those of its window"))

    class Meta:
        verbose_name = _("AB post")
        verbose_name_plural = _("AB posts")
        ordering = ["center", "name"]

    def __str__(self) -> str:
        return self.name


class PostAssignment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("post"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="post_assignments",
                             verbose_name=_("staff"))
    role = models.CharField(_("role"), max_length=1, choices=PostRole.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=1, help_text=_("Backups cover in this order"))

    class Meta:
        verbose_name = _("post assignment")
        verbose_name_plural = _("post assignments")
        ordering = ["post", "role", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["post"], condition=Q(role="A"), name="hall_post_one_a",
                                    violation_error_message=_("A post has at most one A.")),
            models.UniqueConstraint(fields=["post", "user"], name="hall_post_user_once",
                                    violation_error_message=_("This person already holds this post.")),
        ]

    def __str__(self) -> str:
        return f"{self.post} {self.role}: {self.user}"


class RectificationPreset(models.TextChoices):
    """Deadline presets of a rectification policy (domain.md §2.3 T15–T18, §8)."""

    CHONGMING_1_4_13 = "chongming_1_4_13", _("Chongming 1-4-13 working days")
    SHANGHAI_1_5_15 = "shanghai_1_5_15", _("Shanghai 1-5-15 working days")
    CUSTOM = "custom", _("Custom")


class RectificationAnchor(models.TextChoices):
    """Where the simple and complex limits count from (domain.md §8)."""

    RECEIPT = "receipt", _("Cumulative from receipt")
    CHAINED = "chained", _("Chained: from the contact")


# preset -> (contact_wd, simple_wd, complex_wd)
RECTIFICATION_PRESETS: dict[str, tuple[int, int, int]] = {
    RectificationPreset.CHONGMING_1_4_13: (1, 4, 13),
    RectificationPreset.SHANGHAI_1_5_15: (1, 5, 15),
}
COMPLEX_WD_CEILING = 15  # domain.md §2.3 T20


class RectificationPolicy(models.Model):
    """A center's limits for bad-review work orders and cannot-handle reports (one row per center;
    a center without a row uses the default preset, see `yimen.hall.rectification.policy_for`)."""

    center = models.OneToOneField(Center, on_delete=models.CASCADE, related_name="rectification_policy",
                                  verbose_name=_("center"))
    preset = models.CharField(_("preset"), max_length=20, choices=RectificationPreset.choices,
                              default=RectificationPreset.CHONGMING_1_4_13)
    contact_wd = models.PositiveSmallIntegerField(
        _("contact within (working days)"), default=1,
        help_text=_("Set by the preset unless the preset is custom"))
    simple_wd = models.PositiveSmallIntegerField(
        _("simple case: rectify within (working days)"), default=4,
        help_text=_("Set by the preset unless the preset is custom"))
    complex_wd = models.PositiveSmallIntegerField(
        _("complex case: rectify within (working days)"), default=13,
        help_text=_("Set by the preset unless the preset is custom; at most 15"))
    callback_wd = models.PositiveSmallIntegerField(_("call back within (working days)"), default=3)
    max_rounds = models.PositiveSmallIntegerField(_("rectification rounds"), default=2)
    unreachable_attempts = models.PositiveSmallIntegerField(_("contact attempts before 'unreachable'"), default=3)
    anchor = models.CharField(_("count limits"), max_length=10, choices=RectificationAnchor.choices,
                              default=RectificationAnchor.RECEIPT)

    class Meta:
        verbose_name = _("rectification policy")
        verbose_name_plural = _("rectification policies")
        ordering = ["center"]
        constraints = [
            models.CheckConstraint(
                condition=Q(complex_wd__lte=COMPLEX_WD_CEILING), name="hall_rectification_complex_ceiling",
                violation_error_message=_("A complex case may take at most 15 working days.")),
            models.CheckConstraint(
                condition=Q(contact_wd__lte=models.F("simple_wd")) & Q(simple_wd__lte=models.F("complex_wd")),
                name="hall_rectification_limits_ordered",
                violation_error_message=_("Limits must grow: contact ≤ simple ≤ complex.")),
            models.CheckConstraint(condition=Q(max_rounds__gte=1) & Q(unreachable_attempts__gte=1),
                                   name="hall_rectification_rounds_attempts_positive",
                                   violation_error_message=_("Rounds and contact attempts must be at least 1.")),
        ]

    def __str__(self) -> str:
        return f"{self.center} · {self.get_preset_display()}"

    def clean(self) -> None:
        """A preset fixes its own numbers; only a custom policy keeps the numbers entered."""
        if self.preset in RECTIFICATION_PRESETS:
            self.contact_wd, self.simple_wd, self.complex_wd = RECTIFICATION_PRESETS[self.preset]
