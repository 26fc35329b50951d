"""One comparison run: generate ledgers, fuse them with ``wangge fuse`` and with Splink, score both.

Usage (from the repository root)::

    python -m bench.fusion.run --people 20000 --dir /tmp/fusion-20k     # quick, ~1 min
    python -m bench.fusion.run --people 500000 --dir /tmp/fusion        # ~1M ledger rows
    python -m bench.fusion.run --dir /tmp/fusion --reuse                # keep generated data

Each system runs as its own subprocess; wall time and the peak resident memory of its whole
process tree (psutil, sampled every 50 ms) are measured from outside, so both are timed the
same way, reading files included.  ``--baselines`` also scores two trivial results (the truth
itself, and "same written ID number = same person") to show what the scorer's figures mean;
they are printed apart and never in the table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import polars as pl
import psutil

from bench.fusion import generate, score


def measure(cmd: list[str], log: Path) -> dict[str, Any]:
    """Run cmd, sampling the RSS of its process tree; return rc, wall seconds, peak bytes."""
    start = time.perf_counter()
    with log.open("wb") as out:
        proc = psutil.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
        peak = 0
        while proc.poll() is None:
            total = 0
            with contextlib.suppress(psutil.Error):
                for p in [proc, *proc.children(recursive=True)]:
                    with contextlib.suppress(psutil.Error):
                        total += p.memory_info().rss
            peak = max(peak, total)
            time.sleep(0.05)
    wall = time.perf_counter() - start
    return {"rc": proc.returncode, "seconds": wall, "peak_bytes": peak, "log": str(log)}


def wangge_command() -> list[str] | None:
    exe = Path(sys.executable).with_name("wangge")
    cmd = [str(exe)] if exe.exists() else ([w] if (w := shutil.which("wangge")) else None)
    if cmd is None:
        return None
    probe = subprocess.run([*cmd, "help", "fuse"], capture_output=True, text=True)
    return cmd if probe.returncode == 0 else None


def naive_result(directory: Path, out: Path) -> None:
    """Same ID number as written (stripped, upper-case; 15+ characters) = same person."""
    from bench.fusion.splink_reference import read_ledgers

    df = read_ledgers(directory).with_row_index("i")
    idn = pl.col("id_number").fill_null("").str.replace_all(r"\s", "").str.to_uppercase()
    df.with_columns(
        person_key=pl.when(idn.str.len_chars() >= 15).then(idn).otherwise(pl.lit("row") + pl.col("i").cast(pl.Utf8)),
        household_key=pl.lit(""),
        address_code=pl.lit(""),
        grid_code=pl.lit(""),
        status=pl.lit("linked"),
        reason=pl.lit(""),
    ).select(
        "source_file", "source_sheet", "source_row", "person_key", "household_key",
        "address_code", "grid_code", "status", "reason",
    ).write_csv(out)  # fmt: skip


def oracle_result(directory: Path, out: Path) -> None:
    pl.read_csv(directory / "truth.csv", infer_schema=False).rename(
        {"person_id": "person_key"}
    ).with_columns(household_key=pl.lit(""), status=pl.lit("linked"), reason=pl.lit("")).write_csv(
        out
    )


def _mb(n: float) -> str:
    return f"{n / 2**20:,.0f} MB"


def table(columns: dict[str, dict[str, Any]]) -> str:
    names = list(columns)
    rows: list[tuple[str, list[str]]] = []

    def add(label: str, fn: Any) -> None:
        vals = []
        for n in names:
            c = columns[n]
            try:
                vals.append(fn(c))
            except (KeyError, TypeError):
                vals.append("-")
        rows.append((label, vals))

    add("rows scored", lambda c: f"{c['score']['rows']:,}")
    add("rows missing/rejected", lambda c: f"{c['score']['missing']:,}/{c['score']['rejected']:,}")
    add("wall time", lambda c: f"{c['run']['seconds']:.1f} s")
    add("peak memory (tree)", lambda c: _mb(c["run"]["peak_bytes"]))
    add("precision", lambda c: f"{c['score']['precision']:.4f}")
    add("recall", lambda c: f"{c['score']['recall']:.4f}")
    add("F1", lambda c: f"{c['score']['f1']:.4f}")
    add("right room", lambda c: f"{c['score']['room']['right']:.2%}")
    add("wrong room", lambda c: f"{c['score']['room']['wrong']:.2%}")
    add("right grid", lambda c: f"{c['score']['grid']['right']:.2%}")
    width = max(len(r[0]) for r in rows) + 2
    col = max(14, *(len(n) + 2 for n in names))
    lines = ["".ljust(width) + "".join(n.rjust(col) for n in names)]
    lines += [label.ljust(width) + "".join(v.rjust(col) for v in vals) for label, vals in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Compare wangge fuse with Splink.")
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/wangge-fusion-bench"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="reuse DIR if already generated")
    parser.add_argument("--skip-wangge", action="store_true")
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--baselines", action="store_true", help="also score oracle and naive")
    args = parser.parse_args(argv)
    d: Path = args.dir
    summary: dict[str, Any] = {"people": args.people, "seed": args.seed}

    if args.reuse and (d / "truth.csv").exists() and (d / "stats.json").exists():
        stats = json.loads((d / "stats.json").read_text("utf-8"))
        print(f"reusing {d}: {stats['people']:,} people, {stats['ledger_rows']:,} ledger rows")
    else:
        t = time.perf_counter()
        stats = generate.generate(args.people, d, args.seed)
        print(
            f"generated {d}: {stats['people']:,} people, {stats['ledger_rows']:,} rows in "
            f"{stats['ledger_files']} files ({stats['xlsx_rows']:,} in xlsx), "
            f"{time.perf_counter() - t:.1f} s"
        )
    summary["generated"] = stats
    ledgers = sorted(str(p) for p in (d / "ledgers").iterdir())
    truth = d / "truth.csv"
    columns: dict[str, dict[str, Any]] = {}

    if not args.skip_wangge:
        cmd = wangge_command()
        if cmd is None:
            print("wangge fuse: command not available on this branch - skipped")
            summary["wangge"] = "missing"
        else:
            out = d / "wangge_result.csv"
            out.unlink(missing_ok=True)
            full = [*cmd, "fuse", *ledgers, "--grids", str(d / "grids.geojson"),
                    "--addresses", str(d / "addresses.csv"), "--out", str(out)]  # fmt: skip
            print("running wangge fuse …", flush=True)
            run = measure(full, d / "wangge.log")
            entry: dict[str, Any] = {"run": run}
            if run["rc"] == 0 and out.exists():
                entry["score"] = score.score(out, truth)
            else:
                print(f"wangge fuse failed (rc {run['rc']}), see {run['log']}")
            columns["wangge fuse"] = entry
            summary["wangge"] = entry

    if not args.skip_splink:
        out = d / "splink_result.csv"
        out.unlink(missing_ok=True)
        print("running Splink …", flush=True)
        run = measure(
            [sys.executable, "-m", "bench.fusion.splink_reference", str(d), "--out", str(out)],
            d / "splink.log",
        )
        entry = {"run": run}
        if run["rc"] == 0 and out.exists():
            entry["score"] = score.score(out, truth)
            stages = Path(run["log"]).read_text("utf-8").strip().splitlines()[-1]
            entry["stages"] = json.loads(stages)
        else:
            print(f"Splink failed (rc {run['rc']}), see {run['log']}")
        columns["Splink"] = entry
        summary["splink"] = entry

    print()
    print(table(columns))
    w, s = columns.get("wangge fuse"), columns.get("Splink")
    if w and s and "score" in w and "score" in s:
        ratio = s["run"]["seconds"] / w["run"]["seconds"]
        print(f"\nSplink time / wangge fuse time: {ratio:.2f}x")
        summary["time_ratio"] = ratio
    if s and "stages" in s:
        print("Splink stages (s):", {k: v for k, v in s["stages"].items() if k != "rows"})

    if args.baselines:
        print("\nScorer checks (trivial results, not systems):")
        oracle_result(d, d / "oracle_result.csv")
        naive_result(d, d / "naive_result.csv")
        for name in ("oracle", "naive"):
            sc = score.score(d / f"{name}_result.csv", truth)
            summary[f"baseline_{name}"] = sc
            print(
                f"  {name:7s} precision {sc['precision']:.4f}  recall {sc['recall']:.4f}  "
                f"F1 {sc['f1']:.4f}  right room {sc['room']['right']:.2%}"
            )
    (d / "run.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), "utf-8")


if __name__ == "__main__":
    main()
