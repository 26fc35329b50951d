"""The file under a ledger: what it really is and the sheets in it, as plain grids of cells.

Offices rename files freely (an .xls that is an HTML page, a .csv in GBK), protect them with
passwords and send files that unpack to gigabytes; this module finds out what a file really is,
refuses what cannot or must not be read with a reason (`LedgerReadError`, its message a
`core.reasons.Reason`: Chinese text that the job page says in English too), and keeps
rows and cells within `ReadLimits` while reading. What the cells mean is `readers`' business.
Pure Python, no Django.
"""

from __future__ import annotations

import codecs
import html.parser
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from wangge.core import odf, ooxml, xlsb
from wangge.core.reasons import Reason
from wangge.core.tabular import calamine_failed
from wangge.core.zipguard import BrokenZip, ZipBomb, ZipLimits, check_archive

MergeRange = tuple[tuple[int, int], tuple[int, int]]


@dataclass(frozen=True)
class ReadLimits:
    max_file_bytes: int = 200 * 1024 * 1024  # on-disk size
    max_uncompressed_bytes: int = 1024 * 1024 * 1024  # sum of xlsx zip members (zip bomb guard)
    max_compression_ratio: float = 200.0  # per member
    max_rows: int = 2_000_000  # data rows per file
    max_cells: int = 40_000_000  # rows x columns per file


class LedgerReadError(ValueError):
    """Whole file unreadable; .message names the file (and sheet/row when known) and says why,
    a `core.reasons.Reason` whose text is the Chinese (`文件.xlsx 工作表“名单”：…`)."""

    message: str
    file_name: str
    sheet: str | None
    row: int | None

    def __init__(
        self, message: str, *, file_name: str, sheet: str | None = None, row: int | None = None
    ) -> None:
        if sheet and row is not None:
            full = Reason(
                "%(file)s 工作表“%(sheet)s” 第 %(row)s 行：%(message)s",
                file=file_name,
                sheet=sheet,
                row=row,
                message=message,
            )
        elif sheet:
            full = Reason(
                "%(file)s 工作表“%(sheet)s”：%(message)s",
                file=file_name,
                sheet=sheet,
                message=message,
            )
        elif row is not None:
            full = Reason(
                "%(file)s 第 %(row)s 行：%(message)s", file=file_name, row=row, message=message
            )
        else:
            full = Reason("%(file)s：%(message)s", file=file_name, message=message)
        super().__init__(full)
        self.message = full
        self.file_name = file_name
        self.sheet = sheet
        self.row = row

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a reading process: rebuilt from its parts, so the message stays a Reason.
        return (_rebuild_read_error, (self.args[0], self.file_name, self.sheet, self.row))


def _rebuild_read_error(
    full: str, file_name: str, sheet: str | None, row: int | None
) -> LedgerReadError:
    error = LedgerReadError("", file_name=file_name, sheet=sheet, row=row)
    error.args = (full,)
    error.message = full
    return error


def check_size(size: int, name: str, limits: ReadLimits) -> None:
    if size > limits.max_file_bytes:
        raise LedgerReadError(
            Reason(
                "文件大小 %(size)s 超过上限 %(limit)s，请拆分后再导入",
                size=_mb(size),
                limit=_mb(limits.max_file_bytes),
            ),
            file_name=name,
        )


def _mb(size: int) -> str:
    return (
        f"{size / 1024 / 1024:.1f} MB"
        if size >= 1024 * 1024
        else Reason("%(size)s 字节", size=size)
    )


