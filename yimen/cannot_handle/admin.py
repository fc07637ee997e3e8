"""Reports are viewed here and changed only through `services` (so every change is an event);
reporter data is masked in the lists."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.lib.admin import EventInline, MaskedReadOnlyAdmin, ReadOnlyAdminMixin
from yimen.lib.masking import mask_name, mask_phone

from .models import CannotHandleEvent, CannotHandleReport


class CannotHandleEventInline(EventInline):
    model = CannotHandleEvent


@admin.register(CannotHandleReport)
class CannotHandleReportAdmin(MaskedReadOnlyAdmin):
    list_display = ["pk", "center", "channel", "state", "owner", "contact_due", "simple_due", "complex_due",
                    "is_complex", "masked_reporter_name", "masked_reporter_phone", "timeliness", "satisfaction",
                    "received_at"]
    list_filter = ["center", "state", "channel", "is_complex", "timeliness", "satisfaction"]
    date_hierarchy = "received_at"
    exclude = ["reporter_name", "reporter_phone"]
    masked_fields = ["masked_reporter_name", "masked_reporter_phone"]
    inlines = [CannotHandleEventInline]

    @admin.display(description=_("reporter name"))
    def masked_reporter_name(self, obj):
        return mask_name(obj.reporter_name)

    @admin.display(description=_("reporter phone"))
    def masked_reporter_phone(self, obj):
        return mask_phone(obj.reporter_phone)


@admin.register(CannotHandleEvent)
class CannotHandleEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["report", "seq", "action", "from_state", "to_state", "actor", "at"]
    list_filter = ["action"]
