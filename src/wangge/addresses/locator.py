"""Where a written address lies: a registry room, else the grid or smallest region it names.

A report that comes with an address but no map pin (the residents' form, a hotline work order,
an Open311 request, staff intake) must still reach the people responsible for the place. The
registry matcher (:mod:`wangge.addresses.matcher`) answers for exact rooms; everything less
exact is read here as *the set of rooms the address may mean*, and the answer is the smallest
region holding all of them:

=====================================  ==========  ===========================================
written                                level       answer
=====================================  ==========  ===========================================
a registry room (any spelling the      room        the room's grid and position
matcher accepts)
a door, building or unit               building    its grid if all its rooms lie in one (and
                                                   its position if it is one building), else
                                                   the smallest region holding them
a unit or room the registry lacks      building    the same for what is left once the unknown
                                                   parts are dropped (the reason says so)
a road only                            road        the grid, community or street holding every
                                                   room on it
a community or street by name          region      that region
nothing known                          none        nothing
=====================================  ==========  ===========================================

It never picks one of several grids: a doubt stays a region above them, for a dispatcher to
settle. Pure Python, no Django: the platform feeds registry rows and the region tree in
(:mod:`wangge.addresses.locating` keeps one per process).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from wangge.addresses.matcher import AddressMatcher, RegistryRoom
from wangge.addresses.parser import ParsedAddress, parse_address

__all__ = ["AddressLocator", "Located", "LocatedLevel", "RegionInfo", "RoomPlace"]

_NAN: Final = math.nan
_ANSWERS_KEPT: Final = 65_536

LocatedLevel = Literal["room", "building", "road", "region", "none"]

# Community and street names as written in addresses and as registered: 幸福一村社区 and
# 幸福一村社区居委会 and 幸福一村 are one community.
_REGION_SUFFIXES: Final = (
    "社区居民委员会",
    "社区居委会",
    "居民委员会",
    "居委会",
    "村民委员会",
    "村委会",
    "社区",
    "街道办事处",
    "街道办",
    "街道",
    "地区办事处",
)


@dataclass(frozen=True, slots=True)
class RoomPlace:
    """Where one registry room lies: its grid code ('' if unknown) and position (WGS-84)."""

    grid: str
    lon: float | None
    lat: float | None


@dataclass(frozen=True, slots=True)
class RegionInfo:
    """One region of the tree: parent code ('' at the top), level and name."""

    parent: str
    level: str
    name: str


@dataclass(frozen=True, slots=True)
class Located:
    """The answer for one address.

    ``region`` is the smallest region holding every room the address may mean (a grid when
    they all lie in one, which is then also ``grid``); ``address_code`` is set for a room;
    ``lon``/``lat`` (WGS-84) for a room or a single building. ``reason`` (Chinese) says why the
    answer stops above a room, '' for a clean room match.
    """

    level: LocatedLevel
    region: str | None = None
    grid: str | None = None
    address_code: str | None = None
    lon: float | None = None
    lat: float | None = None
    reason: str = ""
    rooms: int = 0  # how many registry rooms the address may mean (0: none known)


def _core(name: str) -> str:
    for suffix in _REGION_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


class AddressLocator:
    """The registry matcher plus each room's grid and position, and the region tree."""

    def __init__(
        self,
        rooms: Iterable[tuple[RegistryRoom, RoomPlace]],
        regions: Mapping[str, RegionInfo],
    ) -> None:
        # Per registry row, in the matcher's order: its grid, position and building. Kept as
        # flat arrays (a million rooms cost the matcher ~190 MB; RoomPlace objects and tuples
        # per room would cost four times that again).
        self._row: dict[str, int] = {}
        self._grids: list[str] = []
        self._lon = array("d")
        self._lat = array("d")
        self._building = array("L")
        grid_names: dict[str, str] = {}
        building_ids: dict[tuple[str, str, str, str], int] = {}

        def feed() -> Iterator[RegistryRoom]:
            for room, place in rooms:
                self._row[room.address_code] = len(self._grids)
                self._grids.append(grid_names.setdefault(place.grid, place.grid))
                self._lon.append(_NAN if place.lon is None else place.lon)
                self._lat.append(_NAN if place.lat is None else place.lat)
                key = (room.community_code, room.road, room.number, room.building)
                self._building.append(building_ids.setdefault(key, len(building_ids)))
                yield room

        self.matcher = AddressMatcher(feed())
        self._answers: dict[str, Located] = {}
        self._regions = dict(regions)
        self._by_name: dict[tuple[str, str], list[str]] = {}
        for code, info in self._regions.items():
            if info.level in ("street", "community"):
                self._by_name.setdefault((info.level, _core(info.name)), []).append(code)

    def _place(self, code: str) -> RoomPlace | None:
        row = self._row.get(code)
        if row is None:
            return None
        lon, lat = self._lon[row], self._lat[row]
        return RoomPlace(
            self._grids[row], None if math.isnan(lon) else lon, None if math.isnan(lat) else lat
        )

    def __len__(self) -> int:
        return len(self._grids)

    # -- regions ---------------------------------------------------------------------------

    def chain(self, code: str) -> list[str]:
        """The region and its ancestors, innermost first."""
        out: list[str] = []
        while code and code in self._regions and code not in out:
            out.append(code)
            code = self._regions[code].parent
        return out

    def common_region(self, codes: Iterable[str]) -> str | None:
        """The smallest region holding all of ``codes`` (None if they share none)."""
        common: list[str] | None = None
        for code in codes:
            chain = self.chain(code)
            if common is None:
                common = chain
            else:
                inside = set(chain)
                common = [c for c in common if c in inside]
            if not common:
                return None
        return common[0] if common else None

    def region_named(self, parsed: ParsedAddress) -> str | None:
        """The community (else street) the address names, if exactly one region has the name."""
        street: str | None = None
        if parsed.street:
            found = self._by_name.get(("street", _core(parsed.street)), [])
            street = found[0] if len(found) == 1 else None
        if parsed.community:
            found = self._by_name.get(("community", _core(parsed.community)), [])
            if street is not None:
                found = [c for c in found if self._regions[c].parent == street]
            if len(found) == 1:
                return found[0]
        return street

    # -- addresses -------------------------------------------------------------------------

    def rooms(self, text: str, *, limit: int | None = None) -> tuple[str, ...]:
        """Registry rooms the address covers (see `AddressMatcher.rooms_under`)."""
        return self.matcher.rooms_under(text, limit=limit)

    def locate(self, text: str) -> Located:
        """Where the written address lies; never raises. Answers are kept (work orders and
        reports repeat their addresses; a door's answer walks a hundred rooms)."""
        text = (text or "").strip()
        known = self._answers.get(text)
        if known is not None:
            return known
        found = self._locate(text)
        if len(self._answers) >= _ANSWERS_KEPT:
            self._answers.clear()
        self._answers[text] = found
        return found

    def _locate(self, text: str) -> Located:
        if not text:
            return Located("none")
        parsed = parse_address(text)
        found = self.matcher.match(parsed)
        place = self._place(found.address_code) if found.address_code else None
        if found.level == "room" and found.address_code and place is not None:
            return Located(
                "room",
                region=place.grid or None,
                grid=place.grid or None,
                address_code=found.address_code,
                lon=place.lon,
                lat=place.lat,
                reason=found.reason,
                rooms=1,
            )
        for attempt, dropped in self._relaxed(parsed):
            codes = self.matcher.rooms_under(attempt)
            if codes:
                return self._of_rooms(attempt, codes, dropped)
        named = self.region_named(parsed)
        if named is not None:
            name = self._regions[named].name
            return Located("region", region=named, reason=f"地址未对应到标准地址，按所写的“{name}”")
        return Located("none", reason=found.reason or "地址未对应到标准地址")

    def _relaxed(self, p: ParsedAddress) -> list[tuple[ParsedAddress, str]]:
        """The address as written, then with the innermost parts dropped one at a time (a
        room or unit the registry lacks should not lose the building it is written in)."""
        steps: list[tuple[ParsedAddress, str]] = [(p, "")]
        for field, label in (
            ("room", "户室"),
            ("unit", "单元"),
            ("building", "楼栋"),
            ("number", "门牌号"),
        ):
            if getattr(p, field) is None:
                continue
            cleared: dict[str, Any] = {field: None}
            if field == "room":
                cleared["floor"] = None
            p = replace(p, **cleared)
            steps.append((p, label))
        return steps

    def _of_rooms(self, parsed: ParsedAddress, codes: tuple[str, ...], dropped: str) -> Located:
        rows = [self._row[c] for c in codes if c in self._row]
        grids = {self._grids[r] for r in rows}
        level: LocatedLevel = "building" if parsed.number or parsed.building else "road"
        known = [g for g in grids if g]
        region = self.common_region(known) if known and "" not in grids else None
        grid = region if region is not None and self._is_grid(region) else None
        lon = lat = None
        if len({self._building[r] for r in rows}) == 1:
            points = [
                (self._lon[r], self._lat[r])
                for r in rows
                if not (math.isnan(self._lon[r]) or math.isnan(self._lat[r]))
            ]
            if points:
                lon = sum(x for x, _ in points) / len(points)
                lat = sum(y for _, y in points) / len(points)
        notes: list[str] = []
        if dropped:
            notes.append(f"标准地址中没有所写的{dropped}，按上一级确定")
        if grid is None:
            where = "道路" if level == "road" else "地址"
            notes.append(f"该{where}涉及{len(known) or '多'}个网格，需人工定位到网格")
        return Located(
            level,
            region=region,
            grid=grid,
            lon=lon,
            lat=lat,
            reason="；".join(notes),
            rooms=len(codes),
        )

    def _is_grid(self, code: str) -> bool:
        info = self._regions.get(code)
        return info is not None and info.level == "grid"
