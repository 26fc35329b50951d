"""A ledger row's address: one text from its address columns, then its room in the registry.

The address columns of a sheet (a full address, or compound, building, unit and room split
apart) become one text (`composed_address`); plainly written ones are found by the registry's
exact keys (`exact_addresses`), the rest by the matcher once per distinct (text, community)
(`match_addresses`). A helper process, when `normalise_frame` has one, does the exact look-up
and parses part of the rest meanwhile. Part of normalisation (`normalise`), split out as its
own step. Pure Python + Polars, no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Executor
from typing import TYPE_CHECKING, Final

import polars as pl

from wangge.addresses.parser import ParsedAddress
from wangge.fusion.distinct import per_distinct_values
from wangge.fusion.registry import Registry
from wangge.fusion.workers import exact_positions_of, parse_addresses, receive_exact_keys

if TYPE_CHECKING:
    from wangge.fusion.normalise import Normaliser


def composed_address() -> pl.Expr:
    """One address text from a full-address column and/or split building/unit/room columns."""
    col = pl.col
    address = col("address").str.strip_chars()
    compound, building = col("compound").str.strip_chars(), col("building").str.strip_chars()
    unit, room = col("unit").str.strip_chars(), col("room").str.strip_chars()
    split = pl.concat_str(
        [
            address,
            pl.when((compound != "") & ~address.str.contains(compound, literal=True))
            .then(compound)
            .otherwise(pl.lit("")),
            pl.when(building == "")
            .then(pl.lit(""))
            .when(building.str.contains(r"(?:号楼|栋|幢|座|楼)$"))
            .then(building)
            .otherwise(building + "号楼"),
            pl.when(unit == "")
            .then(pl.lit(""))
            .when(unit.str.contains(r"(?:单元|门)$"))
            .then(unit)
            .otherwise(unit + "单元"),
            pl.when(room == "")
            .then(pl.lit(""))
            .when(room.str.contains(r"(?:室|号|户)$"))
            .then(room)
            .otherwise(room + "室"),
        ]
    )
    plain = (compound == "") & (building == "") & (unit == "") & (room == "")
    return pl.when(plain).then(address).otherwise(split)


HELPER_SLICE: Final = 100_000
HELPER_MIN_ADDRESSES: Final = 2_000  # fewer are matched here: sending them costs more


def exact_addresses(
    raw: pl.DataFrame,
    registry: Registry | None,
    community_code: str | None,
    helper: Executor | None,
) -> tuple[pl.DataFrame, Callable[[], pl.Series]]:
    """a_community onto the rows and, when called, a_quick: the room of each plainly written
    address by the registry's exact keys (the comparison form too: numerals, 繁体, 全角), run
    in ``helper`` when there is one."""
    col = pl.col
    if registry is None:
        raw = raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias("a_community"))
        nothing = pl.repeat(None, raw.height, dtype=pl.Utf8, eager=True).alias("a_quick")
        return raw.drop("community"), lambda: nothing
    if community_code is not None:
        community = pl.lit(community_code, dtype=pl.Utf8)
    else:
        community = (
            pl.when(col("community") != "")
            .then(col("community"))
            .replace_strict(registry.community_by_name, default=None, return_dtype=pl.Utf8)
        )
    raw = raw.with_columns(community.alias("a_community")).drop("community")
    plain = raw.select(
        pl.when((col("address_text") != "") & col("a_community").is_null())
        .then(col("address_text"))
        .alias("a_quick")
    ).to_series()
    if helper is None:
        found = registry.exact_keys().codes(plain)
        return raw, lambda: found
    # In slices: the helper then holds one slice's text and intermediate columns at a time.
    keys = registry.exact_keys()
    try:
        helper.submit(receive_exact_keys, keys)
        slices = [
            helper.submit(exact_positions_of, plain.slice(start, HELPER_SLICE))
            for start in range(0, max(len(plain), 1), HELPER_SLICE)
        ]
    except BrokenExecutor:  # the helper is already dead
        found = keys.codes(plain)
        return raw, lambda: found

    def collect() -> pl.Series:
        try:
            positions = pl.concat([s.result() for s in slices])
        except BrokenExecutor:  # the helper died (killed for memory?): look them up here
            return keys.codes(plain)
        return keys.code_at(positions).alias("a_quick")

    return raw, collect


def match_addresses(
    work: pl.DataFrame, normaliser: Normaliser, helper: Executor | None
) -> pl.DataFrame:
    """a_code, a_grid, a_reason, a_candidates for the rows whose name passed: the exact key
    `exact_addresses` found, or else the matcher's answer once per distinct (text,
    community). With a ``helper``, that process parses part of those addresses (the parser
    needs no registry, and is most of the matcher's time) while this one matches the rest."""
    registry = normaliser.registry
    col = pl.col
    empty = pl.lit(None, dtype=pl.Utf8)
    if registry is None:
        return work.with_columns(
            empty.alias("a_code"),
            empty.alias("a_grid"),
            empty.alias("a_reason"),
            empty.alias("a_candidates"),
        ).drop("a_quick", "a_community")
    wanted = (col("address_text") != "") & col("n_problem").is_null()
    work = work.with_columns(
        pl.when(wanted).then(col("a_quick")).alias("a_quick"), wanted.alias("a_wanted")
    )
    rest = work.select(
        pl.when(col("a_quick").is_null() & col("a_wanted")).then(
            pl.concat_str([col("address_text"), col("a_community").fill_null("")], separator="\x1f")
        )
    ).to_series()

    def check(
        key: str, parsed: ParsedAddress | None = None
    ) -> tuple[str | None, str | None, str | None, str | None]:
        text, _, community_name = key.partition("\x1f")
        match = normaliser.address(parsed or text, community_name or None)
        if match is None:
            return None, None, None, None
        if match.address_code:
            return match.address_code, None, None, None
        return (
            None,
            registry.common_grid(match.candidates),
            f"地址未匹配到标准地址：{match.reason}",
            "|".join(match.candidates),
        )

    def check_all(keys: list[str]) -> list[tuple[str | None, str | None, str | None, str | None]]:
        if helper is None or len(keys) < HELPER_MIN_ADDRESSES:
            return [check(k) for k in keys]
        # Parsing here and matching take about 33 µs an address, matching a parsed one 13:
        # with 40 % here, the helper's 60 % are parsed by the time this process wants them.
        cut = int(len(keys) * 0.4)
        theirs = keys[cut:]
        try:
            parsed = helper.submit(parse_addresses, [k.partition("\x1f")[0] for k in theirs])
        except BrokenExecutor:  # the helper is already dead
            return [check(k) for k in keys]
        answers = [check(k) for k in keys[:cut]]
        try:
            ready = parsed.result()
        except BrokenExecutor:  # the helper died: parse them here
            return answers + [check(k) for k in theirs]
        helper.shutdown(wait=False)  # its work is done: its memory goes before the peak
        return answers + [check(k, p) for k, p in zip(theirs, ready, strict=True)]

    matched = per_distinct_values(
        rest,
        check_all,
        {"m_code": pl.Utf8, "m_grid": pl.Utf8, "a_reason": pl.Utf8, "a_candidates": pl.Utf8},
    )
    work = pl.concat([work, matched], how="horizontal").with_columns(
        pl.coalesce("a_quick", "m_code").alias("a_code")
    )
    return work.with_columns(
        pl.coalesce(registry.grids_of(work.get_column("a_code")), col("m_grid")).alias("a_grid")
    )
