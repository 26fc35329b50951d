"""One task at a time: created, read, completed, assigned, cancelled; each checks the actor's scope
(`wangge.access`), writes with a version check in one transaction and leaves an audit entry."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.access.models import AuditAction
from wangge.access.scoping import Right, allows, get_visible, refuse, require
from wangge.core.errors import ServiceError
from wangge.geo.models import Region, StaffPost
from wangge.tasks.models import Priority, Task, TaskKind, TaskStatus
from wangge.tasks.services.common import (
    FORM_CODES,
    TASK_NOT_FOUND,
    audit_task,
    check_assignee,
    default_title,
    due_date_in,
    region_of,
)

logger = logging.getLogger(__name__)


@transaction.atomic
def create_task(
    actor: Any,
    *,
    kind: str,
    region: Region | None = None,
    title: str = "",
    post: str = StaffPost.GRID_WORKER,
    assignee: Any = None,
    due_in_working_days: int | None = None,
    due_date: datetime.date | None = None,
    priority: int = Priority.NORMAL,
    form_code: str | None = None,
    household: Any = None,
    person: Any = None,
    building: Any = None,
    case: Any = None,
    source_record: Any = None,
    batch: Any = None,
    subject_ref: str = "",
    note: str = "",
    channel: str = "web",
) -> Task:
    """One task in `region` (or the subject's grid) for `assignee` or whoever holds `post`.

    Staff create tasks for anyone in their regions; a grid worker only for themselves or their
    grid's post (a visit they plan). The due date is `due_date`, or `due_in_working_days`
    working days from today (default 5)."""
    region_id = region_of(region, household, person, building, case, source_record)
    if region_id is None:
        raise ServiceError(_("任务须有所属区域（网格或社区）：对象未落到任何网格时请指定区域"))
    if kind not in TaskKind.values:
        raise ServiceError(_("未知的任务类型“%(kind)s”") % {"kind": str(kind)[:30]})
    if priority not in Priority.values:
        raise ServiceError(_("优先级须为 1–4，收到“%(priority)s”") % {"priority": priority})
    if post and post not in StaffPost.values:
        raise ServiceError(_("未知的岗位“%(post)s”") % {"post": str(post)[:30]})
    if building is None and household is not None and household.room_id:
        building = household.room.building
    task = Task(
        kind=kind,
        title=(title.strip() or default_title(kind, household, building, case))[:200],
        note=note.strip(),
        region_id=region_id,
        post=post or "",
        assignee=assignee,
        priority=priority,
        due_date=due_date or due_date_in(5 if due_in_working_days is None else due_in_working_days),
        form_code=FORM_CODES.get(kind, "") if form_code is None else form_code.strip()[:100],
        household=household,
        person=person,
        building=building,
        case=case,
        source_record=source_record,
        batch=batch,
        subject_ref=subject_ref[:100],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if actor is not None and not allows(actor, task, Right.DISPATCH):
        own = assignee is None or assignee.pk == actor.pk
        if not (own and allows(actor, task, Right.CHANGE)):
            refuse(actor, task, Right.DISPATCH, message=_("只能在自己工作的网格内给自己创建任务"))
    check_assignee(assignee, region_id)
    task.save()
    audit_task(actor, AuditAction.CREATE, task, channel, kind=kind, region=region_id)
    return task


def get_task(actor: Any, task_id: int, *, channel: str = "web") -> Task:
    """One task the actor may see, with what the pages show of it. A task outside their scope
    is answered as one that does not exist (`get_visible`: task ids are sequential), the
    refusal audited."""
    task: Task = get_visible(
        actor,
        Task.objects.select_related(
            "region", "assignee", "building", "household__room__building", "case"
        ),
        task_id,
        message=TASK_NOT_FOUND,
        channel=channel,
    )
    return task


class StaleTask(ServiceError):
    """Someone changed the task since the caller read it (409, like cases)."""

    status = 409


def _write(task: Task, version: int | None, **changes: Any) -> None:
    """Save `changes` unless someone else changed the task since `version` was read."""
    expected = task.version if version is None else version
    updated = Task.objects.filter(pk=task.pk, version=expected).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        raise StaleTask(_("任务“%(title)s”已被他人修改，请刷新后再试") % {"title": task.title})
    for name, value in changes.items():
        setattr(task, name, value)
    task.version = expected + 1


def _require_open(task: Task, doing: str) -> None:
    if task.status != TaskStatus.OPEN:
        raise ServiceError(
            _("任务“%(title)s”%(status)s，不能%(doing)s")
            % {"title": task.title, "status": task.get_status_display(), "doing": doing}
        )


@transaction.atomic
def complete_task(
    actor: Any,
    task: Task,
    *,
    result: str = "",
    result_data: dict[str, Any] | None = None,
    version: int | None = None,
    channel: str = "web",
) -> Task:
    """完成: the assignee (or, unassigned, whoever holds the post there; or the office over it)
    records the result. A case's task completes with the case, not here."""
    require(actor, task, Right.CHANGE, message=_("该任务不在您的工作范围内"), channel=channel)
    if (
        actor is not None
        and task.assignee_id is not None
        and task.assignee_id != actor.pk
        and not allows(actor, task, Right.DISPATCH)
    ):
        refuse(actor, task, Right.CHANGE, message=_("该任务已分派给他人"), channel=channel)
    _require_open(task, pgettext("task action", "完成"))
    if task.kind == TaskKind.CASE:
        raise ServiceError(_("案件任务随案件办理自动完成，请在案件页面处理"))
    _write(
        task,
        version,
        status=TaskStatus.DONE,
        result=result.strip()[:2000],
        result_data=result_data or {},
        completed_at=timezone.now(),
        completed_by=actor if actor is not None else None,
    )
    audit_task(actor, AuditAction.UPDATE, task, channel, event="completed")
    return task


def complete_task_for(
    actor: Any, *, task_id: int, result: str = "", result_data: dict[str, Any] | None = None
) -> Task:
    """For the forms app: a submission that names `?task=<id>` completes that task."""
    task = get_task(actor, task_id, channel="form")
    return complete_task(actor, task, result=result, result_data=result_data, channel="form")


@transaction.atomic
def assign_task(
    actor: Any, task: Task, assignee: Any, *, version: int | None = None, channel: str = "web"
) -> Task:
    """分派 / 改派: the office over the task gives it to one user (None: back to the post)."""
    require(
        actor, task, Right.DISPATCH, message=_("只有上级社区、街道可以分派任务"), channel=channel
    )
    _require_open(task, pgettext("task action", "分派"))
    check_assignee(assignee, task.region_id)
    before = task.assignee_id
    _write(task, version, assignee=assignee)
    audit_task(
        actor,
        AuditAction.UPDATE,
        task,
        channel,
        event="assigned",
        before=before,
        after=assignee.pk if assignee is not None else None,
    )
    return task


@transaction.atomic
def cancel_task(
    actor: Any, task: Task, *, reason: str, version: int | None = None, channel: str = "web"
) -> Task:
    require(
        actor, task, Right.DISPATCH, message=_("只有上级社区、街道可以取消任务"), channel=channel
    )
    _require_open(task, pgettext("task action", "取消"))
    if not reason.strip():
        raise ServiceError(_("请填写取消原因"))
    _write(task, version, status=TaskStatus.CANCELLED, result=reason.strip()[:2000])
    audit_task(actor, AuditAction.UPDATE, task, channel, event="cancelled")
    return task
