from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import AuditEntry, User
from accounts.views import admin_login

# The admin's own sign-in form would be a second door without throttling.
admin.site.login = admin_login  # type: ignore[method-assign]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "email", "role", "is_active", "must_change_password", "last_login")
    list_filter = ("role", "is_active", "must_change_password")
    # Permissions come from the role (accounts/roles.py): group membership, staff and
    # superuser flags are derived on save, so they are not editable here.
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Access", {"fields": ("role", "is_active", "must_change_password")}),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"fields": ("username", "usable_password", "password1", "password2", "role")}),
    )
    readonly_fields = ("last_login", "date_joined")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "door", "action", "content_type", "object_repr")
    list_filter = ("door", "action", "content_type")
    search_fields = ("username", "object_repr")
    date_hierarchy = "at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
