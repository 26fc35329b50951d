"""Excel workbooks (.xlsx) edited for tests as a hand-made or hostile file would be.

openpyxl writes a well-formed sheet; what a program, a clerk's other tool or an attacker
hands over differs in a few bytes of the sheet's XML (a far cell, a reference among other
attributes, a formula with or without its saved result), so a test writes the workbook with
openpyxl and then edits those bytes.
"""

from __future__ import annotations

import io
import zipfile

SHEET = "xl/worksheets/sheet1.xml"


def rewritten(data: bytes, *edits: tuple[bytes, bytes], member: str = SHEET) -> bytes:
    """The workbook with each (old, new) replaced in one part, the first sheet's by default."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == member:
                for old, new in edits:
                    body = body.replace(old, new)
            target.writestr(item.filename, body)
    return out.getvalue()
