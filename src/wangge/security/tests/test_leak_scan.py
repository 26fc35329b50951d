"""Attack 3 (issue 12): a copy of the database rebuilds no ID number and shows no phone.

After the demo, a ledger import and a week of cases (`leak_scenario`), every column of every
table is read as an outsider holding the files would: the three SQLite files (data, audit,
jobs) with the sqlite3 module and their raw bytes (free pages, the WAL), and on the PostgreSQL
pass every table of the database. Any full ID number, mobile number, partial ID that a birth date
completes, or region + birth date fails the test, with where it was found.
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection, connections

from wangge.security import leakscan
from wangge.security.tests import leak_scenario

STORES = ("wangge.sqlite3", "wangge-audit.sqlite3", "jobs.sqlite3")


def _report(findings: list[leakscan.Finding]) -> str:
    return "\n".join(str(f) for f in findings[:60]) + (
        f"\n… and {len(findings) - 60} more" if len(findings) > 60 else ""
    )


@pytest.mark.sqlite_file
def test_the_sqlite_files_hold_nothing_that_rebuilds_an_identifier(tmp_path: Path):
    env = {**os.environ, "WANGGE_DATA_DIR": str(tmp_path)}
    env.pop("WANGGE_DATABASE_URL", None)
    env.pop("WANGGE_AUDIT_DATABASE_URL", None)
    run = [sys.executable, "-m", "wangge"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True)
    out = subprocess.run(
        [
            *run,
            "shell",
            "-v",
            "0",
            "-c",
            "from wangge.security.tests import leak_scenario as s; s.main()",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    secrets = json.loads(out.strip().splitlines()[-1])
    findings: list[leakscan.Finding] = []
    columns = 0
    for store in STORES:
        path = tmp_path / store
        assert path.exists(), store
        findings += leakscan.scan_sqlite_file(path)
        columns += leakscan.sqlite_tables_and_columns(path)
    for path in tmp_path.glob("*.sqlite3*"):
        findings += leakscan.scan_raw_bytes(
            path.name, path.read_bytes(), secrets["ids"] + secrets["phones"]
        )
    assert columns > 200  # every table of the three stores was read
    assert not findings, "identifiers readable from the database files:\n" + _report(findings)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL pass")
def test_the_postgresql_database_holds_nothing_that_rebuilds_an_identifier():
    leak_scenario.populate()
    findings: list[leakscan.Finding] = []
    with connections["default"].cursor() as cursor:
        found, columns = leakscan.scan_postgresql(cursor)
        findings += found
    assert columns > 200
    assert not findings, "identifiers readable from the database:\n" + _report(findings)


def test_the_scanner_sees_what_it_looks_for():
    """A scanner that finds nothing proves nothing: each kind of leak is recognised."""
    cells = [
        "11010519491231002X",
        "电话 138-1234-5678 或 +86 13912345678",
        '{"masked": "110105********2733"}',
        "110105********273*",
        "1101051949123100",
        "c20df0a13812345678e",  # inside a hex digest: not a phone
        "sm4g1:MTM4MTIzNDU2Nzg=",  # ciphertext: not decoded
        "eyJwaG9uZSI6ICIxMzcxMjM0NTY3OCJ9",  # base64 of {"phone": "13712345678"}
        "11010519491231002Y",
        "110105194912310021",  # wrong check digit: not a full ID (but region + birth date)
        "案件 20261118000121",  # a case number (filed 2026-11-18, no. 121): no province 20
        "备注 46002819880512 之后",  # a Hainan region and a birth date: the first 14 digits
    ]
    kinds = [(f.kind, f.value) for f in leakscan.scan_cells("t.c", cells)]
    assert ("full_id", "11010519491231002X") in kinds
    assert ("mobile", "13812345678") in kinds and ("mobile", "13912345678") in kinds
    assert ("partial_id", "110105********2733") in kinds
    assert ("partial_id", "110105********273*") in kinds
    assert ("region_birth", "1101051949123100") not in kinds  # 16 digits: no edge after 14
    assert ("full_id", "110105194912310021") not in kinds
    assert ("region_birth", "110105194912310021") not in kinds
    assert ("region_birth", "20261118000121") not in kinds
    assert ("region_birth", "46002819880512") in kinds
    assert ("mobile", "13712345678") in kinds  # found inside base64
    assert sum(1 for k, v in kinds if k == "mobile") == 3


def test_the_scanner_sees_a_number_split_over_the_columns_of_a_row():
    row = (7, "王某", "110105", datetime.date(1949, 12, 31), "002X", "2026-12-05 10:00:00")
    assert [f.kind for f in leakscan.scan_row_combination("t", row)] == ["region_birth_digits"]
    assert leakscan.scan_row_combination("t", (7, "110105", "2026-12-05 10:00:00", 12)) == []
