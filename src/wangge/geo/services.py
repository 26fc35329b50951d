"""Region pages and map data, computed within the acting user's scope."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import scope_for
from wangge.addresses.models import Building, Room, RoomUse
from wangge.core.errors import Forbidden, NotFound
from wangge.geo.models import Region, RegionLevel, StaffAssignment
from wangge.people.models import Household, Person, ResidenceType


def home_regions(user: Any) -> list[Region]:
    """The top regions a user's roles reach: where their map and region pages start."""
    scope = scope_for(user)
    if scope.unrestricted:
        return list(Region.objects.filter(parent__isnull=True))
    return list(Region.objects.filter(code__in=scope.root_codes))


def get_region(user: Any, code: str) -> Region:
    region = Region.objects.select_related("parent").filter(code=code).first()
    if region is None:
        raise NotFound(f"区域编码 {code} 不存在")
    if not scope_for(user).covers_code(region.code):
        raise Forbidden("该区域不在您的管辖范围内")
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
    children: list[Region]
    staff: list[StaffAssignment]
    buildings: int
    rooms: int
    rented_rooms: int
    households: int
    residents: int
    floating: int

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
    persons = (
        Person.objects.visible_to(user)
        .filter(grid_id__in=grids)
        .aggregate(
            total=Count("pk"),
            floating=Count("pk", filter=~Q(residence_type=ResidenceType.REGISTERED)),
        )
    )
    audit.record(user, AuditAction.VIEW, "region", region.code, channel=channel)
    return RegionSummary(
        region=region,
        children=list(region.children.select_related("parent").order_by("code")),
        staff=list(region.staff.select_related("user").order_by("post", "name")),
        buildings=Building.objects.visible_to(user).filter(grid_id__in=grids).count(),
        rooms=rooms["total"],
        rented_rooms=rooms["rented"],
        households=Household.objects.visible_to(user).filter(grid_id__in=grids).count(),
        residents=persons["total"],
        floating=persons["floating"],
    )


def region_map_features(user: Any, code: str) -> dict[str, Any]:
    """GeoJSON of a region, its descendants' polygons and its buildings as points."""
    region = get_region(user, code)
    features: list[dict[str, Any]] = []
    for node in Region.objects.subtree(region.code).exclude(boundary=""):
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(node.boundary),
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
    for b in buildings:
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