class Budget:
    """Rows and cells read so far in this file, against the limits."""

    def __init__(self, limits: ReadLimits, name: str) -> None:
        self.limits = limits
        self.name = name
        self.rows = 0
        self.cells = 0

    def take(self, rows: int, columns: int, sheet: str | None) -> None:
        self.rows += rows
        self.cells += rows * max(columns, 1)
        if self.rows > self.limits.max_rows:
            raise LedgerReadError(
                Reason(
                    "行数超过上限 %(limit)s 行，请拆分后再导入", limit=f"{self.limits.max_rows:,}"
                ),
                file_name=self.name,
                sheet=sheet,
            )
        if self.cells > self.limits.max_cells:
            raise LedgerReadError(
                Reason(
                    "单元格数超过上限 %(limit)s 个，请拆分后再导入",
                    limit=f"{self.limits.max_cells:,}",
                ),
                file_name=self.name,
                sheet=sheet,
            )


# --------------------------------------------------------------------------- file type

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def sniff(raw: bytes) -> str:
    """The real type from the first bytes: offices rename files freely (.xls that is HTML…)."""
    if raw[:4] == b"PK\x03\x04":
        return "zip"
    if raw[:8] == OLE_MAGIC:
        return "ole"
    head = raw[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"\xff\xfe") or head.startswith(b"\xfe\xff"):
        head16 = raw[:4096].decode("utf-16", errors="ignore").lstrip("\ufeff \t\r\n").lower()
        return "html" if _looks_html(head16.encode()) else "csv"
    if _looks_html(head):
        return "html"
    if head.startswith(b"<?xml") or head.startswith(b"{\\rtf") or head.startswith(b"%pdf"):
        return "other"
    if raw.startswith(_BINARY_MAGIC):  # a photo or an archive renamed: no text to decode
        return "other"
    return "csv"


# JPEG, PNG, GIF, WebP/RIFF, RAR, 7z, gzip: files sent in place of a ledger.
_BINARY_MAGIC: tuple[bytes, ...] = (
    b"\xff\xd8\xff",
    b"\x89PNG",
    b"GIF8",
    b"RIFF",
    b"Rar!",
    b"7z\xbc\xaf",
    b"\x1f\x8b",
)


def _looks_html(head: bytes) -> bool:
    return (
        head.startswith(b"<!doctype html")
        or head.startswith(b"<html")
        or head.startswith(b"<table")
        or (head.startswith(b"<") and b"<table" in head)
    )


def ole_is_encrypted_ooxml(raw: bytes) -> bool:
    """An encrypted xlsx is an OLE2 container holding EncryptionInfo and EncryptedPackage."""
    directory_names = raw[: 4 * 1024 * 1024]
    return "EncryptionInfo".encode("utf-16-le") in directory_names or (
        "EncryptedPackage".encode("utf-16-le") in directory_names
    )


def guard_zip(raw: bytes, name: str, limits: ReadLimits) -> bool:
    """Refuse zip bombs before calamine inflates anything (`core.zipguard`) and anything that
    is neither an Excel workbook nor an OpenDocument spreadsheet (an .odt renamed, a zip of
    photos); returns the workbook's date1904."""
    bad = LedgerReadError(
        Reason("文件已损坏或不是有效的 Excel 文件，请在 Excel 中打开后另存为 .xlsx"), file_name=name
    )
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise bad from exc
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        if "mimetype" in names and not odf.is_spreadsheet(archive):
            raise LedgerReadError(
                Reason(
                    "这是 OpenDocument 文档或演示文稿，不是表格；请上传表格文件（.xlsx、.ods 等）"
                ),
                file_name=name,
            )
        if "content.xml" not in names or not odf.is_spreadsheet(archive):
            raise bad
    try:
        check_archive(
            raw,
            ZipLimits(limits.max_uncompressed_bytes, limits.max_compression_ratio),
        )
    except ZipBomb as exc:
        raise LedgerReadError(
            Reason(
                "文件解压后异常巨大（疑似压缩炸弹），已拒绝读取；如确为正常台账，请拆分后再导入"
            ),
            file_name=name,
        ) from exc
    except BrokenZip as exc:
        raise bad from exc
    if "xl/workbook.xml" not in names:
        return False
    with archive.open("xl/workbook.xml") as handle:
        head = handle.read(64 * 1024)
    return re.search(rb"date1904\s*=\s*[\"'](1|true)[\"']", head) is not None


