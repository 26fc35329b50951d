"""Reading the tabular files offices bring (CSV in any common Chinese encoding, xlsx, xls, and
the .ods WPS and LibreOffice save).

Pure Python, no Django: the registry loader uses it now and the ledger import builds on it.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from wangge.core import odf, ooxml, xlsb
from wangge.core.reasons import Reason
from wangge.core.zipguard import BrokenZip, ZipBomb, check_archive

# Tried in order; GB18030 is a superset of GBK and GB2312, so it also reads their files.
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".ods"}
# Rows x columns a workbook's sheets may spread over together (the ledger reader's default):
# an .ods can repeat one filled cell over millions with a few bytes, and calamine would
# allocate every one of them.
MAX_CELLS = 40_000_000


class TabularError(ValueError):
    """The file cannot be read at all; the message says why in Chinese. `reason` is that
    message as a `core.reasons.Reason`, for the Django layer to say in the reader's language
    (`str(exc)` is plain Chinese)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Sheet:
    name: str  # '' for CSV
    rows: list[list[str]]  # every cell as text; row i is spreadsheet row i + 1


def decode_csv_bytes(data: bytes, *, filename: str = "") -> str:
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TabularError(
        Reason(
            "%(file)s：无法识别文本编码（已尝试 UTF-8、GBK/GB18030），请另存为UTF-8的CSV",
            file=filename or Reason("文件"),
        )
    )


NUL_MESSAGE = Reason("文件中有空字符（NUL），可能不是文本文件；请在Excel中打开后另存为CSV")


def csv_error_message(exc: csv.Error) -> str:
    """Python's csv module explains itself in English; a clerk needs to know what to fix."""
    text = str(exc)
    if "field larger than field limit" in text:
        return Reason(
            "有一个单元格超过 %(limit)s 个字符，通常是某个引号没有成对，"
            "使后面的内容都并入了这一格；请在Excel中打开后另存为CSV",
            limit=f"{csv.field_size_limit():,}",
        )
    if "new-line character seen in unquoted field" in text:
        return Reason("有单元格中的换行不在引号内；请在Excel中打开后另存为CSV")
    if "NUL" in text:
        return NUL_MESSAGE
    return Reason("CSV格式无法解析；请在Excel中打开后另存为CSV")


