"""Reading office ledgers (台账) as they are: xlsx/xls/ods/csv with title rows, merged cells,
footers.

Pure Python, no Django. Every cell comes out as text exactly as a clerk would read it in Excel,
with the row number the spreadsheet shows, so every later decision can point back at its source.
The reader never guesses what a column means (beyond which ones merely number the rows, by the
header vocabulary of `fields`): it only finds the header, cleans the grid and
notes what it skipped or could not recover. A file that cannot be read raises LedgerReadError
and nothing is returned partially. What a file really is, its limits and its encodings are
`ledger_files`' business; here the grids it gives become sheets with a header (the rules every
sheet shares are in `sheets.py`, CSV files are read in `csv_ledgers.py`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from wangge.core.ooxml import column_letters
from wangge.core.reasons import Reason
from wangge.core.tabular import cell_list
from wangge.fusion.csv_ledgers import read_csv
from wangge.fusion.ledger_files import (
    Budget,
    Grid,
    LedgerReadError,
    MergeRange,
    ReadLimits,
    check_size,
    guard_zip,
    ole_is_encrypted_ooxml,
    read_html,
    read_workbook,
    sniff,
)
from wangge.fusion.sheets import (
    DATE_HEADER,
    HEADER_SCAN_ROWS,
    MAX_NOTES_PER_KIND,
    SERIAL_MAX,
    SERIAL_MIN,
    SOURCE_ROW,
    HeaderScore,
    LedgerSheet,
    cell_text,
    excel_serial_to_date,
    filter_rows,
    find_header,
    header_block,
    number_text,
    span_text,
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
            raise LedgerReadError(
                Reason("无法打开文件（%(error)s）", error=exc.strerror or ""), file_name=name
            ) from exc
        check_size(size, name, limits)
        raw = path.read_bytes()
    else:
        check_size(len(data), name, limits)
        raw = data
    if re.search(rb"[^\s\x00]", raw) is None:
        raise LedgerReadError(Reason("文件是空的"), file_name=name)
    kind = sniff(raw)
    budget = Budget(limits, name)
    if kind == "csv":
        return read_csv(raw, name, budget, header_score)
    if kind == "zip":
        date1904 = guard_zip(raw, name, limits)
        grids = read_workbook(raw, name, date1904, budget)
    elif kind == "ole":
        if ole_is_encrypted_ooxml(raw):
            raise LedgerReadError(
                Reason("文件设置了打开密码，无法读取；请在 Excel 中取消密码后另存再导入"),
                file_name=name,
            )
        grids = read_workbook(raw, name, False, budget)
    elif kind == "html":
        grids = read_html(raw, name, budget)
    else:
        raise LedgerReadError(
            Reason(
                "不是可识别的表格文件（支持 .xlsx、.xlsm、.xls、.ods、.csv），请在 Excel 中另存为 .xlsx"
            ),
            file_name=name,
        )
    return _sheets_from_grids(grids, name, budget, header_score)


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
            raise LedgerReadError(Reason("文件中没有数据（所有工作表都是空的）"), file_name=name)
        raise LedgerReadError(
            Reason("没有找到表头（前 30 行中没有像“姓名、身份证号、联系电话”这样的列名行）"),
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
    header = find_header(scan, scorer)
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
    columns, header_rows, header_width = header_block(scan, header, grid.merges, width)
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
        notes.append(f"跳过标题行 {span_text(1, header_rows[0])}")
    header_cells = ([cell_text(v) for v in rows[header]] + [""] * width)[:width]
    frame, filter_notes = filter_rows(frame, columns, [header_cells], title_rows)
    notes.extend(filter_notes)
    if grid.hidden_rows:
        shown = frame.filter(pl.col(SOURCE_ROW).is_in(sorted(grid.hidden_rows)))[SOURCE_ROW]
        if shown.len():
            notes.append(f"第 {_row_runs(shown.to_list())} 行是隐藏的行，仍已读取")
    notes.extend(lossy_notes)
    if lossy > len(lossy_notes):
        notes.append(f"另有 {lossy - len(lossy_notes)} 处数字因位数过长已丢失后几位")
    unsaved = {
        columns[c]: [f"{column_letters(c)}{r + 1}" for r in found if r >= first_data]
        for c, found in grid.unsaved.items()
        if c < width
    }
    unsaved = {column: cells for column, cells in unsaved.items() if cells}
    if grid.unsaved:
        notes.append(unsaved_note(grid.unsaved))
    return LedgerSheet(
        file_name=name,
        sheet_name=grid.name,
        columns=columns,
        frame=frame,
        header_rows=[r + 1 for r in header_rows],
        notes=notes,
        lossy_cells=lossy,
        header_width=header_width,
        unsaved=unsaved,
    )


def unsaved_note(unsaved: dict[int, list[int]]) -> Reason:
    """Which cells hold a formula without its result, the first few as a clerk reads them
    (row by row), and what to do."""
    cells = sorted((r, c) for c, rows in unsaved.items() for r in rows)
    return Reason(
        "%(cells)s 有公式但没有保存计算结果，已读作空白；"
        "请在 Excel 或 WPS 中打开此文件、保存后重新导入",
        cells=cell_list([f"{column_letters(c)}{r + 1}" for r, c in cells]),
    )


def _row_runs(numbers: Sequence[int], most: int = MAX_NOTES_PER_KIND) -> str:
    """Row numbers as a clerk reads them: runs joined (6-7), the first `most` runs shown."""
    runs: list[tuple[int, int]] = []
    for n in numbers:
        if runs and n == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], n)
        else:
            runs.append((n, n))
    text = "、".join(span_text(a, b) for a, b in runs[:most])
    return text + (f" 等（共 {len(numbers)} 行）" if len(runs) > most else "")


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
            return number_text(value)
        if isinstance(value, int) and not isinstance(value, bool):
            if is_date and SERIAL_MIN <= value <= SERIAL_MAX:
                day = excel_serial_to_date(value, date1904)
                if day is not None:
                    return day.isoformat(), False
            return str(value), False
        return cell_text(value), False

    return convert