def ods_layout(raw: bytes, name: str, limits: ReadLimits) -> dict[str, odf.OdsTable] | None:
    """An OpenDocument spreadsheet's sheets as `core.odf` scans them, once every sheet's extent
    is within the limits (calamine expands repeated cells while opening the file, so this
    comes first); None for any other file."""
    if raw[:4] != b"PK\x03\x04":
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        if "xl/workbook.xml" in archive.namelist() or not odf.is_spreadsheet(archive):
            return None
        tables = odf.scan(archive)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise LedgerReadError(
            Reason(
                "文件已损坏或格式不正确，请在 WPS/LibreOffice 中打开后另存为 .ods 或 .xlsx 再导入"
            ),
            file_name=name,
        ) from exc
    extent = Budget(limits, name)
    for table in tables:
        extent.take(table.rows, table.columns, table.name)
    return {table.name: table for table in tables}


# --------------------------------------------------------------------------- workbooks


@dataclass
class Grid:
    """One sheet as raw cell values, row index 0 = spreadsheet row 1."""

    name: str
    rows: list[list[Any]]
    merges: list[tuple[tuple[int, int], tuple[int, int]]]
    date1904: bool = False
    notes: list[str] = field(default_factory=list)
    hidden_rows: frozenset[int] = frozenset()  # 1-based, as the spreadsheet numbers them
    # Cells with a formula and no saved result (calamine reads them as empty): by 0-based
    # column, their 0-based rows (`unsaved_formulas`)
    unsaved: dict[int, list[int]] = field(default_factory=dict)


def read_workbook(raw: bytes, name: str, date1904: bool, budget: Budget) -> list[Grid]:
    from python_calamine import CalamineWorkbook

    ods = ods_layout(raw, name, budget.limits)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(raw))
        metadata = {m.name: m for m in workbook.sheets_metadata}
        sheet_names = list(workbook.sheet_names)
    except BaseException as exc:  # calamine raises several error types, and panics
        if not calamine_failed(exc):
            raise
        raise _calamine_error(exc, name, None) from exc
    xlsx = ods is None and raw[:4] == b"PK\x03\x04"
    errors: dict[str, dict[tuple[int, int], str]] = {}
    extents: dict[str, ooxml.Extent] = {}
    unsaved: dict[str, dict[int, list[int]]] = {}
    if ods is not None:
        hidden = {sheet: table.hidden_rows() for sheet, table in ods.items()}
        errors = {sheet: table.errors for sheet, table in ods.items() if table.errors}
    elif xlsx:
        hidden, errors, extents = hidden_rows(raw), error_cells(raw), filled_extents(raw, name)
        unsaved = unsaved_formulas(raw)
    else:
        hidden, errors = xls_marks(raw)
    grids = []
    for sheet_name in sheet_names:
        if sheet_name in extents:
            _check_extent(extents[sheet_name], name, sheet_name, budget.limits)
        try:
            sheet = workbook.get_sheet_by_name(sheet_name)
        except BaseException as exc:
            if not calamine_failed(exc):
                raise
            raise _calamine_error(exc, name, sheet_name) from exc
        meta = metadata.get(sheet_name)
        if meta is not None and "WorkSheet" not in str(meta.typ):
            continue  # chart sheets, macro sheets
        end = sheet.end
        if end is None:
            grids.append(Grid(sheet_name, [], []))
            continue
        height, width = end[0] + 1, end[1] + 1
        budget.take(height, width, sheet_name)
        try:
            rows = sheet.to_python(skip_empty_area=False)
        except BaseException as exc:
            if not calamine_failed(exc):
                raise
            raise _calamine_error(exc, name, sheet_name) from exc
        for (r, c), text in errors.get(sheet_name, {}).items():
            # calamine reads an error cell as empty, and an .ods's as empty or as 0 (its
            # stored value): the scan's word is taken for an .ods.
            if r < len(rows) and c < len(rows[r]) and (ods is not None or rows[r][c] in (None, "")):
                rows[r][c] = text
        if ods is not None:  # calamine reads no merged cells from an .ods
            merges = ods[sheet_name].merges if sheet_name in ods else []
        else:
            merges = _merged_ranges(sheet, raw, sheet_name)
        grid = Grid(
            sheet_name,
            rows,
            merges,
            date1904,
            hidden_rows=hidden.get(sheet_name, frozenset()),
            unsaved=unsaved.get(sheet_name, {}),
        )
        if meta is not None and "Visible" not in str(meta.visible).split(".")[-1:]:
            grid.notes.append(f"工作表“{sheet_name}”是隐藏的工作表，仍已读取")
        grids.append(grid)
    budget.rows = budget.cells = 0  # counted again precisely as data rows below
    return grids


