"""What the UI shows of background work: one Job per piece of work, retried in place.

The jobs store is a database of its own (see router.py), so nothing here points at the main
database with a foreign key: the starter is kept as id + username and the region as its code,
which is all that scoping (`Scope.covers_code`) needs.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wangge.access.fields import EncryptedTextField
from wangge.core.reasons import from_stored
from wangge.core.wording import say


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("进行中")
    WAITING = "waiting", _("等待重试")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")
    DEAD = "dead", _("已中断")


FINISHED = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.DEAD})
RETRYABLE = frozenset({JobStatus.FAILED, JobStatus.DEAD})


class Job(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("类型"), max_length=64, db_index=True)
    label = models.CharField(_("内容"), max_length=200)
    # Arguments of the handler: ids and choices only. Anything personal goes in `secret`.
    params = models.JSONField(default=dict, blank=True)
    secret = EncryptedTextField(blank=True, default="")
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    username = models.CharField(_("发起人"), max_length=150, blank=True, default="")
    region_code = models.CharField(max_length=32, blank=True, default="", db_index=True)
    schedule = models.CharField(max_length=64, blank=True, default="")

    status = models.CharField(
        _("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    stage = models.CharField(_("阶段"), max_length=100, blank=True, default="")
    done = models.BigIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    # Where the outcome can be seen (a batch page), shown as a link when done.
    result_url = models.CharField(max_length=300, blank=True, default="")
    error = models.TextField(_("错误"), blank=True, default="")
    # The error as a `core.reasons.Reason` kept as data (`reasons.stored`) when the failure
    # gave one (a ledger that cannot be read): `error` is its Chinese text, and `error_text`
    # says it in the reader's language. Empty for errors that are only text.
    error_reason = models.JSONField(default=dict, blank=True)
    # The failure is one a retry cannot change (`ServiceError.permanent`: the input is wrong):
    # no 重试 is offered, and `remedy` says what to do instead.
    permanent = models.BooleanField(default=False)
    remedy = models.CharField(max_length=200, blank=True, default="")

    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=1)
    run_after = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True, default="")
    worker = models.CharField(max_length=100, blank=True, default="")

    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "run_after"])]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self) -> str:
        return f"{self.label} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def error_text(self) -> str:
        """The error in the reader's language: the kept Reason said, else the stored text."""
        reason = from_stored(self.error_reason)
        return say(reason) if reason is not None else self.error

    @property
    def remedy_text(self) -> str:
        """What to do instead of retrying, in the reader's language: remedies are fixed
        sentences (marked with gettext_noop where they are set), stored in Chinese."""
        return gettext(self.remedy) if self.remedy else ""

    @property
    def retryable(self) -> bool:
        """Failed or interrupted for a reason a new run may not meet again."""
        return self.status in RETRYABLE and not self.permanent

    @property
    def download_until(self) -> datetime | None:
        """Until when an export's file can be downloaded (None: not an export, or not done)."""
        if "download" not in self.result or self.finished_at is None:
            return None
        return self.finished_at + timedelta(hours=settings.WANGGE_EXPORT_KEEP_HOURS)

    @property
    def percent(self) -> int | None:
        if self.total <= 0:
            return None
        return max(0, min(100, round(100 * self.done / self.total)))


class ScheduleState(models.Model):
    """When a periodic job is next due. Claimed with a conditional update, so several
    schedulers (one per worker) never start the same run twice."""

    name = models.CharField(max_length=64, primary_key=True)
    next_run_at = models.DateTimeField()
    last_job_id = models.UUIDField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} @ {self.next_run_at:%Y-%m-%d %H:%M:%S}"


class WorkerBeat(models.Model):
    """A running `wangge worker`, seen at its last heartbeat; the jobs page says whether any
    worker is alive, so a queued job that does not move has an explanation."""

    name = models.CharField(max_length=100, primary_key=True)
    host = models.CharField(max_length=100)
    pid = models.IntegerField()
    backend = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.name
