"""Roles bound to region subtrees, API tokens, and the audit log's action names."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区网格中心管理员")
    STREET_OFFICER = "street_officer", _("街道工作人员")
    COMMUNITY_OFFICER = "community_officer", _("社区工作人员")
    GRID_WORKER = "grid_worker", _("网格员")
    DEPARTMENT_HANDLER = "department_handler", _("部门承办人")


class RoleAssignment(models.Model):
    """A user acts in a role over one region and everything below it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        "geo.Region", models.PROTECT, related_name="role_assignments", verbose_name=_("区域")
    )
    department = models.CharField(_("部门"), max_length=100, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region"], name="role_assignment_unique"
            )
        ]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")

    def __str__(self) -> str:
        return f"{self.user} {self.get_role_display()} @ {self.region.name}"


class ApiToken(models.Model):
    """A bearer token for the REST API; only its SM3 digest is stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100, default="")
    prefix = models.CharField(max_length=8, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class AuditAction(models.TextChoices):
    VIEW = "view", _("查看")
    LIST = "list", _("列表")
    SEARCH = "search", _("搜索")
    REVEAL = "reveal", _("查看完整信息")
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    IMPORT = "import", _("导入")
    EXPORT = "export", _("导出")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    DENIED = "denied", _("拒绝访问")
    ALERT = "alert", _("安全告警")


class SearchAlert(models.Model):
    """A burst of exact ID-number or phone searches that found nobody: someone may be guessing
    the hidden digits of a masked number (issue 12, attack 2). District admins see these at
    /security/alerts/ and in the audit log (action `alert`)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(_("用户"), max_length=150)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    misses = models.PositiveIntegerField(_("未命中次数"))
    window_seconds = models.PositiveIntegerField(_("时间窗（秒）"))
    kinds: Any = models.JSONField(_("搜索类型"), default=list)
    client_ip = models.CharField(_("来源地址"), max_length=64, blank=True, default="")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.CharField(_("处理说明"), max_length=200, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("搜索告警")
        verbose_name_plural = _("搜索告警")

    def __str__(self) -> str:
        return f"{self.username} {self.misses}次未命中"


# The log moved to its own app and store; the old import path keeps working.
from wangge.audit.models import AuditEntry  # noqa: E402

__all__ = ["ApiToken", "AuditAction", "AuditEntry", "Role", "RoleAssignment"]
