"""Import over the API, for departments whose systems push ledgers instead of a clerk uploading.

The same service calls as the web pages: stage, correct the mapping, decide doubtful pairs,
commit, undo. Errors are JSON ``{"message": …}`` in Chinese (ServiceError → api handler).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from wangge.core.web import XLSX_CONTENT_TYPE, xlsx_download
from wangge.fusion import selectors, services
from wangge.fusion.forms import uploads_from
from wangge.fusion.models import ImportBatch
from wangge.fusion.normalise import REJECTED

router = Router(tags=["imports"])


class BatchOut(Schema):
    id: int
    status: str
    channel: str
    label: str
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


class CommitOut(Schema):
    batch: BatchOut
    persons_created: int
    persons_updated: int
    persons_matched: int
    households_created: int
    residences_created: int
    rows_skipped: int
    rows_held: int


@router.post("/", response={201: BatchDetailOut}, summary="上传台账并暂存为待确认批次")
def stage(
    request: HttpRequest, files: File[list[UploadedFile]], label: Form[str] = ""
) -> Status[ImportBatch]:
    services.require_importer(request.user)  # before reading any upload
    batch = services.stage_batch(request.user, uploads_from(files), channel="api", label=label)
    return Status(201, batch)


@router.get("/", response=list[BatchOut], summary="导入批次列表")
def list_batches(request: HttpRequest) -> Any:
    return services.visible_batches(request.user).select_related("created_by")[:200]


@router.get("/{batch_id}", response=BatchDetailOut, summary="批次汇总与列对应")
def batch_detail(request: HttpRequest, batch_id: int) -> ImportBatch:
    return services.get_batch(request.user, batch_id)


@router.get(
    "/{batch_id}/rows", response=RowPageOut, summary="逐行检查结果（分页，不含身份证号和电话）"
)
def batch_rows(
    request: HttpRequest, batch_id: int, status: str = REJECTED, page: int = 1
) -> dict[str, Any]:
    batch = services.get_batch(request.user, batch_id)
    rows = selectors.rows_page(batch, status if status != "all" else "", page)
    return {"count": rows.total, "page": rows.page, "pages": rows.pages, "items": rows.rows}


@router.post("/{batch_id}/mapping", response=BatchDetailOut, summary="修改列对应并重新检查")
def remap(request: HttpRequest, batch_id: int, payload: MappingIn) -> ImportBatch:
    return services.restage_batch(request.user, batch_id, payload.overrides)


@router.post("/{batch_id}/review/{rid}", response=BatchDetailOut, summary="核实疑似同一人")
def review(request: HttpRequest, batch_id: int, rid: int, payload: DecisionIn) -> ImportBatch:
    return services.decide_pair(request.user, batch_id, rid, payload.decision)


@router.post("/{batch_id}/commit", response=CommitOut, summary="确认导入")
def commit(request: HttpRequest, batch_id: int) -> dict[str, Any]:
    summary = services.commit_batch(request.user, batch_id)
    return {"batch": services.get_batch(request.user, batch_id), **summary.__dict__}


@router.post("/{batch_id}/undo", response=BatchOut, summary="撤销已导入的批次")
def undo(request: HttpRequest, batch_id: int) -> ImportBatch:
    return services.undo_batch(request.user, batch_id)


@router.post("/{batch_id}/discard", response=BatchOut, summary="放弃待确认的批次")
def discard(request: HttpRequest, batch_id: int) -> ImportBatch:
    return services.discard_batch(request.user, batch_id)


@router.get(
    "/{batch_id}/rejected.xlsx",
    summary="下载未导入与待核实的行（xlsx，含原因列）",
    response={200: None},
    openapi_extra={"responses": {"200": {"content": {XLSX_CONTENT_TYPE: {}}}}},
)
def rejected_xlsx(request: HttpRequest, batch_id: int) -> HttpResponse:
    data = services.rejected_rows_xlsx(request.user, batch_id)
    return xlsx_download(data, f"batch-{batch_id}-rejected.xlsx")
