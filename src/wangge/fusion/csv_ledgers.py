"""Reading a CSV ledger: its encoding and delimiter, its width, and records wider than the table.

Why apart from the workbook readers: a CSV has no cells, only records, read by Polars in one
pass (memory linear in the file); what Excel does for a workbook (the width, quoting, a record
with more fields than the header) is decided here, and a record wider than every one scanned
is found by a second, streaming pass instead of being cut (see `read_csv`). Pure Python, no
Django.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections import Counter
from collections.abc import Iterator

import polars as pl

from wangge.core.reasons import Reason
from wangge.core.tabular import csv_error_message, excel_text
from wangge.fusion.ledger_files import (
    Budget,
    LedgerReadError,
    decode_text,
)
from wangge.fusion.sheets import (
    MAX_NOTES_PER_KIND,
    SOURCE_ROW,
    HeaderScore,
    LedgerSheet,
    cell_text,
    filter_rows,
    find_header,
    header_block,
    shown_cells,
    span_text,
)

WIDTH_SCAN_RECORDS = 1000
SCAN_PREFIX_CHARS = 1024 * 1024


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
            Reason("CSV格式无法解析，通常是某个引号没有成对；请在Excel中打开后另存为CSV"),
            file_name=name,
        )
    value, index = found.group(1), int(found.group(2))
    at = payload.find(value.encode("utf-8"))
    row = header + 1 + payload.count(b"\n", 0, at) if at >= 0 else None
    column: str = (
        columns[index]
        if index < len(columns) and columns[index]
        else Reason("第 %(number)s 列", number=index + 1)
    )
    return LedgerReadError(
        Reason(
            "“%(column)s”列的“%(value)s”中的引号没有成对（引号要包住整个单元格，单元格里的"
            "引号要写成两个）；请在Excel中打开后另存为CSV",
            column=column,
            value=value[:40],
        ),
        file_name=name,
        row=row,
    )


def read_csv(
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
            Reason("CSV 格式错误：%(error)s", error=csv_error_message(exc)),
            file_name=name,
            row=len(records) + 1,
        ) from exc
    if not any(any(c for c in r) for r in records):
        raise LedgerReadError(Reason("文件中没有数据"), file_name=name)
    header = find_header(records, scorer)
    if header is None:
        raise LedgerReadError(
            Reason("没有找到表头（前 30 行中没有像“姓名、身份证号、联系电话”这样的列名行）"),
            file_name=name,
        )
    # As wide as the widest record scanned, trailing empty fields included (Excel pads every
    # record of a CSV to its used range): a later record as wide is read whole. Columns empty
    # in the header and in every row are dropped once the whole file is read.
    width = max(len(r) for r in records[header:])
    columns, _, _ = header_block(records, header, [], width)
    synthetic = [f"c{i}" for i in range(width)]
    if utf8 is None:
        utf8 = text.encode("utf-8")
    body_start = len(text[: offsets[header]].encode("utf-8"))
    notes = [f"按 {encoding} 编码读取"]
    if header > 0:
        notes.append(f"跳过标题行 {span_text(1, header)}")
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
    columns, _, header_width = header_block(records, header, [], width)
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
    frame, filter_notes = filter_rows(frame, columns, header_texts, set())
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
            Reason("CSV 格式错误：%(error)s", error=csv_error_message(exc)),
            file_name=name,
            row=header + 3 + index,
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
