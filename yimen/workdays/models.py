"""Calendar data (domain.md §2.2): exceptions only; the weekly rule covers every other day."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .constants import WORKING_KINDS, DayKind, YearStatus


class WorkCalendar(models.Model):
    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")
    weekly_rest_days = models.JSONField(
        _("weekly rest days"), default=list, help_text=_("ISO weekday numbers, Monday=1 … Sunday=7")
    )
    is_default = models.BooleanField(_("default calendar"), default=False)
    version = models.PositiveIntegerField(_("version"), default=1, help_text=_("Bumped on every change"))

    class Meta:
        verbose_name = _("work calendar")
        verbose_name_plural = _("work calendars")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True),
                                    name="workdays_one_default_calendar")
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if not self.weekly_rest_days:
            self.weekly_rest_days = [6, 7]
        super().save(*args, **kwargs)


class CalendarDay(models.Model):
    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=20, choices=DayKind.choices)
    is_workday = models.BooleanField(_("is a working day"))
    name = models.CharField(_("name"), max_length=60, blank=True)
    source = models.CharField(_("source"), max_length=80, default="admin",
                              help_text=_("seed:chinesecalendar@<version>, admin or import"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="workdays_day_unique")]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def clean(self):
        if self.kind and self.is_workday != (self.kind in WORKING_KINDS):
            raise ValidationError({"is_workday": _("A %(kind)s must have 'is a working day' = %(value)s.") % {
                "kind": self.get_kind_display(), "value": self.kind in WORKING_KINDS}})


class CalendarYear(models.Model):
    calendar = models.ForeignKey(WorkCalendar, on_delete=models.CASCADE, related_name="years")
    year = models.PositiveSmallIntegerField(_("year"))
    status = models.CharField(_("status"), max_length=12, choices=YearStatus.choices, default=YearStatus.MISSING)
    source_document = models.CharField(_("source document"), max_length=200, blank=True,
                                       help_text=_("Title and number of the State Council notice"))
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("verified by"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        ordering = ["year"]
        constraints = [models.UniqueConstraint(fields=["calendar", "year"], name="workdays_year_unique")]

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"
