"""The `addresses.csv`/`.xlsx` interchange format of the standard address registry (no Django).

One row per room. English or Chinese headers (DESIGN.md); `building`/`unit` may be empty for
courtyard houses. Every problem is collected with its row number so a clerk can fix the file in
one pass; the loader stores nothing unless the whole file is clean.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from wangge.core.errors import Problem
from wangge.core.odf import ERROR_VALUES
from wangge.core.tabular import (
    Sheet,
    TabularError,
    failed_formulas,
    find_header,
    header_columns,
    iter_records,
    read_sheets,
)

# The English name, this format's Chinese name (used in messages), then what address registries
# of public-security and place-name systems (标准地址库, 门楼牌) call the same column.
HEADERS: dict[str, tuple[str, ...]] = {
    "address_code": (
        "address_code", "地址编码", "标准地址编码", "地址代码", "地址id", "门楼牌编码",
    ),
    "community_code": ("community_code", "社区编码", "社区代码", "所属社区编码", "社区（村）编码"),
    "road": ("road", "街路巷", "街路巷名称", "道路名称", "路名", "街巷名称"),
    "number": ("number", "门牌号", "门牌号码", "门（楼）牌号", "门楼牌号"),
    "building": ("building", "楼栋号", "楼栋", "楼号", "幢号", "楼栋编号"),
    "unit": ("unit", "单元号", "单元"),
    "room": ("room", "户室号", "户室", "房号", "户号", "室号", "房间号"),
    "lat": ("lat", "纬度", "纬度坐标"),
    "lon": ("lon", "经度", "经度坐标"),
    "use": ("use", "用途", "房屋用途"),
}  # fmt: skip
HEADER_SCAN_ROWS = 10
REQUIRED = ("address_code", "community_code", "road", "number", "room", "lat", "lon")
USES = {
    "自住": "owner_occupied",
    "出租": "rented",
    "空置": "vacant",
    "商用": "commercial",
    "其他": "other",
}
USES.update({v: v for v in list(USES.values())})
# Mainland China, generously: a point outside is a swapped lat/lon or a projected coordinate.
LON_RANGE, LAT_RANGE = (73.0, 136.0), (3.0, 54.0)
# A failed formula's value (`core.odf.is_error_value`), for the fast path's columns at a time
_FAILED_FORMULA = "^(?:" + "|".join(re.escape(v) for v in sorted(ERROR_VALUES)) + r"|Err:\d{3})$"


@dataclass(frozen=True)
class AddressRow:
    row: int
    address_code: str
    community_code: str
    road: str
    number: str
    building: str
    unit: str
    room: str
    lat: float
    lon: float
    use: str


def _strip_suffix(value: str, *suffixes: str) -> str:
    for suffix in suffixes:
        if value.endswith(suffix) and len(value) > len(suffix):
            return value[: -len(suffix)]
    return value


def parse_rows(sheet: Sheet, where: str) -> tuple[list[AddressRow], list[Problem]]:
    if not sheet.rows:
        return [], [Problem(where, "文件为空")]
    # The header is the first row with every required column (a title row such as XX社区标准地址表
    # may stand above it); where none has, the first row's missing columns are named.
    header, mapping = find_header(sheet.rows, HEADERS, REQUIRED, HEADER_SCAN_ROWS) or (
        0,
        header_columns(sheet.rows[0], HEADERS),
    )
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        names = "、".join(f"{HEADERS[f][1]}（{f}）" for f in missing)
        return [], [Problem(f"{where}第1行", f"缺少必需的列：{names}")]
    rows: list[AddressRow] = []
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for line, record in iter_records(sheet, header):
        at = f"{where}第{line}行"
        values = {f: record.get(col, "").strip() for f, col in mapping.items()}
        failed = failed_formulas({col: record.get(col, "") for col in mapping.values()})
        if failed is not None:
            problems.append(Problem(at, failed))
            continue
        bad = [HEADERS[f][1] for f in REQUIRED if not values.get(f)]
        if bad:
            problems.append(Problem(at, f"{'、'.join(bad)}不能为空"))
            continue
        code = values["address_code"]
        if code in seen:
            problems.append(Problem(at, f"地址编码 {code} 与第{seen[code]}行重复"))
            continue
        seen[code] = line
        try:
            lat, lon = float(values["lat"]), float(values["lon"])
        except ValueError:
            problems.append(
                Problem(at, f"经纬度不是数字：纬度“{values['lat']}”，经度“{values['lon']}”")
            )
            continue
        if not (LON_RANGE[0] <= lon <= LON_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
            hint = "（纬度和经度是否填反了？）" if LON_RANGE[0] <= lat <= LON_RANGE[1] else ""
            problems.append(Problem(at, f"坐标({lon}, {lat})不在中国境内，应为WGS-84经纬度{hint}"))
            continue
        use_text = values.get("use", "") or "自住"
        if use_text not in USES:
            problems.append(
                Problem(at, f"用途“{use_text}”无效，应为：自住、出租、空置、商用、其他")
            )
            continue
        rows.append(
            AddressRow(
                row=line,
                address_code=code,
                community_code=values["community_code"],
                road=values["road"],
                number=_strip_suffix(values["number"], "号"),
                building=_strip_suffix(values.get("building", ""), "号楼", "栋", "幢", "座", "楼"),
                unit=_strip_suffix(values.get("unit", ""), "单元"),
                room=_strip_suffix(values["room"], "室", "户"),
                lat=lat,
                lon=lon,
                use=USES[use_text],
            )
        )
    if not rows and not problems:
        problems.append(Problem(where, "文件中没有数据行"))
    return rows, problems


def read_address_file(
    path: str | Path, *, data: bytes | None = None
) -> tuple[list[AddressRow], list[Problem]]:
    name = Path(path).name
    clean = _clean_csv_rows(path, data)
    if clean is not None:
        return clean, []
    try:
        sheets = read_sheets(path, data=data)
    except TabularError as exc:
        return [], [Problem("", str(exc))]
    rows: list[AddressRow] = []
    problems: list[Problem] = []
    first_seen: dict[str, str] = {}
    for sheet in sheets:
        if not any(any(cell for cell in row) for row in sheet.rows):
            continue
        where = f"{name}" + (f"［{sheet.name}］" if sheet.name else "")
        sheet_rows, sheet_problems = parse_rows(sheet, where)
        problems += sheet_problems
        for row in sheet_rows:
            if row.address_code in first_seen:
                problems.append(
                    Problem(
                        f"{where}第{row.row}行",
                        f"地址编码 {row.address_code} 与{first_seen[row.address_code]}重复",
                    )
                )
                continue
            first_seen[row.address_code] = f"{where}第{row.row}行"
            rows.append(row)
    return rows, problems


def _clean_csv_rows(path: str | Path, data: bytes | None) -> list[AddressRow] | None:
    """The rows of a clean UTF-8 CSV, checked a column at a time with Polars; None when the
    file is anything else or anything in it is wrong, and the row-by-row reading then says
    what and where. A district registry has hundreds of thousands of rooms: this is the
    difference between seconds and a fraction of one."""
    if not str(path).lower().endswith(".csv"):
        return None
    raw = data if data is not None else Path(path).read_bytes()
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    try:
        raw.decode("utf-8")
        frame = pl.read_csv(raw, infer_schema=False)
    except (UnicodeDecodeError, pl.exceptions.PolarsError):
        return None
    mapping = header_columns(frame.columns, HEADERS)
    if any(f not in mapping for f in REQUIRED) or frame.height == 0:
        return None
    values = frame.select(
        pl.col(column).fill_null("").str.strip_chars().alias(f) for f, column in mapping.items()
    )
    lat = values.get_column("lat").cast(pl.Float64, strict=False)
    lon = values.get_column("lon").cast(pl.Float64, strict=False)
    uses = (
        values.get_column("use").replace("", "自住")
        if "use" in values.columns
        else pl.Series(["自住"] * values.height)
    )
    clean = (
        all(values.get_column(f).str.len_chars().min() for f in REQUIRED if f not in ("lat", "lon"))
        and values.get_column("address_code").is_unique().all()
        and lat.null_count() == 0
        and lon.null_count() == 0
        and bool(lat.is_between(*LAT_RANGE).all() and lon.is_between(*LON_RANGE).all())
        and bool(uses.is_in(list(USES)).all())
        and not any(values.get_column(f).str.contains(_FAILED_FORMULA).any() for f in mapping)
    )
    if not clean:
        return None

    def column(field: str) -> list[str]:
        if field not in values.columns:
            return [""] * values.height
        return values.get_column(field).to_list()

    values = values.with_columns(
        _without_suffix(pl.col("number"), "号"),
        *(
            _without_suffix(pl.col(f), *suffixes)
            for f, suffixes in (
                ("building", ("号楼", "栋", "幢", "座", "楼")),
                ("unit", ("单元",)),
            )
            if f in values.columns
        ),
        _without_suffix(pl.col("room"), "室", "户"),
    )
    return [
        AddressRow(
            row=n + 2,
            address_code=code,
            community_code=community,
            road=road,
            number=number,
            building=building,
            unit=unit,
            room=room,
            lat=y,
            lon=x,
            use=USES[use],
        )
        for n, (code, community, road, number, building, unit, room, y, x, use) in enumerate(
            zip(
                column("address_code"),
                column("community_code"),
                column("road"),
                column("number"),
                column("building"),
                column("unit"),
                column("room"),
                lat.to_list(),
                lon.to_list(),
                uses.to_list(),
                strict=True,
            )
        )
    ]


def _without_suffix(value: pl.Expr, *suffixes: str) -> pl.Expr:
    """`_strip_suffix` for a column: the first suffix that ends a longer value is cut."""
    out = value
    for suffix in reversed(suffixes):  # built inside out, so the first suffix is tried first
        cut = value.str.ends_with(suffix) & (value.str.len_chars() > len(suffix))
        out = (
            pl.when(cut)
            .then(value.str.slice(0, value.str.len_chars() - len(suffix)))
            .otherwise(out)
        )
    return out.alias(value.meta.output_name())
