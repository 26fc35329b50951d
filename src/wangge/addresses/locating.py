"""One `AddressLocator` per process, over the stored registry and region tree.

Case intake (placing a report by its address) and the address search of persons both need the
registry matcher. Building it reads every room (a few seconds and a few hundred MB at a million
rooms), so each process keeps one copy and rebuilds it only when the registry or the regions
changed. The check before each use costs two small queries: a token in the shared cache
(renewed after the commit of any change that goes through `changed()`: room and building
saves and deletes, region saves, `load_addresses`, the demo build) and the rooms' highest id
with the regions' count and highest id (which catch bulk writes that send no signal).
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction

from wangge.addresses.locator import AddressLocator, RegionInfo, RoomPlace
from wangge.addresses.matcher import RegistryRoom
from wangge.core import sql

CACHE_KEY = "wangge:address-registry"

_lock = threading.Lock()
_current: tuple[str, AddressLocator] | None = None


def _token() -> str:
    from wangge.addresses.models import Room
    from wangge.geo.models import Region

    quote = connection.ops.quote_name
    rooms, regions = quote(Room._meta.db_table), quote(Region._meta.db_table)
    row = sql.fetch_one(
        f"SELECT (SELECT max(id) FROM {rooms}), count(*), max(id) FROM {regions}", []
    )
    shared = cache.get(CACHE_KEY) or ""
    return f"{shared}:{row if row is not None else ''}"


def locator() -> AddressLocator:
    """The current registry as a locator (built on first use, rebuilt after changes)."""
    global _current
    token = _token()
    cached = _current
    if cached is not None and cached[0] == token:
        return cached[1]
    built = _build()
    with _lock:
        _current = (token, built)
    return built


def _build() -> AddressLocator:
    from wangge.addresses.models import Room
    from wangge.geo.models import Region

    rows = Room.objects.order_by().values_list(
        "address_code",
        "building__community__code",
        "building__road",
        "building__number",
        "building__name",
        "unit__name",
        "name",
        "grid__code",
        "lon",
        "lat",
    )
    regions = {
        code: RegionInfo(parent or "", level, name)
        for code, parent, level, name in Region.objects.order_by().values_list(
            "code", "parent__code", "level", "name"
        )
    }
    return AddressLocator(
        (
            (
                RegistryRoom(code, community, road, number, building or "", unit or "", room),
                RoomPlace(grid or "", lon, lat),
            )
            for code, community, road, number, building, unit, room, grid, lon, lat in rows.iterator(
                chunk_size=5000
            )
        ),
        regions,
    )


def forget() -> None:
    global _current
    with _lock:
        _current = None


def changed(*_args: Any, **_kwargs: Any) -> None:
    """The registry or the regions changed: every process rebuilds once this commits."""

    def renew() -> None:
        forget()
        cache.set(CACHE_KEY, secrets.token_hex(8), None)

    forget()
    transaction.on_commit(renew)
