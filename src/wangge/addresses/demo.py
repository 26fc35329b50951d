"""The demo district's buildings, units and rooms (addresses' part of `wangge demo`).

The rows come from the pure generator (`people.demo_district`) batch by batch, together with the
households living in them; primary keys are assigned here (base + the generator's running key),
so people's part can point its households at rooms before they are read back.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from wangge.addresses import locating
from wangge.addresses.models import Building, Room, RoomUse, Unit
from wangge.core.demo import BATCH_SIZE, DemoContext, next_pk, reset_sequences
from wangge.geo.models import Region, RegionLevel

STAGE = "楼栋与户室"


@dataclass(frozen=True, slots=True)
class BuildingRow:
    key: int
    community_code: str
    grid_code: str
    road: str
    number: str
    name: str
    kind: str
    lon: float
    lat: float
    units: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RoomRow:
    key: int
    building_key: int
    unit: str | None
    name: str
    use: str
    address_code: str
    grid_code: str
    lon: float
    lat: float


def prepare(context: DemoContext) -> None:
    context.ids["building"] = next_pk(Building)
    context.ids["unit"] = next_pk(Unit)
    context.ids["room"] = next_pk(Room)
    context.ids["unit_count"] = 0


def write_batch(context: DemoContext, batch: Any) -> None:
    ids, region_pk = context.ids, context.ids["region"]
    base_building, base_unit, base_room = ids["building"], ids["unit"], ids["room"]
    units: list[Unit] = []
    unit_pk: dict[tuple[int, str], int] = {}
    for b in batch.buildings:
        for name in b.units:
            pk = base_unit + ids["unit_count"]
            ids["unit_count"] += 1
            unit_pk[(b.key, name)] = pk
            units.append(Unit(pk=pk, building_id=base_building + b.key, name=name))
    Building.objects.bulk_create(
        [
            Building(
                pk=base_building + b.key,
                community_id=region_pk[b.community_code],
                grid_id=region_pk[b.grid_code],
                road=b.road,
                number=b.number,
                name=b.name,
                kind=b.kind,
                lon=b.lon,
                lat=b.lat,
            )
            for b in batch.buildings
        ],
        batch_size=BATCH_SIZE,
    )
    Unit.objects.bulk_create(units, batch_size=BATCH_SIZE)
    Room.objects.bulk_create(
        [
            Room(
                pk=base_room + r.key,
                address_code=r.address_code,
                building_id=base_building + r.building_key,
                unit_id=unit_pk[(r.building_key, r.unit)] if r.unit else None,
                name=r.name,
                use=r.use,
                grid_id=region_pk[r.grid_code],
                lon=r.lon,
                lat=r.lat,
            )
            for r in batch.rooms
        ],
        batch_size=BATCH_SIZE,
    )


def contribute(context: DemoContext) -> dict[str, int]:
    """Explicit keys did not move the sequences; rooms were written in bulk, without signals."""
    reset_sequences([Building, Unit, Room])
    locating.changed()
    locating.forget()
    return counts()


def counts() -> dict[str, int]:
    from wangge.core.demo import DISTRICT_CODE

    grids = _grids(DISTRICT_CODE)
    rooms = Room.objects.filter(grid__in=grids).aggregate(
        rooms=Count("pk"), rented_rooms=Count("pk", filter=Q(use=RoomUse.RENTED))
    )
    return {
        "buildings": Building.objects.filter(grid__in=grids).count(),
        "rooms": rooms["rooms"],
        "rented_rooms": rooms["rented_rooms"],
    }


def remove(district_code: str) -> None:
    """Rooms, units and buildings with single DELETEs (people's part went first)."""
    region_ids = _regions(district_code).values("pk")
    buildings = Building.objects.filter(community_id__in=region_ids)
    using = buildings.db
    Room.objects.filter(
        Q(grid_id__in=region_ids) | Q(building_id__in=buildings.values("pk"))
    )._raw_delete(using)
    Unit.objects.filter(building_id__in=buildings.values("pk"))._raw_delete(using)
    buildings._raw_delete(using)


def _regions(district_code: str) -> Any:
    return Region.objects.filter(code__startswith=district_code)


def _grids(district_code: str) -> Any:
    return _regions(district_code).filter(level=RegionLevel.GRID)
