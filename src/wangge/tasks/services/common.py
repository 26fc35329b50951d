"""What every task function shares: the forms per kind, due dates in working days, where a
task belongs, who may carry it, its default title and its audit entry."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.access import audit
from wangge.access.scoping import scope_for
from wangge.cases.workdays import add_working_days, is_workday
from wangge.core.errors import ServiceError
from wangge.geo.models import Region, StaffPost
from wangge.tasks.models import Task, TaskKind

logger = logging.getLogger(__name__)


# The form each kind of task asks for (the XLSForm form_id the forms app serves).
FORM_CODES: dict[str, str] = {
    TaskKind.VISIT: "household_visit",
    TaskKind.VERIFY_PAIR: "verify_pair",
    TaskKind.LOCATE_ADDRESS: "verify_address",
    TaskKind.CONFIRM_VALUE: "verify_value",
}
VERIFY_WORKING_DAYS = 5  # an import's verification visits
CASE_VERIFY_WORKING_DAYS = 1  # a handled case checked on site
GRID_POSTS = (StaffPost.GRID_WORKER, StaffPost.GRID_LEADER)
# One answer for a task id that does not exist and one the user may not see (`get_task`).
TASK_NOT_FOUND = gettext_lazy("未找到该任务，或不在您的工作范围内")
BULK = 2000


def due_date_in(working_days: int, now: datetime.datetime | None = None) -> datetime.date:
    """The date `working_days` Chinese working days from now (0: today, or the next working
    day when today is a rest day)."""
    moment = timezone.localtime(now or timezone.now())
    if working_days <= 0:
        day = moment.date()
        while not is_workday(day):
            day += datetime.timedelta(days=1)
        return day
    return add_working_days(moment, working_days).date()


def region_of(
    region: Region | None,
    household: Any,
    person: Any,
    building: Any,
    case: Any,
    source_record: Any,
) -> int | None:
    if region is not None:
        return region.pk
    for subject in (household, person, building, source_record):
        if subject is not None and getattr(subject, "grid_id", None):
            return int(subject.grid_id)
    if case is not None:
        return case.grid_id or case.community_id or case.region_id
    return None


def covers(user: Any, region_id: int) -> bool:
    """Whether `user` works in `region_id` (a role over it or above it)."""
    scope = scope_for(user)
    return scope.unrestricted or region_id in scope.region_ids


def check_assignee(assignee: Any, region_id: int) -> None:
    if assignee is None:
        return
    if not getattr(assignee, "is_active", False) or not covers(assignee, region_id):
        name = assignee.get_username() if hasattr(assignee, "get_username") else "该用户"
        raise ServiceError(_("%(name)s不在该任务所在区域工作，不能承办") % {"name": name})


def default_title(kind: str, household: Any, building: Any, case: Any) -> str:
    label = TaskKind(kind).label if kind in TaskKind.values else kind
    if case is not None:
        return f"{case.number} {case.title}"[:200]
    if household is not None and household.room_id:
        return f"{label}：{household.room.label}"[:200]
    if building is not None:
        return f"{label}：{building.label}"[:200]
    return str(label)


def audit_task(actor: Any, action: str, task: Task | None, channel: str, **detail: Any) -> None:
    audit.record(
        actor,
        action,
        "tasks.task",
        task.pk if task is not None else "",
        channel=channel,
        detail=detail,
    )
