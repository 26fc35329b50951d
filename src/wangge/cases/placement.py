"""Where a case belongs when its report has no usable pin, and the 待定位 queue.

A case is seen, dispatched and verified by the people of the region it lies in, so a case
without a region is seen by nobody below the district. Every intake (the residents' page,
Open311, hotline files and pushes, the API, the grid worker's phone page) therefore places a
report in the smallest region anything in it reveals, in this order:

1. the **pin** (map pick or GPS), located in the grid polygons;
2. the **address**, through the registry (`addresses.locator`): a room gives its grid; a door,
   building or road gives the one grid holding all its rooms, else the smallest region above
   them; a community or street named in it gives that region;
3. a **region the report names** (a work order's region code, street or community);
4. the **reporter's own region** (a community officer's community, a grid worker's community,
   a street officer's street), when they hold exactly one.

What ends above a grid waits in the **待定位 queue** of that region
(`/cases/placement/`): its dispatchers (street or community staff, Right.DISPATCH) place it on
a map or choose the grid (`place_case`), and a case still `new` is then dispatched by the
responsibility table. A pin that contradicts the typed address (they lie in different grids,
more than `PIN_TOLERANCE_M` apart) is not trusted either way: the case waits, flagged, in the
queue of the smallest region holding both, and is not dispatched automatically.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from wangge.access.scoping import Right, allows, scope_for
from wangge.cases.models import OPEN_STATUSES, Case, CaseStatus, EventKind, Placement
from wangge.core.errors import Forbidden, ServiceError
from wangge.geo.models import Region, RegionLevel

# A pin this close to the registry position of the typed address is the same place: GPS and
# map picks near a grid boundary land on the wrong side often; the registry says the grid.
PIN_TOLERANCE_M = 60.0

_LOCATED_AS = {
    "room": Placement.ROOM,
    "building": Placement.BUILDING,
    "road": Placement.ROAD,
    "region": Placement.NAMED,
}


@dataclass(frozen=True)
class Decision:
    """The place intake gives a case (a region id, or None: district level)."""

    region_id: int | None
    method: str  # a Placement value, '' when nothing told where
    address_code: str = ""
    lon: float | None = None  # the registry's position of the address, when the case has none
    lat: float | None = None
    note: str = ""
    conflict: bool = False


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (haversine; ample for a few kilometres)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def region_label(tree: Any, region_id: int | None) -> str:
    """A region's name as a dispatcher reads it: a grid with its community (幸福一村社区第1网格)."""
    if region_id is None or region_id not in tree.by_id:
        return "区级（未定位）"
    _code, name, level, parent = tree.by_id[region_id]
    if level == RegionLevel.GRID and parent in tree.by_id:
        return f"{tree.by_id[parent][1]}{name}"
    return str(name)


def common_region(tree: Any, a: int, b: int) -> int | None:
    inside = set(tree.chain(b))
    return next((pk for pk in tree.chain(a) if pk in inside), None)


