from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from yimen.lib.admin import EventInline, ReadOnlyAdminMixin, ReadOnlyInline
from yimen.lib.masking import mask_name

from .models import (
    Case,
    CaseDocument,
    CaseEvent,
    CaseExtension,
    CaseMaterial,
    CaseSuspension,
    CorrectionItem,
    CorrectionNotice,
    Escalation,
    HelpService,
    Payment,
    Receipt,
)


class CaseEventInline(EventInline):
    model = CaseEvent
    fields = ["seq", "action", "from_state", "to_state", "actor", "actor_kind", "at", "payload"]
    readonly_fields = fields


class MaterialInline(ReadOnlyInline):
    model = CaseMaterial
    fields = ["material", "received", "exempt", "exempt_reason", "data_reference", "file_path", "size"]
    readonly_fields = fields


class SuspensionInline(ReadOnlyInline):
    model = CaseSuspension
    fields = ["reason_type", "basis", "started_on", "ended_on", "notice_ref", "approved_by"]
    readonly_fields = fields


class ExtensionInline(ReadOnlyInline):
    model = CaseExtension
    fields = ["days", "reason", "approved_by", "approved_at", "notified_at"]
    readonly_fields = fields


@admin.register(Case)
class CaseAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Cases change only through `services.apply`: the admin shows them, with the ID number masked."""

    list_display = ["number", "center", "item", "applicant", "masked_id", "state", "sla_status", "legal_due",
                    "promised_due"]
    list_filter = ["state", "sla_status", "channel", "center", "deemed_accepted", "is_suspended"]
    search_fields = ["number", "applicant_name"]
    date_hierarchy = "created_at"
    exclude = ["id_number", "agent_id_number"]
    readonly_fields = ["masked_id"]
    inlines = [MaterialInline, SuspensionInline, ExtensionInline, CaseEventInline]

    @admin.display(description=_("applicant"))
    def applicant(self, obj):
        return mask_name(obj.applicant_name)

    @admin.display(description=_("identity number"))
    def masked_id(self, obj):
        return obj.masked_id


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "seq", "action", "from_state", "to_state", "actor", "actor_kind", "at"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["case__number", "action"]
    date_hierarchy = "at"


class CorrectionItemInline(ReadOnlyInline):
    model = CorrectionItem
    fields = ["material", "problem"]
    readonly_fields = fields


@admin.register(CorrectionNotice)
class CorrectionNoticeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "round", "issued_at", "reply_due", "approved_by"]
    inlines = [CorrectionItemInline]


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "case", "received_at", "staff"]
    search_fields = ["number"]


@admin.register(CaseDocument)
class CaseDocumentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["number", "kind", "case", "issued_at", "issued_by"]
    list_filter = ["kind"]
    search_fields = ["number"]


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["case", "deadline_kind", "due_date", "level", "created_at"]
    list_filter = ["level", "deadline_kind"]


@admin.register(HelpService)
class HelpServiceAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "center", "kind", "beneficiary", "staff", "case")
    list_filter = ("kind", "beneficiary", "center")
    date_hierarchy = "at"


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("paid_at", "case", "fee_item", "amount", "method", "received_by")
    list_filter = ("method",)
    date_hierarchy = "paid_at"
