from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from wangge.access.masking import mask_phone
from wangge.geo import services
from wangge.geo.models import Region, StaffAssignment

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    name: str
    level: str
    parent_code: str | None
    centroid_lon: float | None
    centroid_lat: float | None

    @staticmethod
    def resolve_parent_code(obj: Region) -> str | None:
        return obj.parent.code if obj.parent_id and obj.parent else None


class RegionStatsOut(Schema):
    buildings: int
    rooms: int
    rented_rooms: int
    households: int
    residents: int
    floating: int
    overseas: int


class StaffOut(Schema):
    post: str
    post_label: str
    name: str
    department: str
    duties: str
    phone_masked: str

    @staticmethod
    def resolve_post_label(obj: StaffAssignment) -> str:
        return str(obj.get_post_display())

    @staticmethod
    def resolve_phone_masked(obj: StaffAssignment) -> str:
        return mask_phone(obj.phone) if obj.phone else ""


class RegionDetailOut(Schema):
    region: RegionOut
    boundary: dict[str, Any] | None
    children: list[RegionOut]
    staff: list[StaffOut]
    stats: RegionStatsOut


@router.get("", response=list[RegionOut], summary="我管辖范围内的区域")
def list_regions(request: HttpRequest, level: str | None = None) -> Any:
    queryset = Region.objects.visible_to(request.user).select_related("parent")
    if level:
        queryset = queryset.filter(level=level)
    return list(queryset)


@router.get("/{code}", response=RegionDetailOut, summary="区域详情与统计")
def get_region(request: HttpRequest, code: str) -> Any:
    s = services.region_summary(request.user, code, channel="api")
    return {
        "region": s.region,
        "boundary": s.region.boundary_geojson,
        "children": s.children,
        "staff": s.staff,
        "stats": {
            "buildings": s.buildings,
            "rooms": s.rooms,
            "rented_rooms": s.rented_rooms,
            "households": s.households,
            "residents": s.residents,
            "floating": s.floating,
            "overseas": s.overseas,
        },
    }
