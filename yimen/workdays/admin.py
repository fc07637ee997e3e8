"""Calendar administration. Every change goes through `workdays.services` (audit event, version bump)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from . import services
from .models import CalendarDay, CalendarYear, WorkCalendar


@admin.register(WorkCalendar)
class WorkCalendarAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "timezone", "is_default", "version"]
    readonly_fields = ["version"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "kind", "is_workday", "name", "source"]
    list_filter = ["kind", "source", "calendar"]
    date_hierarchy = "date"
    search_fields = ["name", "note"]
    fields = ["calendar", "date", "kind", "name", "note", "is_workday", "source"]
    readonly_fields = ["is_workday", "source"]

    def save_model(self, request, obj, form, change):
        services.set_day(obj.date, obj.kind, name=obj.name, note=obj.note, by=request.user, calendar=obj.calendar)

    def delete_model(self, request, obj):
        try:
            services.delete_day(obj, by=request.user)
        except ValueError as exc:
            messages.error(request, str(exc))

    def has_delete_permission(self, request, obj=None):
        return obj is None or not obj.source.startswith("seed:")


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = ["year", "status", "source_document", "verified_by", "verified_at"]
    list_filter = ["status", "calendar"]
    readonly_fields = ["verified_by", "verified_at"]
    actions = ["mark_verified"]

    def save_model(self, request, obj, form, change):
        services.set_year_status(obj.year, obj.status, source_document=obj.source_document, by=request.user,
                                 calendar=obj.calendar)

    @admin.action(description=_("Mark as verified against the State Council notice"))
    def mark_verified(self, request, queryset):
        for row in queryset:
            services.set_year_status(row.year, "verified", by=request.user, calendar=row.calendar)