def cell_text(value: object) -> str:
    """Spreadsheet cells as the text a clerk sees, without Excel's float artefacts."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value:
            return ""
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


# A cell starting with one of these is a formula to Excel, WPS and LibreOffice (and openpyxl
# writes a string starting with "=" as one): CSV/formula injection through exported data.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_cell(value: object) -> object:
    """A value for a cell of a workbook we hand out: text that would start a formula gets a
    leading apostrophe (OWASP's advice), so it stays text in every spreadsheet program.
    Numbers, dates and None pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


_EXCEL_TEXT = re.compile(r'="(.*)"', re.DOTALL)


def excel_text(cell: str) -> str:
    """A CSV cell as Excel shows it: systems export numbers to keep as text (ID numbers, 工单号)
    as the formula ="110105…", which Excel shows as the text between the quotes."""
    m = _EXCEL_TEXT.fullmatch(cell.strip())
    return m.group(1).replace('""', '"') if m else cell


def read_sheets(path: str | Path, *, data: bytes | None = None) -> list[Sheet]:
    path = Path(path)
    raw = data if data is not None else path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in EXCEL_SUFFIXES:
        return _read_excel(raw, path.name)
    if suffix in {".csv", ".txt", ""}:
        text = decode_csv_bytes(raw, filename=path.name)
        if "\x00" in text:  # csv stopped refusing NUL in Python 3.11; PostgreSQL stores none
            line = text.count("\n", 0, text.index("\x00")) + 1
            raise TabularError(_near(path.name, line, NUL_MESSAGE))
        rows: list[list[str]] = []
        try:
            for row in csv.reader(io.StringIO(text, newline="")):
                rows.append([excel_text(c).strip() for c in row])
        except csv.Error as exc:
            raise TabularError(_near(path.name, len(rows) + 1, csv_error_message(exc))) from exc
        return [Sheet("", rows)]
    raise TabularError(
        Reason(
            "%(file)s：不支持的文件类型“%(suffix)s”，请使用 .csv、.xlsx、.xls 或 .ods",
            file=path.name,
            suffix=suffix,
        )
    )


def _near(file: str, line: int, why: str) -> Reason:
    return Reason("%(file)s：第%(line)s行附近：%(why)s", file=file, line=line, why=why)


# A failed formula's value by sheet, then by 0-based (row, column), as the spreadsheet shows it
Failed = dict[str, dict[tuple[int, int], str]]


def _guard_zip(raw: bytes, filename: str) -> Failed:
    """Refuse a zip bomb before calamine inflates it into memory (`core.zipguard`, the rule the
    ledger reader uses too). Without it a 300 KB hotline export that inflates to 300 MB was
    read in full (found in issue 12's ASVS pass). A zip must be an Excel workbook or an
    OpenDocument spreadsheet, and its sheets must stay within `MAX_CELLS` as calamine will
    allocate them: an .ods's repeated cells counted (`core.odf`), an xlsx's grid up to its
    farthest value (`core.ooxml`), an .xlsb's the same way from its records (`core.xlsb`).

    Returns the cells whose formula failed (#N/A, Err:502), found in the same pass, which
    calamine reads as empty (an .ods's as 0)."""
    try:
        archive = check_archive(raw)
    except ZipBomb as exc:
        raise TabularError(
            Reason(
                "%(file)s：文件解压后异常巨大（疑似压缩炸弹），已拒绝读取；"
                "如确为正常文件，请拆分后再导入",
                file=filename,
            )
        ) from exc
    except BrokenZip:
        return {}  # not a zip (.xls) or broken: calamine says so
    names = set(archive.namelist())
    if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
        try:
            scan = ooxml.extents if "xl/workbook.xml" in names else xlsb.extents
            sheets = scan(archive)
            unsaved, failed = _formula_marks(archive) if scan is ooxml.extents else ({}, {})
        except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise TabularError(
                Reason("%(file)s：Excel文件已损坏或格式不正确", file=filename)
            ) from exc
        for sheet, extent in sheets.items():
            if extent.cells > MAX_CELLS:
                far = extent.far
                raise TabularError(
                    Reason(
                        "%(file)s：工作表“%(sheet)s”有内容的单元格远至 %(far)s，整张表要按 "
                        "%(rows)s 行 × %(columns)s 列读取，超过单元格数上限 %(limit)s 个；"
                        "多半是远处误填的空格或内容，请删除 %(far)s 等多余单元格后另存再导入",
                        file=filename,
                        sheet=sheet,
                        far=far,
                        rows=f"{extent.rows:,}",
                        columns=f"{extent.columns:,}",
                        limit=f"{MAX_CELLS:,}",
                    )
                )
        for sheet, columns in unsaved.items():
            cells = sorted((r, c) for c, rows in columns.items() for r in rows)
            raise TabularError(
                Reason(
                    "%(file)s：工作表“%(sheet)s”的%(cells)s 有公式但没有保存计算结果，"
                    "读出来将是空白；请在 Excel 或 WPS 中打开此文件、保存后重新导入",
                    file=filename,
                    sheet=sheet,
                    cells=cell_list([f"{ooxml.column_letters(c)}{r + 1}" for r, c in cells]),
                )
            )
        return failed
    if not odf.is_spreadsheet(archive):
        raise TabularError(
            Reason(
                "%(file)s：不是 Excel 或 OpenDocument 表格文件，请另存为 .xlsx 后再导入",
                file=filename,
            )
        )
    try:
        tables = odf.scan(archive)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise TabularError(Reason("%(file)s：表格文件已损坏或格式不正确", file=filename)) from exc
    if sum(t.rows * max(t.columns, 1) for t in tables) > MAX_CELLS:
        raise TabularError(
            Reason(
                "%(file)s：单元格数超过上限 %(limit)s 个（含重复的单元格），请拆分后再导入",
                file=filename,
                limit=f"{MAX_CELLS:,}",
            )
        )
    return {table.name: table.errors for table in tables if table.errors}


def _formula_marks(archive: zipfile.ZipFile) -> tuple[dict[str, dict[int, list[int]]], Failed]:
    """Each xlsx sheet's cells with a formula but no saved result (`core.ooxml.unsaved_formulas`),
    and its cells holding an error value (`core.ooxml.error_cells`), for the sheets that have
    some.

    calamine reads such a cell as empty: an address code, a phone or a place's name computed
    by a formula that a program wrote and never computed would be stored blank, or the row
    refused as blank with no word of why. Every cell of the sheet counts, not only the columns
    a caller reads: tabular's callers find their header and columns after reading, each its
    own way, and a false refusal costs the clerk one open-and-save in Excel or WPS, where a
    missed one stores wrong data. (The ledger import, which knows its columns, only notes a
    formula in a column it does not read.)"""
    unsaved, failed = {}, {}
    for name, member in ooxml.sheet_members(archive):
        columns = ooxml.unsaved_formulas(archive, member)
        if columns:
            unsaved[name] = columns
        errors = ooxml.error_cells(archive, member)
        if errors:
            failed[name] = errors
    return unsaved, failed


def failed_formulas(values: Mapping[str, str]) -> Reason | None:
    """What to say of a row whose cells, by column name, hold a failed formula's value (#N/A of a
    VLOOKUP that found nothing, #REF!, LibreOffice's Err:502; `core.odf.is_error_value`), or
    None. Stored as read, "#N/A" would become an address code, a phone or a place's name; each
    loader calls this where it checks a row, for the columns it reads."""
    failed = [(column, text.strip()) for column, text in values.items() if odf.is_error_value(text)]
    if not failed:
        return None
    return Reason(
        "%(columns)s是公式错误值“%(values)s”（公式出错）；请在表格中改正公式或填写正确的值后重新导入",
        columns="、".join(f"“{column}”" for column, _ in failed),
        values="、".join(dict.fromkeys(text for _, text in failed)),
    )


def cell_list(names: Sequence[str], most: int = 5) -> str:
    """Cells named as a clerk reads them: B2、B3、C5, or the first few and how many."""
    if len(names) <= most:
        return Reason("单元格 %(cells)s", cells="、".join(names))
    return Reason(
        "单元格 %(cells)s 等 %(count)s 个", cells="、".join(names[:most]), count=len(names)
    )


def calamine_failed(exc: BaseException) -> bool:
    """Whether calamine failing on a file is what `exc` says. Its Rust code panics on some
    damaged or hostile files (an .xlsb cell pointing past the shared strings), and pyo3 raises
    that as `PanicException`, a BaseException, which `except Exception` let through as a crash;
    an interrupt or an exit is still not calamine's."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _read_excel(raw: bytes, filename: str) -> list[Sheet]:
    from python_calamine import CalamineWorkbook

    failed = _guard_zip(raw, filename)

    if raw[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" and filename.lower().endswith(".xlsx"):
        raise TabularError(
            Reason("%(file)s：文件已加密（设置了打开密码），请取消密码后再导入", file=filename)
        )
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(raw))
    except BaseException as exc:  # calamine raises several error types for broken files
        if not calamine_failed(exc):
            raise
        raise TabularError(
            Reason(
                "%(file)s：Excel文件已损坏或格式不正确（%(detail)s）",
                file=filename,
                detail=str(exc),
            )
        ) from exc
    sheets = []
    for name in workbook.sheet_names:
        try:
            values = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except BaseException as exc:
            if not calamine_failed(exc):
                raise
            raise TabularError(
                Reason(
                    "%(file)s：工作表“%(sheet)s”无法读取（%(detail)s）",
                    file=filename,
                    sheet=name,
                    detail=str(exc),
                )
            ) from exc
        rows = [[cell_text(v) for v in row] for row in values]
        for (r, c), text in failed.get(name, {}).items():
            # calamine reads an xlsx's failed formula as empty and an .ods's as its stored
            # value (0): the text the spreadsheet shows is put back, as a CSV saved from the
            # sheet holds it, for the caller to say (`failed_formulas`).
            if r < len(rows) and c < len(rows[r]):
                rows[r][c] = text
        for number, row in enumerate(rows, start=1):
            if any("\x00" in cell for cell in row):  # Excel's _x0000_, read back as NUL
                raise TabularError(
                    Reason(
                        "%(file)s：工作表“%(sheet)s”第%(row)s行：有单元格含空字符（NUL），"
                        "数据库无法保存；请删除该字符后重新导入",
                        file=filename,
                        sheet=name,
                        row=number,
                    )
                )
        sheets.append(Sheet(name, rows))
    return sheets


def header_columns(header: Sequence[str], names: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """Each field's column in a header row: the first of the field's `names` the row has,
    compared without case or surrounding blanks."""
    cleaned = {h.strip().lower(): h for h in header if h and h.strip()}
    columns: dict[str, str] = {}
    for field, spellings in names.items():
        for name in spellings:
            if name.lower() in cleaned:
                columns[field] = cleaned[name.lower()]
                break
    return columns


def find_header(
    rows: Sequence[Sequence[str]],
    names: Mapping[str, Sequence[str]],
    required: Sequence[str],
    scan_rows: int,
) -> tuple[int, dict[str, str]] | None:
    """The first of the top `scan_rows` rows that names every required field, and its columns:
    offices put a title row or two above the header."""
    for index, row in enumerate(rows[:scan_rows]):
        columns = header_columns(row, names)
        if all(f in columns for f in required):
            return index, columns
    return None


def iter_records(sheet: Sheet, header_row: int = 0) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows under a header as dicts, with the row number the spreadsheet shows (1-based)."""
    header = sheet.rows[header_row]
    for index in range(header_row + 1, len(sheet.rows)):
        row = sheet.rows[index]
        if not any(cell for cell in row):
            continue
        padded = row + [""] * (len(header) - len(row))
        yield index + 1, {h: padded[i] for i, h in enumerate(header) if h}
