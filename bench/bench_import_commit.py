"""Commit a big ledger batch into the platform on SQLite, then undo it.

    python -m bench.fusion.generate --people 500000 --out /tmp/fb500k
    .venv/bin/python bench/bench_import_commit.py /tmp/fb500k [--profile]

To time the commit alone again and again: stage once with `--stage-only`, keep a copy of the
data directory, and run `--data-dir COPY --commit-batch N` on a fresh copy each time (prints
the child's JSON line; `--profile` also writes COPY/commit.prof).

Uses a fresh data directory (SQLite file) so the figures are the embedded default's. This
process loads the registry and stages the batch (read, map, normalise, link); a fresh process
then commits and undoes it, as the job worker would, so its peak memory is the commit's own
(staging's is printed apart). Prints the time of each step, both peaks and the CPU time of the
commit (on a shared machine the wall time also counts other people's work), and checks that
undo leaves the person/household/residence counts as before.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _setup(data_dir: str) -> None:
    os.environ["WANGGE_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()


def counts() -> tuple[int, int, int]:
    from wangge.people.models import Household, Person, Residence

    return Person.objects.count(), Household.objects.count(), Residence.objects.count()


def own_peak_mb() -> float:
    """This process's own peak RSS. Not `ru_maxrss`: Linux carries it over fork and exec, so
    the committing child would report the staging parent's peak whenever that was higher."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def commit_and_undo(data_dir: str, batch_id: int, profile: bool, undo: bool = True) -> None:
    """The child: commit, undo, report as one JSON line."""
    _setup(data_dir)
    from wangge.fusion.services import commit_batch, undo_batch

    t0, cpu0 = time.perf_counter(), time.process_time()
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        summary = profiler.runcall(commit_batch, None, batch_id)
        profiler.dump_stats(os.path.join(data_dir, "commit.prof"))  # for pstats/snakeviz
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(30)
    else:
        summary = commit_batch(None, batch_id)
    t1, cpu1 = time.perf_counter(), time.process_time()
    peak_commit = own_peak_mb()
    after_commit = counts()
    if undo:
        undo_batch(None, batch_id)
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "commit": t1 - t0,
                "commit_cpu": cpu1 - cpu0,
                "summary": str(summary),
                "peak_commit_mb": peak_commit,
                "undo": t2 - t1,
                "undo_cpu": time.process_time() - cpu1,
                "peak_mb": own_peak_mb(),
                "after_commit": after_commit,
                "after_undo": counts(),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", nargs="?", help="output directory of bench.fusion.generate")
    parser.add_argument("--data-dir", help="platform data directory (default: a new temp dir)")
    parser.add_argument("--profile", action="store_true", help="cProfile of the commit (stderr)")
    parser.add_argument(
        "--stage-only",
        action="store_true",
        help="stop after staging (copy the data dir, then rerun the commit with --commit-batch)",
    )
    parser.add_argument("--commit-batch", type=int, help="commit this staged batch of --data-dir")
    parser.add_argument("--no-undo", action="store_true", help="with --commit-batch: commit only")
    args = parser.parse_args()
    data_dir = args.data_dir or tempfile.mkdtemp(prefix="wg-commit-")
    if args.commit_batch:
        commit_and_undo(data_dir, args.commit_batch, args.profile, undo=not args.no_undo)
        return
    data = Path(args.dir)
    _setup(data_dir)
    from django.core.management import call_command
    from django.db import connections

    from wangge.fusion.services import Upload, stage_batch

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("load_grids", str(data / "grids.geojson"), verbosity=0)
    call_command("load_addresses", str(data / "addresses.csv"), verbosity=0)
    t1 = time.perf_counter()
    before = counts()
    ledgers = sorted((data / "ledgers").iterdir())
    uploads = [Upload(p.name, p.read_bytes()) for p in ledgers]
    t2 = time.perf_counter()
    batch = stage_batch(None, uploads, channel="cli")
    t3 = time.perf_counter()
    stage_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    connections.close_all()
    if args.stage_only:
        print(f"data dir {data_dir} batch {batch.pk}: {batch.summary['rows']:,} rows staged")
        return
    load_before = os.getloadavg()
    child = subprocess.run(
        [sys.executable, __file__, "--data-dir", data_dir, "--commit-batch", str(batch.pk)]
        + (["--profile"] if args.profile else []),
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    got = json.loads(child.stdout.strip().splitlines()[-1])
    load_after = os.getloadavg()
    print(f"data dir            {data_dir}")
    print(f"ledger rows         {batch.summary['rows']:,} in {len(ledgers)} files")
    print(f"registry load       {t1 - t0:6.1f} s")
    print(f"stage               {t3 - t2:6.1f} s  (read, map, normalise, link)")
    print(f"  peak RSS (registry + stage, this process) {stage_peak:,.0f} MB")
    print(f"commit              {got['commit']:6.1f} s  (CPU {got['commit_cpu']:.1f} s)")
    print(f"  {got['summary']}")
    print(f"  peak RSS (the committing process) {got['peak_commit_mb']:,.0f} MB")
    print(f"undo                {got['undo']:6.1f} s  (CPU {got['undo_cpu']:.1f} s)")
    print(f"  peak RSS (commit + undo) {got['peak_mb']:,.0f} MB")
    print(
        f"persons/households/residences before {before}, after commit "
        f"{tuple(got['after_commit'])}, after undo {tuple(got['after_undo'])}"
    )
    print(f"undo restored counts: {tuple(got['after_undo']) == before}")
    print(f"load average before the commit {load_before}, after the undo {load_after}")


if __name__ == "__main__":
    main()
