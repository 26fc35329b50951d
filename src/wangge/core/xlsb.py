"""Excel binary workbooks (.xlsb): how far each sheet's values reach, before calamine opens it.

The same danger as an .xlsx (`core.ooxml`): calamine allocates a sheet as a dense grid up to
its farthest cell holding a value, so a 1 KB .xlsb with a value in A1 and one in XFD1048576
would ask for 17 billion cells and abort the process. An .xlsb is a zip of BIFF12 record
streams — each record a type and a size (little-endian base-128 numbers: the type one or two
bytes, the size up to four), then its body — so each sheet's stream is walked record by record
(its bodies skipped, never parsed) for the rows (`BrtRowHdr`, type 0: the row's 0-based number
first) and the cells holding a value, whose body starts with the 0-based column:

    2 BrtCellRk, 3 BrtCellError, 4 BrtCellBool, 5 BrtCellReal, 6 BrtCellSt, 7 BrtCellIsst,
    8 BrtFmlaString, 9 BrtFmlaNum, 10 BrtFmlaBool, 11 BrtFmlaError, 62 BrtCellRString

A blank cell (1 BrtCellBlank) holds only a style and costs calamine nothing, but it sets the
column the short records after it continue from: 12–18 (BrtShortBlank … BrtShortIsst), which
Excel writes for a cell in the column after the previous one and which carry no column. The
calamine this project uses reads neither the short records nor 11 and 62; they are counted all
the same, so a newer calamine that reads them is covered too. The walk stops where calamine
stops, at the end of the sheet data (146 BrtEndSheetData). Pure Python, no Django.
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Iterator
from typing import IO

from wangge.core.ooxml import Extent, column_letters, relationships

CHUNK = 4 * 1024 * 1024
ROW_HEADER = 0x0000
BLANK = 0x0001
VALUED = frozenset({0x0002, 0x0003, 0x0004, 0x0005, 0x0006, 0x0007, 0x0008, 0x0009, 0x000A})
VALUED |= {0x000B, 0x003E}
SHORT_BLANK = 0x000C
SHORT = frozenset(range(0x000C, 0x0013))
END_SHEET_DATA = 0x0092
BUNDLE_SHEET = 0x009C  # in workbook.bin: a sheet's state, relationship id and name
END_BUNDLE_SHEETS = 0x0090
_HEAD = 4  # the bytes of a body the walk reads: a row's number, a cell's column
_MAX_WHOLE = 64 * 1024  # a sheet's entry in the workbook is a few dozen bytes


def records(handle: IO[bytes], whole: int = -1) -> Iterator[tuple[int, bytes]]:
    """(type, body) for each record of a stream: the body's first four bytes, or the whole
    body for records of type `whole`. Bodies are skipped without being kept, so a record that
    claims 256 MB costs a read, not the memory. Raises ValueError where the stream ends inside
    a record (calamine fails there too)."""
    buffer, at = b"", 0
    while True:
        if len(buffer) - at < 6 + _HEAD:  # a header (at most 6 bytes) and a body's start
            buffer, at = buffer[at:] + handle.read(CHUNK), 0
            if not buffer:
                return
        kind = buffer[at]
        at += 1
        if kind & 0x80:
            if at >= len(buffer):
                raise ValueError("the stream ends inside a record's type")
            kind = (kind & 0x7F) | ((buffer[at] & 0x7F) << 7)
            at += 1
        size = shift = 0
        for _ in range(4):
            if at >= len(buffer):
                raise ValueError("the stream ends inside a record's size")
            byte = buffer[at]
            at += 1
            size |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if kind == whole:
            if size > _MAX_WHOLE:
                raise ValueError("a workbook record longer than Excel writes")
            if len(buffer) - at < size:
                buffer, at = buffer[at:] + handle.read(max(size, CHUNK)), 0
            body = buffer[at : at + size]
        else:
            body = buffer[at : at + min(size, _HEAD)]
        if len(body) < min(size, _HEAD):
            raise ValueError("the stream ends inside a record")
        yield kind, body
        at += size
        if at > len(buffer):  # the body goes on past what was read: skipped in pieces
            left = at - len(buffer)
            while left:
                piece = handle.read(min(left, CHUNK))
                if not piece:
                    raise ValueError("the stream ends inside a record")
                left -= len(piece)
            buffer, at = b"", 0


def sheet_members(archive: zipfile.ZipFile) -> Iterator[tuple[str, list[str]]]:
    """(sheet name, the members it may be read from) for each sheet of the workbook with a
    part: calamine joins "xl/" and the relationship's target as written, the specification
    reads a target starting with "/" from the package's root; both are scanned."""
    targets = relationships(archive.read("xl/_rels/workbook.bin.rels"))
    with archive.open("xl/workbook.bin") as handle:
        for kind, body in records(handle, whole=BUNDLE_SHEET):
            if kind == END_BUNDLE_SHEETS:
                return
            if kind != BUNDLE_SHEET:
                continue
            rel_id, at = _wide(body, 8)
            if rel_id is None or rel_id not in targets:
                continue  # no part: calamine reads nothing for it
            name, _ = _wide(body, at)
            target = targets[rel_id]
            members = ["xl/" + target, target.lstrip("/") if target.startswith("/") else ""]
            yield name or "", [m for m in dict.fromkeys(members) if m]


