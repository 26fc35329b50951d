"""The roster ODK Collect and the browser choose households and persons from
(`select_one_from_file households.csv` / `persons.csv`, tags from `tags.csv`).

Only the user's own grid(s), and only what a door-to-door visit needs to find the right door:
room labels and masked names, never ID numbers or phones (those are updated through forms,
never handed out in bulk). Every row carries `at`, the time of the newest change in the grids
it was built from (milliseconds since the epoch): a submission sends back the `at` of the row it
was filled against, so the server can tell which values changed since (the conflict inbox).

Built rosters are cached per set of grids and that stamp, so a manifest that asks again and
again costs two aggregate queries; Collect refreshes its copy when the MD5 in the manifest moves.

An app above this one serves a roster of its own the same way (the inspections app's
`places.csv`, what a checklist's place is chosen from in Collect): it registers the file's
builder and the key that moves when its rows would (`register_roster`, from its
AppConfig.ready), so the forms app lists and serves it without importing that app.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max

from wangge.access.models import Role
from wangge.access.scoping import scope_for
from wangge.geo.models import Region, RegionLevel
from wangge.people.models import Household, Person, Residence, Tag

ROSTER_FILES = ("households.csv", "persons.csv", "tags.csv")
# Staff without a grid of their own get the roster of the grids they cover up to this size.
STAFF_ROSTER_MAX_HOUSEHOLDS = 5000
CACHE_SECONDS = 24 * 3600


def mask_name(name: str) -> str:
    """张三 → 张*, 欧阳娜娜 → 欧阳**: the surname the door plate and neighbours know."""
    if not name:
        return "—"
    keep = 2 if len(name) >= 4 else 1
    return name[:keep] + "*" * max(1, len(name) - keep)


def roster_grids(user: Any) -> list[int]:
    """A grid worker's own grids; staff without a grid: the grids they cover if not too many
    households (a street's roster is no use on a phone)."""
    scope = scope_for(user)
    if scope.grid_roots:
        return sorted(
            Region.objects.subtree(*scope.grid_roots)
            .filter(level=RegionLevel.GRID)
            .values_list("pk", flat=True)
        )
    if Role.COMMUNITY_OFFICER not in scope.roles and not scope.unrestricted:
        return []
    grids = sorted(scope.writable_grid_ids)
    if not grids:
        return []
    if Household.objects.filter(grid_id__in=grids).count() > STAFF_ROSTER_MAX_HOUSEHOLDS:
        return []
    return grids


def stamp(grids: list[int]) -> int:
    """Milliseconds of the newest change to a person or household of the grids (0 if none),
    moved on by deletions too (the counts are in the cache key)."""
    if not grids:
        return 0
    p = Person.objects.filter(grid_id__in=grids).aggregate(at=Max("updated_at"), n=Count("pk"))
    h = Household.objects.filter(grid_id__in=grids).aggregate(at=Max("updated_at"), n=Count("pk"))
    newest = max((x for x in (p["at"], h["at"]) if x is not None), default=None)
    millis = int(newest.timestamp() * 1000) + 1 if newest else 0
    return millis * 1000 + (p["n"] + h["n"]) % 1000  # a deletion moves the stamp too


@dataclass(frozen=True)
class RosterFile:
    name: str
    data: bytes

    @property
    def md5(self) -> str:
        return hashlib.md5(self.data).hexdigest()  # noqa: S324 - the OpenRosa manifest hash


@dataclass(frozen=True)
class RosterSource:
    """A roster file another app provides: `build(user)` the CSV's bytes, `key(user)` a text
    that changes whenever what `build` would return for that user does (the cache key)."""

    name: str
    build: Callable[[Any], bytes]
    key: Callable[[Any], str]


_SOURCES: dict[str, RosterSource] = {}


def register_roster(name: str, build: Callable[[Any], bytes], key: Callable[[Any], str]) -> None:
    """Serve `name` (a form's `select_one_from_file <name>`) built by another app."""
    if name in ROSTER_FILES:
        raise ValueError(f"roster file {name} is the forms app's own")
    _SOURCES[name] = RosterSource(name, build, key)


def roster(user: Any, names: Iterable[str] | None = None) -> dict[str, RosterFile]:
    """The roster files of `user` by name; `names`: only those (a form's media), so a manifest
    builds only what its form reads."""
    wanted = set(names) if names is not None else set(ROSTER_FILES) | set(_SOURCES)
    files: dict[str, RosterFile] = {}
    if wanted & set(ROSTER_FILES):
        files.update(_people_roster(user))
    for name in sorted(wanted & set(_SOURCES)):
        files[name] = _registered(_SOURCES[name], user)
    return {name: f for name, f in files.items() if name in wanted}


def _registered(source: RosterSource, user: Any) -> RosterFile:
    key = (
        "forms:roster:" + source.name + ":" + hashlib.sha256(source.key(user).encode()).hexdigest()
    )
    data = cache.get(key)
    if data is None:
        data = source.build(user)
        cache.set(key, data, CACHE_SECONDS)
    return RosterFile(source.name, data)


def _people_roster(user: Any) -> dict[str, RosterFile]:
    grids = roster_grids(user)
    at = stamp(grids)
    tags = Tag.objects.aggregate(n=Count("pk"), m=Max("pk"))
    key = (
        "forms:roster:"
        + hashlib.sha256(f"{grids}|{at}|{tags['n']}|{tags['m']}".encode()).hexdigest()
    )
    cached = cache.get(key)
    if cached is None:
        cached = _build(grids, at // 1000)
        cache.set(key, cached, CACHE_SECONDS)
    return {name: RosterFile(name, data) for name, data in cached.items()}


def _csv(header: list[str], rows: Any) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _build(grids: list[int], at: int) -> dict[str, bytes]:
    households = (
        Household.objects.filter(grid_id__in=grids)
        .select_related("room__building", "room__unit", "head")
        .order_by(
            "room__building__road",
            "room__building__number",
            "room__building__name",
            "room__unit__name",
            "room__name",
            "pk",
        )
    )
    hrows = []
    for h in households.iterator(chunk_size=2000):
        place = h.room.label if h.room_id and h.room else f"户{h.pk}"
        building = h.room.building.label if h.room_id and h.room else ""
        head = mask_name(h.head.name) if h.head_id and h.head else ""
        hrows.append([h.pk, f"{place} {head}".strip(), building, at])
    members = Residence.objects.filter(
        household__grid_id__in=grids, until__isnull=True
    ).values_list("person_id", "household_id", "person__name", "person__gender", "relation")
    prows = [
        [pid, f"{mask_name(name)}{'（' + gender + '）' if gender else ''}", hid, relation, at]
        for pid, hid, name, gender, relation in members.order_by("household_id", "person_id")
    ]
    trows = list(Tag.objects.values_list("code", "name"))
    return {
        "households.csv": _csv(["name", "label", "building", "at"], hrows),
        "persons.csv": _csv(["name", "label", "household", "relation", "at"], prows),
        "tags.csv": _csv(["name", "label"], trows),
    }
