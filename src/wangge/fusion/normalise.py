"""Turn one mapped ledger sheet into clean person-row records, each with a status and reasons.

Every value goes through the foundation's pure rules (names, GB 11643 ID numbers, phones, the
address parser and registry matcher). Ledgers repeat values heavily (a household's address, a
family's phone, common names), so each distinct raw value is checked once and the answer is
reused: that, not vectorised tricks, is what makes a million rows cheap here.

Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import polars as pl

from wangge.addresses.matcher import AddressMatch
from wangge.addresses.parser import ParsedAddress
from wangge.core.reasons import Reason
from wangge.fusion.dates import ANY_WRITTEN_YEAR, MAX_YEAR, MIN_YEAR, ParsedDate, parse_date_text
from wangge.fusion.distinct import per_distinct_value
from wangge.fusion.fields import SheetMapping
from wangge.fusion.ledger_files import is_error_value
from wangge.fusion.readers import SOURCE_ROW as SOURCE_ROW_COLUMN
from wangge.fusion.registry import Registry
from wangge.fusion.row_addresses import composed_address, exact_addresses, match_addresses
from wangge.fusion.sheets import MAX_SHOWN_CELLS, MAX_SHOWN_CHARS
from wangge.fusion.vector_checks import (
    FULL_WIDTH_DIGITS,
    id_number_column,
    mobile_column,
    replacements,
)
from wangge.people.idnumber import (
    EARLIEST_TYPED_BIRTH,
    PLACEHOLDER_REASON,
    birth_after_today,
    birth_too_early,
    check_id_number,
    normalize_id_number,
)
from wangge.people.names import is_plausible_name, normalize_name
from wangge.people.phone import check_phone
from wangge.people.pinyin import syllable

ACCEPTED: Final = "accepted"
DOUBTFUL: Final = "doubtful"
REJECTED: Final = "rejected"

RECORD_SCHEMA: Final[dict[str, Any]] = {
    "source_file": pl.Utf8,
    "source_sheet": pl.Utf8,
    "source_row": pl.Int64,
    "ledger": pl.Int32,
    "name": pl.Utf8,
    "name_key": pl.Utf8,
    "id_number": pl.Utf8,  # valid 18-digit number, or null
    "id_typed": pl.Utf8,  # an invalid 18-character number as typed: linkage looks for known
    # valid numbers one typo (changed digit, swapped pair) away from it
    "id_prefix": pl.Utf8,  # leading digits of a number Excel rounded (scientific notation)
    "phone": pl.Utf8,
    "birth_date": pl.Utf8,  # ISO date, or null
    "birth_year": pl.Int32,
    "birth_year_exact": pl.Boolean,  # False when estimated from an age
    "gender": pl.Utf8,
    "ethnicity": pl.Utf8,
    "relation": pl.Utf8,
    "residence_type": pl.Utf8,
    "address_text": pl.Utf8,
    "address_code": pl.Utf8,
    "grid_code": pl.Utf8,
    "address_candidates": pl.Utf8,  # suggested room codes of an unmatched address, '|'-joined
    "record_date": pl.Utf8,
    "status": pl.Utf8,
    "reasons": pl.Utf8,  # '；'-joined (plain strings build and store faster than lists)
}


@dataclass
class Normaliser:
    """The per-value rules with what they need (registry, reference day). Each distinct value
    of a batch reaches them once (`per_distinct_value`), so they keep no caches of their own,
    except the pinyin of single characters, which every name shares."""

    registry: Registry | None
    today: date = field(default_factory=date.today)
    _pinyin: dict[str, str] = field(default_factory=dict)

    # -- single values --------------------------------------------------------------------

    def name(self, raw: str) -> tuple[str, str, str | None]:
        """(normalised name, pinyin key, problem)."""
        name = normalize_name(raw)
        ok, problem = is_plausible_name(name)
        return name, self.pinyin_key(name), None if ok else problem

    def pinyin_key(self, name: str) -> str:
        """Toneless pinyin per character: homophone typos (王伟/王玮) share a key."""
        out = []
        for ch in name:
            known = self._pinyin.get(ch)
            if known is None:
                known = self._pinyin[ch] = syllable(ch)
            out.append(known)
        return " ".join(out)

    def id_number(self, raw: str) -> tuple[str | None, str | None, str | None, str | None, Any]:
        """(valid number, invalid 18-character number as typed, rounded prefix, problem, check)."""
        check = check_id_number(raw, today=self.today)
        if is_error_value(raw):
            # A formula that failed (a VLOOKUP that found nothing): no number, and the clerk
            # must learn the formula failed rather than read "illegal character #".
            return None, None, None, _failed_formula(Reason("身份证号"), raw), check
        if check.valid:
            notes = [_UPGRADED] if check.upgraded_from_15 else []
            if check.doubt is not None:
                # GB/T 2260 never had the code, or not by then: a person decides.
                notes.append(f"身份证号的{check.doubt}")
            return check.normalized, None, None, "；".join(notes) or None, check
        cleaned = normalize_id_number(raw)
        if check.reason is not None and check.reason.startswith(PLACEHOLDER_REASON):
            # No identity: neither a key to join rows on nor a number to repair.
            return None, None, None, f"身份证号为{check.reason}，按未填写处理", check
        typed = cleaned if len(cleaned) == 18 and cleaned[:17].isdigit() else None
        return None, typed, _rounded_prefix(cleaned), f"身份证号无效：{check.reason}", check

    def phone(self, raw: str) -> tuple[str | None, str | None]:
        if is_error_value(raw):
            return None, _failed_formula(Reason("电话"), raw)
        check = check_phone(raw)
        if not check.valid:
            return check.normalized, f"电话无效：{check.reason}"
        # 138…/0371-…: one phone is imported; the clerk learns the other one was not.
        others = [
            part.strip()
            for part in _PHONE_SEPARATORS.split(raw)
            if part.strip()
            and check_phone(part).valid
            and check_phone(part).normalized != check.normalized
        ]
        if others:
            return check.normalized, (
                f"电话一格有多个号码，已导入“{check.normalized}”，“{'”“'.join(others)}”未导入"
            )
        return check.normalized, None

    def address(self, text: str | ParsedAddress, community: str | None) -> AddressMatch | None:
        """The matcher's answer (for the text, or for it already parsed); the caller has tried
        the registry's exact keys already."""
        if self.registry is None:
            return None
        return self.registry.matcher.match(text, community_code=community)

    def date(self, raw: str, earliest_year: int = MIN_YEAR) -> ParsedDate | None:
        """A date column's value; a bare year counts here (出生年份 1990), unlike in free text."""
        parsed = parse_date_text(raw, earliest_year=earliest_year)
        digits = raw.translate(FULL_WIDTH_DIGITS)
        if parsed is None and _YEAR.match(digits) and earliest_year <= int(digits) < MAX_YEAR:
            return ParsedDate(int(digits))
        return parsed


