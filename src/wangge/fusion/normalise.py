"""Turn one mapped ledger sheet into clean person-row records, each with a status and reasons.

Every value goes through the foundation's pure rules (names, GB 11643 ID numbers, phones, the
address parser and registry matcher). Ledgers repeat values heavily (a household's address, a
family's phone, common names), so each distinct raw value is checked once and the answer is
reused: that, not vectorised tricks, is what makes a million rows cheap here.

Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final

import polars as pl
from pypinyin import Style, lazy_pinyin

from wangge.addresses.matcher import AddressMatch
from wangge.fusion.dates import ParsedDate, parse_date_text
from wangge.fusion.fields import SheetMapping
from wangge.fusion.registry import Registry
from wangge.fusion.vector_checks import plain_mobiles, plain_valid_id_numbers
from wangge.people.idnumber import check_id_number, normalize_id_number
from wangge.people.names import is_plausible_name, normalize_name
from wangge.people.phone import check_phone

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
    """Caches live as long as the run, so a value repeated across ledgers is checked once."""

    registry: Registry | None
    today: date = field(default_factory=date.today)
    _names: dict[str, tuple[str, str, str | None]] = field(default_factory=dict)
    _ids: dict[str, tuple[str | None, str | None, str | None, str | None, Any]] = field(
        default_factory=dict
    )
    _phones: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    _addresses: dict[tuple[str, str | None], AddressMatch] = field(default_factory=dict)
    _dates: dict[str, ParsedDate | None] = field(default_factory=dict)
    _pinyin: dict[str, str] = field(default_factory=dict)

    # -- single values --------------------------------------------------------------------

    def name(self, raw: str) -> tuple[str, str, str | None]:
        """(normalised name, pinyin key, problem)."""
        hit = self._names.get(raw)
        if hit is None:
            name = normalize_name(raw)
            ok, problem = is_plausible_name(name)
            hit = (name, self.pinyin_key(name), None if ok else problem)
            self._names[raw] = hit
        return hit

    def pinyin_key(self, name: str) -> str:
        """Toneless pinyin per character: homophone typos (王伟/王玮) share a key."""
        out = []
        for ch in name:
            syllable = self._pinyin.get(ch)
            if syllable is None:
                syllable = lazy_pinyin(ch, style=Style.NORMAL, errors="default")[0].lower()
                self._pinyin[ch] = syllable
            out.append(syllable)
        return " ".join(out)

    def id_number(self, raw: str) -> tuple[str | None, str | None, str | None, str | None, Any]:
        """(valid number, invalid 18-character number as typed, rounded prefix, problem, check)."""
        hit = self._ids.get(raw)
        if hit is None:
            check = check_id_number(raw, today=self.today)
            if check.valid:
                note = "15位旧身份证号已升级为18位" if check.upgraded_from_15 else None
                hit = (check.normalized, None, None, note, check)
            else:
                cleaned = normalize_id_number(raw)
                typed = cleaned if len(cleaned) == 18 and cleaned[:17].isdigit() else None
                prefix = _rounded_prefix(cleaned)
                hit = (None, typed, prefix, f"身份证号无效：{check.reason}", check)
            self._ids[raw] = hit
        return hit

    def phone(self, raw: str) -> tuple[str | None, str | None]:
        hit = self._phones.get(raw)
        if hit is None:
            check = check_phone(raw)
            hit = (check.normalized, None if check.valid else f"电话无效：{check.reason}")
            self._phones[raw] = hit
        return hit

    def address(self, text: str, community: str | None) -> AddressMatch | None:
        if self.registry is None:
            return None
        key = (text, community)
        hit = self._addresses.get(key)
        if hit is None:
            code = self.registry.quick_match(text) if community is None else None
            if code is not None:
                hit = AddressMatch(code, "room", 1.0, "", ())
            else:
                hit = self.registry.matcher.match(text, community_code=community)
            self._addresses[key] = hit
        return hit

    def date(self, raw: str) -> ParsedDate | None:
        """A date column's value; a bare year counts here (出生年份 1990), unlike in free text."""
        hit = self._dates.get(raw, _MISSING)
        if hit is _MISSING:
            hit = parse_date_text(raw)
            if hit is None and _YEAR.match(raw.translate(_FULL_WIDTH)):
                hit = ParsedDate(int(raw.translate(_FULL_WIDTH).strip()))
            self._dates[raw] = hit
        return hit


