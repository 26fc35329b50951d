"""Reading the 12345 hotline's work-order export (xlsx/CSV) into plain records.

The city system's exports differ by district in header wording, so each field accepts several
header spellings (Chinese first, English too). Every problem is reported with the row number the
spreadsheet shows; the caller stores nothing if there is any. Pure logic, no Django.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from wangge.core.errors import Problem
from wangge.core.tabular import Sheet, failed_formulas

__all__ = ["HEADERS", "WorkOrder", "parse_datetime", "parse_work_orders"]

# What 12345 systems call each column; the first listed is this platform's own export.
HEADERS: dict[str, tuple[str, ...]] = {
    "external_id": (
        "工单编号", "工单号", "编号", "工单编码", "案件编号", "受理编号", "external_id",
    ),
    "created_at": (
        "受理时间", "来电时间", "派单时间", "来电日期", "受理日期", "登记时间", "反映时间",
        "创建时间", "派发时间", "created_at",
    ),
    "title": ("标题", "诉求标题", "工单标题", "事项标题", "主题", "title"),
    "description": (
        "诉求内容", "反映内容", "问题描述", "内容", "来电内容", "诉求描述", "问题内容",
        "事项描述", "具体内容", "详细内容", "description",
    ),
    "category": (
        "诉求类别", "问题分类", "类别", "诉求分类", "诉求类型", "问题类型", "问题类别",
        "事项分类", "业务类别", "分类", "category",
    ),
    "address": (
        "地址", "事发地址", "问题地址", "诉求地址", "问题发生地址", "事发地点", "发生地址",
        "详细地址", "事件地址", "address",
    ),
    "lon": ("经度", "lon", "lng"),
    "lat": ("纬度", "lat"),
    "region": ("区域编码", "网格编码", "region_code"),
    "street": ("街道", "所属街道", "街道（乡镇）", "街乡", "所属街乡", "乡镇街道", "street"),
    "community": ("社区", "所属社区", "社区（村）", "所属社区（村）", "村居", "community"),
    "reporter_name": (
        "来电人", "反映人", "联系人", "诉求人", "来电人姓名", "市民姓名", "reporter_name",
    ),
    "reporter_phone": (
        "联系电话", "来电号码", "电话", "诉求人电话", "来电人电话", "联系方式", "联系号码",
        "手机号码", "reporter_phone",
    ),
}  # fmt: skip
REQUIRED = ("external_id",)

_DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
)


@dataclass
class WorkOrder:
    row: int
    sheet: str
    external_id: str
    created_at: datetime.datetime | None
    title: str
    description: str
    category: str = ""
    address: str = ""
    lon: float | None = None
    lat: float | None = None
    region: str = ""
    street: str = ""
    community: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"{self.sheet + ' ' if self.sheet else ''}第{self.row}行"


def parse_datetime(text: str) -> datetime.datetime | None:
    """Naive local time as written; None for empty. Raises ValueError for unreadable text."""
    text = text.strip()
    if not text:
        return None
    text = re.sub(r"\.\d+$", "", text)  # fractional seconds from Excel
    for fmt in _DATETIME_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    raise ValueError(text)


def _header_map(header: list[str]) -> dict[str, int]:
    positions: dict[str, int] = {}
    cleaned = [re.sub(r"\s+", "", h).lower() for h in header]
    for key, names in HEADERS.items():
        for name in names:
            if name.lower() in cleaned:
                positions[key] = cleaned.index(name.lower())
                break
    return positions


def _float(text: str) -> float:
    value = float(text)
    if value != value:
        raise ValueError(text)
    return value


def parse_work_orders(sheets: list[Sheet]) -> tuple[list[WorkOrder], list[Problem]]:
    """All work orders of every non-empty sheet, and every problem found (row by row)."""
    orders: list[WorkOrder] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for sheet in sheets:
        rows = [r for r in sheet.rows]
        header_index = next(
            (i for i, r in enumerate(rows[:10]) if _header_map(r).keys() >= set(REQUIRED)), None
        )
        if header_index is None:
            if any(any(c for c in r) for r in rows):
                label = f"工作表“{sheet.name}”" if sheet.name else "文件"
                problems.append(
                    Problem(label, "找不到表头：需要“工单编号”列，以及“标题”或“诉求内容”列")
                )
            continue
        columns = _header_map(rows[header_index])
        if "title" not in columns and "description" not in columns:
            problems.append(Problem(sheet.name or "文件", "缺少“标题”或“诉求内容”列"))
            continue
        for index in range(header_index + 1, len(rows)):
            row = rows[index]
            if not any(cell.strip() for cell in row):
                continue

            def cell(key: str, row: list[str] = row, columns: dict[str, int] = columns) -> str:
                pos = columns.get(key)
                return row[pos].strip() if pos is not None and pos < len(row) else ""

            prefix = f"{sheet.name} " if sheet.name else ""
            where = f"{prefix}第{index + 1}行"
            before = len(problems)
            failed = failed_formulas(
                {rows[header_index][pos]: row[pos] for pos in columns.values() if pos < len(row)}
            )
            if failed is not None:
                problems.append(Problem(where, failed))
                continue
            external_id = cell("external_id")
            if not external_id:
                problems.append(Problem(where, "工单编号为空"))
            elif external_id in seen:
                problems.append(Problem(where, f"工单编号“{external_id}”与{seen[external_id]}重复"))
            else:
                seen[external_id] = where
            title, description = cell("title"), cell("description")
            if not title and not description:
                problems.append(Problem(where, "标题和诉求内容都为空"))
            try:
                created_at = parse_datetime(cell("created_at"))
            except ValueError:
                problems.append(
                    Problem(where, f"受理时间“{cell('created_at')}”无法识别，应如 2026-11-20 09:30")
                )
                created_at = None
            lon = lat = None
            if cell("lon") or cell("lat"):
                try:
                    lon, lat = _float(cell("lon")), _float(cell("lat"))
                    if not (73 <= lon <= 136 and 3 <= lat <= 54):
                        problems.append(
                            Problem(where, f"经纬度（{lon}, {lat}）不在中国境内，请检查是否填反")
                        )
                except ValueError:
                    problems.append(
                        Problem(
                            where, f"经纬度“{cell('lon')}, {cell('lat')}”不是数字，或只填了一个"
                        )
                    )
            if len(problems) > before:
                continue
            orders.append(
                WorkOrder(
                    row=index + 1,
                    sheet=sheet.name,
                    external_id=external_id,
                    created_at=created_at,
                    title=(title or description)[:200],
                    description=description,
                    category=cell("category"),
                    address=cell("address")[:255],
                    lon=lon,
                    lat=lat,
                    region=cell("region"),
                    street=cell("street"),
                    community=cell("community"),
                    reporter_name=cell("reporter_name")[:50],
                    reporter_phone=cell("reporter_phone"),
                )
            )
    if not orders and not problems:
        problems.append(Problem("", "文件里没有工单"))
    return orders, problems
