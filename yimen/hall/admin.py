from django.contrib import admin

from .models import Center, Window


class WindowInline(admin.TabularInline):
    model = Window
    extra = 0
    fields = ["number", "name", "type", "serves_all_items", "is_active"]


@admin.register(Center)
class CenterAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "address", "is_demo"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    inlines = [WindowInline]


@admin.register(Window)
class WindowAdmin(admin.ModelAdmin):
    list_display = ["center", "number", "name", "type", "serves_all_items", "is_active"]
    list_filter = ["center", "type", "is_active"]
    filter_horizontal = ["items"]
