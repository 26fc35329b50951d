"""Reading office ledgers (台账) as they are: xlsx/xls/csv with title rows, merged cells, footers.

Pure Python, no Django. Every cell comes out as text exactly as a clerk would read it in Excel,
with the row number the spreadsheet shows, so every later decision can point back at its source.
The reader never guesses what a column means (beyond which ones merely number the rows, by the
header vocabulary of `fields`): it only finds the header, cleans the grid and
notes what it skipped or could not recover. A file that cannot be read raises LedgerReadError
and nothing is returned partially. What a file really is, its limits and its encodings are
`ledger_files`' business; here the grids it gives become sheets with a header.
"""

from __future__ import annotations

import csv
import datetime
import functools
import io
import itertools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from wangge.core.tabular import csv_error_message, excel_text
from wangge.fusion.fields import read_header
from wangge.fusion.ledger_files import (
    Budget,
    Grid,
    LedgerReadError,
    MergeRange,
    ReadLimits,
    check_size,
    decode_text,
    guard_zip,
    ole_is_encrypted_ooxml,
    read_html,
    read_workbook,
    sniff,
)

__all__ = [
    "SOURCE_ROW",
    "LedgerReadError",
    "LedgerSheet",
    "ReadLimits",
    "read_ledger",
    "cell_text",
    "excel_serial_to_date",
]

DEFAULT_LIMITS = ReadLimits()
SOURCE_ROW = "_source_row"
HEADER_SCAN_ROWS = 30
WIDTH_SCAN_RECORDS = 1000
SCAN_PREFIX_CHARS = 1024 * 1024
MAX_NOTES_PER_KIND = 20


@dataclass
class LedgerSheet:
    """One sheet's cells. Columns past `header_width` have no name in the header (`第H列`):
    cells a row has beyond the header, which the mapping may still take by their content.
    `overflow` holds what the frame could not: a CSV record wider than every record the reader
    scanned to size the table, by its row number, as (cells up to its last filled one, its
    filled cells past the frame's columns); nothing a file holds is dropped unsaid (the
    pipeline reports both per row, `normalise.beyond_header`)."""

    file_name: str
    sheet_name: str
    columns: list[str]
    frame: pl.DataFrame
    header_rows: list[int]
    notes: list[str] = field(default_factory=list)
    lossy_cells: int = 0
    header_width: int | None = None  # None: every column is named
    overflow: dict[int, tuple[int, tuple[str, ...]]] = field(default_factory=dict)


HeaderScore = Callable[[str], float]


# --------------------------------------------------------------------------- entry point


def read_ledger(
    path: str | Path,
    *,
    data: bytes | None = None,
    limits: ReadLimits = DEFAULT_LIMITS,
    header_score: HeaderScore | None = None,
) -> list[LedgerSheet]:
    """Every sheet of the ledger that has a header, as text columns plus `_source_row`.

    Empty cells are "" (never null). Notes about skipped sheets go to the first sheet returned.
    """
    path = Path(path)
    name = path.name
    if data is None:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise LedgerReadError(f"无法打开文件（{exc.strerror}）", file_name=name) from exc
        check_size(size, name, limits)
        raw = path.read_bytes()
    else:
        check_size(len(data), name, limits)
        raw = data
    if re.search(rb"[^\s\x00]", raw) is None:
        raise LedgerReadError("文件是空的", file_name=name)
    kind = sniff(raw)
    budget = Budget(limits, name)
    if kind == "csv":
        return _read_csv(raw, name, budget, header_score)
    if kind == "zip":
        date1904 = guard_zip(raw, name, limits)
        grids = read_workbook(raw, name, date1904, budget)
    elif kind == "ole":
        if ole_is_encrypted_ooxml(raw):
            raise LedgerReadError(
                "文件设置了打开密码，无法读取；请在 Excel 中取消密码后另存再导入", file_name=name
            )
        grids = read_workbook(raw, name, False, budget)
    elif kind == "html":
        grids = read_html(raw, name, budget)
    else:
        raise LedgerReadError(
            "不是可识别的表格文件（支持 .xlsx、.xlsm、.xls、.csv），请在 Excel 中另存为 .xlsx",
            file_name=name,
        )
    return _sheets_from_grids(grids, name, budget, header_score)


