from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.pagination import paginate

from wangge.addresses import services
from wangge.addresses.models import Building, Room
from wangge.core.api_support import BoundedPagination
from wangge.core.bounds import RecordId, Text

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
@paginate(BoundedPagination, page_size=50)
def list_buildings(request: HttpRequest, grid: str | None = None) -> Any:
    queryset = Building.objects.visible_to(request.user).select_related("community", "grid")
    if grid:
        queryset = queryset.filter(grid__code__startswith=grid)
    return queryset.order_by("pk")


@router.get("/buildings/{building_id}", response=BuildingDetailOut, summary="楼栋详情（含户室）")
def get_building(request: HttpRequest, building_id: RecordId) -> Any:
    file = services.get_building(request.user, building_id, channel="api")
    return {"building": file.building, "rooms": file.rooms, "residents": file.residents}


@router.get("/rooms", response=list[RoomOut], summary="户室列表")
@paginate(BoundedPagination, page_size=50)
def list_rooms(
    request: HttpRequest, building_id: RecordId | None = None, use: str | None = None
) -> Any:
    queryset = services.visible_rooms(request.user)
    if building_id is not None:
        queryset = queryset.filter(building_id=building_id)
    if use:
        queryset = queryset.filter(use=use)
    return queryset.order_by("pk")


class ParseIn(Schema):
    addresses: list[Text]


class ParsedOut(Schema):
    address: str
    province: str
    city: str
    district: str
    street: str
    community: str
    road: str
    number: str
    compound: str
    building: str
    unit: str
    floor: str
    room: str
    rest: str
    doubt: str


class ParseOut(Schema):
    count: int
    items: list[ParsedOut]


@router.post(
    "/addresses/parse",
    response=ParseOut,
    summary="地址解析：拆分为省市区、街道、社区、道路、门牌号、小区、楼栋、单元、楼层、户室（一次最多1万条）",
)
def parse_addresses(request: HttpRequest, payload: ParseIn) -> dict[str, Any]:
    rows = services.parse_address_list(request.user, payload.addresses)
    return {"count": len(rows), "items": rows}


@router.post(
    "/addresses/parse-file",
    summary="地址解析（文件）：文本文件每行一条，或CSV/xlsx的一列；返回CSV",
)
def parse_address_file(
    request: HttpRequest, file: File[UploadedFile], column: Form[str] = ""
) -> HttpResponse:
    # Role and size are checked before the upload is read, so an oversized file is never held.
    services.check_parse_upload(request.user, file.name or "", file.size or 0)
    text = services.parse_address_file(request.user, file.name or "upload.txt", file.read(), column)
    response = HttpResponse(text.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="addresses_parsed.csv"'
    return response
