"""Background exports of the inspections app: the hazard ledger and the counts, as xlsx files
built by a worker (`jobs.exports`), downloaded by who asked."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.jobs.exports import export_job
from wangge.jobs.models import Job
from wangge.jobs.registry import job
from wangge.jobs.runner import JobContext

LEDGER_EXPORT = "export-hazard-ledger"
COUNTS_EXPORT = "export-inspection-counts"
MAX_LEDGER_ROWS = 200_000


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


def _day(text: str) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


def start_ledger_export(actor: Any, f: Any) -> Job:
    from wangge.inspections import selectors
    from wangge.jobs.services import enqueue

    f.check()
    if f.region:
        selectors.region_grid_ids(actor, f.region)  # refuse an unknown region now, not later
    return enqueue(
        LEDGER_EXPORT,
        actor,
        {
            "region": f.region,
            "category": f.category,
            "status": f.status,
            "start": _iso(f.start),
            "end": _iso(f.end),
        },
        label="导出隐患台账",
    )


@export_job(LEDGER_EXPORT, "导出隐患台账")
def ledger_export(
    ctx: JobContext, region: str, category: str, status: str, start: str, end: str
) -> tuple[bytes, str]:
    import openpyxl

    from wangge.access import audit
    from wangge.core.tabular import export_cell
    from wangge.inspections import selectors

    f = selectors.HazardFilter(region, category, status, _day(start), _day(end))
    query = selectors.hazards(ctx.actor, f).select_related("place", "grid__parent", "notice")
    total = min(selectors.capped_count(query, MAX_LEDGER_ROWS), MAX_LEDGER_ROWS)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("隐患台账")
    sheet.append(
        [
            "序号",
            "发现时间",
            "社区",
            "网格",
            "场所",
            "场所类型",
            "地址",
            "隐患类别",
            "等级",
            "描述",
            "状态",
            "通知书文号",
            "整改完成时间",
        ]
    )
    for n, h in enumerate(query[:MAX_LEDGER_ROWS].iterator(chunk_size=2000), start=1):
        grid = h.grid
        sheet.append(
            [
                n,
                timezone.localtime(h.found_at).strftime("%Y-%m-%d %H:%M"),
                grid.parent.name if grid and grid.parent else "",
                grid.name if grid else "",
                export_cell(h.place.name),
                h.place.get_kind_display(),
                export_cell(h.place.address),
                h.get_category_display(),
                h.get_severity_display(),
                export_cell(h.description),
                h.get_status_display(),
                h.notice.number if h.notice else "",
                timezone.localtime(h.rectified_at).strftime("%Y-%m-%d %H:%M")
                if h.rectified_at
                else "",
            ]
        )
        if n % 5000 == 0:
            ctx.progress(n, total, "写入")
    out = io.BytesIO()
    book.save(out)
    audit.record(
        ctx.actor,
        audit.AuditAction.EXPORT,
        "inspections.hazard",
        "",
        detail={"rows": total, "region": region, "category": category, "status": status},
    )
    return out.getvalue(), f"hazards-{timezone.localdate():%Y%m%d}.xlsx"


def start_counts_export(
    actor: Any, *, level: str, start: datetime.date | None, end: datetime.date | None
) -> Job:
    from wangge.core.errors import ServiceError
    from wangge.inspections.counts import LEVELS
    from wangge.jobs.services import enqueue

    if level not in LEVELS:
        raise ServiceError(
            _("不支持按“%(level)s”统计，可选：街道、社区、网格") % {"level": level[:20]}
        )
    if start and end and end < start:
        raise ServiceError(_("结束日期早于开始日期"))
    return enqueue(
        COUNTS_EXPORT,
        actor,
        {"level": level, "start": _iso(start), "end": _iso(end)},
        label=f"导出场所检查统计（按{LEVELS[level]}）",
    )


@export_job(COUNTS_EXPORT, "导出场所检查统计")
def counts_export(ctx: JobContext, level: str, start: str, end: str) -> tuple[bytes, str]:
    from wangge.inspections import counts

    result = counts.counts(ctx.actor, level=level, start=_day(start), end=_day(end))
    return counts.counts_xlsx(
        ctx.actor, result
    ), f"inspections-{level}-{timezone.localdate():%Y%m%d}.xlsx"


CAMPAIGN_START = "campaign-start"


def start_campaign_job(actor: Any, campaign: Any, *, channel: str = "web") -> Job:
    """Start a campaign in the background: who may not, or a campaign already over, is refused
    here at once; the tasks are created by the worker."""
    from wangge.inspections.campaigns import check_startable
    from wangge.jobs.services import enqueue

    check_startable(actor, campaign, channel=channel)
    return enqueue(
        CAMPAIGN_START,
        actor,
        {"campaign": campaign.pk, "channel": channel},
        label=f"启动专项检查：{campaign.name}"[:200],
        region_code=campaign.region.code,
    )


@job(CAMPAIGN_START, "启动专项检查（向各场所派发检查任务）")
def campaign_start(ctx: JobContext, campaign: int, channel: str = "web") -> dict[str, Any]:
    from django.urls import reverse

    from wangge.inspections import campaigns

    found = campaigns.get_campaign(ctx.actor, campaign, channel=channel)
    ctx.link(reverse("inspections:campaign", args=[found.pk]))
    ctx.progress(0, 1, "派发检查任务")
    started = campaigns.start_campaign(
        ctx.actor,
        found,
        channel=channel,
        progress=lambda done, total: ctx.progress(done, total, "派发检查任务"),
    )
    message = f"已派发检查任务{started.created}个" + (
        f"（{started.existing}个场所此前已派发）" if started.existing else ""
    )
    return {"message": message, "created": started.created, "existing": started.existing}