_ROW_NUMBER = re.compile(rb"\br=\"(\d+)\"")
_HIDDEN_MARKS = (b'hidden="1"', b'hidden="true"')


def hidden_rows(raw: bytes) -> dict[str, frozenset[int]]:
    """Rows hidden in each sheet of an xlsx (by a clerk, or by a filter), by sheet name.

    calamine reads every row and does not say which are hidden, so the sheets' XML is scanned
    for the marks alone (a hidden row is a `<row r="9" hidden="1">` tag), a member at a time in
    pieces: a big sheet costs a pass of `bytes.find`, not a parse. Best effort: a workbook whose
    parts cannot be followed reports none (calamine has read it already).
    """
    return {name: frozenset(rows) for name, rows in _scan_sheets(raw, _hidden_in_member).items()}


# What Excel, WPS and LibreOffice show in a cell whose formula failed (a VLOOKUP that found
# nothing is #N/A). A CSV saved from such a sheet holds the same text. LibreOffice shows some
# failures as numbered errors (Err:502): `odf.is_error_value` knows both.
is_error_value = odf.is_error_value


def error_cells(raw: bytes) -> dict[str, dict[tuple[int, int], str]]:
    """Cells of each xlsx sheet holding an error value (#N/A, #REF!…), by sheet name and
    0-based (row, column) (`core.ooxml.error_cells`, which `core.tabular` uses too).

    calamine reads such a cell as empty, so a VLOOKUP that found no ID number would reach the
    clerk as a row without one, and nobody would learn that the formula failed; put back, the
    value is said as Excel shows it, as it is when the sheet comes as CSV. Best effort, like
    `hidden_rows`.
    """
    return _scan_sheets(raw, ooxml.error_cells)


def unsaved_formulas(raw: bytes) -> dict[str, dict[int, list[int]]]:
    """Cells of each xlsx sheet with a formula but no saved result, by sheet name, as 0-based
    rows by 0-based column (`core.ooxml.unsaved_formulas`, which `core.tabular` uses too).
    Best effort, like `error_cells`: a sheet whose parts cannot be followed has none."""
    return _scan_sheets(raw, ooxml.unsaved_formulas)


def filled_extents(raw: bytes, name: str) -> dict[str, ooxml.Extent]:
    """How far each sheet's filled cells reach in an xlsx (`core.ooxml`) or an .xlsb
    (`core.xlsb`), by sheet name.

    calamine allocates a dense grid from the first filled cell to the last before a sheet can
    be looked at, and a failed allocation aborts the process (Rust's out-of-memory handler, no
    exception): a 6 KB ledger with one space typed in XFD1048576 asked for 512 GB and took the
    import worker down. An xlsx whose parts cannot be followed has none (calamine says); an
    .xlsb's records that cannot be followed refuse the file, as calamine would.
    """
    broken = (KeyError, zipfile.BadZipFile, OSError, EOFError)
    binary = False
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        binary = "xl/workbook.bin" in archive.namelist()
        return xlsb.extents(archive) if binary else ooxml.extents(archive)
    except broken as exc:
        if binary:
            raise LedgerReadError(
                Reason("文件已损坏或不是有效的 Excel 文件，请在 Excel 中打开后另存为 .xlsx"),
                file_name=name,
            ) from exc
        return {}
    except ValueError as exc:  # a tag longer than any spreadsheet writes, a record cut short
        raise LedgerReadError(
            Reason("文件已损坏或不是有效的 Excel 文件，请在 Excel 中打开后另存为 .xlsx"),
            file_name=name,
        ) from exc