def _wide(body: bytes, at: int) -> tuple[str | None, int]:
    """An XLWideString at `at` (a 32-bit count of UTF-16 units, then the text), and where the
    next field starts; None for the null string (count 0xFFFFFFFF)."""
    if at + 4 > len(body):
        raise ValueError("a sheet's entry cut short")
    (count,) = struct.unpack_from("<I", body, at)
    if count == 0xFFFFFFFF:
        return None, at + 4
    end = at + 4 + 2 * count
    if end > len(body):
        raise ValueError("a sheet's entry cut short")
    return body[at + 4 : end].decode("utf-16-le", "replace"), end


def extent(archive: zipfile.ZipFile, member: str) -> Extent:
    """The extent of the sheet in `member`, counted from A1 as calamine hands the grid over;
    rows and columns 0 for a sheet without values. Raises ValueError where the stream cannot
    be followed.

    One loop over pieces of the stream rather than `records`: a sheet is millions of records,
    and a generator's call per record made 200,000 rows × 10 columns take 12 s (calamine reads
    them in 2)."""
    rows = columns = 0
    far_row = far_column = (0, 0)
    row, column = 0, -1
    unpack, valued, short = struct.unpack_from, VALUED, SHORT
    data, at, eof, done = b"", 0, False, False
    with archive.open(member) as handle:
        while not done:
            if not eof and len(data) - at < 16:  # a header (at most 6 bytes) and a body's start
                more = handle.read(CHUNK)
                eof = not more
                data, at = data[at:] + more, 0
            size_of_data = len(data)
            if at >= size_of_data and eof:
                break
            stop = size_of_data if eof else size_of_data - 16
            try:
                while at < stop:
                    kind = data[at]
                    if kind & 0x80:
                        kind = (kind & 0x7F) | ((data[at + 1] & 0x7F) << 7)
                        at += 2
                    else:
                        at += 1
                    size = data[at]
                    at += 1
                    if size & 0x80:
                        size &= 0x7F
                        for shift in (7, 14, 21):
                            byte = data[at]
                            at += 1
                            size |= (byte & 0x7F) << shift
                            if not byte & 0x80:
                                break
                    body, at = at, at + size
                    if kind in valued or kind == BLANK:
                        if size < 4:
                            raise ValueError("a cell record without its column")
                        (column,) = unpack("<I", data, body)
                        if kind == BLANK:
                            continue
                    elif kind in short:
                        column += 1
                        if kind == SHORT_BLANK:
                            continue
                    elif kind == ROW_HEADER:
                        if size < 4:
                            raise ValueError("a row record without its number")
                        (row,) = unpack("<I", data, body)
                        column = -1
                        continue
                    elif kind == END_SHEET_DATA:
                        done = True
                        break
                    else:
                        continue
                    if row >= rows:
                        rows, far_row = row + 1, (row, column)
                    if column >= columns:
                        columns, far_column = column + 1, (row, column)
            except (IndexError, struct.error) as exc:
                raise ValueError("the stream ends inside a record") from exc
            if at > size_of_data:  # a body going on past what was read: skipped in pieces
                left = at - size_of_data
                while left:
                    piece = handle.read(min(left, CHUNK))
                    if not piece:
                        raise ValueError("the stream ends inside a record")
                    left -= len(piece)
                data, at = b"", 0
    return Extent(rows, columns, _name(far_row) if rows else "", _name(far_column) if rows else "")


def _name(cell: tuple[int, int]) -> str:
    return f"{column_letters(cell[1])}{cell[0] + 1}"


def extents(archive: zipfile.ZipFile) -> dict[str, Extent]:
    """Each sheet's extent by name; a sheet named twice, or read from two members, keeps the
    larger. Raises KeyError without the workbook's parts, ValueError where a stream cannot be
    followed."""
    found: dict[str, Extent] = {}
    names = set(archive.namelist())
    for name, members in sheet_members(archive):
        for member in members:
            if member in names:
                reach = extent(archive, member)
                if name not in found or reach.cells > found[name].cells:
                    found[name] = reach
    return found
