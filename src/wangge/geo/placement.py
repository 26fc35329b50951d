"""Registry rooms into grids, forgiving what offices really hand over.

A standard-address registry is geocoded by someone else: a few rooms' points lie a few metres
outside their community (geocoding noise), and the rooms of one building scatter around its
footprint, so some fall across a grid border. Refusing the whole file for the first, or splitting
one building between two grid workers for the second, helps nobody. The rules, shared by
`load-addresses` and `wangge fuse`:

* a point inside one of its community's grids is placed there;
* a point outside, but within ``tolerance_m`` metres of its community's grids, is snapped to the
  nearest of them, with a warning for that row;
* a point farther away is refused with its distance;
* every room of one building ends up in one grid, decided by the building's point (the mean of
  its rooms' points), and a building whose rooms straddle a border is reported.

Pure Shapely and NumPy, no Django.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely

from wangge.geo.pointindex import GridIndex

__all__ = ["GridShape", "Placement", "RoomPoint", "place_rooms"]

# Metres per degree of latitude (WGS-84 mean); a degree of longitude is this times cos(latitude).
_METRES_PER_DEGREE = 111_195.0


@dataclass(frozen=True)
class RoomPoint:
    """One registry row: where it is said to be and which building and community it belongs to."""

    where: str  # "addresses.csv第12行", for messages
    building: tuple[str, ...]  # any key that is equal for the rooms of one building
    community: str
    lon: float
    lat: float


@dataclass(frozen=True)
class GridShape:
    code: str
    community: str
    geometry: shapely.Geometry


@dataclass
class Placement:
    grids: list[str | None]  # per row, None where the row was refused
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (where, message)
    errors: list[tuple[str, str]] = field(default_factory=list)


def _local_metres(geom: shapely.Geometry, lon0: float, lat0: float) -> shapely.Geometry:
    """Project lon/lat onto a flat plane in metres around (lon0, lat0): exact enough for tens of
    metres, and without a projection library."""
    kx = _METRES_PER_DEGREE * math.cos(math.radians(lat0))

    def project(coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        out[:, 0] = (coords[:, 0] - lon0) * kx
        out[:, 1] = (coords[:, 1] - lat0) * _METRES_PER_DEGREE
        return out

    return shapely.transform(geom, project)


class _Community:
    """The grids of one community, in local metres, for distances and nearest-grid lookups."""

    def __init__(self, grids: list[GridShape]) -> None:
        self.codes = [g.code for g in grids]
        union = shapely.union_all([g.geometry for g in grids])
        centre = shapely.centroid(union)
        self.lon0, self.lat0 = float(centre.x), float(centre.y)
        self.metric = [_local_metres(g.geometry, self.lon0, self.lat0) for g in grids]
        self.union = _local_metres(union, self.lon0, self.lat0)
        shapely.prepare(self.union)
        for geom in self.metric:
            shapely.prepare(geom)

    def point(self, lon: float, lat: float) -> shapely.Geometry:
        return _local_metres(shapely.Point(lon, lat), self.lon0, self.lat0)

    def locate(self, lon: float, lat: float) -> tuple[str | None, float]:
        """(grid containing the point, 0) or (nearest grid, distance in metres)."""
        point = self.point(lon, lat)
        distances = [float(shapely.distance(geom, point)) for geom in self.metric]
        best = int(np.argmin(distances))
        return self.codes[best], distances[best]


def place_rooms(
    rooms: Sequence[RoomPoint], grids: Sequence[GridShape], *, tolerance_m: float
) -> Placement:
    by_community: dict[str, list[GridShape]] = defaultdict(list)
    for shape in grids:
        by_community[shape.community].append(shape)
    communities = {code: _Community(members) for code, members in by_community.items()}

    placement = Placement(grids=[None] * len(rooms))
    if not rooms:
        return placement
    community_of = {g.code: g.community for g in grids}
    index = GridIndex([(g.code, g.geometry) for g in grids]) if grids else None

    def locate_all(
        communities_of_points: Sequence[str], lons: list[float], lats: list[float]
    ) -> list[tuple[str | None, float]]:
        """Fast path through the raster index; only points outside their community measure."""
        found = index.locate_codes(lons, lats) if index else [None] * len(lons)
        out: list[tuple[str | None, float]] = []
        for code, community_code, lon, lat in zip(
            found, communities_of_points, lons, lats, strict=True
        ):
            if code is not None and community_of[code] == community_code:
                out.append((code, 0.0))
            elif community_code in communities:
                out.append(communities[community_code].locate(lon, lat))
            else:
                out.append((None, math.inf))
        return out

    own_grid: list[str | None] = [None] * len(rooms)
    members: dict[tuple[str, tuple[str, ...]], list[int]] = defaultdict(list)
    located = locate_all(
        [r.community for r in rooms], [r.lon for r in rooms], [r.lat for r in rooms]
    )
    for i, (room, (grid, distance)) in enumerate(zip(rooms, located, strict=True)):
        if room.community not in communities:
            placement.errors.append((room.where, f"社区 {room.community} 没有划分网格"))
            continue
        if distance > tolerance_m:
            placement.errors.append(
                (
                    room.where,
                    f"坐标({room.lon}, {room.lat})在社区 {room.community} 的网格外 "
                    f"{distance:.0f} 米，超过容差 {tolerance_m:.0f} 米",
                )
            )
            continue
        if distance > 0:
            placement.warnings.append(
                (
                    room.where,
                    f"坐标在社区 {room.community} 的网格外 {distance:.0f} 米"
                    f"（容差 {tolerance_m:.0f} 米内），已归入最近的网格 {grid}",
                )
            )
        own_grid[i] = grid
        members[(room.community, room.building)].append(i)

    keys = list(members)
    centres = locate_all(
        [community for community, _ in keys],
        [sum(rooms[i].lon for i in members[k]) / len(members[k]) for k in keys],
        [sum(rooms[i].lat for i in members[k]) / len(members[k]) for k in keys],
    )
    for key, (grid, distance) in zip(keys, centres, strict=True):
        indexes = members[key]
        if grid is None or distance > tolerance_m:  # rooms scattered widely: follow the majority
            grid = Counter(own_grid[i] for i in indexes).most_common(1)[0][0]
        astray = [i for i in indexes if own_grid[i] != grid]
        if astray:
            first = rooms[indexes[0]]
            placement.warnings.append(
                (
                    first.where,
                    f"同一楼栋有 {len(astray)} 个房间的坐标落在其他网格"
                    f"（{'、'.join(sorted({str(own_grid[i]) for i in astray}))}），"
                    f"按楼栋位置全部归入网格 {grid}",
                )
            )
        for i in indexes:
            placement.grids[i] = grid
    return placement
