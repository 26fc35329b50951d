"""Tasks over the API: the caller's open tasks (what the offline web app keeps on the phone)
and completing one. Scoped like the workbench; a stale `version` is refused with 409."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from ninja import Router, Schema

from wangge.geo.models import Region
from wangge.tasks import selectors, services
from wangge.tasks.models import Task

router = Router(tags=["tasks"])
MINE_LIMIT = 2000  # the offline app's copy; a grid worker's open work fits many times over


class BuildingRef(Schema):
    id: int
    label: str


class RegionRef(Schema):
    id: int
    code: str
    name: str


class TaskOut(Schema):  # one task; the same shape in /mine
    id: int
    kind: str
    kind_label: str
    title: str
    status: str
    priority: int
    due_date: datetime.date
    overdue: bool
    escalation_level: int
    form_code: str | None
    form_id: str | None  # the same, under the name the XForms world uses
    fill_url: str
    url: str
    building: BuildingRef | None
    room: str | None  # the room within its building (2单元301室)
    household_id: int | None
    person_id: int | None
    case_id: int | None
    region: RegionRef
    assignee_id: int | None
    version: int


class MineOut(Schema):
    today: datetime.date
    count: int
    tasks: list[TaskOut]


class CompleteIn(Schema):
    result: str = ""
    result_data: dict[str, Any] = {}
    version: int | None = None


def _regions(ids: set[int]) -> dict[int, dict[str, Any]]:
    found = Region.objects.filter(pk__in=sorted(ids)).values("id", "code", "name")
    return {r["id"]: dict(r) for r in found}


def _out(task: selectors.TaskRow, today: datetime.date, region: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": task.pk,
        "kind": task.kind,
        "kind_label": task.get_kind_display,
        "title": task.title,
        "status": task.status,
        "priority": task.priority,
        "due_date": task.due_date,
        "overdue": task.due_date < today,
        "escalation_level": task.escalation_level,
        "form_code": task.form_code or None,
        "form_id": task.form_code or None,
        "fill_url": task.open_url,
        "url": f"/tasks/{task.pk}/",
        "building": (
            {"id": task.building_id, "label": task.building_label} if task.building_id else None
        ),
        "room": task.where or None,
        "household_id": task.household_id,
        "person_id": task.person_id,
        "case_id": task.case_id,
        "region": region,
        "assignee_id": task.assignee_id,
        "version": task.version,
    }


def _one(task_id: int) -> dict[str, Any]:
    row = selectors.rows(Task.objects.filter(pk=task_id))[0]
    return _out(row, timezone.localdate(), _regions({row.region_id})[row.region_id])


@router.get("/mine", response=MineOut, summary="我的待办任务（逾期在前，按截止日期、楼栋）")
def mine(request: HttpRequest) -> HttpResponse:
    """Answered as built (the shape is `MineOut`): validating 1,000 tasks through the schema
    cost more than reading them."""
    today = timezone.localdate()
    tasks = selectors.rows(
        selectors.my_open_tasks(request.user).order_by(
            "due_date", "building__road", "building__number", "building__name", "pk"
        )[:MINE_LIMIT]
    )
    regions = _regions({t.region_id for t in tasks})
    payload = {
        "today": today,
        "count": len(tasks),
        "tasks": [_out(t, today, regions[t.region_id]) for t in tasks],
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False})


@router.get("/{int:task_id}", response=TaskOut, summary="一项任务")
def task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    services.get_task(request.user, task_id, channel="api")  # the scope check, audited
    return _one(task_id)


@router.post("/{int:task_id}/complete", response=TaskOut, summary="完成任务")
def complete(request: HttpRequest, task_id: int, body: CompleteIn) -> dict[str, Any]:
    task = services.get_task(request.user, task_id, channel="api")
    services.complete_task(
        request.user,
        task,
        result=body.result,
        result_data=body.result_data,
        version=body.version,
        channel="api",
    )
    return _one(task.pk)