# --------------------------------------------------------------------------- cell values

DATE_HEADER = re.compile(r"日期|时间|生日|出生|年月|date|time|day", re.IGNORECASE)
# Serials that give years 1902..2099: a date column holding small numbers (居住时间 3 年) keeps them.
SERIAL_MIN, SERIAL_MAX = 1000, 73050


def cell_text(value: object) -> str:
    """A cell as the text Excel shows, without float artefacts (lossy numbers: see _number)."""
    if value is None:
        return ""
    if isinstance(value, str):
        # str.strip() and polars' strip_chars() both strip Unicode white space (\u3000, NBSP).
        text = value.strip()
        return text[1:].lstrip() if text.startswith("'") else text
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return _number(value)[0]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds")
    return str(value).strip()


def _number(value: float) -> tuple[str, bool]:
    """Text of a number cell and whether digits were lost (Excel keeps 15 significant)."""
    if value != value or value in (math.inf, -math.inf):
        return "", False
    if value.is_integer():
        if abs(value) < 1e15:
            return str(int(value)), False
        mantissa, exponent = f"{value:.14E}".split("E")
        mantissa = mantissa.rstrip("0").rstrip(".")
        sign = exponent[0]
        return f"{mantissa}E{sign}{int(exponent[1:]):02d}", True
    return f"{value:.15g}", False


def excel_serial_to_date(serial: float, date1904: bool = False) -> datetime.date | None:
    """Excel's day number as a date, honouring its 1900 leap-year bug (serial 60 = 29 Feb 1900)."""
    day = int(math.floor(serial))
    if date1904:
        return datetime.date(1904, 1, 1) + datetime.timedelta(days=day)
    if day < 1 or day == 60:
        return None
    if day < 60:
        return datetime.date(1899, 12, 31) + datetime.timedelta(days=day)
    return datetime.date(1899, 12, 30) + datetime.timedelta(days=day)


def _clean_header(text: str) -> str:
    text = re.sub(r"\s+", " ", text.replace("\u3000", " ")).strip()
    # Line breaks and padding inside Chinese headers are layout ("身份证\n号码").
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)


# --------------------------------------------------------------------------- header detection

_NUMERIC = re.compile(r"^[-+]?[\d.,:/年月日\-E+ ]+$")


def _generic_cell_score(text: str) -> float:
    if not text:
        return 0.0
    if _NUMERIC.match(text) or sum(ch.isdigit() for ch in text) * 2 > len(text):
        return -0.5
    if len(text) > 20:
        return 0.0
    if re.search(r"[：:].", text):  # 填报单位：XX社区 — a title line, not a column name
        return 0.0
    return 1.0


def _row_score(cells: Sequence[str], scorer: HeaderScore | None) -> float:
    distinct = {c for c in cells if c}
    if not distinct:
        return 0.0
    if scorer is not None:
        return float(sum(scorer(c) for c in distinct))
    if len(distinct) < 2:
        return 0.0
    return sum(_generic_cell_score(c) for c in distinct)


