from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django import template
from django.contrib.auth import get_user_model
from django.core.exceptions import DisallowedHost
from django.utils.http import url_has_allowed_host_and_scheme

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


@register.simple_tag(takes_context=True)
def staff_name_of(context: template.Context, username: str) -> str:
    """The name of the member of staff a record keeps only by login (a background job's
    starter, a form submission's sender, kept where no foreign key can point); the login
    itself for an account since removed. One query per login per page."""
    if not username:
        return ""
    render: Any = context.render_context  # django-stubs type its values for the loader only
    known: dict[str, str] = render.setdefault("staff_names", {})
    if username not in known:
        user = get_user_model().objects.filter(username=username).first()
        known[username] = staff_name(user) if user is not None else username
    return known[username]


@register.simple_tag
def back_url(request: Any) -> str:
    """Where an error page's 返回上一页 leads: the page the user came from on this site.

    Why: a refusal that used to be a message on the task page (a grid worker pressing 分派) is
    now a 403 page of its own, and 返回首页 alone leaves a worker on a phone to find the task
    again. Only a same-site Referer counts (never another site's address); nothing when there
    is none, or when it is the very page that failed to open (a GET of it would fail again).
    A form posted to its own page (the usual case) leads back to that page."""
    if request is None:
        return ""
    referer = request.META.get("HTTP_REFERER", "")
    try:
        host = request.get_host()
    except DisallowedHost:  # the 400 page for a bad Host header renders this template too
        return ""
    if not referer or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={host}, require_https=request.is_secure()
    ):
        return ""
    parts = urlsplit(referer)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    if not path.startswith("/") or (request.method == "GET" and path == request.get_full_path()):
        return ""
    return path
