"""Background work of the audit app: the sequencer, every minute by default.

Appends only queue pending entries; this job chains them (keyed hash, signed checkpoint), so the
window in which a pending entry is not yet covered by the chain stays about a minute long.
"""

from __future__ import annotations

from typing import Any

from wangge.jobs.registry import job
from wangge.jobs.runner import JobContext


@job("audit-sequence", "审计日志排序入链", every=60)
def audit_sequence(ctx: JobContext) -> dict[str, Any]:
    from wangge.audit.log import latest_checkpoint, sequence_pending

    ctx.progress(0, 1, "排序入链")
    done = sequence_pending()
    ctx.progress(1, 1, "排序入链")
    checkpoint = latest_checkpoint()
    anchor = f"{checkpoint.seq}:{checkpoint.entry_hash}" if checkpoint is not None else ""
    return {"message": f"排序入链 {done} 条", "sequenced": done, "checkpoint": anchor}
