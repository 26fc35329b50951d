"""Jobs over the API: a job's state and progress, retrying a failed one, and an export's file."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from wangge.core.web import XLSX_CONTENT_TYPE
from wangge.jobs import exports, selectors, services
from wangge.jobs.models import Job
from wangge.jobs.views import file_response

router = Router(tags=["jobs"])


class JobOut(Schema):
    id: str
    kind: str
    label: str
    status: str
    status_label: str
    stage: str
    done: int
    total: int
    percent: int | None
    result: dict[str, Any]
    result_url: str
    error: str
    retryable: bool  # failed or interrupted for a reason a new run may not meet again
    permanent: bool  # failed for good (the input is wrong): `remedy` says what to do instead
    remedy: str
    attempts: int
    started_by: str
    created_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None

    @staticmethod
    def resolve_id(obj: Job) -> str:
        return str(obj.pk)

    @staticmethod
    def resolve_status_label(obj: Job) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_error(obj: Job) -> str:
        return obj.error_text  # in the caller's language when the error kept its Reason

    @staticmethod
    def resolve_remedy(obj: Job) -> str:
        return obj.remedy_text

    @staticmethod
    def resolve_started_by(obj: Job) -> str:
        return obj.username


@router.get("/", response=list[JobOut], summary="我的后台任务（工作人员另含本辖区的）")
def list_jobs(request: HttpRequest) -> Any:
    return selectors.visible_jobs(request.user)[:200]


@router.get("/{job_id}", response=JobOut, summary="后台任务的状态、进度和结果")
def job_detail(request: HttpRequest, job_id: str) -> Job:
    return selectors.get_job(request.user, job_id)


@router.get(
    "/{job_id}/download",
    summary="下载导出任务生成的文件（仅发起人，过期后 410）",
    response={200: None},
    openapi_extra={"responses": {"200": {"content": {XLSX_CONTENT_TYPE: {}}}}},
)
def download(request: HttpRequest, job_id: str) -> HttpResponse:
    data, filename = exports.download(request.user, job_id, channel="api")
    return file_response(data, filename)


@router.post(
    "/{job_id}/retry",
    response=JobOut,
    summary="重试失败或中断的任务（永久性失败除外：400，附处理建议）",
)
def retry(request: HttpRequest, job_id: str) -> Job:
    return services.retry(request.user, job_id)
