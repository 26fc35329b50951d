"""The demo district's regions and staff posts (geo's part of `wangge demo`, see core.demo).

朝阳区 → 京广路街道 → five communities → their grids, as one noded partition of the plane (no
slivers or gaps between neighbours), and the 定人定岗 posts of every grid and community. The
rows come from the pure generator (`people.demo_district`); this module holds their shape, the
geometry they are cut from, and writes, counts and removes them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from wangge.core.demo import BATCH_SIZE, DemoContext
from wangge.geo.models import Region, RegionLevel, StaffAssignment

STAGE = "区域与岗位"
# Snapping grid for every boundary (degrees, ~0.1 m): all polygons are noded on it together, so
# neighbours share identical edges and parents are exact unions of their children.
_GRID_SIZE = 1e-6


@dataclass(frozen=True, slots=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    boundary: str
    centroid_lon: float
    centroid_lat: float


@dataclass(frozen=True, slots=True)
class StaffRow:
    region_code: str
    post: str
    name: str
    department: str
    phone: str
    duties: str


_LON0, _LAT0 = 116.46, 39.915
# Work in a local plane where one unit is the same distance east and north, so Voronoi cells and
# Lloyd relaxation give evenly shaped grids rather than cells stretched north-south.
_KX = math.cos(math.radians(_LAT0))


def _to_lonlat(geom: BaseGeometry) -> BaseGeometry:
    return shapely.transform(geom, lambda xy: np.column_stack([xy[:, 0] / _KX, xy[:, 1]]))


def _street_outline(rng: np.random.Generator) -> BaseGeometry:
    """A rounded-rectangle with jittered vertices over roughly 116.44-116.48E, 39.90-39.93N."""
    a, b = 0.0195 * _KX, 0.0145
    points = []
    n = 22
    for i in range(n):
        t = 2 * math.pi * i / n + rng.uniform(-0.08, 0.08)
        c, s = math.cos(t), math.sin(t)
        r = 1.0 / (abs(c) ** 4 + abs(s) ** 4) ** 0.25
        k = rng.uniform(0.93, 1.0)
        points.append((_LON0 * _KX + a * r * c * k, _LAT0 + b * r * s * k))
    return shapely.Polygon(points)


def _seed_points(
    poly: BaseGeometry, n: int, rng: np.random.Generator, lloyd: int = 3
) -> np.ndarray:
    """n well-spread points in poly: uniform samples, then Lloyd relaxation."""
    minx, miny, maxx, maxy = poly.bounds
    shapely.prepare(poly)
    found: list[tuple[float, float]] = []
    while len(found) < n:
        xs = rng.uniform(minx, maxx, 8 * n)
        ys = rng.uniform(miny, maxy, 8 * n)
        inside = shapely.contains_xy(poly, xs, ys)
        found.extend(zip(xs[inside].tolist(), ys[inside].tolist(), strict=True))
    points = np.array(found[:n])
    for _ in range(lloyd):
        cells = _cells(poly, points)
        centres = []
        for cell, old in zip(cells, points, strict=True):
            centre = cell.centroid
            if cell.is_empty or not poly.contains(centre):
                centres.append(old)
            else:
                centres.append((centre.x, centre.y))
        points = np.array(centres)
    return points


def _cells(poly: BaseGeometry, points: np.ndarray) -> list[BaseGeometry]:
    """Voronoi cells of points (in input order) clipped to poly."""
    if len(points) == 1:
        return [poly]
    diagram = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=poly, ordered=True)
    return [shapely.intersection(cell, poly) for cell in shapely.get_parts(diagram)]


def _geojson(geom: BaseGeometry) -> str:
    return json.dumps(mapping(geom), separators=(",", ":"))


def _centroid(geom: BaseGeometry) -> tuple[float, float]:
    point = geom.centroid
    if not geom.contains(point):
        point = geom.point_on_surface()
    return round(point.x, 6), round(point.y, 6)


@dataclass
class _Layout:
    street: BaseGeometry
    district: BaseGeometry
    communities: list[BaseGeometry]
    grids: list[list[BaseGeometry]]


def _layout(rng: np.random.Generator, grids_per_community: Sequence[int]) -> _Layout:
    """Street, communities and grids as one noded partition.

    Cells are cut by Voronoi diagrams (communities within the street, grids within each
    community), then all cell boundaries are noded together on the ``_GRID_SIZE`` grid and
    polygonised. Each face goes back to the grid cell it came from, communities are unions of
    their grids and the street the union of its communities, so siblings share identical edges
    and every parent is exactly covered by its children: no slivers, gaps or overlaps that
    clipping each level separately would leave after rounding.
    """
    street = _street_outline(rng)
    community_cells = _cells(street, _seed_points(street, len(grids_per_community), rng))
    flat: list[BaseGeometry] = []
    owner: list[int] = []
    for index, (cell, count) in enumerate(zip(community_cells, grids_per_community, strict=True)):
        for grid_cell in _cells(cell, _seed_points(cell, count, rng)):
            flat.append(_to_lonlat(grid_cell))
            owner.append(index)
    lines = shapely.union_all([shapely.boundary(c) for c in flat], grid_size=_GRID_SIZE)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree(flat)
    faces_of: list[list[BaseGeometry]] = [[] for _ in flat]
    for face in faces:
        candidates = tree.query(face, predicate="intersects")
        best = max(candidates, key=lambda i: shapely.area(shapely.intersection(face, flat[i])))
        faces_of[int(best)].append(face)
    grid_polys = [shapely.union_all(parts, grid_size=_GRID_SIZE) for parts in faces_of]
    grids: list[list[BaseGeometry]] = [[] for _ in grids_per_community]
    for index, poly in zip(owner, grid_polys, strict=True):
        grids[index].append(shapely.normalize(poly))
    communities = [
        shapely.normalize(shapely.union_all(children, grid_size=_GRID_SIZE)) for children in grids
    ]
    street_ll = shapely.normalize(shapely.union_all(communities, grid_size=_GRID_SIZE))
    district = shapely.set_precision(
        shapely.simplify(street_ll.buffer(0.012, quad_segs=4), 0.001), _GRID_SIZE
    )
    return _Layout(street_ll, district, communities, grids)


# --------------------------------------------------------------------------------------------
# Writing, counting, removing
# --------------------------------------------------------------------------------------------


def present(district_code: str) -> bool:
    return Region.objects.filter(code=district_code).exists()


def prepare(context: DemoContext) -> None:
    """Regions level by level (parents first), then the posts of grids and communities."""
    region_pk: dict[str, int] = context.ids.setdefault("region", {})
    region_rows = context.district.regions()
    for level in (
        RegionLevel.DISTRICT,
        RegionLevel.STREET,
        RegionLevel.COMMUNITY,
        RegionLevel.GRID,
    ):
        objs = [
            Region(
                code=row.code,
                name=row.name,
                level=row.level,
                parent_id=region_pk[row.parent_code] if row.parent_code else None,
                boundary=row.boundary,
                centroid_lon=row.centroid_lon,
                centroid_lat=row.centroid_lat,
            )
            for row in region_rows
            if row.level == level
        ]
        for region in Region.objects.bulk_create(objs):
            region_pk[region.code] = region.pk
    _write_staff(context.district.staff(), region_pk)


def write_batch(context: DemoContext, batch: Any) -> None:
    """The 楼栋长 of the batch's buildings."""
    _write_staff(batch.staff, context.ids["region"])


