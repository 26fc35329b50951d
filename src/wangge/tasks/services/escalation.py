"""Overdue tasks: escalated, a working day at a time, to the community and then the street."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wangge.access.models import AuditAction
from wangge.cases.workdays import is_workday
from wangge.geo.models import Region
from wangge.tasks.models import Task, TaskStatus
from wangge.tasks.services.case_tasks import reconcile_case_tasks
from wangge.tasks.services.common import audit_task

logger = logging.getLogger(__name__)


@dataclass
class SweepResult:
    escalated: int = 0  # to the level above (community for a grid's task)
    escalated_twice: int = 0  # two levels above (street)
    cases_synced: int = 0


def working_days_back(today: datetime.date, days: int) -> datetime.date:
    """The date `days` working days before `today`."""
    day = today
    remaining = days
    while remaining > 0:
        day -= datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def sweep_overdue(now: datetime.datetime | None = None) -> SweepResult:
    """督办: an open task past its date goes to the level above at once (the community sees it
    among its grid's overdue work), and two levels above once it is
    WANGGE_TASK_ESCALATE_DAYS working days late. Run by the `task-sweep` job."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    result = SweepResult()
    with transaction.atomic():
        result.escalated = Task.objects.filter(
            status=TaskStatus.OPEN, due_date__lt=today, escalation_level=0
        ).update(escalation_level=1, escalated_at=now)
        late = working_days_back(today, settings.WANGGE_TASK_ESCALATE_DAYS)
        result.escalated_twice = Task.objects.filter(
            status=TaskStatus.OPEN, due_date__lt=late, escalation_level__lt=2
        ).update(escalation_level=2, escalated_at=now)
        if result.escalated or result.escalated_twice:
            audit_task(
                None,
                AuditAction.UPDATE,
                None,
                "job",
                event="escalated",
                once=result.escalated,
                twice=result.escalated_twice,
            )
    result.cases_synced = reconcile_case_tasks()
    return result


def escalated_to(task: Task) -> Region | None:
    """The region a late task has been reported to (its region's ancestor at the level)."""
    if task.escalation_level <= 0:
        return None
    chain = task.region.ancestors()
    return chain[-task.escalation_level] if len(chain) >= task.escalation_level else None


def users_for_post(region_id: int) -> Iterable[Any]:
    """Users who work in a region as grid workers (for the assign picker)."""
    from django.contrib.auth import get_user_model

    from wangge.access.models import Role

    region = Region.objects.get(pk=region_id)
    codes = [region.code[:n] for n in range(1, len(region.code) + 1)]
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role=Role.GRID_WORKER,
            role_assignments__region__code__in=codes,
        )
        .distinct()
        .order_by("username")
    )
