from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yimen.auditlog.services import log_action
from yimen.lib.admin import ReadOnlyAdminMixin

from .models import (
    Center,
    Device,
    Post,
    PostAssignment,
    RectificationPolicy,
    Shift,
    ShiftPause,
    Terminal,
    Window,
)
from .rectification import snapshot
from .services import HallError, register_device, revoke_device, set_terminal_status


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    fields = ["number", "name", "type", "serves_all_items", "is_active"]


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "address", "checkin_before_minutes", "checkin_after_minutes",
                    "is_demo"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    inlines = [WindowInline]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["center", "number", "name", "type", "serves_all_items", "is_active"]
    list_filter = ["center", "type", "is_active"]
    filter_horizontal = ["items"]


@admin.register(Terminal)
class TerminalAdmin(admin.ModelAdmin):
    list_display = ["center", "code", "name", "place", "kind", "status", "last_seen_at"]
    list_filter = ["center", "kind", "status"]
    search_fields = ["code", "name", "place"]
    filter_horizontal = ["items"]
    readonly_fields = ["status", "status_note", "status_since", "last_seen_at"]
    actions = ["mark_in_service", "mark_out_of_service"]

    def _set(self, request, queryset, status):
        for terminal in queryset:
            set_terminal_status(terminal, status, by=request.user)
        self.message_user(request, _("Status changed."), messages.SUCCESS)

    @admin.action(description=gettext_lazy("Mark as in service"))
    def mark_in_service(self, request, queryset):
        self._set(request, queryset, "in_service")

    @admin.action(description=gettext_lazy("Mark as out of service"))
    def mark_out_of_service(self, request, queryset):
        self._set(request, queryset, "out_of_service")


@admin.register(Device)
class DeviceAdmin(admin.ModelAdmin):
    """Registering shows the plain token once; afterwards only revoking is possible."""

    list_display = ["name", "kind", "center", "window", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["center", "kind", ("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name"]
    fields = ["center", "kind", "name", "window", "terminal", "created_by", "created_at", "last_used_at",
              "revoked_at", "revoked_by"]
    readonly_fields = ["created_by", "created_at", "last_used_at", "revoked_at", "revoked_by"]
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.fields]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return
        try:
            device, token = register_device(obj.center, obj.kind, obj.name, window=obj.window, terminal=obj.terminal,
                                            by=request.user)
        except HallError as exc:
            raise ValueError(exc.message) from exc
        obj.pk, obj.token_hash, obj.created_at = device.pk, device.token_hash, device.created_at
        obj._state.adding = False
        self.message_user(request, _("Device token (shown only now, copy it to the device): %(token)s")
                          % {"token": token}, messages.WARNING)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            base_clean = form.clean

            def clean(self):
                data = base_clean(self)
                center, window, terminal = data.get("center"), data.get("window"), data.get("terminal")
                if center and window and window.center_id != center.pk:
                    self.add_error("window", _("The window belongs to another center."))
                if center and terminal and terminal.center_id != center.pk:
                    self.add_error("terminal", _("The terminal belongs to another center."))
                if data.get("kind") == "window_display" and not window:
                    self.add_error("window", _("A window display needs its window."))
                return data

            form.clean = clean
        return form

    @admin.action(description=gettext_lazy("Revoke the selected devices"))
    def revoke(self, request, queryset):
        done = 0
        for device in queryset.filter(revoked_at__isnull=True):
            revoke_device(device, by=request.user, reason="admin")
            done += 1
        self.message_user(request, _("%(n)d device(s) revoked.") % {"n": done}, messages.SUCCESS)

    def has_delete_permission(self, request, obj=None):
        return False


class PostAssignmentInline(admin.TabularInline):
    model = PostAssignment
    extra = 1
    fields = ["user", "role", "order"]
    autocomplete_fields = ["user"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["name", "center", "window"]
    list_filter = ["center"]
    search_fields = ["name"]
    filter_horizontal = ["items"]
    inlines = [PostAssignmentInline]


class ShiftPauseInline(admin.TabularInline):
    model = ShiftPause
    extra = 0
    fields = ["started_at", "ended_at", "reason", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Shift)
class ShiftAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "window", "started_at", "ended_at"]
    list_filter = ["window__center", "window"]
    date_hierarchy = "started_at"
    inlines = [ShiftPauseInline]


@admin.register(RectificationPolicy)
class RectificationPolicyAdmin(admin.ModelAdmin):
    """One policy per center; a preset sets its own numbers (model `clean`). Every save is audited.
    Running work orders keep the numbers they were received with (their policy snapshot)."""

    list_display = ["center", "preset", "contact_wd", "simple_wd", "complex_wd", "callback_wd", "max_rounds",
                    "unreachable_attempts", "anchor"]
    list_filter = ["preset", "anchor"]

    def save_model(self, request, obj, form, change):
        before = snapshot(RectificationPolicy.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        log_action(obj, "hall.rectification_policy.saved", request.user, {"before": before, "after": snapshot(obj)})

    def has_delete_permission(self, request, obj=None):
        return False