def channel_region(actor: Any, tree: Any) -> int | None:
    """The region a reporter's own role reveals: their one street or community (a grid
    worker's community: the grid is what they did not say)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    scope = scope_for(actor)
    roots = set(scope.staff_roots) | set(scope.grid_roots)
    if len(roots) != 1:
        return None
    region_id = tree.by_code.get(roots.pop())
    if region_id is not None and tree.by_id[region_id][2] == RegionLevel.GRID:
        region_id = tree.by_id[region_id][3]
    return region_id if region_id is not None and tree.by_id[region_id][3] else None


def decide(
    tree: Any,
    *,
    address: str,
    pin_grid_id: int | None = None,
    pin: tuple[float, float] | None = None,
    named_id: int | None = None,
    channel: int | Callable[[], int | None] | None = None,
    locator: Callable[[], Any] | None = None,
) -> Decision:
    """Where a report goes (see the module docstring); the registry (`locator()`, by default
    the process's current one) is read only when the report has an address."""
    located = None
    loc_region: int | None = None
    if address.strip():
        from wangge.addresses import locating

        located = (locator or locating.locator)().locate(address)
        loc_region = tree.by_code.get(located.region) if located.region else None
    if pin_grid_id is not None:
        return _with_pin(tree, address, pin_grid_id, pin, located, loc_region)
    if located is not None and loc_region is not None:
        method = _LOCATED_AS[located.level]
        code = located.address_code or ""
        if (
            named_id is not None
            and loc_region not in tree.chain(named_id)
            and (named_id not in tree.chain(loc_region))
        ):
            both = common_region(tree, named_id, loc_region)
            note = (
                f"所写区域“{region_label(tree, named_id)}”与地址“{address}”"
                f"（{region_label(tree, loc_region)}）不一致，请核实后定位"
            )
            return Decision(both, Placement.NAMED, note=note)
        if named_id is not None and loc_region in tree.chain(named_id) and named_id != loc_region:
            return Decision(named_id, Placement.NAMED, note=_waiting(tree, named_id))
        note = located.reason if _is_grid(tree, loc_region) else _waiting(tree, loc_region, located)
        return Decision(loc_region, method, code, located.lon, located.lat, note)
    missed = f"地址“{address}”未对应到标准地址；" if located is not None else ""
    if named_id is not None:
        return Decision(named_id, Placement.NAMED, note=missed + _waiting(tree, named_id))
    channel_id = channel() if callable(channel) else channel
    if channel_id is not None:
        note = f"{missed}按上报人所在区域，待定位到网格"
        return Decision(channel_id, Placement.CHANNEL, note=note)
    return Decision(None, "", note=f"{missed}未能确定位置，由区网格中心定位")


def _waiting(tree: Any, region_id: int | None, located: Any = None) -> str:
    if _is_grid(tree, region_id):
        return ""
    reason = located.reason if located is not None and located.reason else ""
    return reason or f"只能确定到{region_label(tree, region_id)}，待定位到网格"


def _is_grid(tree: Any, region_id: int | None) -> bool:
    return region_id is not None and tree.by_id[region_id][2] == RegionLevel.GRID


def _with_pin(
    tree: Any,
    address: str,
    pin_grid_id: int,
    pin: tuple[float, float] | None,
    located: Any,
    loc_region: int | None,
) -> Decision:
    if located is None or loc_region is None or loc_region in tree.chain(pin_grid_id):
        same_room = located is not None and located.level == "room" and loc_region == pin_grid_id
        return Decision(pin_grid_id, Placement.POINT, located.address_code if same_room else "")
    apart = (
        distance_m(pin[0], pin[1], located.lon, located.lat)
        if pin is not None and located.lon is not None and located.lat is not None
        else None
    )
    method = _LOCATED_AS[located.level]
    if apart is not None and apart <= PIN_TOLERANCE_M and _is_grid(tree, loc_region):
        note = (
            f"地图位置在{region_label(tree, pin_grid_id)}，距所填地址仅约{apart:.0f}米，"
            f"按标准地址定位到{region_label(tree, loc_region)}"
        )
        return Decision(loc_region, method, located.address_code or "", note=note)
    both = common_region(tree, pin_grid_id, loc_region)
    far = f"，相距约{apart:.0f}米" if apart is not None else ""
    note = (
        f"地图位置在{region_label(tree, pin_grid_id)}，所填地址“{address}”"
        f"在{region_label(tree, loc_region)}{far}；请核实后定位"
    )
    return Decision(both, Placement.POINT, note=note[:300], conflict=True)


# ------------------------------------------------------------------------- the queue


def to_place(user: Any) -> QuerySet[Case]:
    """Open cases this user may place: no grid yet, or a pin contradicting the address."""
    from wangge.access.scoping import visible_to

    waiting = Case.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(grid__isnull=True) | Q(location_conflict=True)
    )
    queryset: QuerySet[Case] = visible_to(user, waiting, Right.DISPATCH)
    return queryset.select_related("region", "category").order_by("-created_at", "-pk")


def address_position(case: Case) -> tuple[float, float] | None:
    """(lat, lon) in WGS-84 where the registry puts the case's address (a room or a single
    building), to show beside the reporter's pin; None when it has none."""
    if not case.address.strip():
        return None
    from wangge.addresses.locating import locator

    found = locator().locate(case.address)
    if found.lon is None or found.lat is None:
        return None
    return found.lat, found.lon


