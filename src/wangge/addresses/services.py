"""Building pages and the registry loader's service side."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shapely
from django.db import transaction
from django.db.models import Count, Prefetch, Q

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import require_district_admin
from wangge.addresses.models import Building, BuildingKind, Room, Unit
from wangge.addresses.registry_file import AddressRow, read_address_file
from wangge.core.errors import NotFound, Problem, ValidationFailed
from wangge.geo.models import Region, RegionLevel
from wangge.geo.pointindex import GridIndex
from wangge.people.models import Household


@dataclass(frozen=True)
class BuildingFile:
    building: Building
    rooms: list[Room]
    residents: int


def get_building(user: Any, building_id: int, *, channel: str = "web") -> BuildingFile:
    building = (
        Building.objects.visible_to(user)
        .select_related("community", "grid")
        .filter(pk=building_id)
        .first()
    )
    if building is None:
        raise NotFound("未找到该楼栋，或不在您的管辖范围内")
    rooms = list(
        Room.objects.visible_to(user)
        .filter(building=building)
        .select_related("unit")
        .prefetch_related(
            Prefetch(
                "households",
                queryset=Household.objects.select_related("head").annotate(
                    members=Count("residences", filter=Q(residences__until__isnull=True))
                ),
            )
        )
        .order_by("unit__name", "name")
    )
    residents = sum(h.members for r in rooms for h in r.households.all())
    audit.record(user, AuditAction.VIEW, "building", building.pk, channel=channel)
    return BuildingFile(building=building, rooms=rooms, residents=residents)


@dataclass(frozen=True)
class RegistryLoadSummary:
    rows: int
    buildings_created: int
    rooms_created: int
    rooms_updated: int


def load_addresses(
    actor: Any, path: str | Path, *, data: bytes | None = None, channel: str = "cli"
) -> RegistryLoadSummary:
    """Validate the whole file, place every room in a grid, then write it all or nothing."""
    require_district_admin(actor, "导入标准地址")
    rows, problems = read_address_file(path, data=data)
    name = Path(path).name
    communities = {
        r.code: r
        for r in Region.objects.filter(
            code__in={row.community_code for row in rows}, level=RegionLevel.COMMUNITY
        )
    }
    grids = list(
        Region.objects.filter(level=RegionLevel.GRID, parent__in=communities.values()).exclude(
            boundary=""
        )
    )
    index = GridIndex([(g.code, shapely.from_geojson(g.boundary)) for g in grids])
    by_code = {g.code: g for g in grids}
    located = index.locate_codes([r.lon for r in rows], [r.lat for r in rows]) if rows else []
    placed: list[tuple[AddressRow, Region]] = []
    for row, grid_code in zip(rows, located, strict=True):
        at = f"{name}第{row.row}行"
        if row.community_code not in communities:
            problems.append(
                Problem(at, f"社区编码 {row.community_code} 不存在（或不是社区级区域）")
            )
        elif (
            grid_code is None or by_code[grid_code].parent_id != communities[row.community_code].pk
        ):
            problems.append(
                Problem(
                    at,
                    f"坐标({row.lon}, {row.lat})不在社区 {row.community_code} 的任何网格内",
                )
            )
        else:
            placed.append((row, by_code[grid_code]))
    if problems:
        raise ValidationFailed(f"{name}：发现 {len(problems)} 个问题，未导入任何数据", problems)
    with transaction.atomic():
        summary = _write_registry(placed)
        audit.record(
            actor,
            AuditAction.IMPORT,
            "address_registry",
            name,
            channel=channel,
            detail={"file": name, **summary.__dict__},
        )
    return summary


def _write_registry(placed: list[tuple[AddressRow, Region]]) -> RegistryLoadSummary:
    buildings: dict[tuple[int, str, str, str], Building] = {
        (b.community_id, b.road, b.number, b.name): b
        for b in Building.objects.filter(community__code__in={r.community_code for r, _ in placed})
    }
    community_ids = dict(
        Region.objects.filter(code__in={r.community_code for r, _ in placed}).values_list(
            "code", "pk"
        )
    )
    new_buildings: list[Building] = []
    for row, grid in placed:
        key = (community_ids[row.community_code], row.road, row.number, row.building)
        if key not in buildings:
            building = Building(
                community_id=key[0],
                grid=grid,
                road=row.road,
                number=row.number,
                name=row.building,
                kind=BuildingKind.APARTMENT if row.building else BuildingKind.COURTYARD,
                lon=row.lon,
                lat=row.lat,
            )
            buildings[key] = building
            new_buildings.append(building)
    Building.objects.bulk_create(new_buildings, batch_size=2000)
    units = {
        (u.building_id, u.name): u for u in Unit.objects.filter(building__in=buildings.values())
    }
    new_units: list[Unit] = []
    for row, _grid in placed:
        if not row.unit:
            continue
        building = buildings[
            (community_ids[row.community_code], row.road, row.number, row.building)
        ]
        if (building.pk, row.unit) not in units:
            unit = Unit(building=building, name=row.unit)
            units[(building.pk, row.unit)] = unit
            new_units.append(unit)
    Unit.objects.bulk_create(new_units, batch_size=2000)
    existing = {
        r.address_code: r
        for r in Room.objects.filter(address_code__in=[r.address_code for r, _ in placed])
    }
    new_rooms: list[Room] = []
    changed: list[Room] = []
    for row, grid in placed:
        building = buildings[
            (community_ids[row.community_code], row.road, row.number, row.building)
        ]
        room_unit = units.get((building.pk, row.unit)) if row.unit else None
        values: dict[str, Any] = {
            "building": building,
            "unit": room_unit,
            "name": row.room,
            "use": row.use,
            "grid": grid,
            "lon": row.lon,
            "lat": row.lat,
        }
        room = existing.get(row.address_code)
        if room is None:
            new_rooms.append(Room(address_code=row.address_code, **values))
        elif any(getattr(room, k) != v for k, v in values.items()):
            for field_name, value in values.items():
                setattr(room, field_name, value)
            changed.append(room)
    Room.objects.bulk_create(new_rooms, batch_size=2000)
    Room.objects.bulk_update(
        changed, ["building", "unit", "name", "use", "grid", "lon", "lat"], batch_size=2000
    )
    return RegistryLoadSummary(
        rows=len(placed),
        buildings_created=len(new_buildings),
        rooms_created=len(new_rooms),
        rooms_updated=len(changed),
    )
