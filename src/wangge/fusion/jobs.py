"""Import work that outlasts a web request runs as background jobs: staging (read, check,
link), re-checking with a corrected mapping, committing and undoing a batch.

The pages and the API call the ``start_*`` functions, which check what can be checked at once
(the role, the batch's state, no other job on the same batch), record the job and answer;
a `wangge worker` then runs the handlers below, which call the same services the CLI calls
inline, with the job's progress as their progress callback. Each service writes in one
transaction, so a worker killed halfway leaves nothing half-written and a retry (the job
page's button, or `POST /api/jobs/{id}/retry`) runs it again from the start. A retry that finds
its work already done (the worker died between the commit and the job's last write) reports
that outcome instead of failing.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from wangge.access.fields import data_cipher
from wangge.access.scoping import Right
from wangge.core.errors import ServiceError
from wangge.fusion import services
from wangge.fusion.models import BatchStatus, ImportBatch
from wangge.fusion.services import Upload
from wangge.jobs.exports import export_job
from wangge.jobs.models import Job, JobStatus
from wangge.jobs.registry import job
from wangge.jobs.runner import JobContext
from wangge.jobs.services import enqueue

STAGE = "import-stage"
REMAP = "import-remap"
COMMIT = "import-commit"
UNDO = "import-undo"
EXPORT_REJECTED = "export-import-rejected"
BATCH_KINDS = (REMAP, COMMIT, UNDO)
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.WAITING)


# -- where uploads wait for their staging job --------------------------------------------------


def _pending_dir(token: str) -> Path:
    if not token or not all(c in "0123456789abcdef" for c in token):
        raise ServiceError(_("上传记录无效，请重新上传"))
    return Path(settings.DATA_DIR) / "imports" / "pending" / token


def _keep_uploads(uploads: Sequence[Upload]) -> str:
    """Store the uploads encrypted (as staged batches keep theirs) until the job has read them."""
    token = uuid.uuid4().hex
    folder = _pending_dir(token)
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    cipher = data_cipher()
    for n, upload in enumerate(uploads):
        path = folder / f"file-{n}.enc"
        path.write_bytes(cipher.encrypt_bytes(upload.data))
        path.chmod(0o600)
    return token


def _kept_uploads(token: str, names: list[str]) -> list[Upload]:
    folder = _pending_dir(token)
    if not folder.is_dir():
        raise ServiceError(_("上传的台账文件已不在服务器上（已处理或已清理），请重新上传"))
    cipher = data_cipher()
    return [
        Upload(name, cipher.decrypt_bytes((folder / f"file-{n}.enc").read_bytes()))
        for n, name in enumerate(names)
    ]


# -- starting ---------------------------------------------------------------------------------


def start_stage(actor: Any, uploads: Sequence[Upload], *, channel: str, label: str = "") -> Job:
    """Keep the uploads and queue their staging; the batch exists once the job has run."""
    services.require_importer(actor)
    if not uploads:
        raise ServiceError(_("请选择要导入的台账文件"))
    token = _keep_uploads(uploads)
    count = len(uploads)
    return enqueue(
        STAGE,
        actor,
        {"upload": token, "channel": channel},
        label=f"上传并检查台账（{count} 个文件）" if count > 1 else "上传并检查台账",
        # file names and the clerk's label may name people: kept encrypted
        secret={"names": [u.name for u in uploads], "label": label},
    )


def active_job(batch_id: int) -> Job | None:
    """The job now working on this batch, if any."""
    return (
        Job.objects.filter(kind__in=BATCH_KINDS, params__batch_id=batch_id, status__in=ACTIVE)
        .order_by("-created_at")
        .first()
    )


def latest_job(batch_id: int) -> Job | None:
    """The batch's most recent job (whatever its state), shown on the batch page."""
    return (
        Job.objects.filter(kind__in=BATCH_KINDS, params__batch_id=batch_id)
        .order_by("-created_at")
        .first()
    )


def _start_on_batch(
    actor: Any, kind: str, batch_id: int, label: str, allowed: str, refusal: str, **params: Any
) -> Job:
    batch = services.get_batch(actor, batch_id, Right.CHANGE)
    if batch.status != allowed:
        raise ServiceError(refusal.format(pk=batch.pk, status=batch.get_status_display()))
    running = active_job(batch.pk)
    if running is not None:
        raise ServiceError(
            _("批次 %(pk)s 正在执行“%(label)s”（%(status)s），请等它结束后再操作")
            % {"pk": batch.pk, "label": running.label, "status": running.get_status_display()}
        )
    return enqueue(kind, actor, {"batch_id": batch.pk, **params}, label=label)


def start_commit(actor: Any, batch_id: int) -> Job:
    return _start_on_batch(
        actor,
        COMMIT,
        batch_id,
        f"确认导入批次 {batch_id}",
        BatchStatus.STAGED,
        "批次 {pk} 当前为“{status}”，不能再导入",
    )


def start_undo(actor: Any, batch_id: int) -> Job:
    return _start_on_batch(
        actor,
        UNDO,
        batch_id,
        f"撤销批次 {batch_id}",
        BatchStatus.COMMITTED,
        "批次 {pk} 当前为“{status}”，不能撤销",
    )


def start_remap(actor: Any, batch_id: int, overrides: dict[str, dict[str, str]]) -> Job:
    return _start_on_batch(
        actor,
        REMAP,
        batch_id,
        f"按新的列对应重新检查批次 {batch_id}",
        BatchStatus.STAGED,
        "批次 {pk} 当前为“{status}”，只有待确认的批次可以修改列对应",
        overrides=overrides,
    )