def contribute(context: DemoContext) -> dict[str, int]:
    return counts()


def _write_staff(rows: Sequence[StaffRow], region_pk: dict[str, int]) -> None:
    StaffAssignment.objects.bulk_create(
        [
            StaffAssignment(
                region_id=region_pk[row.region_code],
                post=row.post,
                name=row.name,
                department=row.department,
                phone=row.phone,
                duties=row.duties,
            )
            for row in rows
        ],
        batch_size=BATCH_SIZE,
    )


def counts() -> dict[str, int]:
    from wangge.core.demo import DISTRICT_CODE

    regions = Region.objects.filter(code__startswith=DISTRICT_CODE)
    return {
        "communities": regions.filter(level=RegionLevel.COMMUNITY).count(),
        "grids": regions.filter(level=RegionLevel.GRID).count(),
        "staff": StaffAssignment.objects.filter(region__code__startswith=DISTRICT_CODE).count(),
    }


def remove(district_code: str) -> None:
    """Posts, then regions from the grids up (last of all: everything else points at them)."""
    regions = Region.objects.filter(code__startswith=district_code)
    StaffAssignment.objects.filter(region_id__in=regions.values("pk")).delete()
    for level in (
        RegionLevel.GRID,
        RegionLevel.COMMUNITY,
        RegionLevel.STREET,
        RegionLevel.DISTRICT,
    ):
        Region.objects.filter(code__startswith=district_code, level=level).delete()