def _find_header(rows: Sequence[Sequence[str]], scorer: HeaderScore | None) -> int | None:
    """The header row within the first rows: the best by the scorer, else the first row that
    looks about as header-like as the best one (data rows of names can look header-like too)."""
    scores = [_row_score(row, scorer) for row in rows[:HEADER_SCAN_ROWS]]
    if not scores:
        return None
    best = max(scores)
    if scorer is not None:
        return scores.index(best) if best > 0 else None
    if best < 2:
        return None
    filled = [sum(1 for c in row if c) for row in rows[:HEADER_SCAN_ROWS]]
    widest = max(filled)
    return next(
        i
        for i, s in enumerate(scores)
        if s >= max(2.0, 0.5 * best) and (filled[i] * 2 >= widest or s == best)
    )


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _header_block(
    rows: Sequence[Sequence[str]], header: int, merges: Sequence[MergeRange], width: int
) -> tuple[list[str], list[int], int]:
    """Column names, the 0-based header rows (joining a merged group row above the names) and
    the header's width: the columns up to its last named one."""
    top, bottom = header, header
    for (r1, c1), (r2, _c2) in merges:
        if r1 == header and r2 > header and c1 < width:
            bottom = max(bottom, min(r2, header + 2))  # names merged down over sub-columns
    group_above = header > 0 and any(
        r1 == r2 == header - 1 and c2 > c1 and not (c1 == 0 and c2 >= width - 1)
        for (r1, c1), (r2, c2) in merges
    )
    if group_above:
        top = header - 1
    owner: dict[tuple[int, int], tuple[int, int]] = {}
    for (r1, c1), (r2, c2) in merges:
        if r2 < top or r1 > bottom:
            continue
        for r in range(max(r1, top), min(r2, bottom) + 1):
            for c in range(c1, min(c2, width - 1) + 1):
                owner[(r, c)] = (r1, c1)

    def text_at(r: int, c: int) -> str:
        r0, c0 = owner.get((r, c), (r, c))
        row = rows[r0] if r0 < len(rows) else []
        return _clean_header(row[c0]) if c0 < len(row) else ""

    names = []
    named = 0
    for c in range(width):
        parts: list[str] = []
        for r in range(top, bottom + 1):
            merged = (r, c) in owner
            if r < header and not merged:
                continue  # an unmerged cell above the names is not a group name
            text = text_at(r, c)
            if text and (not parts or parts[-1] != text):
                parts.append(text)
        names.append("/".join(parts) if parts else f"第{_column_letter(c)}列")
        if parts:
            named = c + 1
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}({seen[name]})")
    return unique, list(range(top, bottom + 1)), named


# --------------------------------------------------------------------------- sheets from grids


def _sheets_from_grids(
    grids: list[Grid], name: str, budget: Budget, scorer: HeaderScore | None
) -> list[LedgerSheet]:
    sheets: list[LedgerSheet] = []
    skipped: list[str] = []
    nonempty = 0
    for grid in grids:
        sheet = _sheet_from_grid(grid, name, budget, scorer, skipped)
        if any(any(cell not in (None, "") for cell in row) for row in grid.rows[:1000]):
            nonempty += 1
        if sheet is not None:
            sheets.append(sheet)
    if not sheets:
        if nonempty == 0:
            raise LedgerReadError("文件中没有数据（所有工作表都是空的）", file_name=name)
        raise LedgerReadError(
            "没有找到表头（前 30 行中没有像“姓名、身份证号、联系电话”这样的列名行）",
            file_name=name,
            sheet=grids[0].name if len(grids) == 1 else None,
        )
    sheets[0].notes[:0] = skipped
    return sheets