_MISSING: Any = object()


def normalise_sheet(
    frame: pl.DataFrame,
    mapping: SheetMapping,
    normaliser: Normaliser,
    *,
    source_file: str,
    source_sheet: str,
    ledger: int,
    community_code: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> pl.DataFrame:
    """One record per data row of the sheet, in the RECORD_SCHEMA."""
    fields = mapping.resident_fields()
    columns = frame.columns
    n = frame.height

    def col(fld: str) -> list[str]:
        index = fields.get(fld)
        if index is None or index >= len(columns) - 1:
            return [""] * n
        return [v or "" for v in frame.get_column(columns[index]).to_list()]

    names, ids, phones = col("name"), col("id_number"), col("phone")
    births, ages, genders = col("birth_date"), col("age"), col("gender")
    address, compound, building = col("address"), col("compound"), col("building")
    unit, room, record_dates = col("unit"), col("room"), col("record_date")
    ethnicity, relation, residence_type = col("ethnicity"), col("relation"), col("residence_type")
    communities = col("community")
    source_rows = frame.get_column("_source_row").to_list()
    has_address = bool(fields.keys() & {"address", "compound", "building", "unit", "room"})
    plain_ids, plain_births, plain_genders = plain_valid_id_numbers(ids, normaliser.today)
    plain_phones = plain_mobiles(phones)

    out: dict[str, list[Any]] = {k: [] for k in RECORD_SCHEMA}
    for i in range(n):
        reasons: list[str] = []
        status = ACCEPTED
        name, name_key, name_problem = normaliser.name(names[i])
        if name_problem:
            status = REJECTED
            reasons.append(name_problem)

        id_number: str | None = None
        typed: str | None = None
        prefix: str | None = None
        birth_date: str | None = None
        birth_year: int | None = None
        exact_year = False
        gender = _gender(genders[i])
        if plain_ids[i] is not None:
            id_number, birth_date = plain_ids[i], plain_births[i]
            birth_year, exact_year = int(birth_date[:4]), True  # type: ignore[index]
            if gender and gender != plain_genders[i]:
                reasons.append(f"性别“{gender}”与身份证号不符，以身份证号为准")
            gender = plain_genders[i]
        elif ids[i]:
            id_number, typed, prefix, note, check = normaliser.id_number(ids[i])
            if note:
                reasons.append(note)
            if id_number:
                birth_date = check.birth_date.isoformat()
                birth_year, exact_year = check.birth_date.year, True
                if gender and gender != check.gender:
                    reasons.append(f"性别“{gender}”与身份证号不符，以身份证号为准")
                gender = check.gender
        recorded_on = normaliser.date(record_dates[i]) if record_dates[i] else None
        if birth_year is None and births[i]:
            parsed = normaliser.date(births[i])
            if parsed is None:
                reasons.append(f"出生日期“{births[i]}”无法识别")
            else:
                birth_year, exact_year = parsed.year, True
                if parsed.precision == "day":
                    birth_date = parsed.iso()
        if birth_year is None and ages[i]:
            age = _age(ages[i])
            if age is None:
                reasons.append(f"年龄“{ages[i]}”无法识别")
            else:
                birth_year = (recorded_on.year if recorded_on else normaliser.today.year) - age

        phone: str | None = None
        if plain_phones[i] is not None:
            phone = plain_phones[i]
        elif phones[i]:
            phone, phone_problem = normaliser.phone(phones[i])
            if phone_problem:
                reasons.append(phone_problem)

        address_text = _compose_address(address[i], compound[i], building[i], unit[i], room[i])
        address_code: str | None = None
        grid_code: str | None = None
        address_candidates: list[str] = []
        if address_text and status != REJECTED:
            community = community_code or (
                normaliser.registry.community_by_name.get(communities[i])
                if normaliser.registry and communities[i]
                else None
            )
            match = normaliser.address(address_text, community)
            if match is not None:
                if match.address_code:
                    address_code = match.address_code
                    assert normaliser.registry is not None
                    grid_code = normaliser.registry.grid_of_room.get(address_code)
                else:
                    reasons.append(f"地址未匹配到标准地址：{match.reason}")
                    address_candidates = list(match.candidates)
                    assert normaliser.registry is not None
                    grid_code = normaliser.registry.common_grid(address_candidates)
        elif has_address and status != REJECTED:
            reasons.append("地址为空")

        if status != REJECTED and not (
            id_number or typed or prefix or phone or address_text or birth_year
        ):
            status = REJECTED
            reasons.append("只有姓名，没有身份证号、电话、地址或出生信息，无法确认是谁")

        out["source_file"].append(source_file)
        out["source_sheet"].append(source_sheet)
        out["source_row"].append(source_rows[i])
        out["ledger"].append(ledger)
        out["name"].append(name)
        out["name_key"].append(name_key)
        out["id_number"].append(id_number)
        out["id_typed"].append(typed)
        out["id_prefix"].append(prefix)
        out["phone"].append(phone)
        out["birth_date"].append(birth_date)
        out["birth_year"].append(birth_year)
        out["birth_year_exact"].append(exact_year)
        out["gender"].append(gender)
        out["ethnicity"].append(ethnicity[i] or None)
        out["relation"].append(relation[i] or None)
        out["residence_type"].append(residence_type[i] or None)
        out["address_text"].append(address_text or None)
        out["address_code"].append(address_code)
        out["grid_code"].append(grid_code)
        out["address_candidates"].append("|".join(address_candidates))
        out["record_date"].append(
            f"{recorded_on.year:04d}-{(recorded_on.month or 1):02d}-{(recorded_on.day or 1):02d}"
            if recorded_on
            else None
        )
        out["status"].append(status)
        out["reasons"].append("；".join(reasons))
        if progress is not None and i % 10_000 == 9_999:
            progress(10_000)
    if progress is not None:
        progress(n % 10_000)
    return pl.DataFrame(out, schema=RECORD_SCHEMA)


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


def _gender(raw: str) -> str | None:
    value = raw.strip()
    if value in ("男", "男性", "M", "m", "1"):
        return "男"
    if value in ("女", "女性", "F", "f", "2"):
        return "女"
    return None


_AGE: Final = re.compile(r"^\s*(\d{1,3})\s*(?:岁|周岁)?\s*$")


def _age(raw: str) -> int | None:
    m = _AGE.match(raw.translate(_FULL_WIDTH))
    if not m:
        return None
    age = int(m.group(1))
    return age if age <= 120 else None


_FULL_WIDTH: Final = str.maketrans("０１２３４５６７８９", "0123456789")
_YEAR: Final = re.compile(r"^\s*(?:18[89]\d|19\d\d|20\d\d)\s*$")


_HAS_BUILDING_MARK: Final = re.compile(r"(?:号楼|栋|幢|座|楼)$")


def _compose_address(address: str, compound: str, building: str, unit: str, room: str) -> str:
    """One address text from a full-address column and/or split building/unit/room columns."""
    address = address.strip()
    parts = [p.strip() for p in (compound, building, unit, room)]
    if not any(parts):
        return address
    compound, building, unit, room = parts
    text = address
    if compound and compound not in text:
        text += compound
    if building:
        text += building if _HAS_BUILDING_MARK.search(building) else f"{building}号楼"
    if unit:
        text += unit if unit.endswith(("单元", "门")) else f"{unit}单元"
    if room:
        text += room if room.endswith(("室", "号", "户")) else f"{room}室"
    return text
