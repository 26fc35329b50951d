"""One lockout for every way in: `/login/`, `/admin/login/` and API tokens (django-axes).

- Failures are counted per (username, client address): the username NFKC-normalised and
  case-folded (`ｓｔｒｅｅｔ`, `Street` and `street` are one account, as Django's login form
  normalises them too), the address from `access.clientip` (X-Forwarded-For believed only from
  `WANGGE_TRUSTED_PROXIES`). `WANGGE_LOGIN_FAILURE_LIMIT` failures lock that pair for
  `WANGGE_LOGIN_LOCKOUT_MINUTES`; the same user from another address is not affected, so an
  attacker cannot lock anyone out from everywhere.
- Failures are also counted per address alone: `WANGGE_LOGIN_IP_FAILURE_LIMIT` failures, over
  any usernames and bad API tokens, lock that address out of every login.
- A successful login clears only its own (username, address) pair, never the address's count,
  so an attacker cannot reset the throttle by logging into an account of their own.

django-axes compares one number with one limit; `WanggeAxesHandler.get_failures` folds the two
counts into that number.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Sum
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from wangge.access.forms import LoginForm
from wangge.access.services import user_for_token
from wangge.audit.log import NUL_SHOWN

# The username under which bad API tokens are counted (no real username can contain spaces).
TOKEN_USERNAME = "(api token)"


def normalise_username(raw: Any) -> str:
    # No username holds a NUL, and PostgreSQL stores none: shown as ␀ (as the audit log shows
    # it), it is a wrong name counted like any other (it reached the user lookup and axes as it
    # came: a 500).
    name = unicodedata.normalize("NFKC", str(raw or "")).strip().casefold()[:150]
    return name.replace("\x00", NUL_SHOWN)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """AXES_USERNAME_CALLABLE: the key failures are counted under."""
    if credentials and credentials.get("username") is not None:
        return normalise_username(credentials.get("username"))
    data = getattr(request, "POST", None) or {}
    return normalise_username(data.get("username", ""))


class WanggeAxesHandler(AxesDatabaseHandler):
    """Axes' database handler with the per-address limit next to the per-(user, address) one.

    AXES_LOCKOUT_PARAMETERS is [["username", "ip_address"], "ip_address"]: axes then hands us
    the pair's attempts first and the address's second.
    """

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        pair = counts[0] if counts else 0
        per_address = counts[1] if len(counts) > 1 else 0
        if per_address >= settings.WANGGE_LOGIN_IP_FAILURE_LIMIT:
            return max(pair, settings.AXES_FAILURE_LIMIT)
        return pair

    def reset_user_attempts(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        attempts = self.filter_user_attempts(request, credentials)[:1]  # the pair only
        return sum(qs.delete()[0] for qs in attempts)


def lockout_message() -> str:
    minutes = settings.WANGGE_LOGIN_LOCKOUT_MINUTES
    return _("登录失败次数过多，请%(minutes)d分钟后再试。") % {"minutes": minutes}


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 in Chinese, JSON for API clients, a page for browsers."""
    message = lockout_message()
    if request.path.startswith(("/api/", "/open311/", "/openrosa/")):
        # rebuilt in the prefix's own error format (core.api_errors), the message kept
        return JsonResponse({"message": message}, status=429)
    # The log-in form again with the reason, so the person knows what happened and when to
    # come back (the admin's log-in page included: its users may use this form as well).
    form = LoginForm(request, data=None, initial={"username": request.POST.get("username", "")})
    context = {"form": form, "lockout": message, "next": request.POST.get("next", "")}
    return render(request, "access/login.html", context, status=429)


class TokenLockedOut(Exception):
    """This address sent too many wrong tokens: answer 429 with `lockout_message()`."""


def presented_token_user(request: HttpRequest, token: str) -> Any | None:
    """The live token's user, or None for a wrong one, counted as a failed log-in.

    A valid token passes even from an address locked out by wrong ones: it holds 256 random
    bits, so the lockout guards nothing there, while refusing it let one misconfigured client
    behind an office's shared NAT lock every other system of that office out for 15 minutes.
    Wrong tokens from a locked address are refused (TokenLockedOut) and not counted again."""
    user = user_for_token(token)
    if user is not None:
        return user
    if not token_allowed(request):
        raise TokenLockedOut
    token_failed(request)
    return None


def token_allowed(request: HttpRequest) -> bool:
    """Whether this address may still try API tokens (the same lockout as passwords)."""
    return bool(AxesProxyHandler.is_allowed(request, {"username": TOKEN_USERNAME}))


def token_failed(request: HttpRequest) -> None:
    """A wrong or revoked token counts as a failed login from this address."""
    user_login_failed.send(
        sender=__name__, credentials={"username": TOKEN_USERNAME}, request=request
    )