def start_rejected_export(actor: Any, batch_id: int) -> Job:
    """Queue the xlsx of the batch's rejected and doubtful rows, for ``actor`` to download."""
    batch = services.get_batch(actor, batch_id)
    return enqueue(
        EXPORT_REJECTED, actor, {"batch_id": batch.pk}, label=f"导出批次 {batch.pk} 未导入的行"
    )


def _batch_url(batch_id: int) -> str:
    return reverse("fusion:batch", args=[batch_id])


def _may_act_on_batch(actor: Any, retried: Job) -> None:
    """A re-map, commit or undo runs as its starter: who retries one must be someone who may
    act on the batch (its office, the district), not an office over it that only reads it."""
    batch_id = retried.params.get("batch_id")
    services.get_batch(actor, int(batch_id) if isinstance(batch_id, int) else 0, Right.CHANGE)


def _may_stage_for(actor: Any, retried: Job) -> None:
    """A staging job runs as its starter and makes a batch of the starter's office: who retries
    one must be someone who may act on that office's batches (the office itself, the district),
    as for the batch's commit, not an office over it that would only read the batch."""
    starter = None
    if retried.user_id is not None:
        from django.contrib.auth import get_user_model

        starter = get_user_model().objects.filter(pk=retried.user_id).first()
    services.require_batch_office(actor, services.office_of(starter))


# -- the handlers -----------------------------------------------------------------------------


def _staged_message(batch: ImportBatch, done: str) -> str:
    s = batch.summary
    return (
        f"{done}：{s.get('rows', 0)} 行，通过 {s.get('accepted', 0)}，"
        f"待核实 {s.get('doubtful', 0)}，拒绝 {s.get('rejected', 0)}；请核对后确认导入"
    )


@job(STAGE, "上传并检查台账", may_retry=_may_stage_for)
def stage(ctx: JobContext, upload: str, channel: str = "web") -> dict[str, Any]:
    folder = _pending_dir(upload)
    done_marker = folder / "batch"
    if done_marker.is_file():  # a retry after the batch was stored: report it, stage nothing
        batch = ImportBatch.objects.get(pk=int(done_marker.read_text()))
    else:
        secret = ctx.secret or {}
        uploads = _kept_uploads(upload, list(secret.get("names", [])))
        ctx.progress(0, 0, "读取台账")
        try:
            batch = services.stage_batch(
                ctx.actor,
                uploads,
                channel=channel,
                label=str(secret.get("label", "")),
                progress=ctx.stage_progress,
            )
        except ServiceError as exc:  # the same files would give the same answer: nothing kept
            shutil.rmtree(folder, ignore_errors=True)
            # so a retry has nothing to read whatever the refusal was: upload again instead
            exc.permanent = True
            exc.remedy = exc.remedy or gettext_noop("请重新上传台账文件")
            raise
        done_marker.write_text(str(batch.pk))
    ctx.link(_batch_url(batch.pk))
    for n in range(len(batch.files)):
        (folder / f"file-{n}.enc").unlink(missing_ok=True)
    return {
        "message": _staged_message(batch, f"已检查，暂存为批次 {batch.pk}"),
        "batch_id": batch.pk,
    }


@job(REMAP, "按新的列对应重新检查", may_retry=_may_act_on_batch)
def remap(ctx: JobContext, batch_id: int, overrides: dict[str, dict[str, str]]) -> dict[str, Any]:
    ctx.link(_batch_url(batch_id))
    ctx.progress(0, 0, "读取台账")
    batch = services.restage_batch(ctx.actor, batch_id, overrides, progress=ctx.stage_progress)
    return {"message": _staged_message(batch, "已按新的列对应重新检查"), "batch_id": batch.pk}


def _commit_message(summary: dict[str, Any]) -> str:
    return (
        f"已导入：新增 {summary.get('persons_created', 0)} 人，"
        f"更新 {summary.get('persons_updated', 0)} 人，"
        f"待核实未导入 {summary.get('rows_held', 0)} 行，移交 {summary.get('handed_over', 0)} 人"
    )


@job(COMMIT, "确认导入", may_retry=_may_act_on_batch)
def commit(ctx: JobContext, batch_id: int) -> dict[str, Any]:
    ctx.link(_batch_url(batch_id))
    batch = services.get_batch(ctx.actor, batch_id)
    if ctx.job.attempts > 1 and batch.status == BatchStatus.COMMITTED:
        summary = dict(batch.summary.get("commit", {}))  # the earlier attempt finished
    else:
        ctx.progress(0, 0, "写入数据库")
        summary = services.commit_batch(ctx.actor, batch_id, progress=ctx.stage_progress).__dict__
    return {"message": _commit_message(summary), "batch_id": batch_id, **summary}


@job(UNDO, "撤销导入批次", may_retry=_may_act_on_batch)
def undo(ctx: JobContext, batch_id: int) -> dict[str, Any]:
    ctx.link(_batch_url(batch_id))
    batch = services.get_batch(ctx.actor, batch_id)
    if not (ctx.job.attempts > 1 and batch.status == BatchStatus.UNDONE):
        ctx.progress(0, 1, "撤销")
        services.undo_batch(ctx.actor, batch_id)
        ctx.progress(1, 1, "撤销")
    return {"message": "已撤销该批次，数据已恢复到导入前", "batch_id": batch_id}


@export_job(EXPORT_REJECTED, "导出未导入的行")
def rejected_export(ctx: JobContext, batch_id: int) -> tuple[bytes, str]:
    ctx.progress(0, 1, "生成文件")
    return services.rejected_rows_xlsx(ctx.actor, batch_id), f"batch-{batch_id}-rejected.xlsx"


__all__ = [
    "BATCH_KINDS",
    "active_job",
    "latest_job",
    "start_commit",
    "start_rejected_export",
    "start_remap",
    "start_stage",
    "start_undo",
]
