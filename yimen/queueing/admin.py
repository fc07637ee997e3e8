from django.contrib import admin

from yimen.lib.admin import ReadOnlyAdminMixin

from .models import Call, Queue, Ticket, TicketPeriod


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["prefix", "name", "center", "is_active", "max_recalls", "recall_after_minutes"]
    list_filter = ["center", "is_active"]
    filter_horizontal = ["items", "windows"]


class PeriodInline(admin.TabularInline):
    model = TicketPeriod
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "start", "end", "window", "staff"]


class CallInline(admin.TabularInline):
    model = Call
    extra = 0
    can_delete = False
    readonly_fields = ["at", "window", "staff", "rule", "reason", "is_recall"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: tickets change only through the queue services (window actions)."""

    list_display = ["label", "business_date", "queue", "priority", "state", "outcome", "window", "wait_seconds",
                    "skip_count"]
    list_filter = ["business_date", "state", "priority", "queue"]
    search_fields = ["label"]
    inlines = [PeriodInline, CallInline]