def _check_extent(extent: ooxml.Extent, name: str, sheet: str, limits: ReadLimits) -> None:
    if extent.cells <= limits.max_cells:
        return
    far = extent.far
    raise LedgerReadError(
        Reason(
            "有内容的单元格远至 %(far)s，整张表要按 %(rows)s 行 × %(columns)s 列读取，"
            "超过单元格数上限 %(limit)s 个；多半是远处误填的空格或内容，"
            "请在 Excel 中删除 %(far)s 等多余单元格后另存再导入",
            far=far,
            rows=f"{extent.rows:,}",
            columns=f"{extent.columns:,}",
            limit=f"{limits.max_cells:,}",
        ),
        file_name=name,
        sheet=sheet,
    )


_Found = TypeVar("_Found")


def _scan_sheets(raw: bytes, scan: Callable[[zipfile.ZipFile, str], _Found]) -> dict[str, _Found]:
    """What `scan` finds in each sheet of an xlsx, by sheet name, for the sheets where it finds
    something. Best effort: a sheet whose parts cannot be followed has nothing (calamine has
    read it already, or refused it)."""
    found: dict[str, _Found] = {}
    for name, archive, member in _sheet_members(raw):
        try:
            result = scan(archive, member)
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
            continue
        if result:
            found[name] = result
    return found


