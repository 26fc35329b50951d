"""A job killed halfway — kill -9 of the `wangge worker` running it — leaves the database
exactly as before, is reported interrupted, and a retry finishes it.

The job undoes a 10,000-person import batch, which writes for several seconds in one
transaction; the worker is killed while that transaction holds the database's write lock.
"""

from __future__ import annotations

import datetime
import os
import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wangge.jobs.tests.realstack import RealStack, real_stack, wait_for
from wangge.people.idnumber import make_id_number

ROWS = 10_000

SNAPSHOT = """
import hashlib
from wangge.fusion.models import ChangeRecord, ImportBatch, SourceRecord, ValueSource
from wangge.people.models import Household, Person, Residence
digest = hashlib.sha256()
for row in Person.objects.order_by('pk').values_list('pk', 'name', 'household_id', 'grid_id'):
    digest.update(repr(row).encode())
out = {
    'persons': Person.objects.count(),
    'households': Household.objects.count(),
    'residences': Residence.objects.count(),
    'sources': SourceRecord.objects.count(),
    'values': ValueSource.objects.count(),
    'changes': ChangeRecord.objects.count(),
    'batches': list(ImportBatch.objects.values_list('pk', 'status')),
    'digest': digest.hexdigest(),
}
"""

JOB = """
from wangge.jobs.models import Job
j = Job.objects.get(pk={job!r})
out = [j.status, j.stage, j.attempts, j.error]
"""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[RealStack]:
    yield from real_stack(tmp_path)


def _ledger(path: Path) -> None:
    family, given = (
        "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗",
        "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂",
    )
    born = datetime.date(1950, 1, 1)
    rows = ["序号,姓名,身份证号码,联系电话,现居住地址"]
    for i in range(ROWS):
        name = family[i % 20] + given[(i // 20) % 20] + given[(i // 400) % 20]
        number = make_id_number(
            "110105", born + datetime.timedelta(days=i % 20000), i % 999 + 1, "男女"[i % 2]
        )
        address = f"幸福路{i % 50 + 1}号{i % 7 + 1}号楼{i % 3 + 1}单元{i % 20 + 101}"
        rows.append(f"{i + 1},{name},{number},138{i:08d},{address}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def _writing(stack: RealStack) -> bool:
    """Whether another process holds the main database's write transaction now."""
    url = stack.env.get("WANGGE_DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
                " AND xact_start < now() - interval '200 milliseconds'"
            ).fetchone()
            return bool(row and row[0])
    lite = sqlite3.connect(stack.data_dir / "wangge.sqlite3", timeout=0)
    try:
        lite.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # database is locked: the worker is writing
        return True
    finally:
        lite.rollback()
        lite.close()
    return False


def test_a_worker_killed_mid_job_leaves_nothing_half_written_and_a_retry_finishes_it(
    stack: RealStack, tmp_path: Path
) -> None:
    ledger = tmp_path / "台账.csv"
    _ledger(ledger)
    stack.run("import", str(ledger), "--yes", "--no-progress", "--label", "强制结束测试")
    committed = stack.python(SNAPSHOT)
    assert committed["persons"] == ROWS and committed["batches"] == [[1, "committed"]]
    job: str = stack.python(
        "from django.contrib.auth import get_user_model\n"
        "from wangge.fusion.jobs import start_undo\n"
        "root = get_user_model().objects.create_superuser('root', password='x')\n"
        "out = str(start_undo(root, 1).pk)"
    )
    worker = stack.start("worker", "--interval", "0.2")

    def mid_way() -> bool:
        # Probing is cheap and the undo's transaction lasts a second or two, so watch the lock
        # alone (held for a while, not a job claim's instant) and check the job afterwards: a
        # Django subprocess per probe is slower than the whole transaction.
        if not _writing(stack):
            time.sleep(0.02)
            return False
        time.sleep(0.25)
        return _writing(stack)

    wait_for(mid_way, 120, "the undo job inside its write transaction")
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    status, stage, _, _ = stack.python(JOB.format(job=job))
    assert (status, stage) == ("running", "撤销")  # it was killed inside the undo

    assert stack.python(SNAPSHOT) == committed  # not one row of the undo is left behind
    assert stack.python(JOB.format(job=job))[0] == "running"  # nobody has noticed yet

    stack.start("worker", "--interval", "0.2")  # its scheduler finds the silent job
    dead = wait_for(
        lambda: (s := stack.python(JOB.format(job=job)))[0] == "dead" and s,
        60,
        "the interrupted job reported",
    )
    assert "中途停止" in dead[3] and "重试" in dead[3]
    assert stack.python(SNAPSHOT) == committed

    stack.python(
        "from django.contrib.auth import get_user_model\n"
        "from wangge.jobs.services import retry\n"
        f"out = retry(get_user_model().objects.get(username='root'), {job!r}).status"
    )
    done: Any = wait_for(
        lambda: (s := stack.python(JOB.format(job=job)))[0] in ("succeeded", "failed") and s,
        180,
        "the retried job",
    )
    assert done[0] == "succeeded" and done[2] == 2, (done, stack.logs())
    after = stack.python(SNAPSHOT)
    assert after["persons"] == 0 and after["batches"] == [[1, "undone"]]
    assert (after["sources"], after["values"], after["changes"]) == (0, 0, 0)
