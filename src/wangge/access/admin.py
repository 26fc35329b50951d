from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.access.forms import RoleAssignmentForm
from wangge.access.models import ApiToken, AuditEntry, RoleAssignment
from wangge.access.services import assign_role

admin.site.site_header = "网格平台管理 Wangge administration"
admin.site.site_title = "网格平台管理"
admin.site.index_title = "区网格中心"


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    """Roles are granted through the service, so its level rules and audit entry apply here too."""

    form = RoleAssignmentForm
    list_display = ("user", "role", "region", "department")
    list_filter = ("role",)
    raw_id_fields = ("user", "region")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke and grant again, so every change is one audited step

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        saved = assign_role(request.user, obj.user, obj.role, obj.region, department=obj.department)
        obj.pk = saved.pk


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Append-only: the admin may read the log but never edit or delete it."""

    list_display = ("pk", "at", "username", "action", "object_type", "object_id", "channel")
    ordering = ("-pk",)
    list_filter = ("action", "channel", "object_type")
    search_fields = ("username", "object_id")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
