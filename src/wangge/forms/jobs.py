"""Background work of the forms app: applying received submissions when intake is set to defer
it (`WANGGE_FORMS_APPLY=job`), so that taking in a burst of submissions costs only storing them.

One `forms-apply` job drains every submission still `received`, oldest first, each applied as its
sender; intake queues a new job only when none is waiting, so a burst makes one or two jobs."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from wangge.access import audit
from wangge.jobs.registry import job
from wangge.jobs.runner import JobContext

BATCH = 200


@job("forms-apply", "表单提交写入档案", retries=2, backoff=10.0)
def forms_apply(ctx: JobContext) -> dict[str, Any]:
    from wangge.forms.applying import apply_submission
    from wangge.forms.models import Submission, SubmissionStatus

    done = 0
    while True:
        batch = list(
            Submission.objects.filter(status=SubmissionStatus.RECEIVED)
            .select_related("user", "form_version")
            .order_by("pk")[:BATCH]
        )
        if not batch:
            break
        for submission in batch:
            # one commit of the data and two of the audit store per submission (`audit.batched`)
            with transaction.atomic(), audit.batched():
                apply_submission(submission.user, submission)
            done += 1
        ctx.progress(done, done, f"已写入 {done} 份提交")
    return {"message": f"已写入 {done} 份提交", "applied": done}


_checked_at = 0.0
CHECK_EVERY = 0.5  # seconds


def queue_apply() -> None:
    """Queue a drain unless one is already waiting to start. Looked at no more than twice a
    second per process: a burst costs one look, and a submission left `received` by the
    remaining race is taken by the next drain (it is stored, so nothing is lost)."""
    global _checked_at
    import time

    from wangge.jobs.models import Job, JobStatus
    from wangge.jobs.services import enqueue

    now = time.monotonic()
    if now - _checked_at < CHECK_EVERY:
        return
    _checked_at = now
    if not Job.objects.filter(kind="forms-apply", status=JobStatus.QUEUED).exists():
        enqueue("forms-apply", None, {})
