"""Commit a big ledger batch into the platform on SQLite, then undo it.

    python -m bench.fusion.generate --people 500000 --out /tmp/fb500k
    .venv/bin/python bench/bench_import_commit.py /tmp/fb500k

Uses a fresh data directory (SQLite file) so the figures are the embedded default's. Prints
the time of each stage (registry load, stage = read+map+normalise+link, commit, undo), peak
memory, and checks that undo leaves the person/household/residence counts as before.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dir", help="output directory of bench.fusion.generate")
    parser.add_argument("--data-dir", help="platform data directory (default: a new temp dir)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the commit")
    args = parser.parse_args()
    data = Path(args.dir)
    os.environ["WANGGE_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="wg-commit-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    from wangge.fusion.services import Upload, commit_batch, stage_batch, undo_batch
    from wangge.people.models import Household, Person, Residence

    def counts() -> tuple[int, int, int]:
        return Person.objects.count(), Household.objects.count(), Residence.objects.count()

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
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        summary = profiler.runcall(commit_batch, None, batch.pk)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    else:
        summary = commit_batch(None, batch.pk)
    t4 = time.perf_counter()
    after_commit = counts()
    undo_batch(None, batch.pk)
    t5 = time.perf_counter()
    after_undo = counts()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"data dir            {os.environ['WANGGE_DATA_DIR']}")
    print(f"ledger rows         {batch.summary['rows']:,} in {len(ledgers)} files")
    print(f"registry load       {t1 - t0:6.1f} s")
    print(f"stage               {t3 - t2:6.1f} s  (read, map, normalise, link)")
    print(f"commit              {t4 - t3:6.1f} s  {summary}")
    print(f"stage + commit      {t4 - t2:6.1f} s")
    print(f"undo                {t5 - t4:6.1f} s")
    print(
        f"persons/households/residences before {before}, after commit {after_commit}, after undo {after_undo}"
    )
    print(f"undo restored counts: {after_undo == before}")
    print(f"peak RSS            {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
