"""Request-level guards that every page and API call passes through.

- `BodySizeLimitMiddleware`: an anonymous request whose Content-Length is above
  `WANGGE_ANONYMOUS_MAX_BODY_BYTES` (a logged-in one: the import file limit plus 1 MiB) is
  answered 413 before a byte of the body is read. Without it a 60 MB body to the report page
  was read in full (multipart parts go to disk unchecked) before the form refused it.
- `SessionTimeoutMiddleware`: the session ends after `WANGGE_SESSION_IDLE_MINUTES` without a
  request and `WANGGE_SESSION_MAX_HOURS` after log-in, on a shared office PC too.
- `NoStoreMiddleware`: `Cache-Control: no-store` on every answer the application itself makes
  (pages and API; static files are served before it by WhiteNoise), so no browser or proxy
  keeps a copy of a page with residents' data.
- `RefusalAuditMiddleware`: a refused attempt (403, and for a signed-in user also 401/404/429)
  leaves an audit entry `denied` with the path, method, status and client address. Anonymous
  404s are not logged: nothing was refused that a stranger could not see anyway, and logging
  them would let anyone flood the audit log.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.clientip import client_ip

Handler = Callable[[HttpRequest], HttpResponse]
_MACHINE_PREFIXES = ("/api/", "/open311/", "/openrosa/")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(_MACHINE_PREFIXES)


def _signed_in(request: HttpRequest) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        anonymous_cap = int(settings.WANGGE_ANONYMOUS_MAX_BODY_BYTES)
        if length > anonymous_cap:
            # The session decides; an API token is read from a header, never from the body.
            signed_in = _signed_in(request) or "HTTP_AUTHORIZATION" in request.META
            cap = int(settings.WANGGE_IMPORT_MAX_FILE_BYTES) + 2**20 if signed_in else anonymous_cap
            if length > cap:
                return self._refuse(request, cap)
        return self.get_response(request)

    def _refuse(self, request: HttpRequest, cap: int) -> HttpResponse:
        message = _("提交的内容太大（上限%(mb).0f MB），请减少照片或压缩后再试。") % {
            "mb": cap / 2**20
        }
        if _wants_json(request):
            response: HttpResponse = JsonResponse({"message": message}, status=413)
        else:
            response = render(request, "core/error.html", {"message": message}, status=413)
        # The WSGI server, not the application, decides what happens to the unread body (the
        # development server and gunicorn's sync workers close the connection).
        return response


class SessionTimeoutMiddleware:
    KEY_LOGIN = "wangge_login_at"
    KEY_SEEN = "wangge_seen_at"

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _signed_in(request) and hasattr(request, "session"):
            now = int(time.time())
            session = request.session
            login_at = int(session.get(self.KEY_LOGIN, now))
            seen_at = int(session.get(self.KEY_SEEN, now))
            idle = int(settings.WANGGE_SESSION_IDLE_MINUTES) * 60
            most = int(settings.WANGGE_SESSION_MAX_HOURS) * 3600
            if now - seen_at > idle or now - login_at > most:
                logout(request)
                if _wants_json(request):
                    return JsonResponse({"message": _("登录已过期，请重新登录")}, status=401)
                return redirect_to_login(request.get_full_path())
            if self.KEY_LOGIN not in session:
                session[self.KEY_LOGIN] = now
            # Written at most once a minute, so a busy page does not rewrite its session row
            # on every request.
            if now - seen_at >= 60 or self.KEY_SEEN not in session:
                session[self.KEY_SEEN] = now
        return self.get_response(request)


class NoStoreMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response


class RefusalAuditMiddleware:
    SIGNED_IN = frozenset({401, 403, 404, 429})
    ANONYMOUS = frozenset({403})

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        status = response.status_code
        signed_in = _signed_in(request)
        if status in (self.SIGNED_IN if signed_in else self.ANONYMOUS):
            user = request.user if signed_in else None
            audit.record(
                user,
                audit.AuditAction.DENIED,
                "request",
                "",
                channel="api" if _wants_json(request) else "web",
                # The path only: a query string may hold what was searched for.
                detail={
                    "path": request.path[:300],
                    "method": request.method,
                    "status": status,
                    "ip": client_ip(request),
                },
            )
        return response
