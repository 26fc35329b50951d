"""Background work of the cases app: the deadline sweep, every ten minutes by default,
sending notifications (retried with exponential backoff while the gateway fails), the metrics
export, and retraining the category suggester (weekly by default)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from wangge.core.errors import ServiceError
from wangge.jobs.exports import export_job
from wangge.jobs.models import Job
from wangge.jobs.registry import job
from wangge.jobs.runner import JobContext


@job("case-sweep", "案件时限检查（到期提醒、超期督办）", every=600)
def case_sweep(ctx: JobContext) -> dict[str, Any]:
    from wangge.cases.services.deadlines import sweep_deadlines

    ctx.progress(0, 1, "检查时限")
    result = sweep_deadlines()
    ctx.progress(1, 1, "检查时限")
    return {
        "message": f"到期提醒 {result.reminded} 件，超期督办 {result.escalated} 件",
        "reminded": result.reminded,
        "escalated": result.escalated,
    }


@job(
    "suggester-retrain",
    "重新训练类别推荐模型",
    every=settings.WANGGE_SUGGESTER_RETRAIN_EVERY or None,
)
def suggester_retrain(ctx: JobContext, force: bool = False) -> dict[str, Any]:
    from wangge.cases.learning import retrain

    return retrain(ctx.actor, force=force, progress=ctx.progress)


# 30 s, then 1, 2, 4, 8 and 16 minutes: a gateway down for half an hour loses nothing.
NOTIFY_RETRIES = 6
NOTIFY_BACKOFF = 30.0


@job("notify", "发送通知", retries=NOTIFY_RETRIES, backoff=NOTIFY_BACKOFF)
def notify(ctx: JobContext, kind: str = "") -> dict[str, Any]:
    from wangge.cases.notify import KIND_LABELS, Notification, send_now

    note = Notification(**ctx.secret)
    ctx.progress(0, 1, "发送")
    send_now(note)  # any error: retried after the backoff, the case change stands
    ctx.progress(1, 1, "发送")
    label = KIND_LABELS.get(note.kind, note.kind)  # 已发送（超期督办…）, not the code `escalated`
    return {"message": f"已发送（{label}，案件 {note.case_number}）", "kind": note.kind}


METRICS_EXPORT = "export-case-metrics"


def start_metrics_export(
    actor: Any, *, group: str, start: datetime.date | None, end: datetime.date | None
) -> Job:
    """Queue the metrics table as the street office forwards it, for ``actor`` to download."""
    from wangge.cases.metrics import GROUPS
    from wangge.jobs.services import enqueue

    if group not in GROUPS:
        raise ServiceError(
            _("不支持按“%(group)s”统计，可选：街道、社区、网格、部门、类别") % {"group": group[:20]}
        )
    if start and end and end < start:
        raise ServiceError(_("结束日期早于开始日期"))
    return enqueue(
        METRICS_EXPORT,
        actor,
        {
            "group": group,
            "start": start.isoformat() if start else "",
            "end": end.isoformat() if end else "",
        },
        label=f"导出接诉即办指标（按{GROUPS[group][1]}）",
    )


@export_job(METRICS_EXPORT, "导出接诉即办指标")
def metrics_export(ctx: JobContext, group: str, start: str, end: str) -> tuple[bytes, str]:
    from django.utils import timezone

    from wangge.cases import metrics

    ctx.progress(0, 1, "统计")
    result = metrics.case_metrics(
        ctx.actor,
        group=group,
        start=datetime.date.fromisoformat(start) if start else None,
        end=datetime.date.fromisoformat(end) if end else None,
    )
    name = f"cases-metrics-{group}-{timezone.localdate():%Y%m%d}.xlsx"
    return metrics.metrics_xlsx(ctx.actor, result), name