def _sheet_members(raw: bytes) -> Iterator[tuple[str, zipfile.ZipFile, str]]:
    """(sheet name, the archive, the sheet's member) for each sheet of an xlsx whose parts can
    be followed."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return
    for name, member in ooxml.sheet_members(archive):
        yield name, archive, member


# BIFF8 record types: the workbook's BOUNDSHEET (a sheet's name and where its records start),
# BOF/EOF around each substream, a sheet's ROW records (flags at byte 12; 0x20 fDyZero = hidden).
_BIFF_BOUNDSHEET, _BIFF_BOF, _BIFF_EOF, _BIFF_ROW = 0x0085, 0x0809, 0x000A, 0x0208
# A cell's boolean or error value (byte 7: 1 = error), a formula with its cached result.
_BIFF_BOOLERR, _BIFF_FORMULA = 0x0205, 0x0006
_BIFF8 = 0x0600


def xls_hidden_rows(raw: bytes) -> dict[str, frozenset[int]]:
    """Rows hidden in each sheet of a legacy .xls, by sheet name (`xls_marks`)."""
    return xls_marks(raw)[0]


def xls_marks(
    raw: bytes,
) -> tuple[dict[str, frozenset[int]], dict[str, dict[tuple[int, int], str]]]:
    """Rows hidden in each sheet of a legacy .xls (BIFF8, Excel 97–2003), by sheet name.

    calamine does not say which rows are hidden here either. Each row's flags are in its ROW
    record, so the workbook stream (found in the OLE container with xlrd's `compdoc`) is walked
    record by record — a pass over the file, about 0.7 s for 24 MB — instead of xlrd parsing
    every cell with `formatting_info` (some 30 s for the same file). Best effort: an older BIFF
    version, or a stream that cannot be followed, reports none (calamine has read it already).
    """
    from xlrd.biffh import unpack_unicode
    from xlrd.compdoc import CompDoc, CompDocError

    if raw[:8] != OLE_MAGIC:
        return {}, {}
    try:
        document = CompDoc(raw, logfile=io.StringIO())
        for stream_name in ("Workbook", "Book"):
            stream, base, size = document.locate_named_stream(stream_name)
            if stream is not None:
                break
        else:
            return {}, {}
        end = base + size
        sheets = []
        for kind, at, length in _biff_records(stream, base, end):
            if kind == _BIFF_BOF and at == base + 4:
                if struct.unpack_from("<H", stream, at)[0] != _BIFF8:
                    return {}, {}  # BIFF5 and older name sheets in the file's code page
            elif kind == _BIFF_BOUNDSHEET:
                offset, _visibility, sheet_type = struct.unpack_from("<iBB", stream, at)
                if sheet_type == 0:  # a worksheet (not a chart or a macro sheet)
                    name = unpack_unicode(stream[at : at + length], 6, lenlen=1)
                    sheets.append((name, base + offset))
            elif kind == _BIFF_EOF:
                break
        # Each sheet is walked only up to where the next one starts, so the walk stays one pass
        # over the stream however many sheets a crafted file names at the same place.
        starts = sorted({start for _name, start in sheets} | {end})
        following = dict(zip(starts, starts[1:], strict=False))
        found: dict[str, frozenset[int]] = {}
        errors: dict[str, dict[tuple[int, int], str]] = {}
        for name, start in sheets:
            rows, cells = _xls_marks_in_sheet(stream, start, following.get(start, end))
            if rows:
                found[name] = frozenset(rows)
            if cells:
                errors[name] = cells
        return found, errors
    except (CompDocError, AssertionError, struct.error, IndexError, KeyError, ValueError):
        return {}, {}


def _biff_records(stream: bytes, at: int, end: int) -> Iterator[tuple[int, int, int]]:
    """(record type, where its data starts, its length) from `at` to `end`."""
    while at + 4 <= end:
        kind, length = struct.unpack_from("<HH", stream, at)
        yield kind, at + 4, length
        at += 4 + length


# BIFF8 error codes, as Excel shows them.
_BIFF_ERRORS = {
    0x00: "#NULL!",
    0x07: "#DIV/0!",
    0x0F: "#VALUE!",
    0x17: "#REF!",
    0x1D: "#NAME?",
    0x24: "#NUM!",
    0x2A: "#N/A",
}


def _xls_marks_in_sheet(
    stream: bytes, start: int, end: int
) -> tuple[list[int], dict[tuple[int, int], str]]:
    """1-based numbers of the hidden rows of the sheet whose BOF is at `start`, and its cells
    holding an error value by 0-based (row, column) (calamine reads them as empty, as in an
    xlsx: `error_cells`): a BOOLERR record flagged as an error, or a FORMULA record whose
    cached result is one. A chart drawn on the sheet is a BOF…EOF substream of its own inside
    it, skipped by depth."""
    rows = []
    errors: dict[tuple[int, int], str] = {}
    depth = 0
    for kind, at, length in _biff_records(stream, start, end):
        if kind == _BIFF_BOF:
            depth += 1
        elif kind == _BIFF_EOF:
            depth -= 1
            if depth <= 0:
                break
        elif kind == _BIFF_ROW and depth == 1 and length >= 16:
            number, flags = struct.unpack_from("<H10xH", stream, at)
            if flags & 0x20:
                rows.append(number + 1)
        elif kind == _BIFF_BOOLERR and depth == 1 and length >= 8:
            row, column, _xf, value, is_error = struct.unpack_from("<HHHBB", stream, at)
            if is_error and value in _BIFF_ERRORS:
                errors[(row, column)] = _BIFF_ERRORS[value]
        elif kind == _BIFF_FORMULA and depth == 1 and length >= 14:
            row, column, _xf, result_type, code = struct.unpack_from("<HHHBxB", stream, at)
            cached_error = stream[at + 12 : at + 14] == b"\xff\xff" and result_type == 2
            if cached_error and code in _BIFF_ERRORS:
                errors[(row, column)] = _BIFF_ERRORS[code]
    return sorted(set(rows)), errors


def _hidden_in_member(archive: zipfile.ZipFile, member: str) -> list[int]:
    rows: list[int] = []
    tail = b""
    with archive.open(member) as handle:
        while chunk := handle.read(4 * 1024 * 1024):
            text = tail + chunk
            for mark in _HIDDEN_MARKS:
                at = text.find(mark)
                while at != -1:
                    start = text.rfind(b"<", 0, at)
                    if text.startswith(b"<row ", start) or re.match(rb"<\w+:row ", text[start:at]):
                        number = _ROW_NUMBER.search(text, start, at)
                        if number:
                            rows.append(int(number.group(1)))
                    at = text.find(mark, at + 1)
            # Keep the last tag's start, so a mark cut between two pieces is found whole.
            cut = text.rfind(b"<")
            tail = text[cut:] if cut != -1 and len(text) - cut < 4096 else b""
    return sorted(set(rows))


def _calamine_error(exc: BaseException, name: str, sheet: str | None) -> LedgerReadError:
    text = str(exc).lower()
    if "password" in text or "encrypt" in text:
        return LedgerReadError(
            Reason("文件设置了打开密码，无法读取；请在 Excel 中取消密码后另存再导入"),
            file_name=name,
            sheet=sheet,
        )
    return LedgerReadError(
        Reason("文件已损坏或格式不正确，请在 Excel 中打开后另存为 .xlsx 再导入"),
        file_name=name,
        sheet=sheet,
    )


def _is_xlsb(raw: bytes) -> bool:
    try:
        return "xl/workbook.bin" in zipfile.ZipFile(io.BytesIO(raw)).namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False


def _merged_ranges(
    sheet: Any, raw: bytes, sheet_name: str
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    ranges = getattr(sheet, "merged_cell_ranges", None)
    if ranges is not None:
        return [((int(a[0]), int(a[1])), (int(b[0]), int(b[1]))) for a, b in ranges]
    if raw[:4] != b"PK\x03\x04" or _is_xlsb(raw):
        return []  # calamine reads no merged cells from an .xlsb, nor does openpyxl
    import openpyxl  # pragma: no cover

    book = openpyxl.load_workbook(io.BytesIO(raw))  # pragma: no cover
    return [  # pragma: no cover
        ((r.min_row - 1, r.min_col - 1), (r.max_row - 1, r.max_col - 1))
        for r in book[sheet_name].merged_cells.ranges
    ]


# --------------------------------------------------------------------------- HTML "xls"


class _TableParser(html.parser.HTMLParser):
    """The first table of an HTML page saved as .xls, with rowspan/colspan as merges."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[
            tuple[list[list[str]], list[tuple[tuple[int, int], tuple[int, int]]]]
        ] = []
        self._rows: list[list[str]] | None = None
        self._merges: list[tuple[tuple[int, int], tuple[int, int]]] = []
        self._occupied: set[tuple[int, int]] = set()
        self._cell: list[str] | None = None
        self._col = 0
        self._span = (1, 1)
        self._depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self._rows, self._merges, self._occupied = [], [], set()
        elif self._rows is None or self._depth != 1:
            return
        elif tag == "tr":
            self._rows.append([])
            self._col = 0
        elif tag in ("td", "th"):
            if not self._rows:
                self._rows.append([])
            attributes = dict(attrs)
            self._span = (_span(attributes.get("rowspan")), _span(attributes.get("colspan")))
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            if self._depth == 1 and self._rows is not None:
                self.tables.append((self._rows, self._merges))
                self._rows = None
            self._depth = max(self._depth - 1, 0)
        elif tag in ("td", "th") and self._cell is not None and self._rows is not None:
            row_index = len(self._rows) - 1
            row = self._rows[row_index]
            while (row_index, self._col) in self._occupied:
                self._col += 1
            while len(row) < self._col:
                row.append("")
            row.append(" ".join("".join(self._cell).split()))
            rowspan, colspan = self._span
            for r in range(row_index, row_index + rowspan):
                for c in range(self._col, self._col + colspan):
                    self._occupied.add((r, c))
            if rowspan > 1 or colspan > 1:
                end = (row_index + rowspan - 1, self._col + colspan - 1)
                self._merges.append(((row_index, self._col), end))
            self._col += colspan
            while len(row) < self._col:
                row.append("")
            self._cell = None


