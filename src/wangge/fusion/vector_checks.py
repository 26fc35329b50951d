"""Column-at-once checks for the plain, valid values that make up most of a ledger.

Most ID numbers and phones in a ledger are written cleanly and are valid. Checking them one by
one in Python costs more than everything else in normalisation, so they are validated here over
the whole column with Polars, by the same GB 11643 rules as `people.idnumber` (MOD 11-2 check
digit, a region code GB/T 2260 had in force in the birth year or later, real birth date
between 1880 and today). Anything that is
not plainly valid comes back as None and goes through the full per-value checks, which also
explain what is wrong. Pure Python + Polars, no Django.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from functools import cache
from typing import Final

import polars as pl

from wangge.geo.divisions import all_divisions
from wangge.people.idnumber import (
    CHECK_MAP,
    EARLIEST_BIRTH,
    SPECIAL_PROVINCES,
    WEIGHTS,
)
from wangge.people.phone import MOBILE_ALLOCATED_PATTERN

_PLAIN_ID: Final = r"^[0-9]{17}[0-9Xx]$"
_PLAIN_MOBILE: Final = f"^(?:{MOBILE_ALLOCATED_PATTERN})$"


def plain_valid_id_numbers(
    values: Sequence[str], today: date
) -> tuple[list[str | None], list[str | None], list[str | None]]:
    """Per value: (number, birth date ISO, gender) when plainly valid, else (None, None, None)."""
    out = plain_valid_id_frame(pl.Series("raw", list(values), dtype=pl.Utf8), today)
    return (
        out.get_column("number").to_list(),
        out.get_column("birth").to_list(),
        out.get_column("gender").to_list(),
    )


def plain_valid_id_frame(values: pl.Series, today: date) -> pl.DataFrame:
    """Columns number, birth (ISO) and gender, null where the value is not plainly valid."""
    # In stages: one expression tree would recompute the shared parts per digit.
    frame = (
        values.cast(pl.Utf8)
        .alias("raw")
        .to_frame()
        .select(
            pl.when(pl.col("raw").str.contains(_PLAIN_ID))
            .then(pl.col("raw").str.to_uppercase())
            .alias("u")
        )
        .with_columns(
            # The first 17 characters as one integer: digits by arithmetic, not 17 slices.
            pl.col("u").str.slice(0, 17).cast(pl.Int64, strict=False).alias("body"),
            pl.col("u").str.slice(6, 8).str.to_date("%Y%m%d", strict=False).alias("birth"),
        )
    )
    body = pl.col("body")
    expected = (_weighted_digit_sum(body) % 11).replace_strict(
        list(range(11)), list(CHECK_MAP), return_dtype=pl.Utf8, default=None
    )
    province = body // 10**15
    codes, last_years = _region_last_years()
    # The last year the region code was in force (GB/T 2260's history): a number is plainly
    # valid only if it was still in force in the birth year; the rest go to the per-value
    # check, which explains the doubt.
    last_year = (body // 10**11).replace_strict(codes, last_years, default=None)
    ok = (
        (expected == pl.col("u").str.slice(17, 1))
        & (
            province.is_in(sorted(int(p) for p in SPECIAL_PROVINCES))
            | (last_year >= pl.col("birth").dt.year())
        )
        & (pl.col("birth") >= EARLIEST_BIRTH)
        & (pl.col("birth") <= today)
    ).fill_null(False)
    gender = pl.when(body % 2 == 1).then(pl.lit("男")).otherwise(pl.lit("女"))
    return frame.with_columns(ok.alias("ok")).select(
        pl.when("ok").then(pl.col("u")).alias("number"),
        pl.when("ok").then(pl.col("birth").dt.to_string("%Y-%m-%d")).alias("birth"),
        pl.when("ok").then(gender).alias("gender"),
    )


@cache
def _region_last_years() -> tuple[list[int], list[int]]:
    """Every GB/T 2260 code with the last year it was in force (9999: still in force)."""
    codes: list[int] = []
    years: list[int] = []
    for code, entry in all_divisions().items():
        if code[:2] in SPECIAL_PROVINCES:
            continue
        codes.append(int(code))
        years.append(max(n.last_year if n.last_year is not None else 9999 for n in entry.names))
    return codes, years


def _weighted_digit_sum(body: pl.Expr) -> pl.Expr:
    """GB 11643's weighted sum of the 17 digits of ``body`` (the first 17 as one integer).

    A chain of additions, not `sum_horizontal`: that evaluates its 17 terms side by side, a
    million-row column each, hundreds of megabytes for a moment."""
    total = (body // 10**16) * WEIGHTS[0]
    for i, weight in enumerate(WEIGHTS[1:], start=1):
        total = total + ((body // 10 ** (16 - i)) % 10) * weight
    return total


def id_number_column(values: pl.Series, today: date) -> pl.DataFrame:
    """`plain_valid_id_frame` after the cleaning `check_id_number` does to most messy values:
    spaces and dashes out, full-width digits and x as ASCII, and a 15-digit old number
    upgraded (century 19, check digit computed). Adds `upgraded`, true for such numbers.

    Property tests hold every number it gives to the one `check_id_number` gives."""
    cleaned = values.cast(pl.Utf8).str.replace_many(*_ID_FULL_WIDTH).str.replace_all(r"[\s\-]", "")
    fifteen = cleaned.str.contains(r"^[0-9]{15}$")
    first17 = pl.select(
        pl.when(fifteen).then(
            pl.concat_str([cleaned.str.slice(0, 6), pl.lit("19"), cleaned.str.slice(6)])
        )
    ).to_series()
    body = first17.cast(pl.Int64, strict=False).alias("body").to_frame()
    check = body.select(
        (_weighted_digit_sum(pl.col("body")) % 11).replace_strict(
            list(range(11)), list(CHECK_MAP), return_dtype=pl.Utf8, default=None
        )
    ).to_series()
    full = pl.select(
        pl.when(fifteen).then(pl.concat_str([first17, check])).otherwise(cleaned)
    ).to_series()
    out = plain_valid_id_frame(full, today)
    return out.with_columns((fifteen & out.get_column("number").is_not_null()).alias("upgraded"))


def replacements(table: Mapping[int, int | None]) -> tuple[list[str], list[str]]:
    """A `str.translate` table as the two lists Polars' `str.replace_many` takes, so a rule
    written once serves both the per-value and the column code."""
    return [chr(k) for k in table], ["" if v is None else chr(v) for v in table.values()]


FULL_WIDTH_DIGITS: Final[dict[int, int]] = str.maketrans("０１２３４５６７８９", "0123456789")
_ID_FULL_WIDTH: Final = replacements(
    {**FULL_WIDTH_DIGITS, ord("Ｘ"): ord("X"), ord("ｘ"): ord("X")}
)
_PHONE_FULL_WIDTH: Final = replacements({**FULL_WIDTH_DIGITS, ord("＋"): ord("+")})


def mobile_column(values: pl.Series) -> pl.Series:
    """The mobile number of each value written as one, null otherwise: bare, or with spaces,
    dashes, full-width digits or a +86/86/0086 prefix ('138-1234-5678', '+86 13812345678').

    The per-value `check_phone` gives the same number for every such value (tested); landlines,
    several numbers in one cell and anything odd are left to it.
    """
    cleaned = (
        values.cast(pl.Utf8)
        .str.replace_many(*_PHONE_FULL_WIDTH)
        .str.replace_all(r"[\s\-]", "")
        .str.replace(r"^(?:\+86|0086|86)(1[3-9][0-9]{9})$", "$1")
    )
    return pl.select(pl.when(cleaned.str.contains(_PLAIN_MOBILE)).then(cleaned)).to_series()
