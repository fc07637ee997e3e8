from django.contrib import admin

from yimen.lib.admin import ReadOnlyAdminMixin

from .models import LogEntry


@admin.register(LogEntry)
class LogEntryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "action", "object_repr", "seq", "actor", "actor_kind"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["action", "object_repr"]
    date_hierarchy = "created_at"
