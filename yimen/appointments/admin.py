"""Capacity plans (with their closures and special hours) and booking policies are configured here,
every save audited; bookings are viewed read-only with personal data masked and change only
through `services` (so every change is an event)."""

from django.contrib import admin
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from yimen.auditlog.services import log_action
from yimen.lib.admin import EventInline, MaskedReadOnlyAdmin, ReadOnlyAdminMixin

from .models import Booking, BookingEvent, BookingPolicy, CapacityPlan, PlanDay, WaitlistEntry


class AuditedAdmin(admin.ModelAdmin):
    """Saves write an audit entry with the values before and after (auditlog)."""

    audit_action = ""

    def save_model(self, request, obj, form, change):
        before = model_to_dict(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        log_action(obj, self.audit_action, request.user, {"before": before, "after": model_to_dict(obj)})

    def has_delete_permission(self, request, obj=None):
        return False


class PlanDayInline(admin.TabularInline):
    model = PlanDay
    extra = 0
    fields = ["date", "closed", "hours", "note"]


@admin.register(CapacityPlan)
class CapacityPlanAdmin(AuditedAdmin):
    audit_action = "appointments.plan.saved"
    list_display = ["queue", "center", "slot_minutes", "handling_minutes", "planned_windows", "capacity_override",
                    "web_percent", "phone_percent", "internal_percent", "walk_in_percent", "is_active"]
    list_filter = ["center", "is_active"]
    inlines = [PlanDayInline]

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for day in formset.new_objects + [o for o, _f in formset.changed_objects]:
            log_action(day, "appointments.plan_day.saved", request.user,
                       {"plan": day.plan_id, "date": day.date, "closed": day.closed, "hours": day.hours})


@admin.register(BookingPolicy)
class BookingPolicyAdmin(AuditedAdmin):
    audit_action = "appointments.policy.saved"
    list_display = ["center", "no_show_limit", "no_show_days", "block_days", "late_rule", "phone_daily_limit", "address_hourly_limit",
                    "release_delay_minutes", "offer_minutes"]


class BookingEventInline(EventInline):
    model = BookingEvent


@admin.register(Booking)
class BookingAdmin(MaskedReadOnlyAdmin):
    list_display = ["code", "center", "item", "slot_start", "channel", "state", "masked_name", "masked_id_number",
                    "masked_phone_number", "created_at"]
    list_filter = ["center", "state", "channel"]
    search_fields = ["code"]
    date_hierarchy = "slot_start"
    exclude = ["name", "id_number", "phone", "id_index", "phone_index", "address_index"]
    masked_fields = ["masked_name", "masked_id_number", "masked_phone_number"]
    inlines = [BookingEventInline]

    @admin.display(description=_("name"))
    def masked_name(self, obj):
        return obj.masked_name

    @admin.display(description=_("ID number or credit code"))
    def masked_id_number(self, obj):
        return obj.masked_id

    @admin.display(description=_("phone"))
    def masked_phone_number(self, obj):
        return obj.masked_phone


@admin.register(BookingEvent)
class BookingEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["booking", "seq", "action", "from_state", "to_state", "actor", "at"]
    list_filter = ["action"]


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(MaskedReadOnlyAdmin):
    list_display = ["code", "center", "item", "slot_start", "channel", "state", "masked_name",
                    "masked_phone_number", "created_at", "offer_until"]
    list_filter = ["center", "state", "channel"]
    search_fields = ["code"]
    date_hierarchy = "slot_start"
    exclude = ["name", "id_number", "phone", "id_index", "phone_index", "address_index"]
    masked_fields = ["masked_name", "masked_phone_number"]

    @admin.display(description=_("name"))
    def masked_name(self, obj):
        return obj.masked_name

    @admin.display(description=_("phone"))
    def masked_phone_number(self, obj):
        return obj.masked_phone
