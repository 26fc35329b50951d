"""Places, hazards and notices for departments' systems (and inspectors' phones): scoped like
the pages, the responsible person's phone masked, each hazard with its status and, once one is
issued, its notice's number; the notice's printable document as .docx or PDF."""

import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PaginationBase, paginate

from wangge.access.scoping import visible_to
from wangge.core.api_support import BoundedPagination
from wangge.core.bounds import MAX_PAGE, MAX_PAGE_SIZE, BoundedDate, RecordId
from wangge.core.errors import NotFound, ServiceError
from wangge.inspections import keyset, notices, numbering, selectors
from wangge.inspections.models import Hazard, IssuingUnit, Notice, Place

router = Router(tags=["inspections"])


class CappedPagination(BoundedPagination):
    """`count` stops at 10,001 (meaning “more than 10,000”)."""

    def _items_count(self, queryset: Any) -> int:
        return selectors.capped_count(queryset)


class SeekPagination(PaginationBase):
    """The hazard ledger's pages: `cursor` (from the previous answer's `next` or `previous`)
    seeks to the page in the `(found_at, id)` order, so page 2,000 costs what page 1 does
    (`keyset`); `page` still counts rows off (OFFSET), for the first pages of older clients.
    `count` stops at 10,001 like the other ledgers."""

    class Input(Schema):
        cursor: str = Field(
            "",
            max_length=256,  # longer than any cursor: `keyset` refuses it in Chinese (400)
            description="翻页游标：上一次回答的 next（下一页）或 previous（上一页）；空为第一页",
        )
        page: int = Field(1, ge=1, le=MAX_PAGE, description="页码（OFFSET 翻页，深页请用 cursor）")
        page_size: int | None = Field(None, ge=1, le=MAX_PAGE_SIZE)

    class Output(Schema):
        items: list[Any]
        count: int = Field(description="精确到 10,000；10,001 表示超过 10,000 条")
        page: int = Field(description="本页页码（从开始翻页处数起）")
        next: str | None = Field(description="下一页的 cursor；没有下一页时为 null")
        previous: str | None = Field(description="上一页的 cursor；第一页时为 null")

    def __init__(self, page_size: int = 50, **kwargs: Any) -> None:
        self.page_size = page_size
        super().__init__(**kwargs)

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        size = pagination.page_size or self.page_size
        count = selectors.capped_count(queryset)
        if pagination.cursor or pagination.page == 1:
            found = selectors.hazard_page(queryset, pagination.cursor, size)
            return {
                "items": found.rows,
                "count": count,
                "page": found.number,
                "next": found.next,
                "previous": found.previous,
            }
        offset = (pagination.page - 1) * size
        rows = list(queryset[offset : offset + size + 1])
        more, rows = len(rows) > size, rows[:size]
        last = rows[-1] if rows else None
        return {
            "items": rows,
            "count": count,
            "page": pagination.page,
            "next": keyset.encode(keyset.NEXT, pagination.page + 1, last.found_at, last.pk)
            if more and last
            else None,
            "previous": keyset.encode(
                keyset.PREVIOUS, pagination.page - 1, rows[0].found_at, rows[0].pk
            )
            if rows
            else None,
        }


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    kind_label: str
    address: str
    address_code: str | None
    grid_code: str | None
    responsible_person: str
    responsible_phone: str = Field(description="脱敏")
    department: str | None
    lon: float | None
    lat: float | None
    last_checked_at: datetime.datetime | None

    @staticmethod
    def resolve_kind_label(obj: Place) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_address_code(obj: Place) -> str | None:
        return obj.room.address_code if obj.room_id and obj.room else None

    @staticmethod
    def resolve_grid_code(obj: Place) -> str | None:
        return obj.grid.code if obj.grid else None

    @staticmethod
    def resolve_responsible_phone(obj: Place) -> str:
        return obj.responsible_phone_masked

    @staticmethod
    def resolve_department(obj: Place) -> str | None:
        return obj.department.name if obj.department else None


class PlaceFilter(Schema):
    kind: str = Field("", max_length=16, description="场所类型代码，如 rental_site")
    region: str = Field("", max_length=24, description="区域编码（街道、社区或网格）")


@router.get("/places", response=list[PlaceOut], summary="场所")
@paginate(CappedPagination, page_size=50)
def list_places(request: HttpRequest, filters: Query[PlaceFilter]) -> Any:
    return selectors.places(request.user, kind=filters.kind, region=filters.region).select_related(
        "room"
    )


class HazardOut(Schema):
    id: int
    place_id: int
    place_name: str
    place_kind: str
    grid_code: str | None
    category: str
    category_label: str
    severity: str
    description: str
    status: str
    status_label: str
    found_at: datetime.datetime
    rectified_at: datetime.datetime | None
    notice_number: str | None
    lon: float | None
    lat: float | None

    @staticmethod
    def resolve_place_name(obj: Hazard) -> str:
        return obj.place.name

    @staticmethod
    def resolve_place_kind(obj: Hazard) -> str:
        return obj.place.kind

    @staticmethod
    def resolve_grid_code(obj: Hazard) -> str | None:
        return obj.grid.code if obj.grid else None

    @staticmethod
    def resolve_category_label(obj: Hazard) -> str:
        return str(obj.get_category_display())

    @staticmethod
    def resolve_status_label(obj: Hazard) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_notice_number(obj: Hazard) -> str | None:
        return obj.notice.number if obj.notice else None


class HazardQuery(Schema):
    region: str = Field("", max_length=24, description="区域编码（街道、社区或网格）")
    category: str = Field("", max_length=16, description="隐患类别代码，如 partition")
    status: str = Field("", max_length=16, description="open、notice_issued 或 rectified")
    start: BoundedDate | None = Field(None, description="发现日期起（含）")
    end: BoundedDate | None = Field(None, description="发现日期止（含）")


