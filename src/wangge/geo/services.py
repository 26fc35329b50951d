"""Region pages and map data, computed within the acting user's scope."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import require_district_admin, scope_for
from wangge.addresses.models import Building, Room, RoomUse
from wangge.core.bounds import text_problem
from wangge.core.errors import NotFound, Problem, ServiceError, ValidationFailed
from wangge.geo.coords import wgs84_to_gcj02_array
from wangge.geo.gridfile import implied_districts, read_grid_file
from wangge.geo.models import Region, RegionLevel, StaffAssignment
from wangge.people.models import Household, Person, ResidenceType


def home_regions(user: Any) -> list[Region]:
    """The top regions a user's roles reach: where their map and region pages start."""
    scope = scope_for(user)
    if scope.unrestricted:
        return list(Region.objects.filter(parent__isnull=True))
    return list(Region.objects.filter(code__in=scope.root_codes))


def get_region(user: Any, code: str) -> Region:
    """The region with this code, if the user's scope covers it.

    A region outside the scope is refused exactly as an unknown code is — 404, the same words —
    as people, cases and places are: a 403 told anyone signed in which codes exist elsewhere,
    one guess at a time. The refusal is still audited: `RefusalAuditMiddleware` logs every 404
    a signed-in user meets, with its path."""
    # a code from the path: one PostgreSQL cannot hold (a NUL) names no region
    found = Region.objects.select_related("parent").filter(code=code)
    region = found.first() if text_problem(code) is None else None
    if region is None or not scope_for(user).covers_code(region.code):
        raise NotFound(
            _("未找到区域“%(code)s”，或不在您的管辖范围内")
            % {"code": code.replace(chr(0), "")[:24]}
        )
    return region


def grid_ids_under(region: Region) -> list[int]:
    return list(
        Region.objects.subtree(region.code)
        .filter(level=RegionLevel.GRID)
        .values_list("pk", flat=True)
    )


@dataclass(frozen=True)
class RegionSummary:
    region: Region
    grid_ids: list[int]
    children: list[Region]
    staff: list[StaffAssignment]
    buildings: int
    rooms: int
    rented_rooms: int
    households: int
    residents: int
    floating: int
    overseas: int
    breakdown: list[dict[str, Any]]

    @property
    def floating_share(self) -> float:
        return self.floating / self.residents if self.residents else 0.0


