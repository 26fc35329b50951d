"""Find identifiers in a copy of the database: full ID numbers, mobiles, rebuildable fragments.

Issue 12, attack 3: an outsider holding the database files (or a PostgreSQL dump) must not be
able to read or rebuild any resident's ID number or phone. This module reads every cell of every
table the way such a person would, and says what it found and where. Pure Python (sqlite3, re),
no Django, so it reads SQLite files as files and a PostgreSQL database through any DB-API cursor.

What counts as a leak:

* a full, valid ID number (check digit right), also with spaces or dashes in it;
* a mobile number (11 digits, 1[3-9]…, optionally +86 and separators);
* the pieces of one in separate columns of a row: a region code, a birth date, the last digits;
* a fragment that rebuilds one: a masked ID that shows the region and trailing digits
  (``110105********2733``, ``110105********273*``) is the whole number once its birth date is
  known, and the household file keeps birth dates (``people_person.birth_date``), so a partial ID
  in plaintext anywhere is reported; so is a region code followed by a birth date
  (``11010519491231``), the first 14 digits;
* inside cells, text is searched as stored and also after decoding base64 runs (the cache and
  sessions store pickles and JSON that way). SM4-GCM ciphertexts (``sm4g1:``) are skipped.
"""

from __future__ import annotations

import base64
import binascii
import re
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wangge.people.idnumber import is_valid_id_number

_EDGE = r"(?<![0-9A-Za-z])"
_END = r"(?![0-9A-Za-z])"
FULL_ID = re.compile(_EDGE + r"(\d{6})[ -]?(\d{8})[ -]?(\d{3}[\dXx])" + _END)
MOBILE = re.compile(_EDGE + r"(?:\+?86[ -]?)?(1[3-9]\d)[ -]?(\d{4})[ -]?(\d{4})" + _END)
# a masked ID that still shows the region and trailing digits (any mask style)
PARTIAL_ID = re.compile(_EDGE + r"(\d{6})[*＊xX]{6,8}(\d{1,4}[\dXx*]?)" + _END)
# region + birth date, the first 14 digits, whatever follows. The region starts with a real
# province code (GB/T 2260), or a case number — the date it was filed and its sequence, like
# 20261118000121 — reads as region 202611 born 1800-01-21.
_PROVINCE = r"(?:1[1-5]|2[1-3]|3[1-7]|4[1-6]|5[0-4]|6[1-5]|71|8[12])"
REGION_BIRTH = re.compile(
    _EDGE
    + r"("
    + _PROVINCE
    + r"\d{4})((?:18|19|20)\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?!\d)"
)
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")
CIPHERTEXT_PREFIX = "sm4g1:"


@dataclass(frozen=True)
class Finding:
    where: str  # "file or database / table.column"
    kind: str  # full_id | mobile | partial_id | region_birth
    value: str  # the value found (shown in a failing test's message: test data only)

    def __str__(self) -> str:
        return f"{self.where}: {self.kind} {self.value}"


def _texts(value: Any) -> Iterator[str]:
    """The cell as text, then whatever base64 runs in it decode to."""
    if value is None:
        return
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        text = value.decode("utf-8", errors="replace")
        yield text
        yield value.decode("latin-1")
    else:
        text = str(value)
        yield text
    if text.startswith(CIPHERTEXT_PREFIX):
        return
    for run in _BASE64_RUN.findall(text):
        padded = run + "=" * (-len(run) % 4)
        for decode in (base64.b64decode, base64.urlsafe_b64decode):
            try:
                raw = decode(padded)
            except (binascii.Error, ValueError):
                continue
            yield raw.decode("latin-1")
            break


def scan_text(text: str) -> Iterator[tuple[str, str]]:
    """(kind, value) of every identifier or fragment in one piece of text."""
    for match in FULL_ID.finditer(text):
        number = "".join(match.groups()).upper()
        if is_valid_id_number(number):
            yield "full_id", number
    for match in MOBILE.finditer(text):
        yield "mobile", "".join(match.groups())
    for match in PARTIAL_ID.finditer(text):
        yield "partial_id", match.group(0)
    for match in REGION_BIRTH.finditer(text):
        yield "region_birth", match.group(0)