_UPGRADED: Final = "15位旧身份证号已升级为18位"
# Between two phone numbers in one cell (spaces are not: 138 0013 8000 is one number).
_PHONE_SEPARATORS: Final = re.compile(r"[/／、,，;；\n]|或")
# 80-5-3, 80.05.03, 80/5/3: a two-digit year, which may be 1925 or 2025 for a 独居老人 ledger,
# so it is not guessed; the clerk is told why rather than just 无法识别.
_TWO_DIGIT_YEAR: Final = r"^\s*[0-9０-９]{2}\s*[-./年－．／]\s*[0-9０-９]{1,2}\s*[-./月－．／]\s*[0-9０-９]{1,2}\s*日?\s*$"


def _failed_formula(label: str, raw: str) -> str:
    """A failed formula's value, Excel's (#N/A) or LibreOffice's (Err:502): not a value."""
    return Reason(
        "%(field)s是公式错误值“%(value)s”（公式出错），按未填写处理", field=label, value=raw.strip()
    )


RAW_FIELDS: Final = (
    "name",
    "id_number",
    "phone",
    "birth_date",
    "age",
    "gender",
    "address",
    "compound",
    "building",
    "unit",
    "room",
    "record_date",
    "ethnicity",
    "relation",
    "residence_type",
    "community",
)
_ADDRESS_FIELDS: Final = frozenset({"address", "compound", "building", "unit", "room"})


