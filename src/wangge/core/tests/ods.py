"""OpenDocument spreadsheets (.ods) built for tests, as WPS and LibreOffice write them.

No office suite is needed: an .ods is a zip whose first member is the uncompressed `mimetype`,
with the cells in `content.xml`. Only what the readers look at is written — typed cells
(text, numbers, dates, booleans, failed formulas), merged cells, hidden rows and sheets, repeated rows.
"""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

_NAMESPACES = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
    'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
)

_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
    'manifest:version="1.2">'
    f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{MIMETYPE}"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


@dataclass
class OdsSheet:
    name: str
    rows: Sequence[Sequence[object]]
    # (first row, first column, rows spanned, columns spanned), 0-based
    merges: Sequence[tuple[int, int, int, int]] = ()
    hidden_rows: frozenset[int] | set[int] = field(default_factory=set)  # 1-based
    filtered_rows: frozenset[int] | set[int] = field(default_factory=set)  # hidden by a filter
    hidden: bool = False
    # Empty rows LibreOffice writes as one repeated row before the data resumes: (after row, n)
    repeated_blank: tuple[int, int] | None = None


def ods_bytes(*sheets: OdsSheet, mimetype: str = MIMETYPE) -> bytes:
    return package(content_xml(*sheets), mimetype)


def package(content: str, mimetype: str = MIMETYPE) -> bytes:
    """An .ods around a content.xml as given (to write what `OdsSheet` cannot say)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _MANIFEST, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def content_xml(*sheets: OdsSheet) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<office:document-content {_NAMESPACES} office:version="1.2">',
        "<office:automatic-styles>",
        '<style:style style:name="ta1" style:family="table">'
        '<style:table-properties table:display="true"/></style:style>',
        '<style:style style:name="ta2" style:family="table">'
        '<style:table-properties table:display="false"/></style:style>',
        "</office:automatic-styles><office:body><office:spreadsheet>",
    ]
    for sheet in sheets:
        parts.append(_table(sheet))
    parts.append("</office:spreadsheet></office:body></office:document-content>")
    return "".join(parts)


def _table(sheet: OdsSheet) -> str:
    style = "ta2" if sheet.hidden else "ta1"
    width = max((len(r) for r in sheet.rows), default=1)
    out = [
        f"<table:table table:name={quoteattr(sheet.name)} table:style-name={quoteattr(style)}>",
        f'<table:table-column table:number-columns-repeated="{width}"/>',
    ]
    spans = {(r, c): (rs, cs) for r, c, rs, cs in sheet.merges}
    covered = {
        (r + i, c + j)
        for r, c, rs, cs in sheet.merges
        for i in range(rs)
        for j in range(cs)
        if (i, j) != (0, 0)
    }
    number = 0
    for index, row in enumerate(sheet.rows):
        number += 1
        visibility = ""
        if number in sheet.hidden_rows:
            visibility = ' table:visibility="collapse"'
        elif number in sheet.filtered_rows:
            visibility = ' table:visibility="filter"'
        out.append(f"<table:table-row{visibility}>")
        for column, value in enumerate(row):
            if (index, column) in covered:
                out.append("<table:covered-table-cell/>")
                continue
            span = spans.get((index, column))
            extra = (
                f' table:number-rows-spanned="{span[0]}" table:number-columns-spanned="{span[1]}"'
                if span
                else ""
            )
            out.append(_cell(value, extra))
        out.append("</table:table-row>")
        if sheet.repeated_blank and sheet.repeated_blank[0] == index + 1:
            count = sheet.repeated_blank[1]
            out.append(
                f'<table:table-row table:number-rows-repeated="{count}">'
                "<table:table-cell/></table:table-row>"
            )
            number += count
    out.append("</table:table>")
    return "".join(out)


@dataclass(frozen=True)
class OdsError:
    """A cell whose formula failed, as LibreOffice saves it (its value 0, marked as an error,
    the error shown as its text) or, not `marked`, as a writer that only shows the text."""

    text: str
    formula: str = "of:=VLOOKUP([.A2];[$名单.A1:.B9];2;0)"
    marked: bool = True


def _cell(value: object, extra: str) -> str:
    if value is None:
        return f"<table:table-cell{extra}/>"
    if isinstance(value, OdsError):
        kind = (
            'office:value-type="float" office:value="0" calcext:value-type="error"'
            if value.marked
            else 'office:value-type="string" office:string-value=""'
        )
        return (
            f"<table:table-cell table:formula={quoteattr(value.formula)} {kind}{extra}>"
            f"<text:p>{escape(value.text)}</text:p></table:table-cell>"
        )
    if isinstance(value, bool):
        attrs = f'office:value-type="boolean" office:boolean-value="{str(value).lower()}"'
        text = "TRUE" if value else "FALSE"
    elif isinstance(value, int | float):
        attrs = f'office:value-type="float" office:value="{value}"'
        text = str(value)
    elif isinstance(value, datetime.datetime):
        attrs = f'office:value-type="date" office:date-value="{value.isoformat()}"'
        text = value.isoformat(sep=" ")
    elif isinstance(value, datetime.date):
        attrs = f'office:value-type="date" office:date-value="{value.isoformat()}"'
        text = value.isoformat()
    else:
        attrs = 'office:value-type="string"'
        text = str(value)
    return f"<table:table-cell {attrs}{extra}><text:p>{escape(text)}</text:p></table:table-cell>"
