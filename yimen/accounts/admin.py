from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "center", "agency", "is_active", "is_demo"]
    list_filter = ["role", "is_active", "is_demo", "center"]
    search_fields = ["username", "full_name"]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Yimen"), {"fields": ["full_name", "role", "center", "agency", "is_demo"]}),)
