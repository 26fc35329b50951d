"""What a ledger row keeps of its ID number, phone and birth date once staged: sealed.

Why a module of its own: sealing is done when a batch is staged (`services.stage_batch`), kept
in the encrypted staged file, and only copied by the commit (`committing.py`); the staged file's
readers must know which columns are ciphertexts and blind indexes (`SEALED_COLUMNS`) so that
they leave them out of what they show or export.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import polars as pl

from wangge.access.fields import data_cipher
from wangge.fusion.normalise import REJECTED
from wangge.people.idnumber import mask_id_number
from wangge.people.phone import MOBILE_ALLOCATED_PATTERN, mask_phone

_ID18 = r"^\d{17}[\dX]$"
_ID18_RE = re.compile(_ID18)
_MOBILE = f"^(?:{MOBILE_ALLOCATED_PATTERN})$"
_MOBILE_RE = re.compile(_MOBILE)

SEALED_COLUMNS = ("sealed", "id_number_index", "phone_index")


def seal_rows(frame: pl.DataFrame, cipher: Any = None) -> pl.DataFrame:
    """What a `SourceRecord` keeps of its row's ID number, phone and birth date: their blind
    indexes, and the masked ID, masked phone and birth date sealed together (SM4-GCM).

    Computed when a batch is staged (a job of its own) and kept in the staged file, which is
    encrypted at rest, so the commit only copies them: at 1M rows about 7 s of the commit.
    Rows rejected at staging are not sealed; a batch staged before this was kept is sealed
    when it is committed."""
    cipher = cipher or data_cipher()
    text = pl.col
    number, phone = text("id_number").fill_null(""), text("phone").fill_null("")

    def per_value(
        column: str, convert: Callable[[str], str], usual: re.Pattern[str] | None = None
    ) -> pl.Expr:
        """`convert` for each distinct value (but those of the usual shape, done as columns)."""
        values = [v for v in frame[column].unique().to_list() if v]
        mapping = {"": "", **{v: convert(v) for v in values if not (usual and usual.match(v))}}
        return (
            text(column).fill_null("").replace_strict(mapping, default=None, return_dtype=pl.Utf8)
        )

    # the usual shapes masked as columns (what mask_id_number / mask_phone give for an
    # 18-character number and an issued mobile), the rest value by value
    masked_id = (
        pl.when(number.str.contains(_ID18))
        .then(
            pl.concat_str(
                number.str.slice(0, 6), pl.lit("*" * 8), number.str.slice(14, 3), pl.lit("*")
            )
        )
        .otherwise(per_value("id_number", mask_id_number, _ID18_RE))
    )
    masked_phone = (
        pl.when(phone.str.contains(_MOBILE))
        .then(pl.concat_str(phone.str.slice(0, 3), pl.lit("*" * 6), phone.str.slice(9, 2)))
        .otherwise(per_value("phone", mask_phone, _MOBILE_RE))
    )
    birth = text("birth_date").fill_null("")
    plain = (
        frame.select(
            pl.when(
                (text("status") != REJECTED)
                & ((masked_id != "") | (masked_phone != "") | (birth != ""))
            )
            .then(pl.struct(id=masked_id, phone=masked_phone, birth=birth).struct.json_encode())
            .otherwise(pl.lit(""))
        )
        .to_series()
        .to_list()
    )
    sealed = pl.Series("sealed", cipher.encrypt_many(plain), dtype=pl.Utf8)
    del plain
    return frame.with_columns(
        sealed,
        per_value("id_number", cipher.blind_index).alias("id_number_index"),
        per_value("phone", cipher.blind_index).alias("phone_index"),
    )
