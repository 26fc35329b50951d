"""GB/T 2260 administrative division codes with their history.

ID numbers keep the region code of the place that issued them, whenever that was: a number from
临高县, Hainan, carries 460028, a code retired in 2002. Validating against today's list (or
against province prefixes only) rejects real people and accepts invented codes, so every user of
division codes (ID validation, the address parser's gazetteer, region loading) reads this one
table with its validity years.

The table is python-stdnum's `cn/loc.dat` (maintained, compiled from the published GB/T 2260
editions since 1980, with the years each name was in force), read as data: nothing is copied into
the repository. Pure Python, no Django.

Format of a line in that file: a two-digit province line (`46 province="海南省"`), then indented
four-digit remainders (`  0028 county="[1988-2002]临高县"`); a name without years has been in
force for the whole period the table covers; a code that changed name lists each name with its
years (`[-1991]东郊区,[1992-]东丽区`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Literal

__all__ = [
    "FIRST_YEAR",
    "Division",
    "DivisionName",
    "all_divisions",
    "division",
    "full_name",
    "is_placeholder_name",
]

# The first edition of GB/T 2260 (GB 2260-80). A name without a start year was in force then.
FIRST_YEAR = 1980

Level = Literal["province", "prefecture", "county"]

# Names that group codes in the table but are no place anyone lives in or writes in an address.
_PLACEHOLDERS = frozenset(
    {
        "市辖区",
        "县",
        "市",
        "郊区",
        "矿区",
        "省直辖县级行政单位",
        "省直辖县级行政区划",
        "自治区直辖县级行政单位",
        "自治区直辖县级行政区划",
        "省直辖行政单位",
        "地区",
    }
)
_LINE = re.compile(r'^(?P<indent>\s*)(?P<code>\d{2}|\d{4})\s+\w+="(?P<names>[^"]*)"')
_NAME = re.compile(r"^(?:\[(?P<first>\d{4})?-(?P<last>\d{4})?\])?(?P<name>.+)$")


@dataclass(frozen=True)
class DivisionName:
    name: str
    first_year: int | None  # None: in force since the table begins
    last_year: int | None  # None: still in force

    def in_force(self, first: int, last: int) -> bool:
        """True when this name was in force at some time between the two years (inclusive)."""
        starts = self.first_year if self.first_year is not None else FIRST_YEAR
        ends = self.last_year if self.last_year is not None else 9999
        return starts <= last and first <= ends


@dataclass(frozen=True)
class Division:
    code: str  # six digits
    names: tuple[DivisionName, ...]

    @property
    def level(self) -> Level:
        if self.code[2:] == "0000":
            return "province"
        if self.code[4:] == "00":
            return "prefecture"
        return "county"

    @property
    def current(self) -> DivisionName | None:
        """The name in force today, or None for a retired code."""
        for entry in self.names:
            if entry.last_year is None:
                return entry
        return None

    @property
    def latest(self) -> DivisionName:
        return max(self.names, key=lambda n: n.last_year if n.last_year is not None else 9999)

    def in_force(self, first: int, last: int | None = None) -> bool:
        """Was this code in use at some time between `first` and `last` (default: just `first`)?"""
        return any(n.in_force(first, first if last is None else last) for n in self.names)

    def name_in(self, year: int) -> str | None:
        for entry in self.names:
            if entry.in_force(year, year):
                return entry.name
        return None


def is_placeholder_name(name: str) -> bool:
    return name in _PLACEHOLDERS


def _parse_names(text: str) -> tuple[DivisionName, ...]:
    names: list[DivisionName] = []
    for part in text.split(","):
        match = _NAME.match(part.strip())
        if match is None or not match["name"]:
            continue
        first = int(match["first"]) if match["first"] else None
        last = int(match["last"]) if match["last"] else None
        names.append(DivisionName(match["name"].strip(), first, last))
    return tuple(names)


def _lines() -> Iterator[str]:
    with resources.files("stdnum").joinpath("cn/loc.dat").open(encoding="utf-8") as handle:
        yield from handle


@cache
def all_divisions() -> Mapping[str, Division]:
    """Every code the table has ever held, keyed by its six digits."""
    table: dict[str, Division] = {}
    province = ""
    province_names: tuple[DivisionName, ...] = ()
    for line in _lines():
        if line.startswith("#") or not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            continue
        names = _parse_names(match["names"])
        if not match["indent"]:
            province = match["code"]
            province_names = names
            # Provinces without a `0000` line (台湾, 香港, 澳门) still need an entry.
            table[f"{province}0000"] = Division(f"{province}0000", names)
            continue
        code = province + match["code"]
        if code.endswith("0000") and province_names:
            # The `0000` line carries the province's years (海南省 [1988-]); keep the official
            # name from the province line when the two differ only in that.
            names = names or province_names
        table[code] = Division(code, names)
    return table


def division(code: str) -> Division | None:
    return all_divisions().get(code)


def full_name(code: str, year: int | None = None) -> str:
    """'北京市朝阳区' for 110105: province, prefecture and county names joined, placeholders
    (市辖区, 县, 省直辖县级行政单位) left out. Empty when the code never existed."""
    parts: list[str] = []
    for prefix in (code[:2] + "0000", code[:4] + "00", code):
        entry = division(prefix)
        if entry is None:
            if prefix == code:
                return ""
            continue
        name = entry.name_in(year) if year is not None else None
        name = name or entry.latest.name
        if is_placeholder_name(name) or (parts and parts[-1] == name):
            continue
        parts.append(name)
    return "".join(parts)