def raw_frame(
    frame: pl.DataFrame,
    mapping: SheetMapping,
    *,
    source_file: str,
    source_sheet: str,
    ledger: int,
    header_width: int | None = None,
    overflow: Mapping[int, tuple[int, Sequence[str]]] | None = None,
) -> pl.DataFrame:
    """The sheet's mapped columns under their field names ('' where a sheet has none), so
    every sheet of a batch has one shape and can be normalised together; `beyond` says what
    the row holds past its header that is not imported (`beyond_header`)."""
    fields = mapping.resident_fields()
    columns = frame.columns
    cells = []
    for fld in RAW_FIELDS:
        index = fields.get(fld)
        if index is None and fld == "relation" and mapping.rows_are_heads:
            cells.append(pl.lit("户主", dtype=pl.Utf8).alias(fld))  # 低保户花名册: heads only
        elif index is None or index >= len(columns) - 1:
            cells.append(pl.lit("", dtype=pl.Utf8).alias(fld))
        else:
            cell = pl.col(columns[index]).cast(pl.Utf8).fill_null("")
            spares = [columns[i] for i in mapping.spares(fld) if i < len(columns) - 1]
            for spare in spares:  # 座机 where 手机 is empty (`fields._resolve_duplicates`)
                cell = (
                    pl.when(cell.str.strip_chars() == "")
                    .then(pl.col(spare).cast(pl.Utf8).fill_null(""))
                    .otherwise(cell)
                )
            cells.append(cell.alias(fld))
    return frame.select(
        pl.lit(source_file, dtype=pl.Utf8).alias("source_file"),
        pl.lit(source_sheet, dtype=pl.Utf8).alias("source_sheet"),
        pl.col("_source_row").cast(pl.Int64).alias("source_row"),
        pl.lit(ledger, dtype=pl.Int32).alias("ledger"),
        pl.lit(bool(fields.keys() & _ADDRESS_FIELDS)).alias("has_address"),
        *cells,
        beyond_header(frame, mapping, header_width, overflow).alias("beyond"),
    )


def beyond_header(
    frame: pl.DataFrame,
    mapping: SheetMapping,
    header_width: int | None,
    overflow: Mapping[int, tuple[int, Sequence[str]]] | None = None,
) -> pl.Expr:
    """Per row, what it holds past its header that is not imported, in Chinese; null if
    nothing: `有 9 列，表头只有 7 列：多出的“2单元”“备用电话”未导入`.

    A cell past the header's last name sits in a column of its own (`第H列`) that the mapping
    imports only when its content or the clerk says what it is; a CSV record wider than the
    table the reader sized has the rest in `overflow` (`LedgerSheet.overflow`), never
    imported. Either way a clerk who put a note past the last column, or typed an address's
    comma into a CSV without quotes (and shifted the rest of the row), learns which row.
    Column expressions, and nothing at all for a sheet without such cells."""
    cells = [c for c in frame.columns if c != SOURCE_ROW_COLUMN]
    width = len(cells) if header_width is None else min(header_width, len(cells))
    imported = {i for f, i in mapping.resident_fields().items() if f in RAW_FIELDS}
    beyond = [c for i, c in enumerate(cells) if i >= width and i not in imported]
    if not beyond and not overflow:
        return pl.lit(None, dtype=pl.Utf8)

    def filled(c: str) -> pl.Expr:
        return pl.col(c).cast(pl.Utf8).fill_null("") != ""

    extra = pl.concat_list(
        [pl.when(filled(c)).then(pl.col(c).cast(pl.Utf8)) for c in beyond]
        or [pl.lit(None, pl.Utf8)]
    ).list.drop_nulls()
    count = pl.max_horizontal(
        [pl.when(filled(c)).then(pl.lit(i + 1)) for i, c in enumerate(cells)] or [pl.lit(0)]
    )
    if overflow:
        rows = pl.DataFrame(
            {
                "row": list(overflow),
                "count": [n for n, _ in overflow.values()],
                "cells": [list(more) for _, more in overflow.values()],
            },
            schema={"row": pl.Int64, "count": pl.Int32, "cells": pl.List(pl.Utf8)},
        )
        joined = frame.select(pl.col(SOURCE_ROW_COLUMN).cast(pl.Int64).alias("row")).join(
            rows, on="row", how="left", maintain_order="left"
        )
        more = pl.lit(joined.get_column("cells"))
        extra = pl.when(more.is_null()).then(extra).otherwise(extra.list.concat(more))
        count = pl.coalesce(pl.lit(joined.get_column("count")), count)
    quoted = pl.concat_str(
        pl.lit("“"),
        pl.when(pl.element().str.len_chars() > MAX_SHOWN_CHARS)
        .then(pl.element().str.slice(0, MAX_SHOWN_CHARS) + pl.lit("…"))
        .otherwise(pl.element()),
        pl.lit("”"),
    )
    many = extra.list.len()
    shown = extra.list.head(MAX_SHOWN_CELLS).list.eval(quoted).list.join("") + pl.when(
        many > MAX_SHOWN_CELLS
    ).then(pl.format("等 {} 格", many)).otherwise(pl.lit(""))
    return pl.when(many > 0).then(
        pl.format("有 {} 列，表头只有 {} 列：多出的{}未导入", count, pl.lit(width), shown)
    )


