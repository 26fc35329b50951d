"""A case's on-site check as a task of its grid: created, moved and closed with the case
(`case_changed`), and reconciled in bulk when they drift (`reconcile_case_tasks`)."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from wangge.geo.models import StaffPost
from wangge.tasks.models import Priority, Task, TaskKind, TaskStatus
from wangge.tasks.services.common import CASE_VERIFY_WORKING_DAYS, GRID_POSTS, due_date_in

logger = logging.getLogger(__name__)


def _case_wants_task(case: Any) -> bool:
    """A case is the grid's work while it is dispatched to the grid's own post, and while it
    waits to be checked on site (待核查), which grid workers do."""
    from wangge.cases.models import CaseStatus

    if case.status == CaseStatus.HANDLED:
        return True
    return case.post in GRID_POSTS and case.status in (
        CaseStatus.DISPATCHED,
        CaseStatus.IN_PROGRESS,
    )


def _case_region(case: Any) -> int | None:
    return case.grid_id or case.community_id or case.region_id


def _case_due(case: Any) -> datetime.date:
    from wangge.cases.models import CaseStatus

    if case.status != CaseStatus.HANDLED and case.handle_deadline is not None:
        return timezone.localtime(case.handle_deadline).date()
    return due_date_in(CASE_VERIFY_WORKING_DAYS)


def sync_case_task(case: Any) -> Task | None:
    """Keep the case's task in step with the case (called by the cases app on every change):
    open while the grid has something to do, done when the case is verified or closed,
    cancelled when the case went elsewhere. The case service has checked its actor."""
    from wangge.cases.models import CaseStatus

    task = Task.objects.filter(case_id=case.pk).first()
    wants = _case_wants_task(case) and _case_region(case) is not None
    verifying = case.status == CaseStatus.HANDLED
    title = f"{'核查' if verifying else '办理'}案件 {case.number}：{case.title}"[:200]
    if wants:
        region_id = _case_region(case)
        fields = {
            "status": TaskStatus.OPEN,
            "title": title,
            "region_id": region_id,
            "due_date": _case_due(case),
            "completed_at": None,
            "completed_by": None,
        }
        if task is None:
            return Task.objects.create(
                kind=TaskKind.CASE,
                post=StaffPost.GRID_WORKER,
                case_id=case.pk,
                priority=Priority.HIGH,
                **fields,
            )
        if any(getattr(task, k) != v for k, v in fields.items()):
            if task.region_id != region_id or task.status != TaskStatus.OPEN:
                fields["assignee"] = None
                fields["escalation_level"] = 0
            Task.objects.filter(pk=task.pk).update(**fields, version=F("version") + 1)
        return task
    if task is not None and task.status == TaskStatus.OPEN:
        done = case.status in (CaseStatus.VERIFIED, CaseStatus.CLOSED)
        Task.objects.filter(pk=task.pk).update(
            status=TaskStatus.DONE if done else TaskStatus.CANCELLED,
            completed_at=timezone.now() if done else None,
            result=f"案件{case.get_status_display()}",
            version=F("version") + 1,
        )
    return task


def case_changed(case: Any) -> None:
    """The cases app's hook (after each state change, inside its transaction)."""
    sync_case_task(case)


def reconcile_case_tasks(limit: int = 5000) -> int:
    """Cases changed in bulk (hotline intake, imports) get their tasks at the next sweep."""
    from wangge.cases.models import Case, CaseStatus

    wanting = (
        Case.objects.filter(
            Q(status=CaseStatus.HANDLED)
            | Q(
                post__in=list(GRID_POSTS),
                status__in=[CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS],
            )
        )
        .exclude(tasks__status=TaskStatus.OPEN)
        .order_by("pk")[:limit]
    )
    stale = Case.objects.filter(
        pk__in=Task.objects.filter(kind=TaskKind.CASE, status=TaskStatus.OPEN).values("case_id")
    ).exclude(
        Q(status=CaseStatus.HANDLED)
        | Q(
            post__in=list(GRID_POSTS),
            status__in=[CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS],
        )
    )[:limit]
    changed = 0
    for case in [*wanting, *stale]:
        with transaction.atomic():
            sync_case_task(case)
        changed += 1
    return changed
