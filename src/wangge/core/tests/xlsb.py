"""Excel binary workbooks (.xlsb) built for tests, record by record.

No Excel is needed: an .xlsb is a zip whose parts are streams of BIFF12 records (a record type
and a size, each a little-endian base-128 number, then the body). Only what calamine and
`core.xlsb` read is written: the workbook's sheet list, the relationships naming each sheet's
part, and per sheet its dimension, rows and cells (text, numbers, and the short cell records
that carry no column of their own).
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field

ROW_HEADER, CELL_REAL, CELL_TEXT = 0x0000, 0x0005, 0x0006
SHORT_REAL = 0x0010  # a number in the column after the previous cell's
BEGIN_BOOK, END_BOOK, BEGIN_SHEETS, SHEET, END_SHEETS, CALC = 0x83, 0x84, 0x8F, 0x9C, 0x90, 0x9D
BEGIN_SHEET, END_SHEET, DIMENSION, BEGIN_DATA, END_DATA = 0x81, 0x82, 0x94, 0x91, 0x92


@dataclass
class XlsbSheet:
    name: str
    rows: Sequence[Sequence[object]] = ()  # from A1; None leaves a cell out
    # Cells written after the rows, as (0-based row, 0-based column, value): a stray far cell.
    far: Sequence[tuple[int, int, object]] = ()
    # (0-based row, values) written with short records, which name no column.
    short: Sequence[tuple[int, Sequence[float]]] = field(default_factory=list)


def number(value: int) -> bytes:
    """A record type or size as BIFF12 writes it: 7 bits a byte, low bits first."""
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def record(kind: int, body: bytes = b"") -> bytes:
    return number(kind) + number(len(body)) + body


def wide(text: str) -> bytes:
    return struct.pack("<I", len(text)) + text.encode("utf-16-le")


def cell(column: int, value: object) -> bytes:
    head = struct.pack("<II", column, 0)  # column, then style and flags
    if isinstance(value, int | float) and not isinstance(value, bool):
        return record(CELL_REAL, head + struct.pack("<d", float(value)))
    return record(CELL_TEXT, head + wide(str(value)))


def row_header(row: int) -> bytes:
    return record(ROW_HEADER, struct.pack("<IIHBBBI", row, 0, 300, 0, 0, 0, 0))


def sheet_part(sheet: XlsbSheet) -> bytes:
    width = max((len(r) for r in sheet.rows), default=1)
    out = [
        record(BEGIN_SHEET),
        record(DIMENSION, struct.pack("<IIII", 0, max(len(sheet.rows) - 1, 0), 0, width - 1)),
        record(BEGIN_DATA),
    ]
    for index, values in enumerate(sheet.rows):
        out.append(row_header(index))
        out.extend(cell(c, v) for c, v in enumerate(values) if v is not None)
    for row, values in sheet.short:
        out.append(row_header(row))
        out.extend(record(SHORT_REAL, struct.pack("<Id", 0, v)) for v in values)
    for row, column, value in sheet.far:
        out.append(row_header(row))
        out.append(cell(column, value))
    out += [record(END_DATA), record(END_SHEET)]
    return b"".join(out)


def workbook_part(names: Sequence[str]) -> bytes:
    sheets = [
        record(SHEET, struct.pack("<II", 0, i + 1) + wide(f"rId{i + 1}") + wide(name))
        for i, name in enumerate(names)
    ]
    return b"".join(
        [record(BEGIN_BOOK), record(BEGIN_SHEETS), *sheets, record(END_SHEETS)]
        + [record(CALC, bytes(26)), record(END_BOOK)]
    )


def relationships(count: int) -> str:
    kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"
    items = "".join(
        f'<Relationship Id="rId{i + 1}" Type="{kind}" Target="worksheets/sheet{i + 1}.bin"/>'
        for i in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
        f'"http://schemas.openxmlformats.org/package/2006/relationships">{items}</Relationships>'
    )


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/>'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    "</Types>"
)


def xlsb_bytes(*sheets: XlsbSheet) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("xl/workbook.bin", workbook_part([s.name for s in sheets]))
        archive.writestr("xl/_rels/workbook.bin.rels", relationships(len(sheets)))
        for index, sheet in enumerate(sheets, start=1):
            archive.writestr(f"xl/worksheets/sheet{index}.bin", sheet_part(sheet))
    return buffer.getvalue()