def normalise_sheet(
    frame: pl.DataFrame,
    mapping: SheetMapping,
    normaliser: Normaliser,
    *,
    source_file: str,
    source_sheet: str,
    ledger: int,
    community_code: str | None = None,
) -> pl.DataFrame:
    """One record per data row of the sheet, in the RECORD_SCHEMA."""
    raw = raw_frame(
        frame, mapping, source_file=source_file, source_sheet=source_sheet, ledger=ledger
    )
    return normalise_frame(raw, normaliser, community_code=community_code)


Step = Callable[[str], None]


def normalise_frame(
    raw: pl.DataFrame,
    normaliser: Normaliser,
    *,
    community_code: str | None = None,
    step: Step | None = None,
    helper: Executor | None = None,
) -> pl.DataFrame:
    """Records in the RECORD_SCHEMA for rows in the `raw_frame` shape (any number of sheets).

    Whole columns at a time: values that are plainly valid (most IDs and mobiles, plainly
    written addresses) are checked by Polars, and everything else goes through the per-value
    rules once per distinct value, whose answers are joined back onto the rows. A row's
    status and reasons then come from column expressions in the order a clerk reads them.

    ``helper``, a process pool with a core of its own, looks the address column up in the
    registry's exact keys while this process checks names, ID numbers, phones and dates, then
    parses part of the addresses left for the matcher. It is shut down once its answers are
    in, before the records are assembled, when memory peaks.
    """
    say = step or (lambda _stage: None)
    today = normaliser.today
    col = pl.col

    say("address")
    raw = raw.with_columns(composed_address().alias("address_text")).drop(
        "address", "compound", "building", "unit", "room"
    )
    raw, exact_rooms = exact_addresses(raw, normaliser.registry, community_code, helper)

    say("name")
    name_cols = per_distinct_value(
        raw.get_column("name"),
        normaliser.name,
        {"n_name": pl.Utf8, "n_key": pl.Utf8, "n_problem": pl.Utf8},
    )

    say("id_number")
    ids = raw.get_column("id_number")
    plain_ids = id_number_column(ids, today)
    other_ids = pl.select(
        pl.when(plain_ids.get_column("number").is_null() & (ids != "")).then(ids)
    ).to_series()
    id_cols = per_distinct_value(
        other_ids,
        lambda v: _id_fields(normaliser, v),
        {
            "i_number": pl.Utf8,
            "i_typed": pl.Utf8,
            "i_prefix": pl.Utf8,
            "i_note": pl.Utf8,
            "i_birth": pl.Utf8,
            "i_gender": pl.Utf8,
            "i_doubt": pl.Boolean,
        },
    )

    say("phone")
    phones = raw.get_column("phone")
    plain_phone = mobile_column(phones)
    other_phones = pl.select(
        pl.when(plain_phone.is_null() & (phones != "")).then(phones)
    ).to_series()
    phone_cols = per_distinct_value(
        other_phones, normaliser.phone, {"p_number": pl.Utf8, "p_problem": pl.Utf8}
    )

    say("date")
    record_cols = _date_parts(raw.get_column("record_date"), normaliser).select(
        # A record date is a day: a month or year alone counts from its first day.
        _iso_day(
            pl.col("d_year"), pl.col("d_month").fill_null(1), pl.col("d_day").fill_null(1)
        ).alias("r_date"),
        pl.col("d_year").alias("r_year"),
    )
    work = pl.concat(
        [
            raw,
            exact_rooms().to_frame(),
            name_cols,
            plain_ids.select(
                pl.col("number").alias("v_number"),
                pl.col("birth").alias("v_birth"),
                pl.col("gender").alias("v_gender"),
                pl.when("upgraded").then(pl.lit(_UPGRADED)).alias("v_note"),
            ),
            id_cols,
            plain_phone.alias("v_phone").to_frame(),
            phone_cols,
            record_cols,
        ],
        how="horizontal",
    )
    del raw, name_cols, plain_ids, id_cols, phone_cols, record_cols
    written_gender = (
        col("gender").str.strip_chars().replace_strict(_GENDERS, default=None, return_dtype=pl.Utf8)
    )
    # Columns are dropped as soon as they are used up: a million rows of text each.
    work = work.with_columns(
        pl.coalesce("v_number", "i_number").alias("id_number_"),
        pl.coalesce("v_birth", "i_birth").alias("id_birth"),
        pl.coalesce("v_gender", "i_gender").alias("id_gender"),
        pl.coalesce("v_phone", "p_number").alias("phone_v"),
        pl.coalesce("v_note", "i_note").alias("i_note"),
        written_gender.alias("written_gender"),
    ).drop(
        "name",
        "id_number",
        "phone",
        "gender",
        "v_number",
        "i_number",
        "v_birth",
        "i_birth",
        "v_gender",
        "i_gender",
        "v_phone",
        "p_number",
        "v_note",
    )
    births = _date_parts(
        work.select(
            pl.when(col("id_number_").is_null()).then(col("birth_date")).otherwise(pl.lit(""))
        ).to_series(),
        normaliser,
        ANY_WRITTEN_YEAR,  # however early, so that the rule below can say it is too early
    )
    # A written birth date after today or before 1900 is nobody's on a roster
    # (`people.idnumber.birth_date_problem`, the rule of the field forms): not used, said why
    # in the forms' words. A month or a year counts from its first day: 2026-12 is after
    # 2026-11-23.
    earliest_day = _iso_day(col("d_year"), col("d_month").fill_null(1), col("d_day").fill_null(1))
    birth_cols = (
        births.with_columns(work.get_column("birth_date").alias("birth_date_written"))
        .with_columns(
            pl.when(earliest_day > pl.lit(today.isoformat()))
            .then(pl.format(birth_after_today("{}"), col("birth_date_written").str.strip_chars()))
            .when(col("d_year") < EARLIEST_TYPED_BIRTH.year)
            .then(pl.format(birth_too_early("{}"), col("birth_date_written").str.strip_chars()))
            .alias("b_problem")
        )
        .select(
            ((col("birth_date_written") == "") | col("d_year").is_not_null()).alias("b_ok"),
            col("b_problem"),
            pl.when(col("b_problem").is_null()).then(col("d_year")).alias("b_year"),
            pl.when(col("b_problem").is_null())
            .then(_iso_day(col("d_year"), col("d_month"), col("d_day")))
            .alias("b_date"),
        )
    )
    work = pl.concat([work, birth_cols], how="horizontal")
    del birth_cols
    age_value = (
        col("age")
        .str.replace_many(*replacements(FULL_WIDTH_DIGITS))
        .str.extract(r"^\s*([0-9]{1,3})\s*(?:岁|周岁)?\s*$", 1)
        .cast(pl.Int32, strict=False)
    )
    work = work.with_columns(
        pl.when(age_value <= 120).then(age_value).alias("age_value"),
        pl.coalesce(col("id_birth").str.slice(0, 4).cast(pl.Int32), col("b_year")).alias(
            "year_known"
        ),
    )
    work = (
        work.with_columns(
            pl.coalesce(
                "year_known", pl.coalesce("r_year", pl.lit(today.year)) - col("age_value")
            ).alias("birth_year"),
            (col("id_number_").is_not_null() | col("b_year").is_not_null()).alias("year_exact"),
        )
        .rename({"id_number_": "id_number_v"})
        .drop("record_date", "r_year")
    )
    work = match_addresses(work, normaliser, helper)
    if helper is not None:
        helper.shutdown(wait=False)

    say("status")
    name_rejected = col("n_problem").is_not_null()
    only_name = (
        ~name_rejected
        & col("id_number_v").is_null()
        & col("i_typed").is_null()
        & col("i_prefix").is_null()
        & col("phone_v").is_null()
        & (col("address_text") == "")
        & col("birth_year").is_null()
    )
    with_id = col("id_number_v").is_not_null()
    reasons = pl.concat_str(
        [
            col("beyond"),
            col("n_problem"),
            col("i_note"),
            pl.when(
                with_id
                & col("written_gender").is_not_null()
                & (col("written_gender") != col("id_gender"))
            ).then(pl.format("性别“{}”与身份证号不符，以身份证号为准", col("written_gender"))),
            pl.when(col("id_number_v").is_null() & (col("birth_date") != "") & ~col("b_ok")).then(
                pl.when(col("birth_date").str.contains(_TWO_DIGIT_YEAR))
                .then(
                    pl.format(
                        "出生日期“{}”的年份只有两位，无法确定年代，请写四位年份", col("birth_date")
                    )
                )
                .otherwise(pl.format("出生日期“{}”无法识别", col("birth_date")))
            ),
            pl.when(col("id_number_v").is_null() & col("b_problem").is_not_null()).then(
                pl.format("{}，未导入", col("b_problem"))
            ),
            pl.when(
                col("year_known").is_null() & (col("age") != "") & col("age_value").is_null()
            ).then(pl.format("年龄“{}”无法识别", col("age"))),
            col("p_problem"),
            pl.when(~name_rejected & (col("address_text") != "")).then(col("a_reason")),
            pl.when(~name_rejected & (col("address_text") == "") & col("has_address")).then(
                pl.lit("地址为空")
            ),
            pl.when(only_name).then(
                pl.lit("只有姓名，没有身份证号、电话、地址或出生信息，无法确认是谁")
            ),
        ],
        separator="；",
        ignore_nulls=True,
    )
    out = work.select(
        col("source_file"),
        col("source_sheet"),
        col("source_row"),
        col("ledger"),
        col("n_name").alias("name"),
        col("n_key").alias("name_key"),
        col("id_number_v").alias("id_number"),
        col("i_typed").alias("id_typed"),
        col("i_prefix").alias("id_prefix"),
        col("phone_v").alias("phone"),
        pl.coalesce("id_birth", "b_date").alias("birth_date"),
        col("birth_year"),
        col("year_exact").alias("birth_year_exact"),
        pl.when(with_id).then(col("id_gender")).otherwise(col("written_gender")).alias("gender"),
        _blank_as_null("ethnicity"),
        _blank_as_null("relation"),
        _blank_as_null("residence_type"),
        _blank_as_null("address_text"),
        pl.when(~name_rejected).then(col("a_code")).alias("address_code"),
        pl.when(~name_rejected).then(col("a_grid")).alias("grid_code"),
        pl.when(~name_rejected)
        .then(col("a_candidates"))
        .otherwise(pl.lit(""))
        .fill_null("")
        .alias("address_candidates"),
        col("r_date").alias("record_date"),
        pl.when(name_rejected | only_name)
        .then(pl.lit(REJECTED))
        .when(col("i_doubt").fill_null(False))
        .then(pl.lit(DOUBTFUL))
        .otherwise(pl.lit(ACCEPTED))
        .alias("status"),
        reasons.fill_null("").alias("reasons"),
    )
    return out.cast(RECORD_SCHEMA)  # type: ignore[arg-type]


