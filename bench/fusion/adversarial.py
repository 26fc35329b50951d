"""Adversarial ledgers: shapes that made linkage compare rows pairwise without bound (issue 13).

Usage (from the repository root)::

    python -m bench.fusion.adversarial --rows 100000 --dir /tmp/fusion-adversarial
    python -m bench.fusion.adversarial --rows 3000 --dir /tmp/adv-small --shape one_person

Three ledgers, each fused alone with ``wangge fuse`` against a small generated district (the
grid file and registry of `bench.fusion.generate` at 1,000 people):

- ``one_person``: ROWS rows of one person (a daily test record): the same name, phone and room on
  every row, the ID number written on half of them and left empty on the other half.
- ``placeholder_id``: ROWS different people who all carry one placeholder ID number
  (``000000000000000000`` on most rows, ``111111111111111111`` and ``123456789012345678`` on
  some), each with a name drawn from a small table (so names repeat), their own phone and a
  room of the registry.
- ``one_address``: ROWS different people at one room, without ID numbers, names drawn from the
  same table, a phone on half of the rows.

Each run is a subprocess whose wall time and peak resident memory of the whole process tree are
measured from outside (`bench.fusion.run.measure`). The goal: under 1 GB and 60 s each. The
statuses of the result are printed too, so what the caps flagged for review is visible.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
from pathlib import Path
from typing import Any, Final

import polars as pl

from bench.fusion import generate
from bench.fusion.run import measure, wangge_command
from wangge.people.idnumber import make_id_number

SHAPES: Final = ("one_person", "placeholder_id", "one_address")
GOAL_BYTES: Final = 2**30
GOAL_SECONDS: Final = 60.0

_SURNAMES: Final = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏"
)
_GIVEN: Final = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰建国志强海燕红梅建华"


def _name(rng: random.Random) -> str:
    given = "".join(rng.choice(_GIVEN) for _ in range(rng.choice((1, 2, 2))))
    return rng.choice(_SURNAMES) + given


def _mobile(rng: random.Random) -> str:
    return rng.choice(("138", "139", "186", "159")) + f"{rng.randrange(10**8):08d}"


def write_shape(shape: str, rows: int, rooms: list[str], path: Path, seed: int) -> None:
    rng = random.Random(f"{seed}/{shape}")
    header = ["姓名", "身份证号", "联系电话", "现居住地址", "检测时间"]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(header)
        if shape == "one_person":
            import datetime as dt

            number = make_id_number("110105", dt.date(1980, 5, 17), 123, "男")
            phone, room = _mobile(rng), rooms[0]
            for i in range(rows):
                out.writerow(
                    [
                        "王建国",
                        number if i % 2 == 0 else "",
                        phone,
                        room,
                        f"2022-04-{1 + i % 28:02d}",
                    ]
                )
        elif shape == "placeholder_id":
            placeholders = ("000000000000000000",) * 8 + (
                "111111111111111111",
                "123456789012345678",
            )
            for _ in range(rows):
                out.writerow(
                    [
                        _name(rng),
                        rng.choice(placeholders),
                        _mobile(rng),
                        rng.choice(rooms),
                        "2022-04-17",
                    ]
                )
        elif shape == "one_address":
            room = rooms[0]
            for i in range(rows):
                phone = _mobile(rng) if i % 2 == 0 else ""
                out.writerow([_name(rng), "", phone, room, "2022-04-17"])
        else:
            raise ValueError(shape)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Adversarial ledgers for wangge fuse.")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/wangge-fusion-adversarial"))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--shape", choices=SHAPES, action="append")
    args = parser.parse_args(argv)
    d: Path = args.dir
    if not (d / "grids.geojson").exists() or not (d / "addresses.csv").exists():
        generate.generate(1000, d, args.seed)  # the district; its ledgers are not used
    rooms = [
        f"{road}{number}号院{building}号楼{unit}单元{room}室"
        for road, number, building, unit, room in pl.read_csv(
            d / "addresses.csv", infer_schema=False
        )
        .filter(pl.col("building").is_not_null() & pl.col("unit").is_not_null())
        .select("road", "number", "building", "unit", "room")
        .head(500)
        .iter_rows()
    ]
    cmd = wangge_command()
    if cmd is None:
        print("wangge fuse is not available")
        return 2
    failed = False
    figures: dict[str, Any] = {}
    for shape in args.shape or SHAPES:
        ledger = d / f"{shape}.csv"
        write_shape(shape, args.rows, rooms, ledger, args.seed)
        result = d / f"{shape}_result.csv"
        result.unlink(missing_ok=True)
        run = measure(
            [
                *cmd,
                "fuse",
                str(ledger),
                "--grids",
                str(d / "grids.geojson"),
                "--addresses",
                str(d / "addresses.csv"),
                "--out",
                str(result),
            ],  # fmt: skip
            d / f"{shape}.log",
        )
        statuses: dict[str, int] = {}
        persons = 0
        if run["rc"] == 0 and result.exists():
            frame = pl.read_csv(result, infer_schema=False)
            statuses = dict(frame.get_column("status").value_counts().iter_rows())
            persons = frame.filter(pl.col("person_key") != "").get_column("person_key").n_unique()
        ok = run["rc"] == 0 and run["peak_bytes"] < GOAL_BYTES and run["seconds"] < GOAL_SECONDS
        failed |= not ok
        figures[shape] = {**run, "statuses": statuses, "persons": persons}
        print(
            f"{shape:15} rows {args.rows:>8,}  rc {run['rc']}  {run['seconds']:6.1f} s  "
            f"peak {run['peak_bytes'] / 2**20:7,.0f} MB  persons {persons:>7,}  "
            f"{json.dumps(statuses, ensure_ascii=False)}  {'ok' if ok else 'OVER GOAL'}",
            flush=True,
        )
    (d / "adversarial.json").write_text(json.dumps(figures, indent=1), "utf-8")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
