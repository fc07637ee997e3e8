"""Admin building blocks shared by apps."""


class ReadOnlyAdminMixin:
    """Records that change only through services (or never): viewable in the admin, nothing more."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
