"""The places ledger as offices keep it (.xlsx/.xls/.ods/.csv), read into rows (no Django).

One row per place, English or Chinese headers. Every problem is collected with the sheet and
the row number the spreadsheet shows, so a clerk fixes the file in one pass; nothing is stored
unless the whole file is clean (the service decides that).
"""

from __future__ import annotations

from dataclasses import dataclass

from wangge.core.errors import Problem
from wangge.core.reasons import Reason
from wangge.core.tabular import (
    Sheet,
    TabularError,
    failed_formulas,
    find_header,
    iter_records,
    read_sheets,
)
from wangge.people.phone import check_phone

HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("name", "场所名称", "名称", "单位名称"),
    "kind": ("kind", "场所类型", "类型", "类别"),
    "address": ("address", "地址", "详细地址"),
    "address_code": ("address_code", "地址编码"),
    "grid_code": ("grid_code", "网格编码"),
    "responsible_person": ("responsible_person", "负责人", "责任人"),
    "responsible_phone": ("responsible_phone", "负责人电话", "联系电话", "电话"),
    "department": ("department", "主管部门", "行业主管部门"),
    "lon": ("lon", "经度"),
    "lat": ("lat", "纬度"),
    "note": ("note", "备注"),
}
REQUIRED = ("name", "kind")
LON_RANGE, LAT_RANGE = (73.0, 136.0), (3.0, 54.0)


@dataclass(frozen=True)
class PlaceRow:
    where: str
    name: str
    kind: str
    address: str
    address_code: str
    grid_code: str
    responsible_person: str
    responsible_phone: str
    department: str
    lon: float | None
    lat: float | None
    note: str


def parse_sheet(
    sheet: Sheet, where: str, kinds: dict[str, str]
) -> tuple[list[PlaceRow], list[Problem]]:
    """`kinds` maps each accepted kind spelling (label or code) to its code."""
    found = find_header(sheet.rows, HEADERS, REQUIRED, 5)  # title rows may stand above
    if found is None:
        names = "、".join(HEADERS[f][1] for f in REQUIRED)
        return [], [
            Problem(
                Reason("%(sheet)s前5行", sheet=where) if where else Reason("前5行"),
                Reason("找不到表头：需要列 %(names)s", names=names),
            )
        ]
    header_index, mapping = found
    rows: list[PlaceRow] = []
    problems: list[Problem] = []
    seen: dict[tuple[str, str], int] = {}
    for line, record in iter_records(sheet, header_index):
        at = (
            Reason("%(sheet)s第%(row)s行", sheet=where, row=line)
            if where
            else Reason("第%(row)s行", row=line)
        )
        v = {f: record.get(col, "").strip() for f, col in mapping.items()}
        failed = failed_formulas({col: record.get(col, "") for col in mapping.values()})
        if failed is not None:
            problems.append(Problem(at, failed))
            continue
        if not v["name"]:
            problems.append(Problem(at, Reason("场所名称不能为空")))
            continue
        kind = kinds.get(v["kind"])
        if kind is None:
            options = "、".join(sorted({k for k in kinds if not k.isascii()}))
            problems.append(
                Problem(
                    at,
                    Reason(
                        "场所类型“%(kind)s”无效，应为：%(options)s",
                        kind=v["kind"][:20],
                        options=options,
                    ),
                )
            )
            continue
        key = (v["name"], v.get("address", ""))
        if key in seen:
            problems.append(
                Problem(
                    at,
                    Reason("场所“%(name)s”与第%(line)s行重复", name=v["name"][:30], line=seen[key]),
                )
            )
            continue
        seen[key] = line
        phone = v.get("responsible_phone", "")
        if phone:
            checked = check_phone(phone)
            if not checked.valid or checked.normalized is None:
                problems.append(
                    Problem(at, Reason("负责人电话无效（%(reason)s）", reason=checked.reason))
                )
                continue
            phone = checked.normalized
        lon = lat = None
        if v.get("lon") or v.get("lat"):
            try:
                lon, lat = float(v.get("lon", "")), float(v.get("lat", ""))
            except ValueError:
                problems.append(Problem(at, Reason("经纬度不是数字")))
                continue
            if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
                problems.append(
                    Problem(
                        at,
                        Reason(
                            "坐标(%(lon)s, %(lat)s)不在中国境内，应为WGS-84经纬度", lon=lon, lat=lat
                        ),
                    )
                )
                continue
        if not v.get("address_code") and not v.get("grid_code"):
            problems.append(Problem(at, Reason("须填写地址编码或网格编码，才能把场所落到网格")))
            continue
        rows.append(
            PlaceRow(
                where=at,
                name=v["name"][:100],
                kind=kind,
                address=v.get("address", "")[:200],
                address_code=v.get("address_code", ""),
                grid_code=v.get("grid_code", ""),
                responsible_person=v.get("responsible_person", "")[:50],
                responsible_phone=phone,
                department=v.get("department", ""),
                lon=lon,
                lat=lat,
                note=v.get("note", ""),
            )
        )
    return rows, problems


def read_place_file(
    file_name: str, data: bytes, kinds: dict[str, str]
) -> tuple[list[PlaceRow], list[Problem]]:
    try:
        sheets = read_sheets(file_name, data=data)
    except TabularError as exc:
        return [], [Problem("", exc.reason)]
    rows: list[PlaceRow] = []
    problems: list[Problem] = []
    for sheet in sheets:
        if not any(any(c for c in row) for row in sheet.rows):
            continue
        where = Reason("工作表“%(name)s”", name=sheet.name) if sheet.name else ""
        got, bad = parse_sheet(sheet, where, kinds)
        rows += got
        problems += bad
    if not rows and not problems:
        problems.append(Problem(file_name, Reason("文件中没有数据行")))
    return rows, problems
