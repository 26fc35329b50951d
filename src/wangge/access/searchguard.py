"""Exact ID-number and phone searches: limited per user, audited by keyed hash, alerted on.

A masked number leaves a few hundred candidates (docs/security.md); exact search is the one
oracle that tells which is real (issue 12, attack 2: 18 searches rebuilt an ID). So:

* each user may run `WANGGE_EXACT_SEARCH_LIMIT` exact searches per `WANGGE_EXACT_SEARCH_WINDOW`
  seconds (default 20 per 10 minutes), users who may reveal identifiers anyway
  `WANGGE_EXACT_SEARCH_LIMIT_REVEAL` (default 60). The count lives in Django's cache through
  django-ratelimit (the database cache or Redis), so every worker and process shares it;
* every exact search is audited with the keyed hash of the normalised value
  (`DataCipher.audit_hash`), never the value: an investigator with the key can find who looked
  up a given number, a reader of the log alone learns nothing;
* `WANGGE_SEARCH_ALERT_MISSES` exact searches without a result within
  `WANGGE_SEARCH_ALERT_WINDOW` seconds raise a `SearchAlert` for the district admins (page
  /security/alerts/, audit action `alert`), once per window.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from wangge.access.fields import data_cipher
from wangge.access.models import AuditAction, SearchAlert
from wangge.access.scoping import can_reveal_identifiers
from wangge.core.errors import RateLimited

EXACT_KINDS = frozenset({"id_number", "phone"})


def query_hash(normalised: str) -> str:
    return data_cipher().audit_hash(normalised)


def exact_limit(user: Any) -> int:
    if can_reveal_identifiers(user):
        return int(settings.WANGGE_EXACT_SEARCH_LIMIT_REVEAL)
    return int(settings.WANGGE_EXACT_SEARCH_LIMIT)


def _usage(user: Any, group: str, limit: int, window: int) -> dict[str, Any] | None:
    # django-ratelimit wants a request for its key function; the key here is the user alone,
    # so a bare request serves every channel (web, API, command line).
    return get_usage(
        HttpRequest(),
        group=group,
        key=lambda _group, _request: str(user.pk),
        rate=f"{limit}/{window}s",
        increment=True,
    )


def check_exact_search(user: Any, kind: str, hashed: str, *, channel: str) -> None:
    """Count one exact search; over the limit it is refused (429, audited) before it runs."""
    from wangge.access import audit

    limit, window = exact_limit(user), int(settings.WANGGE_EXACT_SEARCH_WINDOW)
    if limit <= 0 or window <= 0 or user is None or not user.is_authenticated:
        return
    usage = _usage(user, "wangge-exact-search", limit, window)
    if usage is None or not usage["should_limit"]:
        return
    audit.record(
        user,
        AuditAction.DENIED,
        "person",
        "",
        channel=channel,
        detail={"reason": "search_rate_limited", "kind": kind, "query_hash": hashed},
    )
    minutes = max(1, window // 60)
    what = _("身份证号") if kind == "id_number" else _("电话")
    raise RateLimited(
        _("按%(what)s精确搜索过于频繁：每%(minutes)s分钟最多%(limit)s次，请%(time_left)s秒后再试")
        % {"what": what, "minutes": minutes, "limit": limit, "time_left": usage["time_left"]}
    )


def note_miss(user: Any, kind: str, *, channel: str, client_ip: str = "") -> SearchAlert | None:
    """An exact search found nobody; the threshold-th miss in a window raises one alert."""
    from wangge.access import audit

    threshold = int(settings.WANGGE_SEARCH_ALERT_MISSES)
    window = int(settings.WANGGE_SEARCH_ALERT_WINDOW)
    if threshold <= 0 or window <= 0 or user is None or not user.is_authenticated:
        return None
    usage = _usage(user, "wangge-search-miss", threshold, window)
    if usage is None or usage["count"] != threshold:
        return None
    alert = SearchAlert.objects.create(
        user=user,
        username=user.get_username(),
        misses=threshold,
        window_seconds=window,
        kinds=[kind],
        client_ip=client_ip,
    )
    audit.record(
        user,
        AuditAction.ALERT,
        "search_alert",
        alert.pk,
        channel=channel,
        detail={"misses": threshold, "window": window, "kind": kind},
    )
    return alert
