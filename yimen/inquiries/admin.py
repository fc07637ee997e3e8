"""Inquiries are viewed here and changed only through `services` (so every change is an event);
contact data is masked in the list. The per-center follow-up limit is edited here (audited)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.auditlog.services import log_action
from yimen.lib.admin import EventInline, MaskedReadOnlyAdmin, ReadOnlyAdminMixin
from yimen.lib.masking import mask_name, mask_phone

from .models import Inquiry, InquiryEvent, InquiryPolicy


class InquiryEventInline(EventInline):
    model = InquiryEvent


@admin.register(Inquiry)
class InquiryAdmin(MaskedReadOnlyAdmin):
    list_display = ["pk", "center", "topic", "outcome", "state", "first_staff", "owner", "follow_up_due",
                    "masked_contact_name", "masked_contact_phone", "registered_at"]
    list_filter = ["center", "state", "outcome"]
    search_fields = ["topic"]
    date_hierarchy = "registered_at"
    exclude = ["contact_name", "contact_phone"]
    masked_fields = ["masked_contact_name", "masked_contact_phone"]
    inlines = [InquiryEventInline]

    @admin.display(description=_("contact name"))
    def masked_contact_name(self, obj):
        return mask_name(obj.contact_name)

    @admin.display(description=_("contact phone"))
    def masked_contact_phone(self, obj):
        return mask_phone(obj.contact_phone)


@admin.register(InquiryEvent)
class InquiryEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["inquiry", "seq", "action", "from_state", "to_state", "actor", "at"]
    list_filter = ["action"]


@admin.register(InquiryPolicy)
class InquiryPolicyAdmin(admin.ModelAdmin):
    list_display = ["center", "follow_up_wd"]

    def save_model(self, request, obj, form, change):
        before = InquiryPolicy.objects.get(pk=obj.pk).follow_up_wd if change else None
        super().save_model(request, obj, form, change)
        log_action(obj, "inquiries.policy.saved", request.user, {"before": before, "after": obj.follow_up_wd})

    def has_delete_permission(self, request, obj=None):
        return False
