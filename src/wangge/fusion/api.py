"""Import over the API, for departments whose systems push ledgers instead of a clerk uploading.

The same service calls as the web pages: stage, correct the mapping, decide doubtful pairs,
commit, undo. Errors are JSON ``{"message": …}`` in Chinese (ServiceError → api handler).

Staging, re-mapping, committing and undoing are background jobs: they answer ``202 Accepted``
at once with the job (its id, state and progress) and a ``Location`` to poll
(``GET /api/jobs/{id}``); when the job has succeeded its ``result`` names the ``batch_id``, and
when it has failed its ``error`` says why, in Chinese.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.core.bounds import PageNumber, RecordId, RowIndex
from wangge.fusion import handovers, selectors, services
from wangge.fusion import jobs as import_jobs
from wangge.fusion.forms import uploads_from
from wangge.fusion.models import HandOver, HandOverStatus, ImportBatch
from wangge.fusion.normalise import REJECTED
from wangge.jobs.api import JobOut
from wangge.jobs.models import Job

router = Router(tags=["imports"])


class BatchOut(Schema):
    id: int
    status: str
    channel: str
    label: str
    region_code: str | None  # the office the batch belongs to (none: the district's)
    files: list[str]
    created_by: str | None
    created_at: datetime.datetime
    committed_at: datetime.datetime | None
    undone_at: datetime.datetime | None
    summary: dict[str, Any]

    @staticmethod
    def resolve_files(obj: ImportBatch) -> list[str]:
        return [f["name"] for f in obj.files]

    @staticmethod
    def resolve_region_code(obj: ImportBatch) -> str | None:
        return obj.region.code if obj.region else None

    @staticmethod
    def resolve_created_by(obj: ImportBatch) -> str | None:
        return obj.created_by.get_username() if obj.created_by else None

    @staticmethod
    def resolve_summary(obj: ImportBatch) -> dict[str, Any]:
        return {k: v for k, v in obj.summary.items() if k != "review"}


class ColumnOut(Schema):
    index: int
    header: str
    role: str
    field: str
    confidence: float
    evidence: str


class SheetOut(Schema):
    key: str
    file: str
    sheet: str
    header_rows: list[int]
    rows: int
    imported: bool
    notes: list[str]
    columns: list[ColumnOut]


class ReviewOut(Schema):
    rid: int
    other_rid: int
    score: float
    evidence: str
    decision: str


class BatchDetailOut(BatchOut):
    sheets: list[SheetOut]
    review: list[ReviewOut]

    @staticmethod
    def resolve_sheets(obj: ImportBatch) -> list[dict[str, Any]]:
        return selectors.sheets_of(obj)

    @staticmethod
    def resolve_review(obj: ImportBatch) -> list[dict[str, Any]]:
        return [
            {**p, "decision": obj.decisions.get(str(p["rid"]), "")}
            for p in obj.summary.get("review", [])
        ]


class RowOut(Schema):
    rid: int
    source_file: str
    source_sheet: str
    source_row: int
    name: str | None
    address_text: str | None
    address_code: str | None
    grid_code: str | None
    status: str
    reason: str | None


class RowPageOut(Schema):
    count: int
    page: int
    pages: int
    items: list[RowOut]


class MappingIn(Schema):
    # 'file|sheet' → {header: 'role:field'}; 'resident:' ignores a column
    overrides: dict[str, dict[str, str]]


class DecisionIn(Schema):
    decision: str  # same | different


def _accepted(response: HttpResponse, job: Job) -> Status[Job]:
    response["Location"] = f"/api/jobs/{job.pk}"
    return Status(202, job)


class HandOverOut(Schema):
    id: int
    status: str
    person_id: int | None
    person_name: str | None
    grid_code: str | None
    origin: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None
    note: str

    @staticmethod
    def resolve_person_name(obj: HandOver) -> str | None:
        return obj.person.name if obj.person else None

    @staticmethod
    def resolve_grid_code(obj: HandOver) -> str | None:
        return obj.person.grid.code if obj.person and obj.person.grid else None


class HandOverDetailOut(HandOverOut):
    values: dict[str, str]  # identifiers masked

    @staticmethod
    def resolve_values(obj: HandOver) -> dict[str, str]:
        return dict(handovers.shown_values(obj))


# Hand-overs are declared before /{batch_id}: their paths would otherwise not resolve.
@router.get("/handovers", response=list[HandOverOut], summary="移交给本单位的事项")
def list_handovers(request: HttpRequest, status: str = HandOverStatus.PENDING) -> Any:
    if status not in HandOverStatus.values:
        status = HandOverStatus.PENDING
    return handovers.visible_handovers(request.user, status=status)[:200]


@router.get("/handovers/{handover_id}", response=HandOverDetailOut, summary="移交事项详情")
def handover_detail(request: HttpRequest, handover_id: int) -> HandOver:
    return handovers.get_handover(request.user, handover_id, channel="api")


@router.post(
    "/handovers/{handover_id}/accept", response=HandOverOut, summary="接受移交事项并写入档案"
)
def accept_handover(request: HttpRequest, handover_id: int, note: str = "") -> HandOver:
    return handovers.accept_handover(request.user, handover_id, note=note, channel="api")


@router.post("/handovers/{handover_id}/reject", response=HandOverOut, summary="拒绝移交事项")
def reject_handover(request: HttpRequest, handover_id: int, note: str = "") -> HandOver:
    return handovers.reject_handover(request.user, handover_id, note=note, channel="api")


@router.post(
    "/",
    response={202: JobOut},
    summary="上传台账，后台检查并暂存为待确认批次（202：返回后台任务，轮询 Location）",
)
def stage(
    request: HttpRequest,
    response: HttpResponse,
    files: File[list[UploadedFile]],
    label: Form[str] = "",
) -> Status[Job]:
    services.require_importer(request.user)  # before reading any upload
    job = import_jobs.start_stage(request.user, uploads_from(files), channel="api", label=label)
    return _accepted(response, job)


@router.get("/", response=list[BatchOut], summary="导入批次列表")
def list_batches(request: HttpRequest) -> Any:
    return services.visible_batches(request.user).select_related("created_by", "region")[:200]


@router.get("/{batch_id}", response=BatchDetailOut, summary="批次汇总与列对应")
def batch_detail(request: HttpRequest, batch_id: RecordId) -> ImportBatch:
    return services.get_batch(request.user, batch_id)


@router.get(
    "/{batch_id}/rows", response=RowPageOut, summary="逐行检查结果（分页，不含身份证号和电话）"
)
def batch_rows(
    request: HttpRequest, batch_id: RecordId, status: str = REJECTED, page: PageNumber = 1
) -> dict[str, Any]:
    batch = services.get_batch(request.user, batch_id)
    rows = selectors.rows_page(batch, status if status != "all" else "", page)
    return {"count": rows.total, "page": rows.page, "pages": rows.pages, "items": rows.rows}


@router.post(
    "/{batch_id}/mapping",
    response={202: JobOut},
    summary="修改列对应并在后台重新检查（202：返回后台任务）",
)
def remap(
    request: HttpRequest, response: HttpResponse, batch_id: RecordId, payload: MappingIn
) -> Status[Job]:
    return _accepted(response, import_jobs.start_remap(request.user, batch_id, payload.overrides))


@router.post("/{batch_id}/review/{rid}", response=BatchDetailOut, summary="核实疑似同一人")
def review(
    request: HttpRequest, batch_id: RecordId, rid: RowIndex, payload: DecisionIn
) -> ImportBatch:
    return services.decide_pair(request.user, batch_id, rid, payload.decision)


@router.post(
    "/{batch_id}/commit",
    response={202: JobOut},
    summary="确认导入，在后台写入（202：返回后台任务；结果见任务的 result）",
)
def commit(request: HttpRequest, response: HttpResponse, batch_id: RecordId) -> Status[Job]:
    return _accepted(response, import_jobs.start_commit(request.user, batch_id))


@router.post(
    "/{batch_id}/undo",
    response={202: JobOut},
    summary="撤销已导入的批次，在后台执行（202：返回后台任务）",
)
def undo(request: HttpRequest, response: HttpResponse, batch_id: RecordId) -> Status[Job]:
    return _accepted(response, import_jobs.start_undo(request.user, batch_id))


@router.post("/{batch_id}/discard", response=BatchOut, summary="放弃待确认的批次")
def discard(request: HttpRequest, batch_id: RecordId) -> ImportBatch:
    return services.discard_batch(request.user, batch_id)


@router.post(
    "/{batch_id}/rejected-export",
    response={202: JobOut},
    summary="导出未导入与待核实的行（xlsx，含原因列）：202 返回后台任务，完成后从其 result.download 下载",
)
def rejected_export(
    request: HttpRequest, response: HttpResponse, batch_id: RecordId
) -> Status[Job]:
    return _accepted(response, import_jobs.start_rejected_export(request.user, batch_id))
