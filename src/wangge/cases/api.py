"""Cases over the API: scoped like the UI; the reporter's phone masked except to the handler.

Every change carries the `version` the caller last saw; a stale one is refused with 409.
"""

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field, field_validator

from wangge.cases import metrics, placement, services
from wangge.cases.hotline import WorkOrder
from wangge.cases.models import Case, CaseEvent, Category, Channel, Department
from wangge.core.api_support import BoundedPagination
from wangge.core.bounds import BoundedDate, BoundedDateTime, RecordId
from wangge.core.errors import NotFound, ValidationFailed
from wangge.geo.models import Region
from wangge.jobs.api import JobOut

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    number: str
    channel: str
    status: str
    status_label: str
    open311_status: str
    title: str
    category_code: str | None
    category_name: str | None
    address: str
    lon: float | None
    lat: float | None
    region_code: str | None
    grid_code: str | None
    placement: str
    address_code: str
    location_note: str
    location_conflict: bool
    department: str | None
    created_at: datetime.datetime
    sign_deadline: datetime.datetime | None
    handle_deadline: datetime.datetime | None
    version: int

    @staticmethod
    def resolve_status_label(obj: Case) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_open311_status(obj: Case) -> str:
        return "open" if obj.is_open else "closed"

    @staticmethod
    def resolve_category_code(obj: Case) -> str | None:
        return obj.category.code if obj.category else None

    @staticmethod
    def resolve_category_name(obj: Case) -> str | None:
        return obj.category.name if obj.category else None

    @staticmethod
    def resolve_region_code(obj: Case) -> str | None:
        return obj.region.code if obj.region else None

    @staticmethod
    def resolve_grid_code(obj: Case) -> str | None:
        return obj.grid.code if obj.grid else None

    @staticmethod
    def resolve_department(obj: Case) -> str | None:
        return obj.department.name if obj.department else None


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    kind_label: str
    actor: str
    department: str | None
    note: str

    @staticmethod
    def resolve_kind_label(obj: CaseEvent) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_actor(obj: CaseEvent) -> str:
        return obj.actor_name

    @staticmethod
    def resolve_department(obj: CaseEvent) -> str | None:
        return obj.department.name if obj.department else None


class CaseDetailOut(CaseOut):
    description: str
    external_id: str
    reporter_name: str
    reporter_phone: str
    result: str
    rating: str
    signed_at: datetime.datetime | None
    handled_at: datetime.datetime | None
    verified_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    events: list[EventOut]

    @staticmethod
    def resolve_reporter_phone(obj: Case, context: dict[str, Any]) -> str:
        return services.reporter_phone_for(context["request"].user, obj)

    @staticmethod
    def resolve_events(obj: Case) -> list[CaseEvent]:
        return services.timeline(obj)


class CaseIn(Schema):
    title: str
    description: str = ""
    category: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    region: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    external_id: str = Field("", max_length=64)  # the column's length: PostgreSQL refuses more

    @field_validator("reporter_phone")
    @classmethod
    def _callable_phone(cls, value: str) -> str:
        """Refused here, so the 422 names the field (`body.payload.reporter_phone`)."""
        try:
            return services.clean_reporter_phone(value)
        except services.InvalidPhone as exc:
            raise ValueError(exc.message) from exc


class WorkOrderIn(Schema):
    external_id: str
    created_at: BoundedDateTime | None = None
    title: str = ""
    description: str = ""
    category: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    region: str = ""
    street: str = ""
    community: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""


class BatchIn(Schema):
    name: str = "api"
    orders: list[WorkOrderIn]


class HotlineRowNoticeOut(Schema):
    where: str
    message: str


class HotlineBatchOut(Schema):
    batch_id: int
    cases: int
    dispatched: int
    numbers: list[str]
    # rows taken in otherwise than sent (a phone no one could call back, not stored)
    notices: list[HotlineRowNoticeOut] = []


class DepartmentIn(Schema):
    department: str
    post: str = ""
    note: str = ""
    version: int | None = None


class TransferIn(Schema):
    department: str
    reason: str
    version: int | None = None


class ReasonIn(Schema):
    reason: str
    version: int | None = None


class VersionIn(Schema):
    version: int | None = None


class PlaceIn(Schema):
    """A grid code, or a position (WGS-84) that decides the grid."""

    grid: str = ""
    lon: float | None = None
    lat: float | None = None
    version: int | None = None


class HandleIn(Schema):
    result: str
    version: int | None = None


class VerifyIn(Schema):
    passed: bool
    note: str = ""
    version: int | None = None


class RateIn(Schema):
    rating: str
    comment: str = ""
    version: int | None = None


class NoteIn(Schema):
    note: str
    version: int | None = None


class CaseFilter(Schema):
    status: str = ""
    category: str = ""
    region: str = ""
    overdue: bool = False