def region_summary(user: Any, code: str, *, channel: str = "web") -> RegionSummary:
    region = get_region(user, code)
    grids = grid_ids_under(region)
    rooms = (
        Room.objects.visible_to(user)
        .filter(grid_id__in=grids)
        .aggregate(total=Count("pk"), rented=Count("pk", filter=Q(use=RoomUse.RENTED)))
    )
    # One grouped pass over the (grid, residence_type) index gives totals and the breakdown.
    by_grid_and_type = list(
        Person.objects.visible_to(user)
        .filter(grid_id__in=grids)
        .values_list("grid_id", "residence_type")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_type: dict[str, int] = {}
    for _grid, kind, n in by_grid_and_type:
        by_type[kind] = by_type.get(kind, 0) + n
    children = list(region.children.select_related("parent").order_by("code"))
    audit.record(user, AuditAction.VIEW, "region", region.code, channel=channel)
    return RegionSummary(
        region=region,
        grid_ids=grids,
        children=children,
        staff=list(region.staff.select_related("user").order_by("post", "name")),
        buildings=Building.objects.visible_to(user).filter(grid_id__in=grids).count(),
        rooms=rooms["total"],
        rented_rooms=rooms["rented"],
        households=Household.objects.visible_to(user).filter(grid_id__in=grids).count(),
        residents=sum(by_type.values()),
        floating=by_type.get(ResidenceType.FLOATING, 0),
        overseas=by_type.get(ResidenceType.OVERSEAS, 0),
        breakdown=_child_breakdown(children, grids, by_grid_and_type),
    )


def _child_breakdown(
    children: list[Region], grids: list[int], counts: list[tuple[int, str, int]]
) -> list[dict[str, Any]]:
    """Residents per child region by residence type, summed from per-grid counts by code prefix."""
    if not children:
        return []
    grid_codes = dict(Region.objects.filter(pk__in=grids).values_list("pk", "code"))
    numbers: dict[str, dict[str, int]] = {
        c.code: {"registered": 0, "floating": 0, "overseas": 0} for c in children
    }
    for grid_id, kind, n in counts:
        code = grid_codes.get(grid_id, "")
        child = next((c for c in numbers if code.startswith(c)), None)
        if child is not None:
            numbers[child][kind] += n
    return [{"name": c.name, "code": c.code, **numbers[c.code]} for c in children]


def _to_gcj02(coords: np.ndarray) -> np.ndarray:
    lon, lat = wgs84_to_gcj02_array(coords[:, 0], coords[:, 1])
    return np.column_stack([lon, lat])


def geometry_in_crs(geometry: dict[str, Any], crs: str) -> dict[str, Any]:
    """A stored (WGS-84) GeoJSON geometry as drawn on tiles in ``crs``."""
    if crs == "wgs84":
        return geometry
    if crs != "gcj02":
        raise ServiceError(_("不支持的坐标系：%(crs)s（可用 wgs84 或 gcj02）") % {"crs": crs})
    shifted = shapely.transform(shapely.geometry.shape(geometry), _to_gcj02)
    return dict(shapely.geometry.mapping(shifted))


# A polygon drawn on a phone needs no more points than this; surveyed grid files carry tens of
# thousands (a point every few centimetres), which made the map's GeoJSON tens of megabytes.
DISPLAY_MAX_VERTICES = 2_000
_DISPLAY_TOLERANCE = 5e-6  # degrees, about half a metre: the first simplification tried
_DISPLAY_MAX_TOLERANCE = 1e-3  # about 100 m: a grid drawn coarser than this is no longer it


def display_geometry(stored: str) -> dict[str, Any]:
    """A stored boundary as the map draws it: unchanged up to `DISPLAY_MAX_VERTICES` points,
    otherwise simplified (topology kept) with the smallest tolerance, from half a metre
    doubling up to about 100 m, that brings it under the limit.

    Only for drawing: placement and the grid checks read the stored boundary itself."""
    geometry = shapely.from_geojson(stored)
    if shapely.get_num_coordinates(geometry) <= DISPLAY_MAX_VERTICES:
        return dict(json.loads(stored))
    tolerance = _DISPLAY_TOLERANCE
    simplified = shapely.simplify(geometry, tolerance, preserve_topology=True)
    while (
        shapely.get_num_coordinates(simplified) > DISPLAY_MAX_VERTICES
        and tolerance < _DISPLAY_MAX_TOLERANCE
    ):
        tolerance *= 2
        simplified = shapely.simplify(geometry, tolerance, preserve_topology=True)
    return dict(shapely.geometry.mapping(simplified))


def region_map_features(user: Any, code: str, *, crs: str = "wgs84") -> dict[str, Any]:
    """GeoJSON of a region, its descendants' polygons and its buildings as points.

    Coordinates are stored in WGS-84; with crs="gcj02" they are shifted for base maps (AMap,
    Tencent) that draw in GCJ-02, so polygons sit on the right streets. Polygons are drawn
    with at most `DISPLAY_MAX_VERTICES` points each (`display_geometry`).
    """
    if crs not in ("wgs84", "gcj02"):
        raise ServiceError(_("不支持的坐标系：%(crs)s（可用 wgs84 或 gcj02）") % {"crs": crs})
    region = get_region(user, code)
    features: list[dict[str, Any]] = []
    for node in Region.objects.subtree(region.code).exclude(boundary=""):
        geometry = geometry_in_crs(display_geometry(node.boundary), crs)
        features.append(
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "kind": "region",
                    "code": node.code,
                    "name": node.name,
                    "level": node.level,
                    "url": f"/regions/{node.code}/",
                },
            }
        )
    buildings = (
        Building.objects.visible_to(user)
        .filter(grid_id__in=grid_ids_under(region), lon__isnull=False)
        .annotate(room_count=Count("rooms"))
        .values("pk", "road", "number", "name", "lon", "lat", "room_count")
    )
    rows = list(buildings)
    if crs == "gcj02" and rows:
        lons, lats = wgs84_to_gcj02_array([b["lon"] for b in rows], [b["lat"] for b in rows])
        for b, lon, lat in zip(rows, lons.tolist(), lats.tolist(), strict=True):
            b["lon"], b["lat"] = lon, lat
    for b in rows:
        label = f"{b['road']}{b['number']}号" + (f"{b['name']}号楼" if b["name"] else "")
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [b["lon"], b["lat"]]},
                "properties": {
                    "kind": "building",
                    "name": label,
                    "rooms": b["room_count"],
                    "url": f"/buildings/{b['pk']}/",
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class GridLoadSummary:
    created: int
    updated: int


def load_grids(actor: Any, source: str | Path | bytes, *, channel: str = "cli") -> GridLoadSummary:
    """Validate a grids.geojson completely against itself and the stored tree, then write it.

    Nothing is written unless every feature passes: a half-loaded tree would leave rooms and
    people hanging under regions that do not exist.
    """
    require_district_admin(actor, pgettext("admin task", "导入网格"))
    stored = {
        r.code: r for r in Region.objects.only("pk", "code", "level", "boundary", "parent_id")
    }
    existing = {
        code: (r.level, shapely.from_geojson(r.boundary) if r.boundary else None)
        for code, r in stored.items()
    }
    data = source if isinstance(source, bytes) else Path(source)
    name = "grids.geojson" if isinstance(source, bytes) else Path(source).name
    features, errors = read_grid_file(data, existing=existing)
    if errors:
        problems = [
            Problem(
                _("要素 %(code)s") % {"code": e.code}
                if e.code
                else (
                    _("第%(number)s个要素") % {"number": e.feature_index + 1}
                    if e.feature_index is not None
                    else name
                ),
                e.message,
            )
            for e in errors
        ]
        raise ValidationFailed(
            _("%(name)s：发现 %(count)s 个问题，未导入任何数据")
            % {"name": name, "count": len(problems)},
            problems,
        )
    created = updated = 0
    with transaction.atomic():
        for code, district in implied_districts(features, existing):
            stored[code] = Region.objects.create(
                code=code, name=district, level=RegionLevel.DISTRICT, parent=None
            )
            created += 1
        for feature in features:  # parents first
            centroid = feature.geometry.centroid
            values = {
                "name": feature.name,
                "level": feature.level,
                "parent": stored.get(feature.parent_code) if feature.parent_code else None,
                "boundary": shapely.to_geojson(feature.geometry),
                "centroid_lon": centroid.x,
                "centroid_lat": centroid.y,
            }
            region, was_created = Region.objects.update_or_create(
                code=feature.code, defaults=values
            )
            stored[region.code] = region
            created += was_created
            updated += not was_created
        audit.record(
            actor,
            AuditAction.IMPORT,
            "grids",
            name,
            channel=channel,
            detail={"created": created, "updated": updated},
        )
    return GridLoadSummary(created=created, updated=updated)


BUILDING_LIST_LIMIT = 500


def region_buildings(user: Any, grid_ids: list[int]) -> list[Building]:
    """Buildings of a community or grid with room and resident counts, for the region page."""
    return list(
        Building.objects.visible_to(user)
        .filter(grid_id__in=grid_ids)
        .select_related("grid")
        .annotate(
            room_count=Count("rooms", distinct=True),
            resident_count=Count("rooms__households__current_members", distinct=True),
        )
        .order_by("road", "number", "name")[:BUILDING_LIST_LIMIT]
    )


def region_households(user: Any, grid_ids: list[int]) -> Any:
    """A grid's households, newest structure first: the grid worker's door-to-door list."""
    return (
        Household.objects.visible_to(user)
        .filter(grid_id__in=grid_ids)
        .select_related("head", "room__building", "room__unit")
        .annotate(members=Count("current_members"))
        .order_by(
            "room__building__road",
            "room__building__number",
            "room__building__name",
            "room__unit__name",
            "room__name",
            "pk",
        )
    )
