"""Benchmark: what the background-job machinery costs, measured on real processes.

Why: every import, notification and export now goes through a job, so the request pays for
recording one (enqueue), a worker must pick it up quickly (a clerk watches the progress bar),
and the queue must drain faster than a busy office fills it (a deadline sweep may queue a
notification per overdue case). The job used is `case-sweep` on an empty district, so the
figures are the machinery's own: the task backend, the Job row, claiming, heartbeat thread,
progress and outcome writes.

Run with ``.venv/bin/python bench/bench_jobs.py [--jobs N] [--probes N] [--workers N]``
(SQLite by default; set WANGGE_DATABASE_URL=postgres://… for PostgreSQL). It builds a fresh
installation in a temporary directory, then prints:

- enqueue: time to record a job and hand it to the database backend (per job, p50/p95), with
  no worker running: the cost a web request pays;
- throughput: N queued jobs drained by 1 worker, then by ``--workers`` workers (jobs/s, from
  the first start to the last finish as the jobs store recorded them);
- pickup latency: one job at a time into an idle worker, from enqueue to start and to finish
  (p50/p95, from the jobs store's timestamps).
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from wangge.jobs.tests.realstack import RealStack, real_stack  # noqa: E402

ENQUEUE = """
import time
from wangge.jobs.services import enqueue
times = []
for _ in range({n}):
    t = time.perf_counter()
    enqueue('case-sweep', None, label='bench')
    times.append(time.perf_counter() - t)
out = times
"""

SPAN = """
from django.db.models import Max, Min
from wangge.jobs.models import Job
done = Job.objects.filter(label='bench', status='succeeded')
span = done.aggregate(a=Min('started_at'), b=Max('finished_at'))
out = [done.count(), Job.objects.filter(label='bench').count(),
       (span['b'] - span['a']).total_seconds() if span['a'] else 0.0]
"""

PROBE = """
import time
from wangge.jobs.models import Job
from wangge.jobs.services import enqueue
out = []
for _ in range({n}):
    job = enqueue('case-sweep', None, label='probe')
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == 'succeeded':
            break
        time.sleep(0.02)
    out.append([(job.started_at - job.created_at).total_seconds(),
                (job.finished_at - job.created_at).total_seconds()])
"""

CLEAR = "from wangge.jobs.models import Job\nJob.objects.all().delete()\nout = 0"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def drain(stack: RealStack, n: int, workers: int) -> tuple[float, int]:
    stack.python(CLEAR)
    stack.python(ENQUEUE.format(n=n), timeout=900)
    started = [
        stack.start("worker", "--interval", "0.1", *(["--no-scheduler"] if i else []))
        for i in range(workers)
    ]
    while True:
        done, total, span = stack.python(SPAN)
        if done >= total:
            break
        time.sleep(2)
    for process in started:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    return span, done


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--probes", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    database = "PostgreSQL" if os.environ.get("WANGGE_DATABASE_URL") else "SQLite"
    with tempfile.TemporaryDirectory() as tmp:
        for stack in real_stack(Path(tmp)):
            # no periodic runs in the way: the scheduler still reaps and releases
            stack.env["WANGGE_JOBS_EVERY"] = "case-sweep=86400,audit-sequence=86400"
            print(f"background jobs on {database}, database backend, {os.cpu_count()} cores")
            times: list[Any] = stack.python(ENQUEUE.format(n=args.jobs), timeout=900)
            ms = [t * 1000 for t in times]
            print(
                f"enqueue (no worker): {args.jobs} jobs, p50 {statistics.median(ms):.1f} ms,"
                f" p95 {pct(ms, 0.95):.1f} ms, {len(ms) / (sum(times) or 1):.0f} jobs/s"
            )
            for workers in sorted({1, args.workers}):
                span, done = drain(stack, args.jobs, workers)
                print(
                    f"throughput, {workers} worker(s): {done} jobs in {span:.1f} s"
                    f" = {done / span if span else 0:.1f} jobs/s"
                )
            stack.python(CLEAR)
            worker = stack.start("worker", "--interval", "0.1")
            time.sleep(3)  # started and idle
            probes: list[Any] = stack.python(PROBE.format(n=args.probes), timeout=900)
            worker.send_signal(signal.SIGTERM)
            worker.wait(timeout=30)
            start = [p[0] * 1000 for p in probes]
            finish = [p[1] * 1000 for p in probes]
            print(
                f"pickup latency, idle worker polling every 0.1 s ({args.probes} jobs):"
                f" to start p50 {statistics.median(start):.0f} ms p95 {pct(start, 0.95):.0f} ms;"
                f" to finish p50 {statistics.median(finish):.0f} ms"
                f" p95 {pct(finish, 0.95):.0f} ms"
            )


if __name__ == "__main__":
    main()
