"""Background work of the tasks app: the escalation sweep, every ten minutes by default
(`WANGGE_JOBS_EVERY="task-sweep=…"` changes it), and an import's verification tasks, queued
when a batch is committed."""

from __future__ import annotations

from typing import Any

from wangge.jobs.registry import job
from wangge.jobs.runner import JobContext


@job("task-sweep", "任务超期督办（逾期任务报上一级）", every=600)
def task_sweep(ctx: JobContext) -> dict[str, Any]:
    from wangge.tasks.services import sweep_overdue

    ctx.progress(0, 1, "检查逾期任务")
    result = sweep_overdue()
    ctx.progress(1, 1, "检查逾期任务")
    return {
        "message": (
            f"报上一级 {result.escalated} 项，报上两级 {result.escalated_twice} 项，"
            f"同步案件任务 {result.cases_synced} 项"
        ),
        "escalated": result.escalated,
        "escalated_twice": result.escalated_twice,
        "cases_synced": result.cases_synced,
    }


BATCH_TASKS = "import-tasks"


@job(BATCH_TASKS, "生成导入核实任务")
def batch_tasks(ctx: JobContext, batch_id: int) -> dict[str, Any]:
    from wangge.tasks.services import tasks_for_committed_batch

    ctx.progress(0, 1, "生成核实任务")
    counts = tasks_for_committed_batch(ctx.actor, batch_id)
    ctx.progress(1, 1, "生成核实任务")
    if counts is None:
        return {"message": "无需生成：批次未导入或任务已生成", "batch_id": batch_id}
    made = counts.verify_pair + counts.locate_address + counts.confirm_value
    return {
        "message": f"已生成核实任务 {made} 项",
        "batch_id": batch_id,
        **counts.__dict__,
    }
