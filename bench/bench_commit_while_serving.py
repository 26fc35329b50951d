"""Person pages and the public report page while a big import commits, on SQLite (issue 13).

    python -m bench.fusion.generate --people 500000 --out /tmp/fb500k --seed 7
    .venv/bin/python bench/bench_commit_while_serving.py /tmp/fb500k

Everything runs as in production on the embedded default (one SQLite file):

1. a fresh data directory gets the generated registry (grids, rooms), a street officer, and a
   first small batch (`--first`, one rental ledger) committed, so there are residents to look at;
2. the big batch (every other ledger) is staged in this process (its time and this process's
   peak are printed, apart from the commit's);
3. `wangge serve` starts (gunicorn, 2 workers, and the background-job worker); the street
   officer logs in; the person page and the public report page (`/report/`, no login) are timed
   with nobody writing;
4. the commit is enqueued as a job (what the 确认导入 button does) and the job worker runs it;
   while the batch is 导入中, one client requests person pages and the report page in turn,
   over keep-alive HTTP, as fast as they answer;
5. prints the pages' p50 / p95 / max with nobody writing and during the commit, failures, the
   commit's time (the job's own start and end), the job worker's peak RSS (psutil, sampled
   every 0.1 s) and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_latency import WANGGE, Session, free_port, percentile  # noqa: E402
from bench_pages_while_writing import login  # noqa: E402

PASSWORD = "bench-Commit-13"


def summary(label: str, samples: list[float], failed: int) -> None:
    if not samples:
        print(f"{label:<30} no samples, {failed} failed")
        return
    print(
        f"{label:<30} n={len(samples):>5}  p50 {percentile(samples, 0.5):7.1f} ms  "
        f"p95 {percentile(samples, 0.95):7.1f} ms  max {max(samples):8.1f} ms  failed {failed}"
    )


class PeakRss(threading.Thread):
    """Peak resident memory of one process (and its children), sampled every 0.1 s."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        import psutil

        self.process = psutil.Process(pid)
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        import psutil

        while not self.stop.is_set():
            try:
                rss = self.process.memory_info().rss + sum(
                    c.memory_info().rss for c in self.process.children(recursive=True)
                )
            except psutil.Error:
                rss = 0
            self.peak = max(self.peak, rss)
            time.sleep(0.1)


