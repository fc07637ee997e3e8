"""Admin building blocks shared by apps."""

from django.contrib import admin


class ReadOnlyAdminMixin:
    """Records that change only through services (or never): viewable in the admin, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """Rows under an object that change only through services: shown, never added or edited."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventInline(ReadOnlyInline):
    """An object's append-only events under it, read-only; set `model`."""

    fields = ["seq", "action", "from_state", "to_state", "actor", "at", "payload"]
    readonly_fields = fields


class MaskedReadOnlyAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A read-only admin whose `exclude`d personal fields are shown only masked, through the
    `admin.display` methods named in `masked_fields` (also listed in `list_display`)."""

    masked_fields: list[str] = []

    def get_readonly_fields(self, request, obj=None):
        return [*[f.name for f in self.model._meta.fields if f.name not in self.exclude], *self.masked_fields]
