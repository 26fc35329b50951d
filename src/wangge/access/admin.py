from typing import Any

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from wangge.access import audit
from wangge.access.admin_scope import DistrictAdmin
from wangge.access.forms import RoleAssignmentForm
from wangge.access.models import ApiToken, RoleAssignment
from wangge.access.services import assign_role
from wangge.audit.models import AuditEntry

# In the user's language, as every page: a Chinese header no longer carries English beside it.
admin.site.site_header = _("网格平台管理")
admin.site.site_title = _("网格平台管理")
admin.site.index_title = _("区网格中心")


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(DistrictAdmin):
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
class ApiTokenAdmin(DistrictAdmin):
    list_display = ("prefix", "user", "name", "created_at", "last_used_at", "revoked")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class WanggeUserAdmin(DistrictAdmin, UserAdmin):
    """Users named in the audit log are deactivated, not deleted.

    The chain would stay verifiable either way (each entry keeps a snapshot of who acted, not a
    foreign key), but a deleted account's id and username could later be given to someone else,
    and the office must still be able to say who that was.
    """

    actions = ["deactivate_users"]

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        found = super().get_actions(request)
        found.pop("delete_selected", None)
        return found

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and AuditEntry.objects.filter(user_id=obj.pk).exists():
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="停用所选用户（审计日志中的用户只能停用，不能删除）")
    def deactivate_users(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for user in queryset.filter(is_active=True):
            user.is_active = False
            user.save(update_fields=["is_active"])
            audit.record(
                request.user,
                audit.AuditAction.UPDATE,
                "user",
                user.pk,
                channel="admin",
                detail={"is_active": False},
            )
        messages.success(request, _("已停用所选用户。"))


# The audit log's own admin lives here, with the district-admin base it needs: audit is the
# store below access and imports no app above it (core/tests/test_layers.py).
@admin.register(AuditEntry)
class AuditEntryAdmin(DistrictAdmin):
    """Append-only: the district grid centre may read the log (each look is itself logged)
    but never edit or delete it."""

    list_display = ("seq", "at", "username", "action", "object_type", "object_id", "channel")
    ordering = ("-pk",)
    list_filter = ("action", "channel", "object_type", "txn")
    search_fields = ("username", "object_id")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
