from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.access.models import AuditAction, AuditEntry, RoleAssignment

# Failed log-ins are counted from the audit log, so every server process sees the same count.
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def recent_failures(username: str) -> int:
    since = timezone.now() - LOCKOUT
    return AuditEntry.objects.filter(
        action=AuditAction.LOGIN_FAILED, at__gte=since, detail__username=username
    ).count()


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用。"),
        "locked": _("该账号连续登录失败次数过多，请15分钟后再试。"),
    }

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip()
        if username and recent_failures(username[:150]) >= MAX_FAILURES:
            raise forms.ValidationError(self.error_messages["locked"], code="locked")
        return super().clean()


class RoleAssignmentForm(forms.ModelForm):
    """A role is valid only at its level (grid worker → grid …); checked before saving."""

    class Meta:
        model = RoleAssignment
        fields = ["user", "role", "region", "department"]

    def clean(self) -> dict[str, Any]:
        from wangge.access.services import ROLE_LEVELS
        from wangge.geo.models import RegionLevel

        data = super().clean() or {}
        role, region = data.get("role"), data.get("region")
        if role and region and region.level not in ROLE_LEVELS.get(role, set()):
            allowed = "、".join(str(RegionLevel(level).label) for level in ROLE_LEVELS[role])
            raise forms.ValidationError(
                f"该角色只能授权到{allowed}，不能授权到{region.get_level_display()}"
            )
        return data
