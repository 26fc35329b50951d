"""Score a linkage result CSV against the generator's truth.

Usage::

    python -m bench.fusion.score RESULT.csv TRUTH.csv [--json]

Rows are joined on ``(source_file, source_sheet, source_row)``.  Person linkage is scored
pairwise: a pair of rows is predicted linked when both carry the same ``person_key`` and truly
linked when both have the same truth ``person_id``.  The pair counts come from cluster sizes
(sum of n·(n-1)/2 over the groups of ``person_key``, of ``person_id`` and of both together), so a
million rows are scored in a second without enumerating pairs.  Truth rows missing from the
result, rows whose status is ``rejected`` and rows with an empty ``person_key`` count as
singletons; a missing or rejected row also counts as unmatched for address and grid.

Addresses: over rows whose truth names a registry room, the share whose ``address_code`` equals
it (right room) and the share given another code (wrong room); over rows whose truth address is
not in the registry, the share that was nevertheless given a code (false room).  The same for
``grid_code``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import polars as pl

KEYS = ["source_file", "source_sheet", "source_row"]


def _read(path: Path, columns: list[str]) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False, columns=columns)
    return df.with_columns(
        pl.col("source_sheet").fill_null(""), pl.col("source_row").cast(pl.Int64)
    )


def _pairs(df: pl.DataFrame, by: list[str]) -> int:
    sizes = df.group_by(by).len()["len"].cast(pl.Int64)
    return int((sizes * (sizes - 1) // 2).sum())


def score(result_path: Path, truth_path: Path) -> dict[str, Any]:
    truth = _read(truth_path, [*KEYS, "person_id", "address_code", "grid_code"])
    result = _read(result_path, [*KEYS, "person_key", "address_code", "grid_code", "status"])
    extra = result.join(truth.select(KEYS), on=KEYS, how="anti").height
    duplicated = result.height - result.unique(KEYS).height
    result = result.unique(KEYS, keep="first").rename(
        {"address_code": "r_address", "grid_code": "r_grid"}
    )
    df = truth.join(result, on=KEYS, how="left").with_row_index("i")
    missing = df.filter(pl.col("status").is_null() & pl.col("person_key").is_null()).height
    rejected_expr = pl.col("status").fill_null("").str.to_lowercase().str.starts_with("reject")
    rejected = df.filter(rejected_expr).height
    dropped = (
        pl.col("person_key").is_null()
        | (pl.col("person_key").str.strip_chars() == "")
        | rejected_expr
    )
    df = df.with_columns(
        pl.when(dropped)
        .then(pl.lit("\x00row") + pl.col("i").cast(pl.Utf8))
        .otherwise(pl.col("person_key"))
        .alias("key"),
        pl.when(rejected_expr).then(None).otherwise(pl.col("r_address")).fill_null("").alias("ra"),
        pl.when(rejected_expr).then(None).otherwise(pl.col("r_grid")).fill_null("").alias("rg"),
        pl.col("address_code").fill_null(""),
        pl.col("grid_code").fill_null(""),
    )
    predicted = _pairs(df, ["key"])
    true = _pairs(df, ["person_id"])
    both = _pairs(df, ["key", "person_id"])
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0

    def shares(truth_col: str, result_col: str) -> dict[str, Any]:
        has = df.filter(pl.col(truth_col) != "")
        none = df.filter(pl.col(truth_col) == "")
        right = has.filter(pl.col(result_col) == pl.col(truth_col)).height
        wrong = has.filter((pl.col(result_col) != "") & (pl.col(result_col) != pl.col(truth_col)))
        false = none.filter(pl.col(result_col) != "").height
        return {
            "rows_with_truth": has.height,
            "right": right / has.height if has.height else 1.0,
            "wrong": wrong.height / has.height if has.height else 0.0,
            "rows_without_truth": none.height,
            "false": false / none.height if none.height else 0.0,
        }

    statuses = (
        df.group_by(pl.col("status").fill_null("(missing)")).len().sort("len", descending=True)
    )
    return {
        "rows": truth.height,
        "result_rows": result.height + duplicated,
        "missing": missing,
        "rejected": rejected,
        "extra_rows": extra,
        "duplicated_rows": duplicated,
        "statuses": dict(zip(statuses["status"], statuses["len"], strict=True)),
        "persons_true": truth["person_id"].n_unique(),
        "persons_predicted": df["key"].n_unique(),
        "pairs_true": true,
        "pairs_predicted": predicted,
        "pairs_correct": both,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "room": shares("address_code", "ra"),
        "grid": shares("grid_code", "rg"),
    }


def report(s: dict[str, Any], title: str = "") -> str:
    lines = [title] if title else []
    lines += [
        f"rows {s['rows']:,}  read {s['result_rows']:,}  missing {s['missing']:,}  "
        f"rejected {s['rejected']:,}  extra {s['extra_rows']:,}",
        f"statuses {s['statuses']}",
        f"persons true {s['persons_true']:,}  predicted {s['persons_predicted']:,}",
        f"pairs true {s['pairs_true']:,}  predicted {s['pairs_predicted']:,}  "
        f"correct {s['pairs_correct']:,}",
        f"precision {s['precision']:.4f}  recall {s['recall']:.4f}  F1 {s['f1']:.4f}",
    ]
    for name in ("room", "grid"):
        x = s[name]
        lines.append(
            f"{name}: right {x['right']:.2%}  wrong {x['wrong']:.2%} "
            f"(of {x['rows_with_truth']:,} rows with a truth {name});  "
            f"given one although not in registry {x['false']:.2%} "
            f"(of {x['rows_without_truth']:,})"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Score a fusion result against the truth.")
    parser.add_argument("result", type=Path)
    parser.add_argument("truth", type=Path)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    s = score(args.result, args.truth)
    if args.json:
        json.dump(s, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        print(report(s, str(args.result)))


if __name__ == "__main__":
    main()
