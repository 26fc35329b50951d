"""The jobs app's own periodic work: deleting expired exports and abandoned uploads."""

from __future__ import annotations

from typing import Any

from wangge.jobs.registry import job
from wangge.jobs.runner import JobContext


@job("exports-expire", "清理过期的导出文件和未处理的上传", every=3600)
def exports_expire(ctx: JobContext) -> dict[str, Any]:
    from wangge.jobs.exports import remove_expired

    removed = remove_expired()
    return {
        "message": f"删除过期导出文件 {removed['exports']} 个，过期上传 {removed['pending']} 个",
        **removed,
    }
