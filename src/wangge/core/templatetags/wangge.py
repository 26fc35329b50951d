from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import template

if TYPE_CHECKING:  # core imports no app; the scope object is only passed through
    from wangge.access.scoping import Scope

register = template.Library()


@register.filter
def covers(scope: Scope | None, code: str) -> bool:
    """Whether a breadcrumb ancestor may be linked: only regions inside the user's scope."""
    return bool(scope and scope.covers_code(code))


@register.filter
def percent(part: Any, whole: Any) -> str:
    try:
        return f"{100.0 * float(part) / float(whole):.1f}%" if float(whole) else "0%"
    except (TypeError, ValueError):
        return "—"


@register.filter
def staff_name(user: Any) -> str:
    """A member of staff as people call them: the name on the account, else the login name
    (the login is an identifier, often letters: "grid", "zhangsan", an employee number)."""
    if user is None:
        return ""
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()