def placeable_grids(user: Any, case: Case) -> list[Region]:
    """Grids the user may put the case in: under the case's region and in the user's scope
    (a flagged case: under the region holding both readings)."""
    scope = scope_for(user)
    grids = Region.objects.filter(level=RegionLevel.GRID).select_related("parent")
    if case.region_id is not None:
        grids = grids.filter(code__startswith=case.region.code)  # type: ignore[union-attr]
    return [g for g in grids.order_by("code") if scope.covers_staff_code(g.code)]


@transaction.atomic
def place_case(
    actor: Any,
    case: Case,
    *,
    grid: Region | None = None,
    lon: float | None = None,
    lat: float | None = None,
    version: int | None = None,
    channel: str = "web",
) -> Case:
    """定位: a dispatcher puts a case in a grid, chosen or picked on the map (WGS-84).

    A picked point is stored as the case's position and decides the grid; a chosen grid keeps
    the position the case has. A case still waiting to be dispatched is then dispatched by
    the responsibility table, as at intake.
    """
    from wangge.cases.services.intake import _check_location, _Intake
    from wangge.cases.services.writing import _changed, _conflict, _event, _write

    if not allows(actor, case, Right.DISPATCH):
        raise Forbidden(_("只有案件所在街道、社区的工作人员可以定位案件"))
    if version is not None and version != case.version:
        raise _conflict(case, version, case.version)
    if case.status == CaseStatus.CLOSED:
        raise ServiceError(_("案件 %(number)s 已结案，不能再定位") % {"number": case.number})
    _check_location(lon, lat)
    intake = _Intake.load()
    if lon is not None and lat is not None:
        grid_id = intake.locate([lon], [lat])[0]
        if grid_id is None:
            raise ServiceError(
                _("所选位置（%(lon).6f, %(lat).6f）不在任何网格内，请重新点选")
                % {"lon": lon, "lat": lat}
            )
    elif grid is not None:
        if grid.level != RegionLevel.GRID:
            raise ServiceError(_("“%(name)s”不是网格，请选择网格") % {"name": grid.name})
        grid_id = grid.pk
    else:
        raise ServiceError(_("请在地图上点选位置，或选择网格"))
    code = intake.tree.by_id[grid_id][0]
    if not scope_for(actor).covers_staff_code(code):
        raise Forbidden(
            _("%(region_label)s不在您的管辖范围内")
            % {"region_label": region_label(intake.tree, grid_id)}
        )
    before = region_label(intake.tree, case.region_id)
    levels = intake.tree.level_ids(grid_id)
    changes: dict[str, Any] = {
        "region_id": grid_id,
        "street_id": levels.get(RegionLevel.STREET),
        "community_id": levels.get(RegionLevel.COMMUNITY),
        "grid_id": grid_id,
        "placement": Placement.MANUAL,
        "location_note": "",
        "location_conflict": False,
    }
    if lon is not None and lat is not None:
        changes.update(lon=lon, lat=lat)
    _write(case, version, **changes)
    where = region_label(intake.tree, grid_id)
    _event(
        case,
        EventKind.PLACED,
        actor,
        channel=channel,
        note=f"由{before}定位到{where}",
        data={"grid": code, "lon": lon, "lat": lat},
    )
    _changed(actor, case, EventKind.PLACED, channel)
    if case.status == CaseStatus.NEW and case.department_id is None:
        _dispatch_after_placing(intake, case)
    return case


def _dispatch_after_placing(intake: Any, case: Case) -> None:
    from wangge.cases.services.notifications import _notify_department
    from wangge.cases.services.writing import _event, _write

    routed = intake.router.route(case.category_id, intake.tree.chain(case.region_id))
    if routed is None:
        return
    now = timezone.now()
    sign, handle = intake.router.deadlines(case.category_id, now)
    _write(
        case,
        None,
        status=CaseStatus.DISPATCHED,
        department_id=routed[0],
        post=routed[1],
        dispatched_at=now,
        sign_deadline=sign,
        handle_deadline=handle,
    )
    _event(
        case,
        EventKind.DISPATCHED,
        None,
        channel="auto",
        from_status=CaseStatus.NEW,
        to_status=CaseStatus.DISPATCHED,
        department_id=routed[0],
        note=gettext_noop("定位后按责任清单自动派遣"),
    )
    _notify_department(case, "dispatched", f"新派遣案件：{case.title}")
