"""ID numbers one typo apart: one digit changed, or two neighbours swapped.

Why its own module: linkage (`linkage.py`) repairs a mistyped number to the one known person it
is a typo of. Trying every variant of every typed number as strings cost ~170 dictionary
lookups per row; as integers (`number_code`) the variants of a whole column are one cross join
with the table of possible typos, and a join with the known numbers. Pure Polars, no Django.
"""

from __future__ import annotations

import polars as pl

_DIGITS = "0123456789"


def one_typo_variants(typed: str) -> list[str]:
    """Every string one changed character or one swapped adjacent pair away.

    Linkage only keeps variants that are numbers of known persons, which are valid by
    construction, so no check digit is computed here: ~170 dictionary lookups per row.
    """
    out: list[str] = []
    for i, ch in enumerate(typed):
        alphabet = _DIGITS + "X" if i == 17 else _DIGITS
        head, tail = typed[:i], typed[i + 1 :]
        out.extend(head + c + tail for c in alphabet if c != ch)
    for i in range(len(typed) - 1):
        a, b = typed[i], typed[i + 1]
        if a != b:
            out.append(typed[:i] + b + a + typed[i + 2 :])
    return out


def number_code(number: pl.Expr) -> pl.Expr:
    """An 18-character number as one integer: the 17 digits, then the last character
    (0-9, X = 10) in base 16, so numbers can be compared and varied by arithmetic."""
    last = number.str.slice(17, 1)
    return number.str.slice(0, 17).cast(pl.Int64, strict=False) * 16 + pl.when(last == "X").then(
        pl.lit(10, dtype=pl.Int64)
    ).otherwise(last.cast(pl.Int64, strict=False))


def _typo_moves() -> pl.DataFrame:
    """Every single typo as data: change digit i to c, swap digits i and i+1, change the last
    character, or swap the last two."""
    rows: list[tuple[int, int, int, int]] = []  # kind, place of digit i, place of i+1, c
    for i in range(17):
        rows += [(0, 10 ** (16 - i), 0, c) for c in range(10)]
    for i in range(16):
        rows.append((1, 10 ** (16 - i), 10 ** (15 - i), 0))
    rows += [(2, 1, 0, c) for c in range(11)]
    rows.append((3, 1, 0, 0))
    return pl.DataFrame(rows, schema=["kind", "place", "next_place", "c"], orient="row").cast(
        pl.Int64
    )


def one_typo_codes(typed: pl.DataFrame) -> pl.DataFrame:
    """(rid, code) for every number one typo away from each row's typed number (`rid`,
    `id_typed`), as `number_code` integers: `one_typo_variants` over a whole column."""
    col = pl.col
    base = typed.select(
        "rid",
        (number_code(col("id_typed")) // 16).alias("body"),
        (number_code(col("id_typed")) % 16).alias("last"),
    ).drop_nulls()
    d1 = (col("body") // col("place")) % 10
    d2 = (col("body") // col("next_place").clip(1)) % 10
    kind = col("kind")
    return (
        base.join(_typo_moves(), how="cross")
        .with_columns(d1.alias("d1"), d2.alias("d2"))
        .filter(
            ((kind == 0) & (col("c") != col("d1")))
            | ((kind == 1) & (col("d1") != col("d2")))
            | ((kind == 2) & (col("c") != col("last")))
            | ((kind == 3) & (col("last") <= 9) & (col("last") != col("d1")))
        )
        .select(
            "rid",
            (
                pl.when(kind == 0)
                .then(col("body") + (col("c") - col("d1")) * col("place"))
                .when(kind == 1)
                .then(
                    col("body")
                    + (col("d2") - col("d1")) * col("place")
                    + (col("d1") - col("d2")) * col("next_place")
                )
                .when(kind == 3)
                .then(col("body") + col("last") - col("d1"))
                .otherwise(col("body"))
                * 16
                + pl.when(kind == 2)
                .then(col("c"))
                .when(kind == 3)
                .then(col("d1"))
                .otherwise(col("last"))
            ).alias("code"),
        )
    )


def one_typo_apart(typed: str, number: str) -> bool:
    if len(typed) != len(number):
        return False
    diff = [i for i, (x, y) in enumerate(zip(typed, number, strict=True)) if x != y]
    if len(diff) == 1:
        return True
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and typed[diff[0]] == number[diff[1]]
        and typed[diff[1]] == number[diff[0]]
    )
