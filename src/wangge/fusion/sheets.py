"""What every ledger sheet shares once its cells are read: the sheet itself (`LedgerSheet`), a
cell as the clerk reads it, the header found among title rows, and the rows that are no data
(footers, section titles, repeated headers).

Why apart from the readers: a workbook's grid (`readers.py`) and a CSV's records
(`csv_ledgers.py`) arrive differently but become sheets by the same rules, so that a ledger
reads the same whichever way it was saved. Pure Python, no Django.
"""

from __future__ import annotations

import datetime
import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl

from wangge.core.ooxml import column_letters
from wangge.fusion.fields import read_header
from wangge.fusion.ledger_files import (
    MergeRange,
)

SOURCE_ROW = "_source_row"
HEADER_SCAN_ROWS = 30
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
    # Data cells with a formula and no saved result, read as empty: their names (B7) by column
    unsaved: dict[str, list[str]] = field(default_factory=dict)


HeaderScore = Callable[[str], float]


# --------------------------------------------------------------------------- cell values

DATE_HEADER = re.compile(r"日期|时间|生日|出生|年月|date|time|day", re.IGNORECASE)
# Serials that give years 1902..2099: a date column holding small numbers (居住时间 3 年) keeps them.
SERIAL_MIN, SERIAL_MAX = 1000, 73050


def cell_text(value: object) -> str:
    """A cell as the text Excel shows, without float artefacts (lossy numbers: see number_text)."""
    if value is None:
        return ""
    if isinstance(value, str):
        # str.strip() and polars' strip_chars() both strip Unicode white space (\u3000, NBSP).
        text = value.strip()
        return text[1:].lstrip() if text.startswith("'") else text
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return number_text(value)[0]
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.isoformat(timespec="seconds")
    return str(value).strip()


def number_text(value: float) -> tuple[str, bool]:
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


def find_header(rows: Sequence[Sequence[str]], scorer: HeaderScore | None) -> int | None:
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


def header_block(
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
        names.append("/".join(parts) if parts else f"第{column_letters(c)}列")
        if parts:
            named = c + 1
    seen: Counter[str] = Counter()
    unique = []
    for name in names:
        seen[name] += 1
        unique.append(name if seen[name] == 1 else f"{name}({seen[name]})")
    return unique, list(range(top, bottom + 1)), named


# --------------------------------------------------------------------------- row filtering

FOOTER = re.compile(
    r"^(填表人|制表人|审核人|审批人|负责人|统计人|经办人|合计|总计|小计|填报日期|填表日期|制表日期|日期"
    r"|备注[：:]|说明[：:]|注[：:]|(本页|本表|以上)?共计?\s*[0-9０-９]+\s*(人|户|名|条|间|套|家))"
    r"|^[\u4e00-\u9fff]{2,6}[：:]"
)
# A template's example row (例 / 示例 / 填写示例 in the numbering column): it shows how to fill
# the ledger in and names nobody.
EXAMPLE = re.compile(r"^[(（【\[]?(填写|填表|填报)?(示例|样例|范例|举例|例子|例)[)）】\]]?[：:]?$")
SECTION_TITLE = re.compile(
    r"台账|登记表|花名册|名册|名单|统计表|一览表|信息表|情况表|明细表|汇总表|^第.{1,4}网格|网格$"
)


def filter_rows(
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
    # The example's mark is where the number goes: the numbering columns, or the first one.
    marked = [c for c in columns if read_header(c).field == "serial"] or columns[:1]
    example = pl.any_horizontal([pl.col(c).str.contains(EXAMPLE.pattern) for c in marked])
    candidates = frame.filter((filled <= few) | starts_like_header | example)
    if candidates.height == 0:
        return frame, notes
    tagged = candidates.with_columns(
        filled.alias("_filled"),
        filled_content.alias("_content"),
        first.fill_null("").alias("_first"),
        pl.any_horizontal(same_as_header or [pl.lit(False)]).alias("_is_header"),
        example.alias("_example"),
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
        .when(pl.col("_example"))
        .then(pl.lit("example"))
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
        labels = {
            "footer": "表尾",
            "example": "示例行",
            "header": "重复的表头",
            "title": "分段标题",
        }
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


def span_text(first: int, last: int) -> str:
    return str(first) if first == last else f"{first}-{last}"


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