@router.get(
    "/hazards",
    response=list[HazardOut],
    summary="隐患台账",
    description=(
        "Newest first. `count` is exact up to 10,000; 10,001 means more than 10,000 hazards "
        "match. Walk the pages with `cursor`: pass the answer's `next` (or `previous`) back "
        "with the same filters; an invalid cursor answers 400."
    ),
)
@paginate(SeekPagination, page_size=50)
def list_hazards(request: HttpRequest, filters: Query[HazardQuery]) -> Any:
    query = selectors.hazards(
        request.user,
        selectors.HazardFilter(
            region=filters.region,
            category=filters.category,
            status=filters.status,
            start=filters.start,
            end=filters.end,
        ),
    )
    return query.select_related("place", "grid", "notice")


class DocumentQuery(Schema):
    format: Literal["docx", "pdf"] = "docx"


@router.get(
    "/notices/{number}/document",
    summary="整改通知书文书（.docx 或 PDF）",
    response={200: None},
)
def notice_document(request: HttpRequest, number: str, q: Query[DocumentQuery]) -> HttpResponse:
    data, name, content_type = notices.document(request.user, number, q.format, channel="api")
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


class BlockIn(Schema):
    unit: str = Field(max_length=32, description="发文单位编码")
    size: int = Field(20, ge=1, le=numbering.MAX_BLOCK)


class BlockOut(Schema):
    unit: str
    year: int
    first: int
    last: int
    numbers: list[str]


def _unit(code: str) -> IssuingUnit:
    unit = IssuingUnit.objects.select_related("region").filter(code=code).first()
    if unit is None:
        raise NotFound(_("发文单位“%(code)s”不存在") % {"code": code[:32]})
    return unit


@router.post("/notices/blocks", response=BlockOut, summary="预留文号段（离线开具通知书用）")
def reserve_block(request: HttpRequest, body: BlockIn) -> Any:
    from wangge.inspections.models import notice_number

    unit = _unit(body.unit)
    year = timezone.localdate().year
    block = numbering.reserve_block(request.user, unit, year=year, size=body.size, channel="api")
    return {
        "unit": unit.code,
        "year": year,
        "first": block.first,
        "last": block.last,
        "numbers": [
            notice_number(unit.prefix, year, n) for n in range(block.first, block.last + 1)
        ],
    }


class UnitOut(Schema):
    code: str
    name: str
    prefix: str


@router.get("/notices/units", response=list[UnitOut], summary="我可以开具通知书的发文单位")
def my_units(request: HttpRequest) -> Any:
    """The units the caller may number notices for: the offline workbench reserves a block of
    the first one while online (docs/offline.md)."""
    return numbering.units_for(request.user)


class NoticeIn(Schema):
    unit: str = Field(max_length=32)
    hazards: list[RecordId] = Field(min_length=1, max_length=50)
    kind: Literal["immediate", "deadline"]
    deadline_days: int | None = Field(None, ge=1, le=notices.MAX_DEADLINE_DAYS)
    serial: int | None = Field(None, ge=1, le=10**7, description="离线时从预留文号段取的序号")
    year: int | None = Field(None, ge=2000, le=2100)
    client_id: str | None = Field(None, max_length=64, description="手机端给通知书的唯一标识")
    issued_at: datetime.datetime | None = None


class NoticeOut(Schema):
    number: str
    kind: str
    place_id: int
    issued_at: datetime.datetime
    deadline: datetime.datetime | None
    hazards: list[int]

    @staticmethod
    def resolve_hazards(obj: Notice) -> list[int]:
        return list(obj.hazards.values_list("pk", flat=True))


@router.post("/notices", response=NoticeOut, summary="下达整改通知书（含离线同步）")
def issue_notice(request: HttpRequest, body: NoticeIn) -> Any:
    unit = _unit(body.unit)
    found = list(
        visible_to(request.user, Hazard.objects.select_related("place")).filter(pk__in=body.hazards)
    )
    if len(found) != len(set(body.hazards)):
        raise NotFound(_("有隐患不存在或不在您的管辖范围内"))
    if body.issued_at and body.issued_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ServiceError(_("开具时间晚于当前时间"))
    return notices.issue_notice(
        request.user,
        unit=unit,
        hazards=found,
        kind=body.kind,
        deadline_days=body.deadline_days,
        serial=body.serial,
        year=body.year,
        client_id=body.client_id,
        issued_at=body.issued_at,
        channel="api",
    )


class ReferIn(Schema):
    department: str = Field("", max_length=32, description="接收部门编码；空为场所的主管部门")
    note: str = Field("", max_length=500)


class ReferOut(Schema):
    notice_number: str
    case_number: str
    case_id: int
    department: str


@router.post(
    "/notices/{number}/refer",
    response=ReferOut,
    summary="逾期未整改的通知书转为接诉即办案件，派遣给主管部门",
)
def refer_notice(request: HttpRequest, number: str, body: ReferIn) -> Any:
    from wangge.cases.models import Department
    from wangge.inspections import referral

    notice = notices.get_notice(request.user, number, channel="api")
    department = None
    if body.department:
        department = Department.objects.filter(code=body.department).first()
        if department is None:
            raise NotFound(_("部门“%(department)s”不存在") % {"department": body.department[:32]})
    case = referral.refer_missed_deadline(
        request.user, notice, department=department, note=body.note, channel="api"
    )
    return {
        "notice_number": notice.number,
        "case_number": case.number,
        "case_id": case.pk,
        "department": case.department.code if case.department else "",
    }
