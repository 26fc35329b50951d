"""OpenDocument spreadsheets (.ods, as WPS and LibreOffice save them): what calamine leaves out.

calamine reads an .ods's cells but not its merged cells or hidden rows, and it expands
`number-rows-repeated`/`number-columns-repeated` into a dense grid while opening the file: a
600-byte .ods that repeats one filled cell ten thousand rows by a thousand columns took 1.2 GB
and five seconds before a single check could run. So `content.xml` is scanned here first, as a
stream of tags (a pass of a regular expression over pieces of the inflated member, never a
parse tree): for every sheet its extent — the rows and columns calamine will allocate — its
merged ranges and its hidden rows. Callers check the extent against their cell limits before
calamine opens the file. Best effort for layout (a nested table in a cell is skipped), exact
for the extent's upper bound. Pure Python, no Django.
"""

from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass, field

MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

# The tags that lay the grid out: a sheet, a row, a cell opened; a row or a sheet closed (a
# cell's end says nothing, and skipping it halves the matches). Attribute values may hold ">"
# (formulas), hence the quoting; never "<", so no attempt to match reads past the next tag.
_TAG = re.compile(
    rb"<table:(table-cell|covered-table-cell|table-row|table)(?=[\s/>])"
    rb"((?:[^<>\"']|\"[^<\"]*\"|'[^<']*')*)>"
    rb"|</table:(table-row|table)>"
)
_ATTRIBUTE = re.compile(rb"([\w:-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
CHUNK = 4 * 1024 * 1024
_MAX_TAG_BYTES = 1024 * 1024  # a tag longer than this is not a spreadsheet's

MergeRange = tuple[tuple[int, int], tuple[int, int]]


@dataclass
class OdsTable:
    """One sheet's layout; rows and columns 0-based as calamine gives them, except
    `hidden_rows`, numbered from 1 as the spreadsheet shows them."""

    name: str
    rows: int = 0  # extent: one past the last row with a filled cell
    columns: int = 0  # extent: one past the last filled column
    merges: list[MergeRange] = field(default_factory=list)
    hidden: list[tuple[int, int]] = field(default_factory=list)  # (first row, how many), 1-based

    def hidden_rows(self) -> frozenset[int]:
        """Hidden rows within the extent (a hidden tail of a million empty rows is not read)."""
        rows: set[int] = set()
        for first, count in self.hidden:
            rows.update(range(first, min(first + count, self.rows + 1)))
        return frozenset(rows)


def is_spreadsheet(archive: zipfile.ZipFile) -> bool:
    """An ODF package says what it is in its uncompressed first member, `mimetype`; an .odt or
    an .odp renamed to .ods says so there too."""
    try:
        with archive.open("mimetype") as handle:
            return handle.read(256).strip() == MIMETYPE
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def scan(archive: zipfile.ZipFile) -> list[OdsTable]:
    """Every sheet's layout, from `content.xml` in one streamed pass.

    Raises KeyError when there is no content.xml, ValueError when it cannot be followed."""
    scanner = _Scanner()
    tail = b""
    with archive.open("content.xml") as handle:
        while chunk := handle.read(CHUNK):
            text = tail + chunk
            end = 0
            for match in _TAG.finditer(text):
                kind, attributes, closed = match.groups()
                if closed is not None:
                    scanner.close(closed)
                elif kind == b"table-cell" or kind == b"covered-table-cell":
                    scanner.cell(kind, attributes)
                else:
                    scanner.open(kind, attributes)
                end = match.end()
            # What follows the last whole tag may be a tag cut in two: kept for the next piece.
            cut = text.rfind(b"<", end)
            tail = text[cut:] if cut != -1 else b""
            if len(tail) > _MAX_TAG_BYTES:
                raise ValueError("tag too long")
    return scanner.tables


class _Scanner:
    def __init__(self) -> None:
        self.tables: list[OdsTable] = []
        self.table: OdsTable | None = None
        self.nested = 0  # tables inside a cell: skipped whole
        self.row = 0
        self.repeat = 1
        self.hidden = False
        self.column = 0
        self.filled = 0  # one past the last filled column of the current row

    def open(self, kind: bytes, attributes: bytes) -> None:
        empty = attributes.endswith(b"/")  # <table:table-row .../>: opened and closed
        if kind == b"table":
            if self.table is not None:
                self.nested += not empty
            else:
                self.table = OdsTable(_attributes(attributes).get("table:name", ""))
                self.row = 0
                if empty:
                    self.close(b"table")
        elif self.table is not None and not self.nested:  # a row
            values = _attributes(attributes) if attributes.strip(b" /") else {}
            self.repeat = _count(values.get("table:number-rows-repeated"))
            self.hidden = values.get("table:visibility") in ("collapse", "filter")
            self.column = self.filled = 0
            if empty:
                self._end_row()

    def close(self, kind: bytes) -> None:
        if self.table is None:
            return
        if kind == b"table":
            if self.nested:
                self.nested -= 1
            else:
                self.tables.append(self.table)
                self.table = None
        elif not self.nested:
            self._end_row()

    def cell(self, kind: bytes, attributes: bytes) -> None:
        """Most cells repeat nothing and span nothing: they are told apart without parsing
        their attributes (the scan's time is spent here, once per cell)."""
        if self.table is None or self.nested:
            return
        filled = not attributes.endswith(b"/") or b"office:value-type" in attributes
        if b"table:number-" not in attributes:
            if filled:
                self.filled = self.column + 1
            self.column += 1
            return
        values = _attributes(attributes)
        repeat = _count(values.get("table:number-columns-repeated"))
        if filled:
            self.filled = self.column + repeat
        rows = _count(values.get("table:number-rows-spanned"))
        columns = _count(values.get("table:number-columns-spanned"))
        if kind == b"table-cell" and (rows > 1 or columns > 1):
            self.table.merges.append(
                ((self.row, self.column), (self.row + rows - 1, self.column + columns - 1))
            )
        self.column += repeat

    def _end_row(self) -> None:
        assert self.table is not None
        if self.hidden:
            self.table.hidden.append((self.row + 1, self.repeat))
        if self.filled:
            self.table.rows = self.row + self.repeat
            self.table.columns = max(self.table.columns, self.filled)
        self.row += self.repeat
        self.repeat, self.hidden = 1, False


def _attributes(tag: bytes) -> dict[str, str]:
    return {
        m.group(1).decode("ascii", "replace"): html.unescape(
            (m.group(2) if m.group(2) is not None else m.group(3)).decode("utf-8", "replace")
        )
        for m in _ATTRIBUTE.finditer(tag)
    }


def _count(value: str | None) -> int:
    try:
        return max(int(value or 1), 1)
    except ValueError:
        return 1