def _iso_day(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """'YYYY-MM-DD', null unless all three parts are known."""
    return pl.format(
        "{}-{}-{}",
        year.cast(pl.Utf8).str.zfill(4),
        month.cast(pl.Utf8).str.zfill(2),
        day.cast(pl.Utf8).str.zfill(2),
    )


def _blank_as_null(name: str) -> pl.Expr:
    return pl.when(pl.col(name) != "").then(pl.col(name)).alias(name)


_ISO_DATE: Final = (
    r"^\s*([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})"
    r"(?:[ T]+[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?\s*$"
)


def _date_parts(
    values: pl.Series, normaliser: Normaliser, earliest_year: int = MIN_YEAR
) -> pl.DataFrame:
    """d_year, d_month, d_day of each written date (nulls where none, or for what was not
    written, or a year before `earliest_year`): '2022-04-17' and '2022-4-17 09:30' in Polars,
    every other form through `parse_date_text` once per distinct value."""
    split = values.cast(pl.Utf8).str.extract_groups(_ISO_DATE).struct.unnest()
    split = split.select(
        pl.col("1").cast(pl.Int32).alias("y"),
        pl.col("2").cast(pl.Int32).alias("m"),
        pl.col("3").cast(pl.Int32).alias("d"),
    )
    ok = (
        pl.col("y").is_between(earliest_year, MAX_YEAR)
        & pl.col("m").is_between(1, 12)
        & pl.col("d").is_between(1, 31)
    ).fill_null(False)
    valid = split.with_columns(ok.alias("ok")).with_columns(
        pl.when("ok")
        .then(
            pl.concat_str(
                [
                    pl.col("y").cast(pl.Utf8),
                    pl.col("m").cast(pl.Utf8).str.zfill(2),
                    pl.col("d").cast(pl.Utf8).str.zfill(2),
                ]
            ).str.to_date("%Y%m%d", strict=False)
        )
        .is_not_null()
        .alias("ok")
    )
    fast = valid.get_column("ok")
    rest = pl.select(pl.when(~fast & (values != "")).then(values)).to_series()
    slow = per_distinct_value(
        rest,
        lambda v: _date_tuple(normaliser.date(v, earliest_year)),
        {"s_year": pl.Int32, "s_month": pl.Int32, "s_day": pl.Int32},
    )
    return pl.concat([valid, slow], how="horizontal").select(
        pl.when("ok").then(pl.col("y")).otherwise(pl.col("s_year")).alias("d_year"),
        pl.when("ok").then(pl.col("m")).otherwise(pl.col("s_month")).alias("d_month"),
        pl.when("ok").then(pl.col("d")).otherwise(pl.col("s_day")).alias("d_day"),
    )


def _date_tuple(parsed: ParsedDate | None) -> tuple[int | None, int | None, int | None]:
    if parsed is None:
        return None, None, None
    return parsed.year, parsed.month, parsed.day


def _id_fields(normaliser: Normaliser, raw: str) -> tuple[Any, ...]:
    number, typed, prefix, note, check = normaliser.id_number(raw)
    if number:
        doubt = check.doubt is not None
        return number, typed, prefix, note, check.birth_date.isoformat(), check.gender, doubt
    return number, typed, prefix, note, None, None, None


_GENDERS: Final = {
    **dict.fromkeys(("男", "男性", "M", "m", "1"), "男"),
    **dict.fromkeys(("女", "女性", "F", "f", "2"), "女"),
}


# -- helpers ---------------------------------------------------------------------------------

_SCIENTIFIC: Final = re.compile(r"^(\d)\.(\d+)E\+?(\d+)$")


def _rounded_prefix(cleaned: str) -> str | None:
    """Digits Excel kept of a long number it rounded: '1.10105199001011E+17' → '11010519900101'.

    The last shown digit may have been rounded, so it is dropped.
    """
    m = _SCIENTIFIC.match(cleaned.upper())
    if not m or int(m.group(3)) != 17:
        return None
    digits = (m.group(1) + m.group(2))[:-1]
    return digits if len(digits) >= 12 else None


_YEAR: Final = re.compile(r"^\s*[0-9]{4}\s*$")
