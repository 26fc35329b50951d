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
_MAX_REPEATED_ERRORS = 64  # a failed formula repeated over rows or columns: noted this far

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
    # Cells whose formula failed, by (row, column), as the spreadsheet shows them (#N/A, Err:502)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)

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


# What a spreadsheet shows in a cell whose formula failed: Excel's values, which LibreOffice and
# WPS show too, and LibreOffice's own numbered ones (Err:502, an invalid argument).
ERROR_VALUES = frozenset(
    {"#N/A", "#REF!", "#VALUE!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!", "#CALC!"}
)
_NUMBERED_ERROR = re.compile(r"Err:\d{3}")
# A cell's shown text: its first paragraph, when it is short enough to be an error value.
_SHOWN = re.compile(rb"\s*<text:p\b[^<>]*>\s*([^<]{1,64}?)\s*</text:p>")
_SHOWN_WITHIN = 256  # bytes after a cell's tag its text starts within, if it has one


def is_error_value(text: str) -> bool:
    """Whether a cell shown as `text` is a failed formula's value (#N/A, Err:502)."""
    text = text.strip()
    return text in ERROR_VALUES or _NUMBERED_ERROR.fullmatch(text) is not None


def scan(archive: zipfile.ZipFile) -> list[OdsTable]:
    """Every sheet's layout, from `content.xml` in one streamed pass.

    Raises KeyError when there is no content.xml, ValueError when it cannot be followed."""
    scanner = _Scanner()
    tail = b""
    pending: _Failed | None = None  # a formula cell whose text is in the next piece
    with archive.open("content.xml") as handle:
        while True:
            chunk = handle.read(CHUNK)
            text = tail + chunk
            if pending is not None:
                shown = _SHOWN.match(text)
                if shown is None and chunk and len(text) < _SHOWN_WITHIN:
                    tail = text  # its text may be cut still: wait for the next piece
                    continue
                if shown is not None:
                    scanner.failed(pending, shown.group(1))
                pending = None
            if not chunk:
                break
            end = 0
            for match in _TAG.finditer(text):
                kind, attributes, closed = match.groups()
                pending = None  # a tag after a formula cell's: the cell had no text
                if closed is not None:
                    scanner.close(closed)
                elif kind == b"table-cell" or kind == b"covered-table-cell":
                    formula = scanner.cell(kind, attributes)
                    if formula is not None:
                        shown = _SHOWN.match(text, match.end())
                        if shown is not None:
                            scanner.failed(formula, shown.group(1))
                        elif len(text) - match.end() < _SHOWN_WITHIN:
                            pending = formula  # its text may start in the next piece
                else:
                    scanner.open(kind, attributes)
                end = match.end()
            # What follows the last whole tag may be a tag cut in two, or the text of a formula
            # cell: kept for the next piece.
            cut = end if pending is not None else text.rfind(b"<", end)
            tail = text[cut:] if cut != -1 else b""
            if len(tail) > _MAX_TAG_BYTES:
                raise ValueError("tag too long")
    return scanner.tables


@dataclass(frozen=True)
class _Failed:
    """A cell with a formula: the sheet, the (row, column) it fills (more than one when
    repeated), and whether the writer marked its value as an error (LibreOffice's
    `calcext:value-type="error"`; WPS and older writers only show the error's text)."""

    table: OdsTable
    cells: tuple[tuple[int, int], ...]
    marked: bool


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

    def cell(self, kind: bytes, attributes: bytes) -> _Failed | None:
        """Most cells repeat nothing and span nothing: they are told apart without parsing
        their attributes (the scan's time is spent here, once per cell). A cell with a formula
        (whose text may show that it failed) is returned, to be looked at with its text."""
        if self.table is None or self.nested:
            return None
        filled = not attributes.endswith(b"/") or b"office:value-type" in attributes
        formula = None
        if filled and kind == b"table-cell" and b"formula=" in attributes:
            formula = _Failed(self.table, ((self.row, self.column),), b'"error"' in attributes)
        if b"table:number-" not in attributes:
            if filled:
                self.filled = self.column + 1
            self.column += 1
            return formula
        values = _attributes(attributes)
        repeat = _count(values.get("table:number-columns-repeated"))
        if formula is not None and (repeat > 1 or self.repeat > 1):
            cells = tuple(
                (self.row + r, self.column + c)
                for r in range(min(self.repeat, _MAX_REPEATED_ERRORS))
                for c in range(min(repeat, _MAX_REPEATED_ERRORS))
            )
            formula = _Failed(self.table, cells, formula.marked)
        if filled:
            self.filled = self.column + repeat
        rows = _count(values.get("table:number-rows-spanned"))
        columns = _count(values.get("table:number-columns-spanned"))
        if kind == b"table-cell" and (rows > 1 or columns > 1):
            self.table.merges.append(
                ((self.row, self.column), (self.row + rows - 1, self.column + columns - 1))
            )
        self.column += repeat
        return formula

    def failed(self, formula: _Failed, shown: bytes) -> None:
        """Note a formula cell's text as its error when it is one: any text the writer marked
        as an error, else only an error value's (a formula may well give "#1号楼")."""
        text = html.unescape(shown.decode("utf-8", "replace")).strip()
        if text and (formula.marked or is_error_value(text)):
            for cell in formula.cells:
                formula.table.errors[cell] = text

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
