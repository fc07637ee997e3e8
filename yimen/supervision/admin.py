from django.contrib import admin

from .models import Authorization


@admin.register(Authorization)
class AuthorizationAdmin(admin.ModelAdmin):
    list_display = ["staff", "role", "agency", "valid_from", "valid_to", "revoked_at", "document_ref"]
    list_filter = ["role", "agency"]
    search_fields = ["staff__username", "staff__full_name", "document_ref", "granted_by"]
    filter_horizontal = ["items", "situations"]
    date_hierarchy = "valid_from"
