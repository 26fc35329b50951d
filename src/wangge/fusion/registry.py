"""The standard address registry as the fusion pipeline needs it: a matcher and room → grid.

Built either from the interchange files (`addresses.csv` + `grids.geojson`, so `wangge fuse`
runs with no database) or from rows the platform hands over. Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from wangge.addresses.matcher import AddressMatcher, RegistryRoom
from wangge.geo.pointindex import GridIndex


class RegistryError(ValueError):
    """The registry files cannot be used; the message is Chinese and says where."""


@dataclass
class Registry:
    matcher: AddressMatcher
    grid_of_room: dict[str, str] = field(default_factory=dict)
    community_of_room: dict[str, str] = field(default_factory=dict)
    community_by_name: dict[str, str] = field(default_factory=dict)

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
        community_of: dict[str, str] = {}
        for room, grid in rooms:
            room_list.append(room)
            if grid:
                grid_of[room.address_code] = grid
            community_of[room.address_code] = room.community_code
        by_name = {name: code for code, name in (community_names or {}).items()}
        return cls(AddressMatcher(room_list), grid_of, community_of, by_name)

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
