"""Counts as the seeds count them (宝山路's 三清四查, 东城区's flood risk points), per street,
community or grid over a period:

- places registered, by kind; places checked = places whose last check (a checklist or a
  hazard recorded there) falls in the period, or whose campaign inspection task was completed
  in it (a task done on the workbench without the form counts too)
- hazards found in the period, by category; of those, fixed (整改销号)
- notices issued in the period
- 整改率 rectification rate = hazards fixed / hazards found (None, shown —, when none found)
- re-inspections (回头看, tasks of that kind) due in the period; of those, done on time
  (completed on or before their due date)

One GROUP BY per table over the scoped rows, by grid; grids are rolled up to the level asked.
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext

from wangge.access import audit
from wangge.access.scoping import visible_to
from wangge.core.errors import ServiceError
from wangge.geo.models import Region, RegionLevel
from wangge.inspections.models import (
    CampaignCheck,
    Hazard,
    HazardCategory,
    HazardStatus,
    Notice,
    Place,
    PlaceKind,
)

LEVELS: dict[str, str] = {"street": "街道", "community": "社区", "grid": "网格"}
UNPLACED = "（未落网格）"


@dataclass
class CountRow:
    code: str
    name: str
    places: dict[str, int] = field(default_factory=dict)  # kind → registered
    checked: dict[str, int] = field(default_factory=dict)  # kind → checked in the period
    found: dict[str, int] = field(default_factory=dict)  # category → found in the period
    fixed: dict[str, int] = field(default_factory=dict)  # category → of those, fixed
    notices: int = 0
    rechecks: int = 0  # re-inspections due in the period
    rechecks_on_time: int = 0  # of those, completed on or before their due date

    @property
    def places_total(self) -> int:
        return sum(self.places.values())

    @property
    def checked_total(self) -> int:
        return sum(self.checked.values())

    @property
    def found_total(self) -> int:
        return sum(self.found.values())

    @property
    def fixed_total(self) -> int:
        return sum(self.fixed.values())

    @property
    def rate(self) -> float | None:
        return self.fixed_total / self.found_total if self.found_total else None

    def add(self, other: CountRow) -> None:
        for mine, theirs in (
            (self.places, other.places),
            (self.checked, other.checked),
            (self.found, other.found),
            (self.fixed, other.fixed),
        ):
            for key, value in theirs.items():
                mine[key] = mine.get(key, 0) + value
        self.notices += other.notices
        self.rechecks += other.rechecks
        self.rechecks_on_time += other.rechecks_on_time


@dataclass(frozen=True)
class Counts:
    level: str
    start: datetime.date
    end: datetime.date
    rows: list[CountRow]
    total: CountRow


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def counts(
    user: Any,
    *,
    level: str = "community",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> Counts:
    if level not in LEVELS:
        raise ServiceError(
            gettext("不支持按“%(level)s”统计，可选：街道、社区、网格") % {"level": level[:20]}
        )
    end = end or timezone.localdate()
    start = start or end.replace(month=1, day=1)
    if end < start:
        raise ServiceError(gettext("结束日期早于开始日期"))
    since, until = _moment(start), _moment(end + datetime.timedelta(days=1))
    by_grid: dict[int | None, CountRow] = defaultdict(lambda: CountRow("", ""))
    places = visible_to(user, Place.objects.all()).order_by()
    inspected = CampaignCheck.objects.filter(
        place=OuterRef("pk"),
        task__status="done",
        task__completed_at__gte=since,
        task__completed_at__lt=until,
    )
    checked_in_period = Q(last_checked_at__gte=since, last_checked_at__lt=until) | Q(
        Exists(inspected)
    )
    for grid_id, kind, total, checked in places.values_list("grid_id", "kind").annotate(
        total=Count("pk"), checked=Count("pk", filter=checked_in_period)
    ):
        row = by_grid[grid_id]
        row.places[kind] = total
        if checked:
            row.checked[kind] = checked
    hazards = visible_to(user, Hazard.objects.all()).filter(found_at__gte=since, found_at__lt=until)
    for grid_id, category, found, fixed in (
        hazards.order_by()
        .values_list("grid_id", "category")
        .annotate(found=Count("pk"), fixed=Count("pk", filter=Q(status=HazardStatus.RECTIFIED)))
    ):
        by_grid[grid_id].found[category] = found
        if fixed:
            by_grid[grid_id].fixed[category] = fixed
    notices = visible_to(user, Notice.objects.all()).filter(
        issued_at__gte=since, issued_at__lt=until
    )
    for grid_id, issued in notices.order_by().values_list("grid_id").annotate(n=Count("pk")):
        by_grid[grid_id].notices += issued
    _count_rechecks(user, start, end, by_grid)
    # roll the grids up to the level asked
    grids = Region.objects.filter(pk__in=[g for g in by_grid if g is not None]).only("code")
    grid_codes = {g.pk: g.code for g in grids}
    groups = {
        r.code: r
        for r in Region.objects.filter(level=level).only("code", "name")
        if any(code.startswith(r.code) for code in grid_codes.values())
    }
    rows: dict[str, CountRow] = {}
    total = CountRow("", "合计")
    for grid_id, row in by_grid.items():
        code = grid_codes.get(grid_id) if grid_id is not None else None
        group = next((g for c, g in groups.items() if code and code.startswith(c)), None)
        key = group.code if group else ""
        target = rows.setdefault(key, CountRow(key, _label(group)))
        target.add(row)
        total.add(row)
    ordered = sorted(rows.values(), key=lambda r: (r.code == "", r.code))
    return Counts(level, start, end, ordered, total)


def _count_rechecks(
    user: Any, start: datetime.date, end: datetime.date, by_grid: dict[int | None, CountRow]
) -> None:
    """Re-inspections due in the period, per grid (a re-inspection's region is the place's
    grid), and how many were done by their day: "re-inspections done on time" (回头看按时完成)."""
    from django.db.models import F

    from wangge.tasks.models import Task, TaskKind, TaskStatus

    rechecks = visible_to(user, Task.objects.all()).filter(
        kind=TaskKind.REINSPECTION, due_date__gte=start, due_date__lte=end
    )
    on_time = Q(status=TaskStatus.DONE, completed_at__date__lte=F("due_date"))
    for region_id, due, done in (
        rechecks.order_by()
        .values_list("region_id")
        .annotate(due=Count("pk"), done=Count("pk", filter=on_time))
    ):
        by_grid[region_id].rechecks += due
        by_grid[region_id].rechecks_on_time += done


def _label(region: Region | None) -> str:
    if region is None:
        return UNPLACED
    if region.level == RegionLevel.GRID and region.parent_id:
        parent = Region.objects.filter(pk=region.parent_id).values_list("name", flat=True).first()
        return f"{parent or ''}{region.name}"
    return region.name


def counts_xlsx(user: Any, result: Counts) -> bytes:
    """The table as a street forwards it: one row per region, places by kind, hazards found
    and fixed by category, notices, rate formatted as a percentage."""
    import openpyxl
    from openpyxl.styles import Font

    from wangge.core.tabular import export_cell

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "场所检查统计"
    sheet.append(
        [f"场所检查与隐患整改统计（按{LEVELS[result.level]}，{result.start} 至 {result.end}）"]
    )
    sheet["A1"].font = Font(bold=True)
    kinds, categories = PlaceKind.choices, HazardCategory.choices
    header = [LEVELS[result.level], "编码", "场所数", "已检查场所"]
    header += [f"已检查：{label}" for _, label in kinds]
    header += ["发现隐患", "已整改"]
    header += [f"{label}（发现/整改）" for _, label in categories]
    header += ["下达通知书", "整改率", "应回头看", "回头看按时完成"]
    sheet.append(header)
    for row in [*result.rows, result.total]:
        line: list[Any] = [export_cell(row.name), export_cell(row.code)]
        line += [row.places_total, row.checked_total]
        line += [row.checked.get(k, 0) for k, _ in kinds]
        line += [row.found_total, row.fixed_total]
        line += [f"{row.found.get(c, 0)}/{row.fixed.get(c, 0)}" for c, _ in categories]
        line += [row.notices, row.rate, row.rechecks, row.rechecks_on_time]
        sheet.append(line)
        sheet.cell(sheet.max_row, len(line) - 2).number_format = "0.0%"
    sheet.append([])
    sheet.append(
        [
            "整改率 = 已整改 / 发现隐患（按发现日期统计）；已检查场所 = 最近一次检查在统计期内或专项检查任务在统计期内完成的场所；"
            "回头看按时完成 = 应于统计期内回头看、且在应完成日当天或之前完成的"
        ]
    )
    out = io.BytesIO()
    book.save(out)
    audit.record(
        user, audit.AuditAction.EXPORT, "inspections.counts", "", detail={"level": result.level}
    )
    return out.getvalue()
