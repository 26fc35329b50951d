"""The standard address registry as the fusion pipeline needs it: a matcher and room → grid.

Built either from the interchange files (`addresses.csv` + `grids.geojson`, so `wangge fuse`
runs with no database) or from rows the platform hands over. Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np

from wangge.addresses.matcher import (
    AddressMatcher,
    RegistryRoom,
    building_key,
    number_key,
    road_key,
    room_key,
    unit_key,
)
from wangge.geo.pointindex import GridIndex


class RegistryError(ValueError):
    """The registry files cannot be used; the message is Chinese and says where."""


_HALF_WIDTH: Final = str.maketrans("０１２３４５６７８９－", "0123456789-", " \u3000\t")
# A building written "4楼" is only read as a building when a unit follows ("4楼1门"): before a
# room alone it could be a floor, and that is for the full parser to weigh.
# What may stand before the road in a plainly written address: city, district, street, community.
_ADMIN_HEAD: Final = re.compile(
    r"^(?:[\u4e00-\u9fff]{2,3}市)?(?:[\u4e00-\u9fff]{1,6}?区)?"
    r"(?:[\u4e00-\u9fff]{1,8}?(?:街道|地区))?(?:[\u4e00-\u9fff]{1,8}?社区)?$"
)
_PLAIN_TAIL: Final = re.compile(
    r"^(\d+)(?:号院|号|院)(?:(\d+)(?:号楼|栋|幢|号|-|楼(?=\d+(?:单元|门))))?(?:(\d+)(?:单元|门|-))?"
    r"([东西南北]?\d+)(?:室|号|户)?$"
)


@dataclass
class Registry:
    matcher: AddressMatcher
    grid_of_room: dict[str, str] = field(default_factory=dict)
    community_by_name: dict[str, str] = field(default_factory=dict)
    # Exact keys of rooms, for addresses written plainly (most rows); see quick_match.
    _exact: dict[tuple[str, str, str, str, str], str | None] = field(default_factory=dict)
    _road_keys: dict[str, str] = field(default_factory=dict)
    _roads: re.Pattern[str] | None = None

    def release(self) -> None:
        """Drop the matching structures once a batch is normalised; the registry is then only
        good for grid lookups (and for nothing, once the caller lets go of it)."""
        self.matcher = AddressMatcher([])
        self._exact.clear()
        self._road_keys.clear()
        self._roads = None

    def index_exact(self, rooms: Iterable[RegistryRoom]) -> None:
        for room in rooms:
            rk = self._road_keys.get(room.road)
            if rk is None:
                rk = self._road_keys[room.road] = road_key(room.road)
            key = (
                rk,
                number_key(room.number),
                building_key(room.building),
                unit_key(room.unit),
                room_key(room.room),
            )
            # A key two rooms share is no exact answer: leave it to the matcher.
            self._exact[key] = None if key in self._exact else room.address_code
        names = sorted((r for r in self._road_keys if r), key=len, reverse=True)
        self._roads = re.compile("|".join(map(re.escape, names))) if names else None

    def quick_match(self, text: str) -> str | None:
        """The room of a plainly written address ('朝阳区幸福路10号3号楼2单元301室',
        '幸福路10号院3-2-301') by exact keys, without the full parser.

        Anything less plain (numerals, typos, omissions, other markers) returns None and goes
        through the parser and matcher, which also explain misses.
        """
        if self._roads is None:
            return None
        s = text.translate(_HALF_WIDTH)
        found = self._roads.search(s)
        if found is None or not _ADMIN_HEAD.match(s[: found.start()]):
            return None
        tail = _PLAIN_TAIL.match(s[found.end() :])
        if tail is None:
            return None
        number, building, unit, room = tail.groups()
        key = (
            self._road_keys[found.group()],
            number_key(number),
            building_key(building or ""),
            unit_key(unit or ""),
            room_key(room),
        )
        return self._exact.get(key)

    def common_grid(self, codes: Iterable[str]) -> str | None:
        """The grid of an address found only down to its building: when every candidate room
        lies in one grid, the person is placed in that grid even though the room is unknown."""
        grids = {self.grid_of_room.get(code) for code in codes}
        if len(grids) == 1:
            return grids.pop()
        return None

    @classmethod
    def build(
        cls,
        rooms: Iterable[tuple[RegistryRoom, str]],
        *,
        community_names: dict[str, str] | None = None,
    ) -> Registry:
        """``rooms`` are (room, grid code or '') pairs."""
        room_list: list[RegistryRoom] = []
        grid_of: dict[str, str] = {}
        for room, grid in rooms:
            room_list.append(room)
            if grid:
                grid_of[room.address_code] = grid
        by_name = {name: code for code, name in (community_names or {}).items()}
        registry = cls(AddressMatcher(room_list), grid_of, by_name)
        registry.index_exact(room_list)
        return registry

    @classmethod
    def from_files(cls, addresses: str | Path, grids: str | Path | None) -> Registry:
        from wangge.addresses.registry_file import read_address_file
        from wangge.geo.gridfile import read_grid_file

        rows, problems = read_address_file(addresses)
        if problems:
            shown = "；".join(str(p) for p in problems[:5])
            more = f"（另有 {len(problems) - 5} 处）" if len(problems) > 5 else ""
            raise RegistryError(f"标准地址文件有误：{shown}{more}")
        grid_codes = [""] * len(rows)
        names: dict[str, str] = {}
        if grids is not None:
            features, errors = read_grid_file(Path(grids))
            if errors:
                shown = "；".join(e.message for e in errors[:5])
                raise RegistryError(f"网格文件有误：{shown}")
            names = {f.code: f.name for f in features if f.level == "community"}
            grid_features = [(f.code, f.geometry) for f in features if f.level == "grid"]
            if grid_features and rows:
                index = GridIndex(grid_features)
                lon = np.array([r.lon for r in rows], dtype=np.float64)
                lat = np.array([r.lat for r in rows], dtype=np.float64)
                positions = index.locate(lon, lat)
                grid_codes = [index.codes[p] if p >= 0 else "" for p in positions.tolist()]
        return cls.build(
            (
                (
                    RegistryRoom(
                        r.address_code,
                        r.community_code,
                        r.road,
                        r.number,
                        r.building,
                        r.unit,
                        r.room,
                    ),
                    grid,
                )
                for r, grid in zip(rows, grid_codes, strict=True)
            ),
            community_names=names,
        )
