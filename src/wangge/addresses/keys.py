"""Comparison keys for the parts of an address, shared by the matcher and the registry loader.

Why: a registry row and a hand-typed ledger address must meet on the same key whatever way each
is written (三号楼 / 3号楼 / 03, 幸福三里 / 幸福3里, 幸福北路 / 幸福路北), and the loader, which
indexes a million registry rows as columns (`fusion.registry`), must build exactly the keys the
matcher looks up. Pure Python, no Django.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Final

from wangge.addresses.numerals import normalize_text, numerals_to_digits

_CJK: Final = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"  # \u3007 is 〇
_NAME_JUNK: Final = re.compile(f"[^0-9A-Z{_CJK}]+")
_CODE_JUNK: Final = re.compile(f"[^0-9A-Z{_CJK}\\-]+")
_LEADING_ZEROS: Final = re.compile(r"(?<![0-9])0+(?=[0-9])")
_NUMBER_SUFFIX: Final = re.compile(r"(?:号大院|号院|号|院)$")
_BUILDING_SUFFIX: Final = re.compile(r"(?:号楼|号栋|号幢|号座|栋楼|栋|幢|座|楼|号|#)$")
_UNIT_SUFFIX: Final = re.compile(r"(?:单元|门)$")
_ROOM_SUFFIX: Final = re.compile(r"(?:室|户|房间|房|号)$")
COMPOUND_SUFFIX: Final = re.compile(r"(?:小区|社区|家属院|家属区|宿舍|大院|院)$")


@lru_cache(maxsize=65_536)
def road_key(text: str) -> str:
    """Key for a road or compound name: simplified, half-width, no punctuation, every Chinese
    numeral as digits ("幸福三里", "幸福3里", "幸福叁里" → "幸福3里")."""
    return numerals_to_digits(_NAME_JUNK.sub("", normalize_text(text)))


def _code(text: str, suffix: re.Pattern[str]) -> str:
    value = numerals_to_digits(_CODE_JUNK.sub("", normalize_text(text)))
    value = suffix.sub("", value).replace("之", "-")
    return _LEADING_ZEROS.sub("", value) if "0" in value else value


@lru_cache(maxsize=65_536)
def number_key(text: str) -> str:
    """门牌号 key: "10号", "十号院", "010" → "10"; "10之1号" → "10-1"; "甲10号" → "甲10"."""
    return _code(text, _NUMBER_SUFFIX)


@lru_cache(maxsize=65_536)
def building_key(text: str) -> str:
    """楼栋号 key: "3号楼", "三栋", "03" → "3"; "A座" → "A"; '' (courtyard) stays ''."""
    return _code(text, _BUILDING_SUFFIX)


@lru_cache(maxsize=65_536)
def unit_key(text: str) -> str:
    """单元号 key: "2单元", "二门", "02" → "2"."""
    return _code(text, _UNIT_SUFFIX)


@lru_cache(maxsize=65_536)
def room_key(text: str) -> str:
    """户室号 key: "0301", "301室", "三〇一" → "301"; "东03" → "东3"."""
    return _code(text, _ROOM_SUFFIX)


def building_label(building: str) -> str:
    if not building:
        return "院落"
    if building.isdigit():
        return f"{building}号楼"
    if len(building) == 1 and building.isascii():
        return f"{building}座"
    return building


def room_label(room: str) -> str:
    return f"{room}室" if room.isdigit() else room


_ROAD_TYPES: Final = ("大街", "大道", "胡同", "路", "街", "道", "巷", "弄", "条", "里")
_DIRECTIONS: Final = "东西南北中"
_SECTION_TAIL: Final = re.compile(f"[{_DIRECTIONS}]*段?$")


def road_variant(key: str) -> tuple[str, str, str]:
    """(road type, directions next to the type, base): 幸福北路 and 幸福路北 share one.

    Only directions adjacent to the road type move; 东四十条 and 西四十条 keep their
    leading direction in the base and stay apart.
    """
    tail = _SECTION_TAIL.search(key)
    after = tail.group() if tail else ""
    body = key[: len(key) - len(after)] if after else key
    kind = ""
    for suffix in _ROAD_TYPES:
        if body.endswith(suffix) and len(body) > len(suffix):
            kind = suffix
            body = body[: -len(suffix)]
            break
    base = body.rstrip(_DIRECTIONS) or body
    directions = "".join(sorted(body[len(base) :] + after.rstrip("段")))
    return kind, directions, base


def fuzzy_compatible(written: str, registered: str) -> bool:
    """Whether a fuzzy hit may stand: same direction characters, and the same road type
    when the written name has one (a typo in the type itself, 大衔 for 大街, is allowed)."""
    if sorted(c for c in written if c in _DIRECTIONS) != sorted(
        c for c in registered if c in _DIRECTIONS
    ):
        return False
    kind = road_variant(written)[0]
    return not kind or kind == road_variant(registered)[0]


def pinyin_key(text: str) -> str:
    from pypinyin import lazy_pinyin

    return " ".join(lazy_pinyin(text))