def scan_cells(where: str, cells: Iterable[Any]) -> list[Finding]:
    found: dict[tuple[str, str], Finding] = {}
    for cell in cells:
        for text in _texts(cell):
            for kind, value in scan_text(text):
                found.setdefault((kind, value), Finding(where, kind, value))
    return list(found.values())


_REGION_CELL = re.compile(r"^[1-8]\d{5}$")
_BIRTH_CELL = re.compile(r"^(?:18|19|20)\d{2}-?(?:0[1-9]|1[0-2])-?(?:0[1-9]|[12]\d|3[01])$")
_TAIL_CELL = re.compile(r"^\d{3}[\dXx]?$")


def scan_row_combination(where: str, row: Iterable[Any]) -> list[Finding]:
    """The pieces of a number in separate columns of one row: a region code, a birth date and
    the sequence (or last) digits."""
    texts = [str(v.isoformat() if hasattr(v, "isoformat") else v) for v in row if v is not None]
    region = next((t for t in texts if _REGION_CELL.match(t)), None)
    birth = next((t for t in texts if _BIRTH_CELL.match(t[:10]) and len(t) in (8, 10)), None)
    tail = next((t for t in texts if _TAIL_CELL.match(t) and t != region), None)
    if region and birth and tail:
        return [Finding(where, "region_birth_digits", f"{region}|{birth}|{tail}")]
    return []


def _scan_rows(where: str, names: list[str], rows: Iterable[tuple[Any, ...]]) -> list[Finding]:
    found: dict[tuple[str, str, str], Finding] = {}
    for row in rows:
        for name, cell in zip(names, row, strict=True):
            for text in _texts(cell):
                for kind, value in scan_text(text):
                    key = (name, kind, value)
                    found.setdefault(key, Finding(f"{where}.{name}", kind, value))
        for finding in scan_row_combination(where, row):
            found.setdefault(("", finding.kind, finding.value), finding)
    return list(found.values())


def scan_sqlite_file(path: Path) -> list[Finding]:
    """Every column of every table of one SQLite file, read with the sqlite3 module."""
    findings: list[Finding] = []
    uri = f"file:{path}?mode=ro"
    with sqlite3.connect(uri, uri=True) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{table}")')]
            rows = db.execute(f'SELECT * FROM "{table}"')
            findings += _scan_rows(f"{path.name} / {table}", columns, rows)
    return findings


def sqlite_tables_and_columns(path: Path) -> int:
    """How many columns `scan_sqlite_file` read (so a test can tell it read something)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        tables = [
            row[0]
            for row in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return sum(len(list(db.execute(f'PRAGMA table_info("{t}")'))) for t in tables)


def scan_raw_bytes(name: str, data: bytes, secrets: Iterable[str]) -> list[Finding]:
    """Known values in a file's bytes (free pages, the WAL): what the SQL view cannot show."""
    findings = []
    for secret in secrets:
        for encoding in ("utf-8", "utf-16-le"):
            if secret.encode(encoding) in data:
                findings.append(Finding(f"{name} (raw bytes)", "known_value", secret))
                break
    return findings


def scan_postgresql(cursor: Any, schema: str = "public") -> tuple[list[Finding], int]:
    """Every column of every table in `schema`, each cast to text (findings, columns read)."""
    cursor.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = %s ORDER BY table_name, ordinal_position",
        [schema],
    )
    columns = cursor.fetchall()
    by_table: dict[str, list[str]] = {}
    for table, column in columns:
        by_table.setdefault(table, []).append(column)
    findings: list[Finding] = []
    for table, names in by_table.items():
        select = ", ".join(f'"{c}"::text' for c in names)
        cursor.execute(f'SELECT {select} FROM "{schema}"."{table}"')
        findings += _scan_rows(f"postgresql / {table}", names, cursor.fetchall())
    return findings, len(columns)
