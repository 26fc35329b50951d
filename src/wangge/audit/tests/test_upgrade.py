"""Upgrading a database whose audit log still lives in the main database keeps its history."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

CHECK = """
from wangge.audit.log import verify_chain
from wangge.audit.models import AuditEntry
count, problem = verify_chain()
print(count, problem, list(AuditEntry.objects.order_by("seq").values_list("username", "object_id", "detail__migrated_from")))
"""


@pytest.mark.sqlite_file
def test_old_entries_are_copied_into_the_audit_store_and_chained(tmp_path: Path):
    env = {**os.environ, "WANGGE_DATA_DIR": str(tmp_path)}
    env.pop("WANGGE_DATABASE_URL", None)
    env.pop("WANGGE_AUDIT_DATABASE_URL", None)
    run = [sys.executable, "-m", "wangge"]
    # the main database as it was before the audit log moved out
    subprocess.run(
        [*run, "migrate", "access", "0001", "--database", "default", "-v", "0"], env=env, check=True
    )
    main = sqlite3.connect(tmp_path / "wangge.sqlite3")
    with main:
        main.executemany(
            "INSERT INTO access_auditentry (at, username, action, object_type, object_id, channel,"
            " detail, prev_hash, entry_hash) VALUES (?, ?, 'view', 'person', ?, 'web', '{}', '', '')",
            [(f"2025-01-0{day} 08:00:00", "grid", str(day)) for day in (1, 2, 3)],
        )
    main.close()
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True)
    out = subprocess.run(
        [*run, "shell", "-v", "0", "-c", CHECK], env=env, check=True, capture_output=True, text=True
    ).stdout
    assert out.startswith("3 None ")
    assert "[('grid', '1', 1), ('grid', '2', 2), ('grid', '3', 3)]" in out
    tables = (
        sqlite3.connect(tmp_path / "wangge.sqlite3")
        .execute("SELECT name FROM sqlite_master WHERE name LIKE 'access_audit%'")
        .fetchall()
    )
    assert tables == []
