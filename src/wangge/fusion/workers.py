"""What the second process of a big fusion run is given: workbooks to read and, once they are
read, addresses to look up in the registry's exact keys, then addresses to parse.

Kept apart from the pipeline so that process imports only readers and the registry, not
linkage and pypinyin (half a second of its start). Pure Python, no Django.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from wangge.addresses.parser import ParsedAddress, parse_address
from wangge.fusion.fields import header_score
from wangge.fusion.readers import LedgerReadError, LedgerSheet, ReadLimits, read_ledger
from wangge.fusion.registry import ExactKeys

# In the second process: the exact keys it was sent, kept for the slices of addresses that
# follow, so that they cross between the processes once.
_received_keys: list[ExactKeys] = []


def receive_exact_keys(keys: ExactKeys) -> None:
    _received_keys[:] = [keys]


def exact_positions_of(texts: pl.Series) -> pl.Series:
    """`ExactKeys.positions` over the keys `receive_exact_keys` was last given."""
    return _received_keys[0].positions(texts)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector for a fusion run.

    A run allocates millions of small objects while the registry's indexes (hundreds of
    thousands of containers) are alive, and every full collection walks all of them: about a
    tenth of the run on the benchmark. The pipeline makes no reference cycles worth
    collecting early, so the collector resumes afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


@cyclic_gc_paused()  # also in the process that reads workbooks
def read_each(
    paths: Sequence[str | Path],
    *,
    limits: ReadLimits | None = None,
    contents: Sequence[bytes] | None = None,
) -> list[list[LedgerSheet] | str]:
    """Per file: its sheets, or what is wrong with it."""
    out: list[list[LedgerSheet] | str] = []
    for n, path in enumerate(paths):
        try:
            out.append(
                read_ledger(
                    path,
                    data=contents[n] if contents is not None else None,
                    limits=limits or ReadLimits(),
                    header_score=header_score,
                )
            )
        except LedgerReadError as exc:
            out.append(exc.message)
    return out


def parse_addresses(texts: list[str]) -> list[ParsedAddress]:
    return [parse_address(text) for text in texts]
