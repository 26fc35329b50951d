"""Running one job: the single django-tasks task every job goes through, and its context.

Whatever the backend (the database queue, RQ, or immediate in the request), the task only
carries the job's id; the Job row says what to do, and is where progress, the heartbeat and the
outcome are written. A job is claimed with a conditional update, so a duplicate delivery of the
same task does nothing.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
import time
from datetime import timedelta
from types import TracebackType
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext_noop
from django_tasks import task

from wangge.core.errors import ServiceError
from wangge.core.reasons import stored
from wangge.jobs.models import Job, JobStatus
from wangge.jobs.registry import get_kind

logger = logging.getLogger("wangge.jobs")

# Progress is written at most this often (seconds), whatever the handler reports.
PROGRESS_EVERY = 0.5

# Fusion's stage names, as a person reads them.
STAGES = {
    "read": "读取台账",
    "normalise": "校验规范化",
    "link": "人员比对",
    "commit": "写入数据库",
    "undo": "撤销",
}


def worker_name() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}"


def heartbeat_every() -> float:
    """Seconds between heartbeats: a fifth of the time after which a job counts as dead."""
    return max(0.2, settings.WANGGE_JOBS_DEAD_AFTER / 5)


class JobContext:
    """What a handler gets: the job, the user who started it, and ways to report progress."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self._written = 0.0
        self._actor: Any = None
        self._actor_loaded = False

    @property
    def actor(self) -> Any:
        """The user who started the job (None for the system: the scheduler or the CLI)."""
        if not self._actor_loaded:
            self._actor_loaded = True
            if self.job.user_id is not None:
                from django.contrib.auth import get_user_model

                self._actor = get_user_model().objects.filter(pk=self.job.user_id).first()
                if self._actor is None or not self._actor.is_active:
                    raise ServiceError("发起该任务的账号已不存在或已停用，任务未执行")
        return self._actor

    @property
    def secret(self) -> Any:
        """The job's encrypted arguments (JSON), decrypted."""
        return json.loads(self.job.secret) if self.job.secret else None

    def progress(self, done: int, total: int, stage: str | None = None) -> None:
        """Report ``done`` of ``total``; written at most every PROGRESS_EVERY seconds, except
        when a stage begins or ends."""
        now = time.monotonic()
        changed = stage is not None and stage != self.job.stage
        if not changed and done < total and now - self._written < PROGRESS_EVERY:
            return
        self._written = now
        self.job.done, self.job.total = done, total
        fields: dict[str, Any] = {"done": done, "total": total, "heartbeat_at": timezone.now()}
        if stage is not None:
            self.job.stage = fields["stage"] = stage[:100]
        Job.objects.filter(pk=self.job.pk).update(**fields)

    def stage_progress(self, stage: str, done: int, total: int) -> None:
        """Fusion's progress callback (stage name, done, total)."""
        self.progress(done, total, STAGES.get(stage, stage))

    def link(self, url: str) -> None:
        """Where the outcome can be seen; shown as soon as it is known."""
        self.job.result_url = url[:300]
        Job.objects.filter(pk=self.job.pk).update(result_url=self.job.result_url)


class _Heartbeat:
    """A thread that stamps the running job every few seconds, so a job whose worker died
    (kill -9, power cut) is told apart from a long one."""

    def __init__(self, job_id: Any) -> None:
        self.job_id = job_id
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="job-heartbeat", daemon=True)

    def _run(self) -> None:
        try:
            while not self.stop.wait(heartbeat_every()):
                Job.objects.filter(pk=self.job_id, status=JobStatus.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # the job goes on; at worst it is later reported dead and retried
            logger.exception("任务心跳写入失败：%s", self.job_id)
        finally:
            connections.close_all()

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop.set()
        self.thread.join()


def _uses_immediate_backend() -> bool:
    return "Immediate" in str(settings.TASKS.get("default", {}).get("BACKEND", ""))


def execute(job_id: str) -> str:
    """Claim the job and run its handler; returns the job's final status."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        finished_at=None,
        attempts=F("attempts") + 1,
        worker=worker_name(),
    )
    if not claimed:
        logger.info("任务 %s 已被处理或不在排队中，跳过", job_id)
        return "skipped"
    job = Job.objects.get(pk=job_id)
    ctx = JobContext(job)
    heartbeat = None if _uses_immediate_backend() else _Heartbeat(job.pk)
    try:
        if heartbeat is not None:
            heartbeat.__enter__()
        kind = get_kind(job.kind)
        result = kind.handler(ctx, **job.params) or {}
    except ServiceError as exc:  # the user's message, never retried by itself
        remedy = exc.remedy or (
            gettext_noop("请按上面的提示修改后重新发起") if exc.permanent else ""
        )
        _finish(job, JobStatus.FAILED, error=exc.message, permanent=exc.permanent, remedy=remedy)
        return JobStatus.FAILED
    except Exception as exc:
        logger.exception("后台任务 %s（%s）出错", job.pk, job.kind)
        detail = f"{type(exc).__name__}"
        if job.attempts < job.max_attempts:
            delay = get_kind(job.kind).delay(job.attempts)
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.WAITING,
                run_after=timezone.now() + timedelta(seconds=delay),
                error=f"第 {job.attempts} 次执行出错（{detail}），{delay:.0f} 秒后自动重试",
                error_reason={},
                heartbeat_at=None,
            )
            return JobStatus.WAITING
        _finish(job, JobStatus.FAILED, error=f"执行出错（{detail}），详情已记入日志；可重试")
        raise
    finally:
        if heartbeat is not None:
            heartbeat.__exit__(None, None, None)
    _finish(job, JobStatus.SUCCEEDED, result=result)
    return JobStatus.SUCCEEDED


def _finish(
    job: Job,
    status: str,
    *,
    error: str = "",
    result: dict[str, Any] | None = None,
    permanent: bool = False,
    remedy: str = "",
) -> None:
    fields: dict[str, Any] = {
        "status": status,
        "finished_at": timezone.now(),
        "error": error[:2000],
        # a Reason kept as data, for readers of another language (`Job.error_text`)
        "error_reason": stored(error) if len(error) <= 2000 else {},
        "heartbeat_at": None,
        "permanent": permanent,
        "remedy": remedy[:200],
    }
    if result is not None:
        fields["result"] = json.loads(json.dumps(result, ensure_ascii=False, default=str))
        if job.total:
            fields["done"] = job.total
    # Only a job still ours: a reaper that declared it dead meanwhile keeps its word.
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**fields)


@task()
def run_job(job_id: str) -> str:
    """The one django-tasks task: run the Job with this id.

    In the source language, Chinese, whoever started it: the outcome (message, error, stage)
    is stored on the Job and read by other staff, and the immediate backend runs the job inside
    the starter's request, whose language may be English. An error that is a
    `core.reasons.Reason` is kept with its template too, and shown in each reader's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(execute(job_id))
