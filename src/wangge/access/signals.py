"""Log-ins and failed log-ins go into the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from wangge.access import audit


@receiver(user_logged_in)
def _logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    audit.record(user, audit.AuditAction.LOGIN, "user", user.pk)


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: Any, **kwargs: Any) -> None:
    audit.record(
        None,
        audit.AuditAction.LOGIN_FAILED,
        "user",
        "",
        detail={"username": str(credentials.get("username", ""))[:150]},
    )
