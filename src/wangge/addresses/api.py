from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from wangge.addresses import services
from wangge.addresses.models import Building, Room

router = Router(tags=["addresses"])


class BuildingOut(Schema):
    id: int
    label: str
    road: str
    number: str
    name: str
    kind: str
    community_code: str
    grid_code: str | None
    lon: float | None
    lat: float | None

    @staticmethod
    def resolve_community_code(obj: Building) -> str:
        return obj.community.code

    @staticmethod
    def resolve_grid_code(obj: Building) -> str | None:
        return obj.grid.code if obj.grid else None


class RoomOut(Schema):
    id: int
    address_code: str
    label: str
    building_id: int
    unit: str
    name: str
    use: str
    grid_code: str | None
    household_ids: list[int]

    @staticmethod
    def resolve_unit(obj: Room) -> str:
        return obj.unit.name if obj.unit else ""

    @staticmethod
    def resolve_grid_code(obj: Room) -> str | None:
        return obj.grid.code if obj.grid else None

    @staticmethod
    def resolve_household_ids(obj: Room) -> list[int]:
        return [h.pk for h in obj.households.all()]


class BuildingDetailOut(Schema):
    building: BuildingOut
    rooms: list[RoomOut]
    residents: int


@router.get("/buildings", response=list[BuildingOut], summary="楼栋列表")
@paginate(PageNumberPagination, page_size=50)
def list_buildings(request: HttpRequest, grid: str | None = None) -> Any:
    queryset = Building.objects.visible_to(request.user).select_related("community", "grid")
    if grid:
        queryset = queryset.filter(grid__code__startswith=grid)
    return queryset.order_by("pk")


@router.get("/buildings/{building_id}", response=BuildingDetailOut, summary="楼栋详情（含户室）")
def get_building(request: HttpRequest, building_id: int) -> Any:
    file = services.get_building(request.user, building_id, channel="api")
    return {"building": file.building, "rooms": file.rooms, "residents": file.residents}


@router.get("/rooms", response=list[RoomOut], summary="户室列表")
@paginate(PageNumberPagination, page_size=50)
def list_rooms(request: HttpRequest, building_id: int | None = None, use: str | None = None) -> Any:
    queryset = (
        Room.objects.visible_to(request.user)
        .select_related("building", "unit", "grid")
        .prefetch_related("households")
    )
    if building_id is not None:
        queryset = queryset.filter(building_id=building_id)
    if use:
        queryset = queryset.filter(use=use)
    return queryset.order_by("pk")
