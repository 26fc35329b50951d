"""Response, resolution and satisfaction rates (响应率、解决率、满意率), grouped one level at a time.

The formulas (also in docs/cases.md), over the cases accepted (created_at) in the period:

- 响应率 response rate = cases signed in by their sign-in deadline / cases due for a response
  (dispatched and either signed in or past the sign-in deadline: a case dispatched a minute ago
  is not yet counted against anyone)
- 解决率 resolution rate = cases verified as resolved (核查通过, then or later closed) / cases accepted
- 满意率 satisfaction rate = (满意 + 基本满意) / cases rated
- 超期 overdue = open cases past their sign-in or handling deadline now

A rate with an empty denominator is None (shown as —), never 0% or 100%.
One GROUP BY over the scoped cases computes every column for every group.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.cases.models import CaseStatus, Rating
from wangge.cases.services.reads import overdue_q, visible_cases
from wangge.core.errors import ServiceError

# (the field grouped by, its name: Chinese in the export; the dashboard translates it)
GROUPS: dict[str, tuple[str, str]] = {
    "street": ("street", gettext_noop("街道")),
    "community": ("community", gettext_noop("社区")),
    "grid": ("grid", gettext_noop("网格")),
    "department": ("department", gettext_noop("部门")),
    "category": ("category", gettext_noop("类别")),
}


@dataclass(frozen=True)
class MetricRow:
    key: int | None
    name: str
    code: str
    accepted: int
    dispatched: int
    response_due: int
    responded_on_time: int
    resolved: int
    rated: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    open: int
    overdue: int

    @staticmethod
    def _rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    @property
    def response_rate(self) -> float | None:
        return self._rate(self.responded_on_time, self.response_due)

    @property
    def resolution_rate(self) -> float | None:
        return self._rate(self.resolved, self.accepted)

    @property
    def satisfaction_rate(self) -> float | None:
        return self._rate(self.satisfied + self.basically_satisfied, self.rated)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "name": self.name,
            "code": self.code,
            "accepted": self.accepted,
            "dispatched": self.dispatched,
            "response_due": self.response_due,
            "responded_on_time": self.responded_on_time,
            "resolved": self.resolved,
            "rated": self.rated,
            "satisfied": self.satisfied,
            "basically_satisfied": self.basically_satisfied,
            "dissatisfied": self.dissatisfied,
            "open": self.open,
            "overdue": self.overdue,
            "response_rate": self.response_rate,
            "resolution_rate": self.resolution_rate,
            "satisfaction_rate": self.satisfaction_rate,
        }


@dataclass(frozen=True)
class Metrics:
    group: str
    start: datetime.date | None
    end: datetime.date | None
    rows: list[MetricRow]
    total: MetricRow


def _aggregates(now: datetime.datetime) -> dict[str, Any]:
    return {
        "accepted": Count("pk"),
        "dispatched": Count("pk", filter=Q(dispatched_at__isnull=False)),
        "response_due": Count(
            "pk",
            filter=Q(dispatched_at__isnull=False)
            & (Q(signed_at__isnull=False) | Q(sign_deadline__lt=now)),
        ),
        "responded_on_time": Count(
            "pk", filter=Q(signed_at__isnull=False, signed_at__lte=F("sign_deadline"))
        ),
        "resolved": Count("pk", filter=Q(verified_at__isnull=False)),
        "rated": Count("pk", filter=~Q(rating="")),
        "satisfied": Count("pk", filter=Q(rating=Rating.SATISFIED)),
        "basically_satisfied": Count("pk", filter=Q(rating=Rating.BASICALLY_SATISFIED)),
        "dissatisfied": Count("pk", filter=Q(rating=Rating.DISSATISFIED)),
        "open": Count("pk", filter=~Q(status=CaseStatus.CLOSED)),
        "overdue": Count("pk", filter=overdue_q(now)),
    }


def case_metrics(
    user: Any,
    *,
    group: str = "street",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    channel: str = "web",
) -> Metrics:
    """Rates per group over cases accepted from `start` to `end` (both days included)."""
    if group not in GROUPS:
        raise ServiceError(
            gettext("不支持按“%(group)s”统计，可选：街道、社区、网格、部门、类别")
            % {"group": group}
        )
    if start and end and end < start:
        raise ServiceError(gettext("结束日期早于开始日期"))
    queryset = visible_cases(user)
    tz = timezone.get_current_timezone()
    if start:
        queryset = queryset.filter(
            created_at__gte=datetime.datetime.combine(start, datetime.time(), tz)
        )
    if end:
        after = end + datetime.timedelta(days=1)
        queryset = queryset.filter(
            created_at__lt=datetime.datetime.combine(after, datetime.time(), tz)
        )
    field = GROUPS[group][0]
    now = timezone.now()
    aggregates = _aggregates(now)
    rows = []
    for values in (
        queryset.order_by()
        .values(field, f"{field}__name", f"{field}__code")
        .annotate(**aggregates)
        .order_by(f"{field}__code")
    ):
        rows.append(
            MetricRow(
                key=values[field],
                name=values[f"{field}__name"] or gettext("（未确定）"),
                code=values[f"{field}__code"] or "",
                **{k: values[k] for k in aggregates},
            )
        )
    totals = queryset.order_by().aggregate(**aggregates)
    total = MetricRow(key=None, name="合计", code="", **{k: totals[k] or 0 for k in aggregates})
    audit.record(
        user,
        AuditAction.LIST,
        "case_metrics",
        "",
        channel=channel,
        detail={"group": group, "start": str(start or ""), "end": str(end or "")},
    )
    return Metrics(group, start, end, rows, total)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


EXPORT_COLUMNS = [
    ("受理量", "accepted"),
    ("派遣量", "dispatched"),
    ("应响应", "response_due"),
    ("按时签收", "responded_on_time"),
    ("核查解决", "resolved"),
    ("已评价", "rated"),
    ("满意", "satisfied"),
    ("基本满意", "basically_satisfied"),
    ("不满意", "dissatisfied"),
    ("未结案", "open"),
    ("超期", "overdue"),
]


def metrics_xlsx(user: Any, metrics: Metrics) -> bytes:
    """The table as the street office forwards it: one sheet, rates as numbers formatted %."""
    import openpyxl
    from openpyxl.styles import Font

    from wangge.core.tabular import export_cell

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "接诉即办指标"
    period = f"{metrics.start or '最早'} 至 {metrics.end or '今天'}"
    sheet.append([f"接诉即办指标（按{GROUPS[metrics.group][1]}，受理日期 {period}）"])
    sheet["A1"].font = Font(bold=True)
    header = [GROUPS[metrics.group][1], "编码"] + [c for c, _ in EXPORT_COLUMNS]
    header += ["响应率", "解决率", "满意率"]
    sheet.append(header)
    for row in [*metrics.rows, metrics.total]:
        data = row.as_dict()
        rates = [row.response_rate, row.resolution_rate, row.satisfaction_rate]
        names = [export_cell(row.name), export_cell(row.code)]
        sheet.append(names + [data[k] for _, k in EXPORT_COLUMNS] + rates)
        for cell in sheet[sheet.max_row][-3:]:
            cell.number_format = "0.0%"
    sheet.append([])
    sheet.append(
        [
            "响应率 = 按时签收 / 应响应（已签收或已过签收时限）；解决率 = 核查解决 / 受理量；满意率 = (满意 + 基本满意) / 已评价"
        ]
    )
    out = io.BytesIO()
    workbook.save(out)
    audit.record(
        user,
        AuditAction.EXPORT,
        "case_metrics",
        "",
        detail={"group": metrics.group, "rows": len(metrics.rows)},
    )
    return out.getvalue()


__all__ = ["GROUPS", "MetricRow", "Metrics", "case_metrics", "metrics_xlsx", "percent"]
