"""Audit log: append throughput (one process and several at once), sequencing and verify time.

    WANGGE_DATA_DIR=/tmp/wg-audit .venv/bin/python bench/bench_audit.py [--entries 20000] [--processes 4]
    WANGGE_DATABASE_URL=postgres://… .venv/bin/python bench/bench_audit.py   # the same on PostgreSQL

Appends are what every audited read pays: one INSERT of a pending entry into the audit store.
Several processes append at once (as gunicorn workers do) to show that appenders do not queue
on a head row. Then the sequencer chains everything (keyed SM3-HMAC per entry, one signed
checkpoint per batch) and `verify_chain` walks the whole log. Uses the data directory's
databases; run it on a scratch directory.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _setup() -> None:
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    import django

    django.setup()


def _append(count: int, worker: int) -> float:
    _setup()
    from wangge.access import audit

    start = time.perf_counter()
    for i in range(count):
        audit.record(None, audit.AuditAction.VIEW, "person", worker * 10_000_000 + i, channel="cli")
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=20_000)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    os.environ.setdefault("WANGGE_DATA_DIR", "var")
    import subprocess

    subprocess.run([sys.executable, "-m", "wangge", "migrate", "-v", "0"], check=True)
    _setup()
    from django.db import connections

    from wangge.audit.log import sequence_pending, verify_chain
    from wangge.audit.models import AuditEntry

    print(
        f"audit store: {connections['audit'].vendor} {connections['audit'].settings_dict['NAME']}"
    )
    sequence_pending()
    before = AuditEntry.objects.count()
    connections.close_all()

    elapsed = _append(args.entries, 0)
    print(
        f"append, 1 process:        {args.entries:>7,} entries in {elapsed:6.2f} s = "
        f"{args.entries / elapsed:8,.0f}/s  ({elapsed / args.entries * 1e6:.0f} µs each)"
    )

    per = args.entries // args.processes
    ctx = multiprocessing.get_context("spawn")
    start = time.perf_counter()
    with ctx.Pool(args.processes) as pool:
        pool.starmap(_append, [(per, w + 1) for w in range(args.processes)])
    wall = time.perf_counter() - start
    print(
        f"append, {args.processes} processes:      {per * args.processes:>7,} entries in "
        f"{wall:6.2f} s = {per * args.processes / wall:8,.0f}/s (wall, process start included)"
    )

    start = time.perf_counter()
    done = sequence_pending()
    took = time.perf_counter() - start
    print(f"sequence:                 {done:>7,} entries in {took:6.2f} s = {done / took:8,.0f}/s")
    start = time.perf_counter()
    count, problem = verify_chain(sequence=False)
    took = time.perf_counter() - start
    assert problem is None, problem
    print(
        f"verify:                   {count:>7,} entries in {took:6.2f} s = {count / took:8,.0f}/s"
    )
    print(f"(log held {before:,} entries before this run)")


if __name__ == "__main__":
    main()
