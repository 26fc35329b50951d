"""Cursors for walking the hazard ledger page by page without OFFSET (keyset or "seek" paging).

The ledger is ordered newest first by (found_at, id), both descending. A page number turns
into `OFFSET (n - 1) × 30`, which makes the database walk and throw away every row before the
page: at a million hazards page 20 of a narrow filter cost more than the ledger's 150 ms budget.
A cursor instead names the row the walk continues from, so every page costs what the first does
(one index range scan of `(found_at, id)`), and a hazard found meanwhile does not shift the
next page by one row (no row shown twice, none skipped).

A cursor is text such as `n3.1796543210123456.4711`: the direction (`n`, the rows after this
one, for 下一页; `p`, the rows before it, for 上一页), the number of the page it opens (a label
for 第3页, counted from where the walk started), the row's `found_at` in microseconds since
1970 (UTC) and the row's id. Clients treat it as opaque; a cursor that does not parse is
refused with a message (`CursorError`), never a 500. Pure Python: the query is built in
`selectors.hazard_page`.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

NEXT, PREVIOUS = "n", "p"
MAX_LENGTH = 64
MAX_PAGE = 1_000_000
MAX_ID = 2**63 - 1
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
# datetime's own range, in microseconds from the epoch (years 1 to 9999)
MIN_MICROS = -62_135_596_800_000_000
MAX_MICROS = 253_402_300_799_999_999
_SHAPE = re.compile(r"([np])([1-9][0-9]{0,6})\.(-?[0-9]{1,18})\.([1-9][0-9]{0,18})")


class CursorError(ValueError):
    """The cursor is not one this ledger handed out (its message is shown to the user)."""


@dataclass(frozen=True)
class Cursor:
    direction: str  # NEXT or PREVIOUS
    page: int
    found_at: datetime.datetime  # aware, UTC
    pk: int

    @property
    def forward(self) -> bool:
        return self.direction == NEXT


def to_micros(moment: datetime.datetime) -> int:
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def encode(direction: str, page: int, found_at: datetime.datetime, pk: int) -> str:
    if direction not in (NEXT, PREVIOUS):
        raise ValueError(direction)
    if found_at.tzinfo is None:
        raise ValueError("found_at must be aware")
    return f"{direction}{max(1, min(page, MAX_PAGE))}.{to_micros(found_at)}.{pk}"


def decode(text: str) -> Cursor:
    """The cursor in `text`, or CursorError saying what to do instead."""
    match = _SHAPE.fullmatch(text.strip()) if len(text) <= MAX_LENGTH else None
    if match is None:
        raise CursorError(f"翻页参数“{text[:20]}”无效，请从第一页重新翻页")
    direction, page, micros, pk = match.groups()
    if not (
        1 <= int(page) <= MAX_PAGE and MIN_MICROS <= int(micros) <= MAX_MICROS and int(pk) <= MAX_ID
    ):
        raise CursorError(f"翻页参数“{text[:20]}”超出范围，请从第一页重新翻页")
    try:
        moment = EPOCH + datetime.timedelta(microseconds=int(micros))
    except OverflowError:  # pragma: no cover - the bounds above keep it in range
        raise CursorError(f"翻页参数“{text[:20]}”超出范围，请从第一页重新翻页") from None
    return Cursor(direction, int(page), moment, int(pk))
