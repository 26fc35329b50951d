"""Benchmark: read a 1M-row GBK CSV ledger and a 200k-row xlsx ledger with read_ledger.

Why: the fusion target is ~1M ledger rows end to end in under 45 s on a 2-core machine, so
reading must take a few seconds, not minutes. Run with
``.venv/bin/python bench/bench_ledger_read.py [--csv-rows N] [--xlsx-rows N] [FILE ...]``;
files given as arguments are read instead of generated ones. Each file is read in a fresh
child process so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英"
ROADS = ["幸福路", "光华路", "朝阳北路", "建国门外大街", "东三环中路"]
HEADER = ["序号", "姓名", "性别", "身份证号", "联系电话", "现居住地址", "出生日期", "民族",
          "户籍地", "备注"]  # fmt: skip


def fake_row(i: int, rng: random.Random) -> list[object]:
    birth = f"{rng.randint(1940, 2015)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    return [
        i,
        rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2))),
        rng.choice("男女"),
        f"110105{birth.replace('-', '')}{rng.randint(0, 9999):04d}",
        f"1{rng.randint(3, 9)}{rng.randint(0, 999999999):09d}",
        f"{rng.choice(ROADS)}{rng.randint(1, 300)}号{rng.randint(1, 20)}号楼{rng.randint(101, 2405)}",
        birth,
        "汉族",
        "北京市朝阳区",
        "" if i % 7 else "租户",
    ]


def write_csv(path: Path, rows: int) -> None:
    rng = random.Random(1)
    with path.open("w", encoding="gbk", newline="") as handle:
        handle.write("XX社区实有人口登记台账\n")
        handle.write(",".join(HEADER) + "\n")
        for i in range(1, rows + 1):
            handle.write(",".join(str(v) for v in fake_row(i, rng)) + "\n")
        handle.write("填表人：张三,,,审核人：李四\n")


def write_xlsx(path: Path, rows: int) -> None:
    import openpyxl

    rng = random.Random(2)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("一网格")
    sheet.append(["XX社区实有人口登记台账"])
    sheet.append(HEADER)
    for i in range(1, rows + 1):
        row = fake_row(i, rng)
        row[4] = int(str(row[4]))  # phones typed as numbers, as offices do
        sheet.append(row)
    sheet.append(["填表人：张三"])
    book.save(path)


def read_one(path: str) -> None:
    from wangge.fusion.readers import read_ledger

    start = time.perf_counter()
    sheets = read_ledger(path)
    seconds = time.perf_counter() - start
    rows = sum(s.frame.height for s in sheets)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = Path(path).stat().st_size / 1024 / 1024
    print(
        f"{Path(path).name:<24} {size_mb:7.1f} MB  {rows:>9,} rows  {seconds:6.2f} s  "
        f"{rows / seconds:>10,.0f} rows/s  peak RSS {peak_mb:6.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*")
    parser.add_argument("--csv-rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--read", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        read_one(args.read)
        return
    files = list(args.files)
    workdir = tempfile.TemporaryDirectory(prefix="bench-ledger-")
    if not files:
        csv_path = Path(workdir.name) / "ledger-gbk.csv"
        xlsx_path = Path(workdir.name) / "ledger.xlsx"
        start = time.perf_counter()
        write_csv(csv_path, args.csv_rows)
        write_xlsx(xlsx_path, args.xlsx_rows)
        print(f"generated test files in {time.perf_counter() - start:.1f} s")
        files = [str(csv_path), str(xlsx_path)]
    for path in files:
        subprocess.run([sys.executable, __file__, "--read", path], check=True)
    workdir.cleanup()


if __name__ == "__main__":
    main()
