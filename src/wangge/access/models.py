"""Roles bound to region subtrees, API tokens, and the hash-chained audit log."""

from __future__ import annotations

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


class AuditEntry(models.Model):
    """One append-only record; `entry_hash` = SM3(prev_hash + canonical content)."""

    at = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="+"
    )
    username = models.CharField(_("用户"), max_length=150, blank=True, default="")
    action = models.CharField(_("操作"), max_length=16, choices=AuditAction.choices)
    object_type = models.CharField(_("对象类型"), max_length=50, blank=True, default="")
    object_id = models.CharField(_("对象"), max_length=64, blank=True, default="")
    channel = models.CharField(_("渠道"), max_length=16, default="web")
    detail = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"#{self.pk} {self.username} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The newest entry's id and hash, so removing the last entries is detected too."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    def __str__(self) -> str:
        return f"audit head #{self.last_id}"
