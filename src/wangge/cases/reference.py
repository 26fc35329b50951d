"""Per-process copies of what every intake needs: the region tree, the routing tables, the
point → grid index, the Open311 services and the departments' members (notified on dispatch).

Loading them cost a single report about a dozen queries and most of its time. Each process keeps
one copy and checks the `ReferenceStamp` token (one tiny query) before using it; saving or
deleting a region, category, department, responsibility rule, department membership or user
renews the token (signals wired
in `apps.py`), so every process reloads on its next intake. Writers that bypass model signals
(QuerySet.update) call `changed()` themselves; regions created in bulk are noticed by their
count and highest id.
"""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from wangge.core import sql

STAMP_KEY = "cases"


@dataclass
class Reference:
    token: str
    tree: Any  # services.RegionTree
    router: Any  # services.CaseRouter
    index: Any  # geo.pointindex.GridIndex
    grid_ids: dict[str, int]
    services: dict[str, Any]  # code → active leaf Category (Open311 service codes); read-only
    members: dict[int, list[str]]  # department id → its members' usernames, sorted


_lock = threading.Lock()
_current: Reference | None = None
_request = threading.local()  # .checked: the Reference already checked in this web request


def current_token() -> str:
    """The stamp's token plus the regions' count and highest id, in one round trip: the latter
    catch regions added in bulk (the demo builder, imports) without signals."""
    from django.db import connection

    from wangge.cases.models import ReferenceStamp
    from wangge.geo.models import Region

    quote = connection.ops.quote_name
    stamp, regions = quote(ReferenceStamp._meta.db_table), quote(Region._meta.db_table)
    row = sql.fetch_one(
        f"SELECT (SELECT token FROM {stamp} WHERE {quote('key')} = %s), count(*), max(id) "
        f"FROM {regions}",
        [STAMP_KEY],
    )
    token, count, top = row if row is not None else ("", 0, 0)
    return f"{token or ''}:{count}:{top}"


def get(load: Any) -> Reference:
    """The cached reference data, reloaded with `load(token)` if the token has moved on.

    Checked once per web request (a view that looks up a category and then submits a case asks
    twice) and on every call outside requests."""
    global _current
    cached = _current
    if cached is not None and getattr(_request, "checked", None) is cached:
        return cached
    token = current_token()
    if cached is None or cached.token != token:
        cached = load(token)
        with _lock:
            _current = cached
    if getattr(_request, "active", False):
        _request.checked = cached
    return cached


def request_started(**_kwargs: Any) -> None:
    _request.active = True
    _request.checked = None


def request_finished(**_kwargs: Any) -> None:
    _request.active = False
    _request.checked = None


def forget() -> None:
    global _current
    with _lock:
        _current = None
    _request.checked = None


def user_saved(*_args: Any, update_fields: Any = None, **_kwargs: Any) -> None:
    """A user saved with only other fields (a login stamps last_login) renames nobody."""
    if update_fields is None or "username" in update_fields:
        changed()


def changed(*_args: Any, **_kwargs: Any) -> None:
    """Renew the token (inside the caller's transaction: a rollback restores the old one)."""
    from wangge.cases.models import ReferenceStamp

    forget()
    token = secrets.token_hex(16)
    if ReferenceStamp.objects.filter(key=STAMP_KEY).update(token=token):
        return
    try:
        with transaction.atomic():
            ReferenceStamp.objects.create(key=STAMP_KEY, token=token)
    except IntegrityError:  # created concurrently
        ReferenceStamp.objects.filter(key=STAMP_KEY).update(token=token)
