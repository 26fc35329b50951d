"""Names of towns (乡镇/街道) and villages (村/社区) of all of China, for cutting a road's name.

Ledgers glue a town or a village to the road without its suffix: "下沙文渊北路" (下沙街道),
"临平世纪大道" (临平街道), "胡家坟振兴路" (a village). GB/T 2260 stops at the county, so the
gazetteer cannot tell where the road starts; these names can. They come from jionlp's
``china_location.zip`` (Apache-2.0, maintained on PyPI; five levels from the national statistics
bureau's 统计用区划代码), read straight from the installed package's data without importing
jionlp itself (its import loads a segmenter and dictionaries we do not need).

A name counts in its short form ("下沙", "临平") and its full form ("下沙街道"); short forms of
one character are left out (they would cut any road). Towns are known nationally (or in the province read, when
one was: 工人体育场北路 in Beijing is no 工人街道 of Liaoning); villages only under the county
they belong to, because 300,000 village names nationally would cut real roads
("人民", "建设" are villages somewhere).

Pure Python, no Django. Read once, on first use (about half a second); without the package the
tables are empty and the parser reads roads as before.
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

__all__ = ["Places", "places"]

_TOWN: Final = re.compile(r"(.+?)(?:街道办事处|街道|镇|乡|苏木)")
_VILLAGE: Final = re.compile(r"(.+?)(?:社区居委会|村委会|居委会|社区|村)")


@dataclass(frozen=True, slots=True)
class Places:
    """Town names of all of China, and village names per county (6-digit code)."""

    towns: frozenset[str]
    # Per province (its two-digit code), its towns.
    provinces: Mapping[str, frozenset[str]]
    # Per county, its village names as one "\n"-joined text: a million small strings in sets
    # would take 200 MB, the texts take about 15.
    villages: Mapping[str, str]

    def is_town(self, name: str, codes: tuple[str, ...] = ()) -> bool:
        """A town anywhere, or (given division codes) in the provinces of those codes."""
        if not codes:
            return name in self.towns
        return any(name in self.provinces.get(code[:2], ()) for code in codes)

    def is_village(self, name: str, counties: tuple[str, ...]) -> bool:
        needle = f"\n{name}\n"
        return any(needle in self.villages.get(code, "") for code in counties)


def _data_file() -> Path | None:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / "dictionary" / "china_location.zip"
        if path.is_file():
            return path
    return None


def _names(full: str, pattern: re.Pattern[str]) -> list[str]:
    m = pattern.fullmatch(full)
    if m is None:
        return []
    short = m.group(1)
    return [full, short] if len(short) >= 2 else [full]


def _read(text: io.TextIOBase) -> Places:
    towns: set[str] = set()
    provinces: dict[str, set[str]] = {}
    villages: dict[str, str] = {}
    code = ""
    province: set[str] = set()
    names: set[str] = set()

    def close() -> None:
        # One county at a time (the file is ordered), so the strings never pile up.
        if code and names:
            villages[code] = villages.get(code, "\n") + "\n".join(sorted(names)) + "\n"
        names.clear()

    for line in text:
        depth = len(line) - len(line.lstrip("\t"))
        fields = line.strip().split("\t")
        if not fields or not fields[0]:
            continue
        if depth < 3:
            close()
            code = fields[1] if depth == 2 and len(fields) >= 2 else ""
            if depth == 0 and len(fields) >= 2:
                province = provinces.setdefault(fields[1][:2], set())
        elif depth == 3:
            town = _names(fields[0], _TOWN)
            towns.update(town)
            province.update(town)
        elif depth == 4 and code:
            names.update(_names(fields[0], _VILLAGE))
    close()
    return Places(frozenset(towns), {k: frozenset(v) for k, v in provinces.items()}, villages)


@cache
def places() -> Places:
    """The town and village tables (empty when jionlp's data is not installed)."""
    path = _data_file()
    if path is None:
        return Places(frozenset(), {}, {})
    return _load(path)


def _load(path: Path) -> Places:
    """Read the table; a damaged file gives empty tables (roads read as without it), never an
    error: the parser must not fail on every address because a data file is broken."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = next((n for n in archive.namelist() if n.endswith(".txt")), None)
            if member is None:
                return Places(frozenset(), {}, {})
            with archive.open(member) as raw:
                return _read(io.TextIOWrapper(raw, encoding="utf-8"))
    except (OSError, zipfile.BadZipFile, UnicodeDecodeError, ValueError):
        return Places(frozenset(), {}, {})
