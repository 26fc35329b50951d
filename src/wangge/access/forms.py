from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from wangge.access.models import RoleAssignment


class LoginForm(AuthenticationForm):
    """Lockouts are django-axes' (access.authn), for this form and the admin's alike."""

    error_messages = {
        "invalid_login": _("用户名或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }


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
                _("该角色只能授权到%(allowed)s，不能授权到%(level)s")
                % {"allowed": allowed, "level": region.get_level_display()}
            )
        return data