def _sheet_from_grid(
    grid: Grid, name: str, budget: Budget, scorer: HeaderScore | None, skipped: list[str]
) -> LedgerSheet | None:
    rows = grid.rows
    label = f"工作表“{grid.name}”" if grid.name else "表格"
    width = max((len(r) for r in rows), default=0)
    scan = [[cell_text(v) for v in row] for row in rows[:HEADER_SCAN_ROWS]]
    if not any(any(c for c in row) for row in scan) and not any(
        any(v not in (None, "") for v in row) for row in rows
    ):
        skipped.append(f"{label}为空，已跳过")
        return None
    _fill_header_merges(scan, grid.merges)
    header = _find_header(scan, scorer)
    if header is None:
        skipped.append(f"{label}没有可识别的表头，已跳过")
        return None
    # Trailing columns that are empty in the header and in every data row are layout only.
    used = 0
    for row in rows[header:]:
        for c in range(len(row) - 1, used - 1, -1):
            if row[c] not in (None, ""):
                used = c + 1
                break
    width = max(used, 1)
    columns, header_rows, header_width = _header_block(scan, header, grid.merges, width)
    first_data = header_rows[-1] + 1
    body = rows[first_data:]
    budget.take(len(body), width, grid.name or None)
    _fill_data_merges(rows, grid.merges, first_data)

    notes = list(grid.notes)
    lossy_notes: list[str] = []
    lossy = 0
    out_columns: list[pl.Series] = []
    cells_by_column = list(itertools.zip_longest(*body, fillvalue=None))[:width]
    cells_by_column += [(None,) * len(body)] * (width - len(cells_by_column))
    for c, cells in enumerate(cells_by_column):
        if all(type(v) is str or v is None for v in cells):
            # Text only, as most ledger columns are: cleaned as a whole column.
            out_columns.append(_text_column(columns[c], cells))
            continue
        convert = _converter(columns[c], grid.date1904)
        texts: list[str] = []
        for offset, value in enumerate(cells):
            text, lost = convert(value)
            if lost:
                lossy += 1
                if len(lossy_notes) < MAX_NOTES_PER_KIND:
                    lossy_notes.append(
                        f"第 {first_data + offset + 1} 行 {columns[c]} 为科学计数法，后几位已丢失"
                    )
            texts.append(text)
        out_columns.append(pl.Series(columns[c], texts, dtype=pl.Utf8))
    frame = pl.DataFrame(out_columns).with_columns(
        pl.Series(SOURCE_ROW, range(first_data + 1, first_data + 1 + len(body)), dtype=pl.Int64)
    )
    title_rows = _merged_title_rows(grid.merges, first_data, width)
    if header_rows[0] > 0:
        notes.append(f"跳过标题行 {_span_text(1, header_rows[0])}")
    header_cells = ([cell_text(v) for v in rows[header]] + [""] * width)[:width]
    frame, filter_notes = _filter_rows(frame, columns, [header_cells], title_rows)
    notes.extend(filter_notes)
    notes.extend(lossy_notes)
    if lossy > len(lossy_notes):
        notes.append(f"另有 {lossy - len(lossy_notes)} 处数字因位数过长已丢失后几位")
    return LedgerSheet(
        file_name=name,
        sheet_name=grid.name,
        columns=columns,
        frame=frame,
        header_rows=[r + 1 for r in header_rows],
        notes=notes,
        lossy_cells=lossy,
        header_width=header_width,
    )


def _span_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


def _fill_header_merges(scan: list[list[str]], merges: Sequence[MergeRange]) -> None:
    """Forward-fill merged cells in the scanned top rows so group names reach every column."""
    for (r1, c1), (r2, c2) in merges:
        if r1 >= len(scan):
            continue
        value = scan[r1][c1] if c1 < len(scan[r1]) else ""
        for r in range(r1, min(r2, len(scan) - 1) + 1):
            row = scan[r]
            if len(row) <= c2:
                row.extend([""] * (c2 + 1 - len(row)))
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    row[c] = value


