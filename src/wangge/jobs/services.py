"""Starting, retrying and looking after jobs: the functions apps and pages call.

`enqueue` records the Job, then hands its id to the configured django-tasks backend. The
scheduler's `tick` (run by every `wangge worker`) starts periodic jobs, releases jobs waiting
out a retry delay, and declares dead the running jobs whose heartbeat stopped.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.scoping import scope_for
from wangge.core.errors import Forbidden, ServiceError
from wangge.jobs.models import Job, JobStatus, ScheduleState
from wangge.jobs.registry import get_kind, periodic
from wangge.jobs.selectors import STAFF_ROLES, get_job

logger = logging.getLogger("wangge.jobs")

DEAD_MESSAGE = (
    "执行该任务的后台进程中途停止（例如被强制结束或断电），本次执行未完成，"
    "已写入一半的数据随事务回滚；可点击“重试”再执行一次。"
)


def _region_of(actor: Any) -> str:
    if actor is None:
        return ""
    scope = scope_for(actor)
    return scope.root_codes[0] if scope.root_codes else ""


def enqueue(
    kind: str,
    actor: Any,
    params: dict[str, Any] | None = None,
    *,
    label: str = "",
    secret: Any = None,
    region_code: str | None = None,
    schedule: str = "",
) -> Job:
    """Record a job for ``actor`` (None: the system) and hand it to the task backend.

    With the immediate backend the job has run when this returns; otherwise a worker takes it.
    ``secret`` (JSON-able) is stored encrypted: anything personal belongs there, not in params.
    """
    job_kind = get_kind(kind)
    authenticated = actor is not None and getattr(actor, "is_authenticated", False)
    job = Job.objects.create(
        kind=kind,
        label=(label or job_kind.label)[:200],
        params=params or {},
        secret=json.dumps(secret, ensure_ascii=False) if secret is not None else "",
        user_id=actor.pk if authenticated else None,
        username=actor.get_username() if authenticated else "",
        region_code=_region_of(actor) if region_code is None else region_code,
        max_attempts=1 + job_kind.retries,
        schedule=schedule,
    )
    _hand_over(job)
    job.refresh_from_db()
    return job


def _hand_over(job: Job) -> None:
    from wangge.jobs.runner import run_job

    result = run_job.enqueue(str(job.pk))
    Job.objects.filter(pk=job.pk).update(task_id=str(result.id)[:64])


# -- retry ----------------------------------------------------------------------------------


def retry(actor: Any, job_id: Any) -> Job:
    """Run a failed or interrupted job again, as the user who started it.

    Its starter may retry it, and staff who can see it, unless its kind says who may
    (`JobKind.may_retry`: an import's staging, re-map, commit or undo, by those who may act on
    the batch, or for staging on a batch of its starter's office); it
    keeps its id, so the page that showed the failure shows the new run.
    """
    job = get_job(actor, job_id)
    scope = scope_for(actor)
    if job.user_id != actor.pk and not (actor.is_superuser or scope.roles & STAFF_ROLES):
        raise Forbidden(_("只有发起人或管辖该区域的工作人员可以重试此任务"))
    check = get_kind(job.kind).may_retry
    if check is not None:
        check(actor, job)
    if job.permanent:
        raise ServiceError(
            _("该任务的失败重试也不会改变（%(error)s）：%(remedy)s")
            % {"error": job.error_text[:100], "remedy": job.remedy_text or _("请修改后重新发起")}
        )
    if not job.retryable:
        raise ServiceError(
            _("任务当前为“%(status)s”，只有失败或中断的任务可以重试")
            % {"status": job.get_status_display()}
        )
    updated = Job.objects.filter(pk=job.pk, status=job.status, permanent=False).update(
        status=JobStatus.QUEUED,
        error="",
        error_reason={},
        remedy="",
        stage="",
        done=0,
        total=0,
        run_after=None,
        finished_at=None,
        max_attempts=job.attempts + 1 + get_kind(job.kind).retries,
    )
    if not updated:
        raise ServiceError(_("任务状态刚刚发生了变化，请刷新后再试"))
    audit.record(actor, "job.retry", "jobs.job", job.pk, detail={"kind": job.kind})
    _hand_over(job)
    job.refresh_from_db()
    return job


# -- the scheduler's tick -------------------------------------------------------------------


def release_due(now: datetime | None = None) -> int:
    """Hand over the jobs whose retry delay has passed."""
    now = now or timezone.now()
    released = 0
    due = Job.objects.filter(status=JobStatus.WAITING, run_after__lte=now)
    for job in due.order_by("run_after")[:500]:
        if Job.objects.filter(pk=job.pk, status=JobStatus.WAITING).update(
            status=JobStatus.QUEUED, run_after=None
        ):
            _hand_over(job)
            released += 1
    return released


def reap_dead(now: datetime | None = None) -> int:
    """Running jobs whose heartbeat stopped: their worker died. Kinds with retries left are
    retried after their delay; the others are marked dead for a person to retry."""
    now = now or timezone.now()
    limit = now - timedelta(seconds=settings.WANGGE_JOBS_DEAD_AFTER)
    reaped = 0
    stale = Job.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=limit) | Q(heartbeat_at__isnull=True, started_at__lt=limit)
    )
    for job in stale[:500]:
        kind_retries = job.attempts < job.max_attempts
        if kind_retries:
            fields: dict[str, Any] = {
                "status": JobStatus.WAITING,
                "run_after": now + timedelta(seconds=get_kind(job.kind).delay(job.attempts)),
                "error": f"第 {job.attempts} 次执行时后台进程停止，稍后自动重试",
                "error_reason": {},
            }
        else:
            fields = {
                "status": JobStatus.DEAD,
                "finished_at": now,
                "error": DEAD_MESSAGE,
                "error_reason": {},
            }
        if Job.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, heartbeat_at=job.heartbeat_at
        ).update(heartbeat_at=None, **fields):
            _fail_task_result(job.task_id)
            logger.warning("后台任务 %s（%s）的进程已停止", job.pk, job.kind)
            reaped += 1
    return reaped


def _fail_task_result(task_id: str) -> None:
    """The database backend's own record of the task would stay 'running' for ever."""
    if not task_id or "django_tasks_db" not in settings.INSTALLED_APPS:
        return
    from django_tasks_db.models import DBTaskResult

    DBTaskResult.objects.filter(pk=task_id, status="RUNNING").update(
        status="FAILED",
        finished_at=timezone.now(),
        exception_class_path="wangge.jobs.WorkerDied",
        traceback="worker stopped while running this task",
    )


def run_schedules(now: datetime | None = None) -> list[Job]:
    """Start the periodic jobs that are due; each run is claimed by one scheduler only."""
    now = now or timezone.now()
    started = []
    for kind in periodic():
        assert kind.every is not None
        state, created = ScheduleState.objects.get_or_create(
            name=kind.name, defaults={"next_run_at": now}
        )
        if state.next_run_at > now:
            continue
        claimed = ScheduleState.objects.filter(
            name=kind.name, next_run_at=state.next_run_at
        ).update(next_run_at=now + timedelta(seconds=kind.every))
        if not claimed:
            continue
        job = enqueue(kind.name, None, schedule=kind.name, region_code="")
        ScheduleState.objects.filter(name=kind.name).update(last_job_id=job.pk)
        started.append(job)
    return started


def tick(now: datetime | None = None) -> dict[str, int]:
    """One pass of the scheduler."""
    reaped = reap_dead(now)
    released = release_due(now)
    started = run_schedules(now)
    return {"reaped": reaped, "released": released, "started": len(started)}
