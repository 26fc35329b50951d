"""Excel workbooks (.xlsx, .xlsm): what must be known before calamine opens one.

calamine allocates a sheet as a dense grid from its first to its last cell holding a value, so a
4.8 KB workbook with one value in A1 and one in BXX200000 asks for 400 million cells (12.5 GB,
52 s, the process killed under a memory limit) before any row or cell limit can be checked.
The sheets' XML is therefore scanned first for the last row and column that hold a value (a
regular expression over pieces of the inflated member, never a parse tree); callers check that
extent against their cell limits. A cell with only a style (`<c r="XFD1048576" s="3"/>`) or a
`<dimension>` that overstates the sheet costs calamine nothing and is not counted. Pure Python,
no Django.
"""

from __future__ import annotations

import html
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

CHUNK = 4 * 1024 * 1024
_MAX_TAIL = 1024 * 1024  # a cell holds at most 32,767 characters (about 100 KB)

_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b[^>]*>")
_RELATIONSHIP_TAG = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
# A cell with its value, formula or inline string after it; one closed on itself has none.
_VALUED_CELL = re.compile(
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>\s*<(?:\w+:)?(?:v|f|is)\b'
)


def attribute(tag: bytes, name: bytes, *, literal: bool = True) -> str | None:
    pattern = re.escape(name) if literal else name  # r:id's prefix is the writer's choice
    match = re.search(rb"\s" + pattern + rb"=\"([^\"]*)\"", tag)
    return html.unescape(match.group(1).decode("utf-8", "replace")) if match else None


def relationships(rels: bytes) -> dict[str, str]:
    """The targets of a workbook's relationships part (`xl/_rels/workbook.xml.rels`, or
    `workbook.bin.rels` in an .xlsb) as written, by relationship id."""
    targets = {}
    for tag in _RELATIONSHIP_TAG.findall(rels):
        rel_id, target = attribute(tag, b"Id"), attribute(tag, b"Target")
        if rel_id and target:
            targets[rel_id] = target
    return targets


def sheet_members(archive: zipfile.ZipFile) -> Iterator[tuple[str, str]]:
    """(sheet name, its member) for each sheet of a workbook whose parts can be followed."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    targets = {
        rel_id: target.lstrip("/") if target.startswith("/") else "xl/" + target
        for rel_id, target in relationships(rels).items()
    }
    for tag in _SHEET_TAG.findall(workbook):
        name, rel_id = attribute(tag, b"name"), attribute(tag, rb"\w+:id", literal=False)
        member = targets.get(rel_id or "")
        if name and member is not None:
            yield name, member


def column_index(letters: bytes) -> int:
    """0-based: A → 0, Z → 25, AA → 26."""
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index - 1


def column_letters(index: int) -> str:
    """0-based, as Excel heads its columns: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


@dataclass(frozen=True)
class Extent:
    """How far a sheet's values reach, counted from A1 as calamine allocates the grid."""

    rows: int
    columns: int
    far_row: str = ""  # the cell that reaches farthest down, as Excel names it (A1048576)
    far_column: str = ""  # and the one farthest to the right

    @property
    def cells(self) -> int:
        return self.rows * max(self.columns, 1)

    @property
    def far(self) -> str:
        """The cell to name when the sheet reaches too far: along its longer side."""
        return self.far_row if self.rows >= self.columns else self.far_column


def extent(archive: zipfile.ZipFile, member: str) -> Extent:
    """The extent of the sheet in `member`; rows and columns 0 for a sheet without values.
    Its cell tags are matched wherever their reference stands among the attributes: a writer
    (or an attacker) need not put it first."""
    rows = columns = 0
    far_row = far_column = b""
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(CHUNK):
            text = tail + chunk
            found = _VALUED_CELL.findall(text)
            if found:
                # By value, not by text: 0000009 must not pass for farther than 200000.
                letters, digits = max(found, key=lambda cell: int(cell[1]))
                if int(digits) > rows:
                    rows, far_row = int(digits), letters + digits
                # Columns compare as (length, letters): AA comes after Z.
                letters, digits = max(found, key=lambda cell: (len(cell[0]), cell[0]))
                if column_index(letters) + 1 > columns:
                    columns, far_column = column_index(letters) + 1, letters + digits
            # A cell cut between two pieces is found whole in the next: it starts at one of the
            # last two tags (its own, or its own and its value's).
            cut = text.rfind(b"<", 0, max(text.rfind(b"<"), 0))
            tail = text[max(cut, 0) :]
            if len(tail) > _MAX_TAIL:
                raise ValueError("a tag or a cell's text longer than any spreadsheet writes")
    return Extent(rows, columns, far_row.decode(), far_column.decode())


