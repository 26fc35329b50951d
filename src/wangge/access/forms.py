from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from wangge.access.models import AuditAction, AuditEntry

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
