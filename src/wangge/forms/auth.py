"""Who is asking, for the OpenRosa endpoints: the browser session (writes need the CSRF
header), or HTTP Basic with the user's own password (ODK Collect sends it after a 401 challenge).

Digest is not offered: it needs a password-equivalent kept on the server, and passwords here
are stored only as Argon2 hashes. Basic must run over HTTPS (WANGGE_HTTPS); Collect supports it.

A password check goes through `django.contrib.auth.authenticate`, so django-axes counts the
failures and locks out (per user and address, and per address) exactly as at /login/. Argon2
costs tens of milliseconds by design; Collect sends the credentials with every request, so a
success is remembered for a few minutes in this process under a keyed hash of the credentials
and the stored password hash (a changed password or a deactivated user stops matching).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.db import connection
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from wangge.access import authn
from wangge.access.scoping import forget_scope
from wangge.audit.log import ROLES_ATTR as AUDIT_ROLES_ATTR
from wangge.core import sql

REALM = "wangge"
REMEMBER_SECONDS = 300
_remembered: dict[str, tuple[Any, str, float]] = {}
_lock = threading.Lock()


class LockedOut(Exception):
    pass


class TooMany(Exception):
    pass


def _key(username: str, password: str) -> str:
    secret = settings.SECRET_KEY.encode()
    return hmac.new(secret, f"{username}\0{password}".encode(), hashlib.sha256).hexdigest()


def basic_credentials(request: HttpRequest) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    return username, password


def _recall(key: str) -> Any | None:
    """The remembered user if their stored password hash and active flag are still as they
    were (one indexed read, in plain SQL: this runs on every request of a sync)."""
    with _lock:
        found = _remembered.get(key)
    if found is None or found[2] < time.monotonic():
        return None
    user, password_hash, _until = found
    table = connection.ops.quote_name(get_user_model()._meta.db_table)
    row = sql.fetch_one(f"SELECT password, is_active FROM {table} WHERE id = %s", [user.pk])
    if row is None or row[0] != password_hash or not row[1]:
        return None
    forget_scope(user)  # roles may have changed since: the scope is computed afresh …
    user.__dict__.pop(AUDIT_ROLES_ATTR, None)  # … and so is the audit log's snapshot of them
    return user


def _remember(key: str, user: Any) -> None:
    with _lock:
        if len(_remembered) > 10_000:
            _remembered.clear()
        _remembered[key] = (user, user.password, time.monotonic() + REMEMBER_SECONDS)


def openrosa_user(request: HttpRequest) -> Any | None:
    """The user, or None (answer 401 with a challenge). Raises `LockedOut` / `TooMany`."""
    session_user = getattr(request, "user", None)
    if session_user is not None and session_user.is_authenticated:
        return session_user
    credentials = basic_credentials(request)
    if credentials is None:
        return None
    username, password = credentials
    username = authn.normalise_username(username)
    key = _key(username, password)
    user = _recall(key)
    if user is None:
        user = authenticate(request, username=username, password=password)
        if getattr(request, "axes_locked_out", False):
            raise LockedOut
        if user is None:
            return None
        _remember(key, user)
    request.user = user
    rate = settings.WANGGE_API_RATE_LIMIT
    if (
        rate
        and rate != "0"
        and is_ratelimited(
            request, group="openrosa", key=lambda _g, _r: str(user.pk), rate=rate, increment=True
        )
    ):
        raise TooMany
    return user


def forget_all() -> None:
    """Tests: start without remembered credentials."""
    with _lock:
        _remembered.clear()
