"""Building pages and the registry loader's service side."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext, pgettext

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import require_district_admin
from wangge.addresses import locating
from wangge.addresses.models import Building, BuildingKind, Room, Unit
from wangge.addresses.registry_file import AddressRow, read_address_file
from wangge.core.errors import NotFound, Problem, ValidationFailed
from wangge.core.wording import say
from wangge.geo.models import Region, RegionLevel
from wangge.geo.placement import GridShape, RoomPoint, place_rooms
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
        raise NotFound(gettext("未找到该楼栋，或不在您的管辖范围内"))
    rooms = list(
        Room.objects.visible_to(user)
        .filter(building=building)
        .select_related("unit")
        .prefetch_related(
            Prefetch(
                "households",
                # the households a user may read (PERSONAL: not a department handler's)
                queryset=Household.objects.visible_to(user)
                .select_related("head")
                .annotate(members=Count("residences", filter=Q(residences__until__isnull=True))),
            )
        )
        .order_by("unit__name", "name")
    )
    residents = sum(h.members for r in rooms for h in r.households.all())
    audit.record(user, AuditAction.VIEW, "building", building.pk, channel=channel)
    return BuildingFile(building=building, rooms=rooms, residents=residents)


def visible_rooms(user: Any) -> Any:
    """Rooms the user may read, each with the households the user may read in it (a
    department handler sees rooms on its map, none of their households: access.scoping)."""
    return (
        Room.objects.visible_to(user)
        .select_related("building", "unit", "grid")
        .prefetch_related(Prefetch("households", queryset=Household.objects.visible_to(user)))
    )


@dataclass
class RegistryLoadSummary:
    rows: int
    buildings_created: int
    rooms_created: int
    rooms_updated: int
    # Rows loaded with a correction the office should know about (a point snapped into its
    # community, a building whose rooms straddled a grid border).
    warnings: list[str] = field(default_factory=list)


def load_addresses(
    actor: Any, path: str | Path, *, data: bytes | None = None, channel: str = "cli"
) -> RegistryLoadSummary:
    """Validate the whole file, place every room in a grid, then write it all or nothing."""
    require_district_admin(actor, pgettext("admin task", "导入标准地址"))
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
    community_code_of = {c.pk: code for code, c in communities.items()}
    shapes = [
        GridShape(g.code, community_code_of[g.parent_id], shapely.from_geojson(g.boundary))
        for g in grids
        if g.parent_id is not None
    ]
    known = [row for row in rows if row.community_code in communities]
    for row in rows:
        if row.community_code not in communities:
            problems.append(
                Problem(
                    gettext("%(name)s第%(row)s行") % {"name": name, "row": row.row},
                    gettext("社区编码 %(community_code)s 不存在（或不是社区级区域）")
                    % {"community_code": row.community_code},
                )
            )
    placement = place_rooms(
        [
            RoomPoint(
                f"{name}第{row.row}行",
                (row.road, row.number, row.building),
                row.community_code,
                row.lon,
                row.lat,
            )
            for row in known
        ],
        shapes,
        tolerance_m=settings.WANGGE_REGISTRY_SNAP_METRES,
    )
    problems.extend(Problem(where, message) for where, message in placement.errors)
    by_code = {g.code: g for g in grids}
    placed = [
        (row, by_code[grid])
        for row, grid in zip(known, placement.grids, strict=True)
        if grid is not None
    ]
    if problems:
        raise ValidationFailed(
            gettext("%(name)s：发现 %(count)s 个问题，未导入任何数据")
            % {"name": name, "count": len(problems)},
            problems,
        )
    with transaction.atomic():
        summary = _write_registry(placed)
        summary.warnings.extend(f"{where}：{message}" for where, message in placement.warnings)
        locating.changed()  # bulk writes send no signals
        audit.record(
            actor,
            AuditAction.IMPORT,
            "address_registry",
            name,
            channel=channel,
            detail={
                "file": name,
                "rows": summary.rows,
                "buildings_created": summary.buildings_created,
                "rooms_created": summary.rooms_created,
                "rooms_updated": summary.rooms_updated,
                "warnings": len(summary.warnings),
            },
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


# -- cleaning an address column for departments (the API's parse endpoints) ---------------------

# Bounds of one request: the parser is fast (tens of thousands a second), these keep a request
# within a second or two and its memory small.
PARSE_MAX_ADDRESSES = 10_000
PARSE_MAX_FILE_BYTES = 5 * 1024 * 1024
PARSE_MAX_FILE_ROWS = 50_000


def _require_parser_user(user: Any, channel: str) -> None:
    """Anyone holding a role (or a department's token for a user with one) may clean addresses;
    nothing stored is read. A user without any role is refused, and the refusal logged."""
    from wangge.access.scoping import refuse, scope_for

    scope = scope_for(user)
    if scope.unrestricted or scope.roles:
        return
    refuse(
        user,
        None,
        "parse_addresses",
        message=gettext("您没有任何角色，不能使用地址解析"),
        channel=channel,
    )


def _said(rows: Iterable[dict[str, str]]) -> Iterator[dict[str, str]]:
    """The parser's doubts (`core.reasons.Reason`s) in the caller's language: Chinese to a
    token's client and to whoever chose nothing, English to a user who chose English. The
    command line's CSV (`wangge parse_addresses`) keeps the parser's Chinese."""
    for row in rows:
        yield {**row, "doubt": say(row["doubt"])} if row.get("doubt") else row


def parse_address_list(
    user: Any, addresses: list[str], *, channel: str = "api"
) -> list[dict[str, str]]:
    """Parse up to PARSE_MAX_ADDRESSES addresses; the count (never the text) goes to the log."""
    from wangge.addresses.cleaning import parse_many

    _require_parser_user(user, channel)
    if len(addresses) > PARSE_MAX_ADDRESSES:
        raise ValidationFailed(
            gettext("一次最多解析 %(most)s 条地址，本次 %(count)s 条，请分批提交")
            % {"most": PARSE_MAX_ADDRESSES, "count": len(addresses)},
            [],
        )
    rows = list(_said(parse_many(addresses)))
    audit.record(
        user, AuditAction.EXPORT, "address_parse", "", channel=channel, detail={"rows": len(rows)}
    )
    return rows


def check_parse_upload(user: Any, filename: str, size: int, *, channel: str = "api") -> None:
    _require_parser_user(user, channel)
    if size > PARSE_MAX_FILE_BYTES:
        raise ValidationFailed(
            gettext("%(filename)s：文件超过 %(mb)s MB，请拆分后再提交")
            % {"filename": filename, "mb": PARSE_MAX_FILE_BYTES // (1024 * 1024)},
            [],
        )


def parse_address_file(
    user: Any, filename: str, data: bytes, column: str | None, *, channel: str = "api"
) -> str:
    """The cleaned rows of an uploaded file as CSV text (UTF-8 with a BOM, for Excel)."""
    import io

    from wangge.addresses.cleaning import CleaningError, parse_many, read_addresses, write_csv

    check_parse_upload(user, filename, len(data), channel=channel)
    try:
        addresses = read_addresses(
            filename, data, column=column or None, max_rows=PARSE_MAX_FILE_ROWS
        )
    except CleaningError as exc:
        raise ValidationFailed(str(exc), []) from exc
    out = io.StringIO()
    out.write("\ufeff")
    count = write_csv(_said(parse_many(addresses)), out)
    audit.record(
        user,
        AuditAction.EXPORT,
        "address_parse",
        "",
        channel=channel,
        detail={"rows": count, "file": filename},
    )
    return out.getvalue()
