"""Catalogue configuration. Validation is the models' `clean()`; publishing goes through services."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from yimen.accounts.constants import Role

from . import services
from .models import (
    Agency,
    CenterItem,
    Choice,
    FeeItem,
    Guide,
    ItemChange,
    LifeEvent,
    Manual,
    Material,
    Question,
    ServiceItem,
    Situation,
)


class AgencyScoped:
    """Agency editors and reviewers see only their own agency's records."""

    agency_path = "agency"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        user = request.user
        if user.is_superuser or user.role in (Role.ADMIN, Role.CENTER_MANAGER, Role.DISTRICT_SUPERVISOR):
            return qs
        return qs.filter(**{self.agency_path: user.agency_id})


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "code", "nature", "is_stationed"]
    search_fields = ["name", "code"]


class FeeInline(admin.TabularInline):
    model = FeeItem
    extra = 0


class SituationInline(admin.TabularInline):
    model = Situation
    extra = 0
    fields = ["code", "name", "promised_limit", "visits_required", "is_active", "sort"]


@admin.register(ServiceItem)
class ServiceItemAdmin(AgencyScoped, admin.ModelAdmin):
    list_display = ["code", "name", "agency", "case_type", "legal_limit", "promised_limit", "visits_required",
                    "online_depth", "status"]
    list_filter = ["status", "case_type", "online_depth", "audience", "agency"]
    search_fields = ["code", "name", "keywords"]
    inlines = [SituationInline, FeeInline]
    fieldsets = [
        (_("Identity"), {"fields": ["name", "code", "basic_code", "handling_code", "item_type", "agency", "level",
                                    "legal_basis", "summary", "keywords"]}),
        (_("Time limits"), {"fields": ["audience", "case_type", ("legal_limit", "legal_unit"),
                                       ("promised_limit", "promised_unit"), "correction_notice_wd",
                                       "applicant_correction_cd", ("extension_allowed", "extension_wd", "max_extensions"),
                                       ("suspension_allowed", "suspension_reasons"), "delivery_wd", "roll_forward"]}),
        (_("Visits and online"), {"fields": ["visits_required", "onsite_reason", "online_depth", "online_capabilities",
                                             "online_url", "scope"]}),
        (_("Fees and logistics"), {"fields": ["is_fee", "place", "hours", "consult_phone", "supervise_phone",
                                              "result_name", "delivery_methods"]}),
        (_("Lifecycle"), {"fields": ["status", "version", "is_demo"]}),
    ]
    readonly_fields = ["version"]


class MaterialInline(admin.StackedInline):
    model = Material
    extra = 0
    fields = [("order", "name"), ("necessity", "form", "kind", "copies"), "source", "acceptance_standard",
              ("exempt_reason", "exempt_reference"), "condition"]


@admin.register(Guide)
class GuideAdmin(AgencyScoped, admin.ModelAdmin):
    agency_path = "situation__item__agency"
    list_display = ["situation", "version", "status", "published_at"]
    list_filter = ["status"]
    search_fields = ["situation__item__name", "situation__item__code"]
    inlines = [MaterialInline]
    readonly_fields = ["status", "published_at", "published_by", "created_by"]
    actions = ["publish"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and not obj.is_editable:
            return False
        return super().has_change_permission(request, obj)

    @admin.action(description=_("Publish (supersedes the current version)"))
    def publish(self, request, queryset):
        for guide in queryset:
            try:
                services.publish_guide(guide, by=request.user)
                self.message_user(request, _("Published %(g)s") % {"g": guide})
            except services.CatalogError as exc:
                self.message_user(request, f"{guide}: {exc.message}", level=messages.ERROR)


@admin.register(Manual)
class ManualAdmin(AgencyScoped, admin.ModelAdmin):
    agency_path = "situation__item__agency"
    list_display = ["situation", "version", "status", "published_at"]
    list_filter = ["status"]
    readonly_fields = ["status", "published_at", "published_by", "created_by"]
    actions = ["publish"]

    @admin.action(description=_("Publish (supersedes the current version)"))
    def publish(self, request, queryset):
        for manual in queryset:
            try:
                services.publish_manual(manual, by=request.user)
            except services.CatalogError as exc:
                self.message_user(request, f"{manual}: {exc.message}", level=messages.ERROR)


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(AgencyScoped, admin.ModelAdmin):
    agency_path = "item__agency"
    list_display = ["item", "order", "text"]
    inlines = [ChoiceInline]


@admin.register(LifeEvent)
class LifeEventAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "audience", "sort"]
    filter_horizontal = ["items"]


@admin.register(CenterItem)
class CenterItemAdmin(admin.ModelAdmin):
    list_display = ["center", "item", "on_window_list", "on_terminal_list", "entered_on", "exited_on"]
    list_filter = ["center", "on_window_list", "on_terminal_list"]
    search_fields = ["item__name", "item__code"]

    def has_add_permission(self, request):
        return False  # the lists change only through item changes (agreed, then filed)

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ItemChange)
class ItemChangeAdmin(admin.ModelAdmin):
    list_display = ["item", "kind", "center", "state", "filing_no", "effective_date"]
    list_filter = ["state", "kind", "center"]
    readonly_fields = ["state", "version", "proposed_by", "center_agreed_by", "center_agreed_at", "agency_agreed_by",
                       "agency_agreed_at", "filing_no", "filed_by", "filed_at"]
    actions = ["propose", "agree"]

    def _run(self, request, queryset, action):
        for change in queryset:
            try:
                services.apply_change(change, action, by=request.user)
            except services.CatalogError as exc:
                self.message_user(request, f"{change}: {exc.message}", level=messages.ERROR)

    @admin.action(description=_("Propose"))
    def propose(self, request, queryset):
        self._run(request, queryset, "propose")

    @admin.action(description=_("Agree (for my side)"))
    def agree(self, request, queryset):
        self._run(request, queryset, "agree")