def job_worker_pid(server_pid: int) -> int:
    import psutil

    for _ in range(100):
        for child in psutil.Process(server_pid).children(recursive=True):
            try:
                if child.cmdline()[-2:] == ["wangge", "worker"]:
                    return int(child.pid)
            except psutil.Error:
                continue
        time.sleep(0.2)
    raise RuntimeError("the job worker of wangge serve did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", help="output directory of bench.fusion.generate")
    parser.add_argument("--data-dir", help="platform data directory (default: a new temp dir)")
    parser.add_argument(
        "--first", default="出租房屋台账_光华里社区.csv", help="ledger committed first"
    )
    parser.add_argument("--baseline", type=int, default=100, help="requests of each page, idle")
    args = parser.parse_args()
    data = Path(args.dir)
    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="wg-cws-"))
    src = str(Path(__file__).resolve().parents[1] / "src")
    # the server and its job worker run this checkout's code, like this process
    env = {**os.environ, "WANGGE_DATA_DIR": str(data_dir), "PYTHONPATH": src}
    env.pop("WANGGE_DATABASE_URL", None)  # this is about the embedded SQLite file
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    sys.path.insert(0, src)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connections

    from wangge.access.models import Role
    from wangge.access.services import assign_role
    from wangge.fusion.jobs import start_commit
    from wangge.fusion.models import BatchStatus, ImportBatch
    from wangge.fusion.services import Upload, commit_batch, stage_batch
    from wangge.geo.models import Region, RegionLevel
    from wangge.jobs.models import Job
    from wangge.people.models import Person

    print(f"data dir {data_dir}; load average {os.getloadavg()}")
    call_command("migrate", verbosity=0)
    call_command("load_grids", str(data / "grids.geojson"), verbosity=0)
    call_command("load_addresses", str(data / "addresses.csv"), verbosity=0)
    officer = get_user_model().objects.create_user(username="street", password=PASSWORD)
    assign_role(None, officer, Role.STREET_OFFICER, Region.objects.get(level=RegionLevel.STREET))
    ledgers = sorted((data / "ledgers").iterdir())
    first = [p for p in ledgers if p.name == args.first]
    rest = [p for p in ledgers if p.name != args.first]
    assert first, f"no ledger {args.first}"
    small = stage_batch(officer, [Upload(p.name, p.read_bytes()) for p in first])
    commit_batch(officer, small.pk)
    rng = random.Random(13)
    shown = list(Person.objects.filter(grid__isnull=False).values_list("pk", flat=True))
    persons = rng.sample(shown, min(len(shown), 500))
    print(f"first batch: {small.summary['rows']:,} rows, {len(shown):,} persons to view")

    started = time.perf_counter()
    batch = stage_batch(officer, [Upload(p.name, p.read_bytes()) for p in rest])
    staged = time.perf_counter() - started
    stage_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = batch.summary["rows"]
    print(f"big batch: {rows:,} rows in {len(rest)} files, staged in {staged:.1f} s")
    print(f"  (this process, staging included: peak RSS {stage_peak:,.0f} MB)")
    connections.close_all()

    port = free_port()
    log = (data_dir / "serve.log").open("wb")  # the server's and the job worker's output
    server = subprocess.Popen(
        [*WANGGE, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(300):
            try:
                if Session(port).request("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        meter = PeakRss(job_worker_pid(server.pid))
        meter.start()
        web = login(port, "street", PASSWORD)[0]
        public = Session(port)

        def one(kind: str, i: int) -> float:
            if kind == "person":
                return web.timed_get(f"/people/{persons[i % len(persons)]}/")
            return public.timed_get("/report/")

        idle: dict[str, list[float]] = {"person": [], "report": []}
        for i in range(args.baseline):
            for kind in idle:
                idle[kind].append(one(kind, i))
        load_before = os.getloadavg()

        job = start_commit(officer, batch.pk)
        during: dict[str, list[float]] = {"person": [], "report": []}
        failed = {"person": 0, "report": 0}
        i = 0
        status = ImportBatch.objects.filter(pk=batch.pk).values_list("status", flat=True)
        job_state = Job.objects.filter(pk=job.pk).values_list("status", flat=True)
        while status.get() != BatchStatus.COMMITTING and job_state.get() in ("queued", "running"):
            time.sleep(0.05)  # until the worker has claimed the batch
        while status.get() == BatchStatus.COMMITTING:
            for kind in during:
                try:
                    during[kind].append(one(kind, i))
                except (RuntimeError, OSError):
                    failed[kind] += 1
                    web = login(port, "street", PASSWORD)[0]
                    public = Session(port)
            i += 1
        while job_state.get() in ("queued", "running"):
            time.sleep(0.1)
        meter.stop.set()
        meter.join()
        load_after = os.getloadavg()
        done = Job.objects.get(pk=job.pk)
        batch.refresh_from_db()
    finally:
        server.terminate()
        server.wait(30)

    print(f"-- nobody writing (load average {load_before})")
    summary("person page", idle["person"], 0)
    summary("public report page", idle["report"], 0)
    print(f"-- while the commit runs (load average after {load_after})")
    summary("person page", during["person"], failed["person"])
    summary("public report page", during["report"], failed["report"])
    assert done.started_at is not None and done.finished_at is not None
    took = (done.finished_at - done.started_at).total_seconds()
    print(
        f"commit job: {done.status}, {took:.1f} s for {rows:,} staged rows ({done.error or 'ok'})"
    )
    print(f"  {batch.summary.get('commit')}")
    print(f"job worker peak RSS {meter.peak / 2**20:,.0f} MB")


if __name__ == "__main__":
    main()