class CategoryOut(Schema):
    code: str
    name: str
    name_en: str
    parent_code: str | None
    kind: str
    department: str
    response_hours: int
    handle_working_days: int

    @staticmethod
    def resolve_parent_code(obj: Category) -> str | None:
        return obj.parent.code if obj.parent else None


class MetricOut(Schema):
    name: str
    code: str
    accepted: int
    dispatched: int
    response_due: int
    responded_on_time: int
    resolved: int
    rated: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    open: int
    overdue: int
    response_rate: float | None
    resolution_rate: float | None
    satisfaction_rate: float | None


class MetricsOut(Schema):
    group: str
    rows: list[MetricOut]
    total: MetricOut


def _refused(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
    from wangge.api import api

    return api.create_response(
        request,
        {
            "message": exc.message,
            "problems": [{"where": p.where, "message": p.message} for p in exc.problems],
        },
        status=400,
    )


def _category(code: str) -> Category | None:
    if not code:
        return None
    category = services.resolve_category(code)
    if category is None:
        raise NotFound(_("类别“%(code)s”不存在") % {"code": code})
    return category


def _department(code: str) -> Department:
    department = Department.objects.filter(code=code).first() or (
        Department.objects.filter(name=code).first()
    )
    if department is None:
        raise NotFound(_("部门“%(code)s”不存在") % {"code": code})
    return department


def _naive_local(moment: datetime.datetime | None) -> datetime.datetime | None:
    """Work orders carry local wall-clock time, like the hotline's files."""
    if moment is None or timezone.is_naive(moment):
        return moment
    return timezone.localtime(moment).replace(tzinfo=None)


def _case(request: HttpRequest, case_id: RecordId) -> Case:
    return services.get_case(request.user, case_id, channel="api")


@router.get("/categories", response=list[CategoryOut], summary="案件类别")
def list_categories(request: HttpRequest) -> Any:
    return Category.objects.filter(active=True).select_related("parent").order_by("code")


@router.get("/metrics", response=MetricsOut, summary="响应率、解决率、满意率")
def get_metrics(
    request: HttpRequest,
    group: str = "street",
    start: BoundedDate | None = None,
    end: BoundedDate | None = None,
) -> Any:
    result = metrics.case_metrics(request.user, group=group, start=start, end=end, channel="api")
    return {
        "group": result.group,
        "rows": [r.as_dict() for r in result.rows],
        "total": result.total.as_dict(),
    }


class CappedPagination(BoundedPagination):
    """`count` stops at 10,001 (meaning “more than 10,000”): see `services.reads.count_cases`."""

    def _items_count(self, queryset: Any) -> int:
        return services.count_cases(queryset)


@router.get(
    "/",
    response=list[CaseOut],
    summary="案件列表",
    description="`count` is exact up to 10,000; 10,001 means more than 10,000 cases match.",
)
@paginate(CappedPagination, page_size=50)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> Any:
    return services.list_cases(
        request.user,
        status=filters.status,
        category=filters.category,
        region=filters.region,
        overdue=filters.overdue,
        channel="api",
    )


@router.get("/to-place", response=list[CaseOut], summary="待定位案件")
@paginate(BoundedPagination)
def list_to_place(request: HttpRequest) -> Any:
    return placement.to_place(request.user).select_related("grid", "department")


class SuggesterOut(Schema):
    stored: bool
    message: str
    office_cases: int | None = None
    texts: int | None = None
    features: int | None = None
    trained_at: datetime.datetime | None = None
    seconds: float | None = None
    confirmed_cases: int


@router.get("/suggester", response=SuggesterOut, summary="类别推荐模型的状态（区网格中心管理员）")
def suggester_status(request: HttpRequest) -> Any:
    from wangge.cases import learning

    return learning.describe(request.user)


@router.post(
    "/suggester/retrain",
    response={202: JobOut},
    summary="用本单位确认的案件重新训练类别推荐模型（后台任务，区网格中心管理员）",
)
def suggester_retrain(request: HttpRequest) -> Any:
    from wangge.cases import learning

    return Status(202, learning.start_retrain(request.user))


@router.post("/", response=CaseDetailOut, summary="受理一件案件（系统接口）")
def submit(request: HttpRequest, payload: CaseIn) -> Any:
    region = None
    if payload.region:
        from wangge.geo.models import Region

        region = Region.objects.filter(code=payload.region).first()
        if region is None:
            raise NotFound(_("区域“%(region)s”不存在") % {"region": payload.region})
    case = services.submit_case(
        request.user,
        channel=Channel.API,
        title=payload.title,
        description=payload.description,
        category=_category(payload.category),
        address=payload.address,
        lon=payload.lon,
        lat=payload.lat,
        region=region,
        reporter_name=payload.reporter_name,
        reporter_phone=payload.reporter_phone,
        external_id=payload.external_id,
    )
    return services.get_case(request.user, case.pk, channel="api")


@router.post("/hotline", response=HotlineBatchOut, summary="推送热线工单（整批）")
def push_hotline(request: HttpRequest, payload: BatchIn) -> Any:
    orders = [
        WorkOrder(
            row=index,
            sheet="",
            external_id=o.external_id,
            created_at=_naive_local(o.created_at),
            title=(o.title or o.description)[:200],
            description=o.description,
            category=o.category,
            address=o.address,
            lon=o.lon,
            lat=o.lat,
            region=o.region,
            street=o.street,
            community=o.community,
            reporter_name=o.reporter_name,
            reporter_phone=o.reporter_phone,
        )
        for index, o in enumerate(payload.orders, start=1)
    ]
    try:
        result = services.intake_work_orders(request.user, orders, file_name=payload.name)
    except ValidationFailed as exc:
        return _refused(request, exc)
    return {
        "batch_id": result.batch.pk,
        "cases": result.batch.case_count,
        "dispatched": result.batch.dispatched_count,
        "numbers": [c.number for c in result.cases],
        "notices": [{"where": n.where, "message": n.message} for n in result.notices],
    }


@router.get("/{case_id}", response=CaseDetailOut, summary="案件详情与办理过程")
def get_case(request: HttpRequest, case_id: RecordId) -> Any:
    return _case(request, case_id)


@router.post("/{case_id}/dispatch", response=CaseDetailOut, summary="派遣")
def dispatch(request: HttpRequest, case_id: RecordId, payload: DepartmentIn) -> Any:
    return services.dispatch_case(
        request.user,
        _case(request, case_id),
        department=_department(payload.department),
        post=payload.post,
        note=payload.note,
        version=payload.version,
        channel="api",
    )


@router.post("/{case_id}/place", response=CaseDetailOut, summary="定位（选择网格或给出位置）")
def place(request: HttpRequest, case_id: RecordId, payload: PlaceIn) -> Any:
    grid = None
    if payload.grid:
        grid = Region.objects.filter(code=payload.grid).first()
        if grid is None:
            shown = payload.grid if len(payload.grid) <= 30 else payload.grid[:30] + "…"
            raise NotFound(_("网格“%(shown)s”不存在") % {"shown": shown})
    return placement.place_case(
        request.user,
        _case(request, case_id),
        grid=grid,
        lon=payload.lon,
        lat=payload.lat,
        version=payload.version,
        channel="api",
    )


@router.post("/{case_id}/transfer", response=CaseDetailOut, summary="转派")
def transfer(request: HttpRequest, case_id: RecordId, payload: TransferIn) -> Any:
    return services.transfer_case(
        request.user,
        _case(request, case_id),
        department=_department(payload.department),
        reason=payload.reason,
        version=payload.version,
        channel="api",
    )


@router.post("/{case_id}/return", response=CaseDetailOut, summary="退单")
def return_(request: HttpRequest, case_id: RecordId, payload: ReasonIn) -> Any:
    return services.return_case(
        request.user,
        _case(request, case_id),
        reason=payload.reason,
        version=payload.version,
        channel="api",
    )


@router.post("/{case_id}/sign-in", response=CaseDetailOut, summary="签收")
def sign_in(request: HttpRequest, case_id: RecordId, payload: VersionIn) -> Any:
    return services.sign_in(
        request.user, _case(request, case_id), version=payload.version, channel="api"
    )


@router.post("/{case_id}/handle", response=CaseDetailOut, summary="处置反馈")
def handle(request: HttpRequest, case_id: RecordId, payload: HandleIn) -> Any:
    return services.record_handling(
        request.user,
        _case(request, case_id),
        result=payload.result,
        version=payload.version,
        channel="api",
    )


@router.post("/{case_id}/verify", response=CaseDetailOut, summary="核查")
def verify(request: HttpRequest, case_id: RecordId, payload: VerifyIn) -> Any:
    return services.verify_case(
        request.user,
        _case(request, case_id),
        passed=payload.passed,
        note=payload.note,
        version=payload.version,
        channel="api",
    )


@router.post("/{case_id}/rate", response=CaseDetailOut, summary="回访评价（结案）")
def rate(request: HttpRequest, case_id: RecordId, payload: RateIn) -> Any:
    return services.rate_case(
        request.user,
        _case(request, case_id),
        rating=payload.rating,
        comment=payload.comment,
        version=payload.version,
        channel="api",
    )


@router.post("/{case_id}/close", response=CaseDetailOut, summary="结案（未评价）")
def close(request: HttpRequest, case_id: RecordId, payload: NoteIn) -> Any:
    return services.close_case(
        request.user,
        _case(request, case_id),
        note=payload.note,
        version=payload.version,
        channel="api",
    )


@router.post("/{case_id}/reopen", response=CaseDetailOut, summary="重新办理")
def reopen(request: HttpRequest, case_id: RecordId, payload: ReasonIn) -> Any:
    return services.reopen_case(
        request.user,
        _case(request, case_id),
        reason=payload.reason,
        version=payload.version,
        channel="api",
    )
