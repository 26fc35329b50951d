"""Values every page needs: the user's scope label and roles for the navigation bar (access's,
since they are the user's roles and scope; the base template in core only shows them)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from wangge.access.scoping import scope_for


def platform(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from wangge.access.services import user_role_labels

    return {"wg_scope": scope_for(user), "wg_role_labels": user_role_labels(user)}
