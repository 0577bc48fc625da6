"""The Django admin is a developers' tool, not the product (users have Spanish screens).
Writes made here are still logged: the audit signals see every save."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Permission

from secpla.core import models


@admin.register(models.User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("SECPLA", {"fields": ("role", "directorate", "department", "position", "phone")}),
    )
    list_display = ("username", "first_name", "last_name", "role", "directorate", "is_active")
    list_filter = ("role", "directorate", "is_active")


class RoleGrantInline(admin.TabularInline):
    model = models.RoleGrant
    extra = 0
    autocomplete_fields = ["permission"]


@admin.register(models.Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name")
    inlines = [RoleGrantInline]


@admin.register(models.ChangeLogEntry)
class ChangeLogEntryAdmin(admin.ModelAdmin):
    list_display = ("timestamp", "user_repr", "action", "content_type", "object_repr", "source")
    list_filter = ("action", "source", "content_type")
    search_fields = ("object_repr", "user_repr", "request_id")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Permission)
class PermissionAdmin(admin.ModelAdmin):
    search_fields = ("codename", "name")


for model in (
    models.Region,
    models.Province,
    models.Comuna,
    models.Municipality,
    models.Directorate,
    models.Department,
    models.UTMValue,
    models.RegionalHoliday,
    models.LocalHoliday,
    models.Organisation,
    models.Contact,
    models.Agreement,
    models.Document,
):
    admin.site.register(model)