def _fill_data_merges(rows: list[list[Any]], merges: Sequence[MergeRange], first: int) -> None:
    """A value merged down over several rows (a household's address) belongs to every row.

    Only the merge's first column is filled: the other columns of a wide merge are the same
    cell drawn wider, not more values.
    """
    for (r1, c1), (r2, _c2) in merges:
        if r2 < first or r1 == r2 or r1 >= len(rows):
            continue
        value = rows[r1][c1] if c1 < len(rows[r1]) else None
        for r in range(max(r1 + 1, first), min(r2, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([None] * (c1 + 1 - len(row)))
            row[c1] = value


def _merged_title_rows(merges: Sequence[MergeRange], first: int, width: int) -> set[int]:
    """Rows (1-based) that are one cell merged across most of the table: section titles."""
    return {
        r1 + 1
        for (r1, c1), (r2, c2) in merges
        if r1 >= first and r1 == r2 and c2 - c1 + 1 >= max(2, (width + 1) // 2)
    }


def _text_column(name: str, cells: Sequence[str | None]) -> pl.Series:
    """`cell_text` of a column of text cells: stripped, and a leading apostrophe (Excel's
    "keep this as text" mark) dropped."""
    stripped = pl.Series(name, cells, dtype=pl.Utf8).fill_null("").str.strip_chars()
    return (
        stripped.to_frame()
        .select(
            pl.when(pl.col(name).str.starts_with("'"))
            .then(pl.col(name).str.slice(1).str.strip_chars_start())
            .otherwise(pl.col(name))
        )
        .to_series()
    )


def _converter(column: str, date1904: bool) -> Callable[[Any], tuple[str, bool]]:
    is_date = DATE_HEADER.search(column) is not None

    def convert(value: Any) -> tuple[str, bool]:
        if isinstance(value, float) and not isinstance(value, bool):
            if is_date and SERIAL_MIN <= value <= SERIAL_MAX:
                day = excel_serial_to_date(value, date1904)
                if day is not None:
                    return day.isoformat(), False
            return _number(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if is_date and SERIAL_MIN <= value <= SERIAL_MAX:
                day = excel_serial_to_date(value, date1904)
                if day is not None:
                    return day.isoformat(), False
            return str(value), False
        return cell_text(value), False

    return convert


# --------------------------------------------------------------------------- row filtering

FOOTER = re.compile(
    r"^(填表人|制表人|审核人|审批人|负责人|统计人|经办人|合计|总计|小计|填报日期|填表日期|制表日期|日期"
    r"|备注[：:]|说明[：:]|注[：:]|(本页|本表|以上)?共计?\s*[0-9０-９]+\s*(人|户|名|条|间|套|家))"
    r"|^[\u4e00-\u9fff]{2,6}[：:]"
)
SECTION_TITLE = re.compile(
    r"台账|登记表|花名册|名册|名单|统计表|一览表|信息表|情况表|明细表|汇总表|^第.{1,4}网格|网格$"
)


def _filter_rows(
    frame: pl.DataFrame, columns: list[str], header_texts: list[list[str]], title_rows: set[int]
) -> tuple[pl.DataFrame, list[str]]:
    """Drop blank rows, footers, repeated headers and section titles; say which, in Chinese.

    A footer is judged by its shape as well as its words: few cells filled. A person whose name
    happens to be 合计-like in a full row stays.
    """
    notes: list[str] = []
    if frame.height == 0:
        return frame, notes
    cells = [pl.col(c) for c in columns]
    filled = pl.sum_horizontal([(c != "").cast(pl.Int32) for c in cells])
    # Ledgers come pre-numbered (序号 1…50) with the rest of the rows left empty: such a row is
    # as blank as an empty one. Which columns are numbering is the header vocabulary's word
    # (`fields`), the one the column mapping uses.
    content = [pl.col(c) for c in columns if read_header(c).field != "serial"] or cells
    filled_content = pl.sum_horizontal([(c != "").cast(pl.Int32) for c in content])
    first = pl.coalesce([pl.when(c != "").then(c) for c in cells])
    few = max(3, math.ceil(len(columns) * 0.4))
    same_as_header = [
        pl.all_horizontal([cells[i] == header[i] for i in range(len(columns))])
        for header in header_texts
    ]
    # Only rows with few cells filled, or that start like the header, can be skipped: tag those
    # alone, so a million full data rows cost one cheap pass.
    starts_like_header = pl.any_horizontal(
        [cells[0] == header[0] for header in header_texts] or [pl.lit(False)]
    )
    candidates = frame.filter((filled <= few) | starts_like_header)
    if candidates.height == 0:
        return frame, notes
    tagged = candidates.with_columns(
        filled.alias("_filled"),
        filled_content.alias("_content"),
        first.fill_null("").alias("_first"),
        pl.any_horizontal(same_as_header or [pl.lit(False)]).alias("_is_header"),
    )
    blank = pl.col("_content") == 0
    footer = pl.col("_first").str.contains(FOOTER.pattern) & (pl.col("_filled") <= few)
    repeated = pl.col("_is_header") & (pl.col("_filled") >= 2)
    title = (pl.col("_filled") == 1) & (
        pl.col("_first").str.contains(SECTION_TITLE.pattern)
        | pl.col(SOURCE_ROW).is_in(sorted(title_rows))
    )
    tagged = tagged.with_columns(
        pl.when(footer)  # first: 合计：3人 written in the 序号 column is a footer, not blank
        .then(pl.lit("footer"))
        .when(blank)
        .then(pl.lit("blank"))
        .when(repeated)
        .then(pl.lit("header"))
        .when(title)
        .then(pl.lit("title"))
        .otherwise(pl.lit(""))
        .alias("_skip")
    )
    skipped = tagged.filter(pl.col("_skip") != "").select(SOURCE_ROW, "_skip", "_first")
    if skipped.height:
        blanks = skipped.filter(pl.col("_skip") == "blank").height
        if blanks:
            notes.append(f"跳过空行 {blanks} 行")
        labels = {"footer": "表尾", "header": "重复的表头", "title": "分段标题"}
        for kind, label in labels.items():
            rows = skipped.filter(pl.col("_skip") == kind)
            for row_number, text in (
                rows.head(MAX_NOTES_PER_KIND).select(SOURCE_ROW, "_first").rows()
            ):
                shown = text if len(text) <= 20 else text[:20] + "…"
                if kind == "header":
                    notes.append(f"跳过{label} 第 {row_number} 行")
                else:
                    notes.append(f"跳过{label} “{shown}” 第 {row_number} 行")
            if rows.height > MAX_NOTES_PER_KIND:
                notes.append(f"另有 {rows.height - MAX_NOTES_PER_KIND} 行{label}已跳过")
        frame = frame.filter(~pl.col(SOURCE_ROW).is_in(skipped[SOURCE_ROW].implode()))
    return frame, notes


# --------------------------------------------------------------------------- CSV
def _sniff_delimiter(sample: str) -> str:
    lines = sample.splitlines()[:60]
    best, best_key = ",", (0, 0)
    for delimiter in (",", "\t", ";", "|"):
        try:
            counts = [len(r) for r in csv.reader(lines, delimiter=delimiter) if r]
        except csv.Error:  # reading the file itself will say what is wrong, and where
            continue
        counts = [n for n in counts if n > 1]
        if not counts:
            continue
        mode, support = Counter(counts).most_common(1)[0]
        key = (support, mode)
        if key > best_key:
            best, best_key = delimiter, key
    return best


_POLARS_UNPARSED = re.compile(r"could not parse `(.*?)` as dtype `\w+` at column 'c(\d+)'", re.S)


def _csv_body_error(
    exc: Exception, name: str, payload: bytes, columns: list[str], header: int
) -> LedgerReadError:
    """Polars explains a quote in the middle of a cell (`=HYPERLINK("…","x")` unquoted) in
    English with tuning hints and an offset that is only the start of its chunk; the clerk
    needs the row and the column. The row is that of the first occurrence of the cell it names
    (the payload's line 0 is the synthetic header, line 1 the spreadsheet row after the
    header)."""
    found = _POLARS_UNPARSED.search(str(exc))
    if found is None:
        return LedgerReadError(
            "CSV格式无法解析，通常是某个引号没有成对；请在Excel中打开后另存为CSV", file_name=name
        )
    value, index = found.group(1), int(found.group(2))
    at = payload.find(value.encode("utf-8"))
    row = header + 1 + payload.count(b"\n", 0, at) if at >= 0 else None
    column = columns[index] if index < len(columns) and columns[index] else f"第 {index + 1} 列"
    return LedgerReadError(
        f"“{column}”列的“{value[:40]}”中的引号没有成对（引号要包住整个单元格，单元格里的"
        "引号要写成两个）；请在Excel中打开后另存为CSV",
        file_name=name,
        row=row,
    )


def _read_csv(
    raw: bytes, name: str, budget: Budget, scorer: HeaderScore | None
) -> list[LedgerSheet]:
    text, encoding, utf8 = decode_text(raw, name)
    delimiter = _sniff_delimiter(text[: 64 * 1024])
    consumed = 0
    offsets: list[int] = []

    prefix = text[:SCAN_PREFIX_CHARS]

    def lines() -> Iterator[str]:
        nonlocal consumed
        for line in io.StringIO(prefix, newline=""):
            consumed += len(line)
            yield line

    records: list[list[str]] = []
    try:
        for record in csv.reader(lines(), delimiter=delimiter):
            if consumed >= len(prefix) and len(prefix) < len(text):
                break  # the record may go on beyond the prefix
            records.append([cell_text(excel_text(c)) for c in record])
            offsets.append(consumed)
            if len(records) >= WIDTH_SCAN_RECORDS:
                break
    except csv.Error as exc:
        raise LedgerReadError(
            f"CSV 格式错误：{csv_error_message(exc)}", file_name=name, row=len(records) + 1
        ) from exc
    if not any(any(c for c in r) for r in records):
        raise LedgerReadError("文件中没有数据", file_name=name)
    header = _find_header(records, scorer)
    if header is None:
        raise LedgerReadError(
            "没有找到表头（前 30 行中没有像“姓名、身份证号、联系电话”这样的列名行）",
            file_name=name,
        )
    # As wide as the widest record scanned, trailing empty fields included (Excel pads every
    # record of a CSV to its used range): a later record as wide is read whole. Columns empty
    # in the header and in every row are dropped once the whole file is read.
    width = max(len(r) for r in records[header:])
    columns, _, _ = _header_block(records, header, [], width)
    synthetic = [f"c{i}" for i in range(width)]
    if utf8 is None:
        utf8 = text.encode("utf-8")
    body_start = len(text[: offsets[header]].encode("utf-8"))
    notes = [f"按 {encoding} 编码读取"]
    if header > 0:
        notes.append(f"跳过标题行 {_span_text(1, header)}")
    overflow: dict[int, tuple[int, tuple[str, ...]]] = {}
    if re.compile(rb"\S").search(utf8, body_start) is not None:
        quoted = [f'"{s}"' for s in synthetic]
        payload = (delimiter.join(quoted) + "\n").encode("utf-8") + utf8[body_start:]
        del text, utf8
        frame, overflow = _read_csv_body(payload, delimiter, width, name, columns, header, budget)
    else:
        frame = pl.DataFrame(schema={s: pl.Utf8 for s in synthetic})
    width = _used_width(frame, synthetic, records[header])
    synthetic = synthetic[:width]
    frame = frame.select(synthetic)
    columns, _, header_width = _header_block(records, header, [], width)
    budget.take(frame.height, width, None)
    frame = frame.select(pl.col(s).fill_null("").str.strip_chars() for s in synthetic)
    # Systems export numbers Excel must keep as text as ="110105…" (Excel shows what is between
    # the quotes) or with a leading apostrophe; only columns that hold such cells pay for it.
    formula_columns = frame.select(pl.col(synthetic).str.starts_with('="').any()).row(0)
    frame = frame.select(
        pl.col(s).str.replace(r'(?s)^="(.*)"$', "${1}").str.replace_all('""', '"', literal=True)
        if formula_columns[i]
        else pl.col(s)
        for i, s in enumerate(synthetic)
    )
    quoted_columns = frame.select(pl.col(synthetic).str.starts_with("'").any()).row(0)
    frame = frame.select(
        (
            pl.col(s).str.strip_prefix("'").str.strip_chars_start()
            if quoted_columns[i]
            else pl.col(s)
        ).alias(columns[i])
        for i, s in enumerate(synthetic)
    )
    frame = frame.with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + (header + 2)).alias(SOURCE_ROW)
    )
    header_texts = [(records[header] + [""] * width)[:width]]
    frame, filter_notes = _filter_rows(frame, columns, header_texts, set())
    notes.extend(filter_notes)
    if overflow:
        # A record whose only content lies past the table was skipped as blank: said here, as
        # the pipeline reports only the rows it reads.
        present = set(
            frame.filter(pl.col(SOURCE_ROW).is_in(list(overflow))).get_column(SOURCE_ROW).to_list()
        )
        skipped = [row for row in sorted(overflow) if row not in present]
        for row in skipped[:MAX_NOTES_PER_KIND]:
            count, cells = overflow[row]
            notes.append(
                f"第 {row} 行只在表头以外有内容（有 {count} 列，表头只有 {header_width} 列）："
                f"{shown_cells(cells)}未导入"
            )
        if len(skipped) > MAX_NOTES_PER_KIND:
            notes.append(f"另有 {len(skipped) - MAX_NOTES_PER_KIND} 行只在表头以外有内容，未导入")
        overflow = {row: overflow[row] for row in present}
    return [
        LedgerSheet(
            file_name=name,
            sheet_name="",
            columns=columns,
            frame=frame,
            header_rows=[header + 1],
            notes=notes,
            lossy_cells=0,
            header_width=header_width,
            overflow=overflow,
        )
    ]


_MORE_FIELDS = "found more fields than defined"
MAX_SHOWN_CELLS = 5
MAX_SHOWN_CHARS = 40


def shown_cells(cells: Sequence[str]) -> str:
    """Cells as a message quotes them: “…”“…”, each cut at 40 characters, at most five (and
    how many more)."""
    shown = "".join(
        f"“{c if len(c) <= MAX_SHOWN_CHARS else c[:MAX_SHOWN_CHARS] + '…'}”"
        for c in cells[:MAX_SHOWN_CELLS]
    )
    more = len(cells) - MAX_SHOWN_CELLS
    return shown + (f"等 {len(cells)} 格" if more > 0 else "")


def _read_csv_body(
    payload: bytes,
    delimiter: str,
    width: int,
    name: str,
    columns: list[str],
    header: int,
    budget: Budget,
) -> tuple[pl.DataFrame, dict[int, tuple[int, tuple[str, ...]]]]:
    """The records under the synthetic header, `width` fields each, and the records that had
    more (`LedgerSheet.overflow`).

    Polars refuses a record wider than the header it is given rather than truncate it
    silently; only then is the file read a second time, by Python's csv module (the quoting
    rules Polars follows, record by record, in constant memory), to find those records, and
    then by Polars with the extra fields cut off. A file whose records all fit, nearly every
    one, is read once."""
    read = functools.partial(
        pl.read_csv,
        separator=delimiter,
        has_header=True,
        infer_schema=False,
        n_rows=budget.limits.max_rows + 1,
        quote_char='"',
    )
    try:
        return read(io.BytesIO(payload), truncate_ragged_lines=False), {}
    except pl.exceptions.PolarsError as exc:
        if _MORE_FIELDS not in str(exc):
            raise _csv_body_error(exc, name, payload, columns, header) from exc
    overflow = _wider_records(payload, delimiter, width, name, header, budget.limits.max_rows)
    try:
        return read(io.BytesIO(payload), truncate_ragged_lines=True), overflow
    except pl.exceptions.PolarsError as exc:
        raise _csv_body_error(exc, name, payload, columns, header) from exc


def _wider_records(
    payload: bytes, delimiter: str, width: int, name: str, header: int, max_rows: int
) -> dict[int, tuple[int, tuple[str, ...]]]:
    """Records with filled fields past the first `width`, by row number (the frame's
    `_source_row`: the header's line + 1 + the record's index): the number of fields up to
    the last filled one and the filled fields past `width`."""
    found: dict[int, tuple[int, tuple[str, ...]]] = {}
    stream = io.TextIOWrapper(io.BytesIO(payload), encoding="utf-8", newline="")
    reader = csv.reader(stream, delimiter=delimiter)
    index = -1
    try:
        next(reader)  # the synthetic header
        for index, record in enumerate(reader):
            if index > max_rows:
                break  # past what the budget admits: the file is refused over it
            if len(record) <= width:
                continue
            cells = [cell_text(excel_text(c)) for c in record]
            extra = tuple(c for c in cells[width:] if c)
            if extra:
                last = max(i for i, c in enumerate(cells) if c) + 1
                found[header + 2 + index] = (last, extra)
    except csv.Error as exc:
        raise LedgerReadError(
            f"CSV 格式错误：{csv_error_message(exc)}", file_name=name, row=header + 3 + index
        ) from exc
    return found


def _used_width(frame: pl.DataFrame, synthetic: list[str], header_cells: list[str]) -> int:
    """Columns up to the last one named in the header or filled in some row (at least one)."""
    named = max((i + 1 for i, c in enumerate(header_cells[: len(synthetic)]) if c), default=0)
    rest = synthetic[named:]
    if not rest or frame.height == 0:
        return max(named, 1)
    filled = frame.select(pl.col(c).fill_null("").str.strip_chars().ne("").any() for c in rest).row(
        0
    )
    last = max((i + 1 for i, f in enumerate(filled) if f), default=0)
    return max(named + last, 1)