# A cell holding a formula and nothing after it but, at most, an empty value: openpyxl writes
# `<c r="B2"><f>VLOOKUP(…)</f><v></v></c>` and never computes the formula; Excel, WPS and
# LibreOffice save its result in <v>.
_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s/>]")
_UNSAVED_CELL = re.compile(
    rb"<(?:\w+:)?c\b([^>]*?)(?<!/)>\s*<(?:\w+:)?f\b[^>]*(?:/>|>[^<]*</(?:\w+:)?f>)\s*"
    rb"(<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_REFERENCE = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_OVERLAP = 8192  # the pieces overlap, so a cell cut between two is found whole in the next


def unsaved_formulas(archive: zipfile.ZipFile, member: str) -> dict[int, list[int]]:
    """Cells of the sheet in `member` with a formula but no saved result, as 0-based rows by
    0-based column.

    A program that writes workbooks (openpyxl, a system's export) writes a formula without
    computing it; calamine then reads the cell as empty, and a ledger whose ID numbers are a
    VLOOKUP, or a registry whose address codes are a concatenation, would come in without
    them, unsaid. Opening the file in Excel or WPS and saving it stores the results. Excel
    writes an empty text result as `t="str"` with an empty value, which is a result and is not
    counted. Found where a formula tag is, a piece at a time; raises what reading the member
    raises (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError)."""
    seen: set[tuple[int, int]] = set()
    with archive.open(member) as handle:
        tail = b""
        while chunk := handle.read(CHUNK):
            text = tail + chunk
            for formula in _FORMULA_TAG.finditer(text):
                match = _UNSAVED_CELL.match(text, text.rfind(b"<", 0, formula.start()))
                if match is None:
                    continue
                attributes, value = match.groups()
                if value is not None and re.search(rb'\bt="str"', attributes):
                    continue  # an empty text result, saved
                reference = _REFERENCE.search(attributes)
                if reference is not None:
                    column, row = reference.groups()
                    seen.add((int(row) - 1, column_index(column)))
            tail = text[-_OVERLAP:]
    columns: dict[int, list[int]] = {}
    for row, column in sorted(seen):
        columns.setdefault(column, []).append(row)
    return columns


_ERROR_CELL = re.compile(
    rb'<(?:\w+:)?c\b(?=[^>]*\bt="e")[^>]*\br="([A-Z]+)(\d+)"[^>]*>\s*(?:<(?:\w+:)?f\b[^>]*'
    rb"(?:/>|>[^<]*</(?:\w+:)?f>)\s*)?<(?:\w+:)?v>([^<]{1,16})</(?:\w+:)?v>"
)


def error_cells(archive: zipfile.ZipFile, member: str) -> dict[tuple[int, int], str]:
    """Cells of the sheet in `member` holding an error value (#N/A of a VLOOKUP that found
    nothing, #REF!…), as Excel shows it, by 0-based (row, column).

    calamine reads such a cell as empty; put back, the failed formula can be said, as it is when
    the sheet comes as CSV. The sheet's XML is searched for the error type mark (`t="e"`) with
    `bytes.find`, a piece at a time; raises what reading the member raises."""
    cells: dict[tuple[int, int], str] = {}
    with archive.open(member) as handle:
        tail = b""
        while chunk := handle.read(CHUNK):
            text = tail + chunk
            at = text.find(b't="e"')
            while at != -1:
                match = _ERROR_CELL.match(text, text.rfind(b"<", 0, at))
                if match is not None:
                    column, row, value = match.groups()
                    cells[(int(row) - 1, column_index(column))] = html.unescape(
                        value.decode("ascii", "replace")
                    )
                at = text.find(b't="e"', at + 1)
            tail = text[-_OVERLAP:]
    return cells


def extents(archive: zipfile.ZipFile) -> dict[str, Extent]:
    """Each sheet's extent by name, for the sheets whose parts can be followed."""
    return {name: extent(archive, member) for name, member in sheet_members(archive)}
