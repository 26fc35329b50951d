"""Exports as background jobs: the file is built by a worker, kept encrypted, and downloaded
once by the user who asked for it, until it expires.

An app declares an export kind with `export_job`, a handler that returns the file's bytes and
name; the job stores them under ``DATA_DIR/exports/<job id>.enc`` (SM4-GCM, as uploads are)
and its result says the name, size and expiry. The download (`download`) is:

- scoped: only the user who started the export (who was allowed to see what it holds, when it
  was built) and only while the job is still visible to them;
- audited: every download is an ``export`` entry, every refusal is audited by the middleware;
- expiring: ``WANGGE_EXPORT_KEEP_HOURS`` after the job finished the file is refused and
  deleted (the `exports-expire` periodic job also sweeps the folder every hour).
"""

from __future__ import annotations

import shutil
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.fields import data_cipher
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.jobs.models import Job, JobStatus
from wangge.jobs.registry import KINDS, JobKind
from wangge.jobs.runner import JobContext
from wangge.jobs.selectors import get_job

# Uploads waiting for their staging job (fusion.jobs) are cleared after this long.
PENDING_KEEP = timedelta(days=7)


class Gone(ServiceError):
    status = 410


ExportHandler = Callable[..., tuple[bytes, str]]


def export_dir() -> Path:
    path = Path(settings.DATA_DIR) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _path(job_id: Any) -> Path:
    return export_dir() / f"{job_id}.enc"


def keep_for() -> timedelta:
    return timedelta(hours=settings.WANGGE_EXPORT_KEEP_HOURS)


def export_job(name: str, label: str) -> Callable[[ExportHandler], ExportHandler]:
    """Register ``handler(ctx, **params) -> (data, filename)`` as the export kind ``name``."""

    def register(handler: ExportHandler) -> ExportHandler:
        def run(ctx: JobContext, **params: Any) -> dict[str, Any]:
            ctx.progress(0, 1, "生成文件")
            data, filename = handler(ctx, **params)
            path = _path(ctx.job.pk)
            path.write_bytes(data_cipher().encrypt_bytes(data))
            path.chmod(0o600)
            ctx.link(reverse("jobs:download", args=[ctx.job.pk]))
            ctx.progress(1, 1, "生成文件")
            hours = settings.WANGGE_EXPORT_KEEP_HOURS
            return {
                "message": f"已生成“{filename}”（{_size(len(data))}），{hours} 小时内可下载",
                "filename": filename,
                "size": len(data),
                "download": reverse("jobs:download", args=[ctx.job.pk]),
            }

        KINDS[name] = JobKind(name, label, run)
        return handler

    return register


def _size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{max(1, n // 1024)} KB"


def download(actor: Any, job_id: Any, *, channel: str = "web") -> tuple[bytes, str]:
    """The export's bytes and file name, for the user who asked for it, while it lasts."""
    job = get_job(actor, job_id)
    if "filename" not in job.result or job.status != JobStatus.SUCCEEDED:
        raise NotFound(_("该后台任务没有可下载的文件"))
    if job.user_id != actor.pk:
        raise Forbidden(_("导出的文件只能由发起导出的人下载，请自行导出"))
    path = _path(job.pk)
    until = job.download_until
    if until is None or until <= timezone.now() or not path.is_file():
        path.unlink(missing_ok=True)
        raise Gone(
            _("导出文件已过期（保留 %(hours)s 小时）并已删除，请重新导出")
            % {"hours": settings.WANGGE_EXPORT_KEEP_HOURS}
        )
    data = data_cipher().decrypt_bytes(path.read_bytes())
    audit.record(
        actor,
        audit.AuditAction.EXPORT,
        "jobs.job",
        job.pk,
        channel=channel,
        detail={"kind": job.kind, "file": job.result["filename"], "size": len(data)},
    )
    return data, str(job.result["filename"])


def remove_expired(now: datetime | None = None) -> dict[str, int]:
    """Delete export files past their expiry (or whose job is gone) and stale pending uploads."""
    now = now or timezone.now()
    removed = 0
    files = {p.stem: p for p in export_dir().glob("*.enc") if _is_uuid(p.stem)}
    jobs = dict(Job.objects.filter(pk__in=list(files)).values_list("pk", "finished_at"))
    finished = {str(pk): at for pk, at in jobs.items()}
    for stem, path in files.items():
        if stem in finished:
            at = finished[stem]
            expired = at is not None and at + keep_for() <= now
        else:  # its job was deleted (or is being written: give it an hour)
            expired = _older_than(path, timedelta(hours=1))
        if expired:
            path.unlink(missing_ok=True)
            removed += 1
    pending = 0
    pending_root = Path(settings.DATA_DIR) / "imports" / "pending"
    if pending_root.is_dir():
        for entry in pending_root.iterdir():
            if entry.is_dir() and _older_than(entry, PENDING_KEEP):
                shutil.rmtree(entry, ignore_errors=True)
                pending += 1
    return {"exports": removed, "pending": pending}


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _older_than(path: Path, age: timedelta) -> bool:
    try:
        return time.time() - path.stat().st_mtime > age.total_seconds()
    except FileNotFoundError:
        return False
