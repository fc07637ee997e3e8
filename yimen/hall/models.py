"""Centers and windows (domain.md §3.1). The hall issue adds shifts, AB posts and terminals."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import CenterKind, WindowType


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