def _span(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 10_000))
    except ValueError:
        return 1


def read_html(raw: bytes, name: str, budget: Budget) -> list[Grid]:
    match = re.search(rb"charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", raw[:4096], re.IGNORECASE)
    text: str | None = None
    if match:
        try:
            text = raw.decode(match.group(1).decode("ascii"))
        except (LookupError, UnicodeDecodeError):
            text = None
    if text is None:
        text, _, _ = decode_text(raw, name)
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    grids = []
    for index, (rows, merges) in enumerate(parser.tables):
        budget.take(len(rows), max((len(r) for r in rows), default=0), None)
        grids.append(Grid("" if len(parser.tables) == 1 else f"表格{index + 1}", rows, merges))
    budget.rows = budget.cells = 0
    if not grids:
        raise LedgerReadError(Reason("文件是网页格式，但其中没有表格"), file_name=name)
    return grids


# --------------------------------------------------------------------------- text encodings

_IMPLAUSIBLE = re.compile(
    "[^\t\n\r\x20-\x7e\u00a0-\u00ff\u2000-\u206f\u2100-\u21ff\u2460-\u24ff\u2500-\u25ff"
    "\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]"
)


def decode_text(raw: bytes, name: str) -> tuple[str, str, bytes | None]:
    """Decoded text, the encoding's name and, when the file is UTF-8, its bytes without BOM.

    BOMs first, then UTF-8, then GB18030 (a superset of GBK and GB2312).
    """
    candidates: list[tuple[str, str, int]] = []
    if raw.startswith(codecs.BOM_UTF8):
        candidates = [("utf-8", "UTF-8", 3)]
    elif raw.startswith(codecs.BOM_UTF32_LE) or raw.startswith(codecs.BOM_UTF32_BE):
        candidates = [("utf-32", "UTF-32", 0)]
    elif raw.startswith(codecs.BOM_UTF16_LE) or raw.startswith(codecs.BOM_UTF16_BE):
        candidates = [("utf-16", "UTF-16", 0)]
    else:
        candidates = [("utf-8", "UTF-8", 0), ("gb18030", "GBK/GB18030", 0)]
    for codec, label, skip in candidates:
        try:
            text = raw[skip:].decode(codec)
        except UnicodeDecodeError:
            continue
        if _plausible(text):
            if codec == "utf-8":
                return text, label, raw[skip:]
            return text.lstrip("\ufeff"), label, None
    raise LedgerReadError(
        Reason(
            "无法识别文件的文字编码（已尝试 UTF-8、GBK、GB18030、UTF-16），"
            "请在 Excel 中另存为“CSV UTF-8（逗号分隔）”或 .xlsx 后再导入"
        ),
        file_name=name,
    )


def _plausible(text: str) -> bool:
    """Decoding succeeded by luck? Text of a ledger has no NULs and almost no odd characters."""
    if "\x00" in text:
        return False
    sample = text[:200_000]
    if not sample:
        return True
    # Counting the odd characters, not the good ones: a list of every good character of a
    # 200,000-character sample cost a third of a second per file.
    return len(_IMPLAUSIBLE.findall(sample)) <= 0.02 * len(sample)
