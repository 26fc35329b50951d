"""Each distinct value of a column checked once, the answers lined up with its rows.

Ledgers repeat values heavily (a household's address, a family's phone, common names), so the
per-value rules (names, ID numbers, phones, dates, addresses) run once per distinct value and
their answers are joined back: that is what makes a million rows cheap in normalisation
(`normalise`) and in the pipeline's checks. Pure Python + Polars, no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl


def per_distinct_value(
    values: pl.Series, check: Callable[[str], tuple[Any, ...]], schema: dict[str, Any]
) -> pl.DataFrame:
    """``check`` applied once per distinct non-null value, its answers lined up with the rows
    (nulls where the value is null)."""
    return per_distinct_values(values, lambda keys: [check(v) for v in keys], schema)


def per_distinct_values(
    values: pl.Series,
    check_all: Callable[[list[str]], list[tuple[Any, ...]]],
    schema: dict[str, Any],
) -> pl.DataFrame:
    """`per_distinct_value` with one call for all the distinct values, which may share the
    work out."""
    keys = values.drop_nulls().unique()
    answers = check_all(keys.to_list())
    table = pl.DataFrame(
        {"key": keys, **{name: [a[i] for a in answers] for i, name in enumerate(schema)}},
        schema={"key": pl.Utf8, **schema},
    )
    if values.null_count() * 2 < len(values):
        return (
            values.cast(pl.Utf8)
            .alias("key")
            .to_frame()
            .join(table, on="key", how="left", maintain_order="left")
            .drop("key")
        )
    # Mostly null (the values the column checks left over): join the few, then spread them.
    given = values.is_not_null()
    found = (
        values.filter(given)
        .cast(pl.Utf8)
        .alias("key")
        .to_frame()
        .join(table, on="key", how="left", maintain_order="left")
    )
    positions = given.arg_true()
    return pl.DataFrame(
        [
            pl.repeat(None, len(values), dtype=dtype, eager=True)
            .alias(name)
            .scatter(positions, found.get_column(name))
            for name, dtype in schema.items()
        ]
    )
