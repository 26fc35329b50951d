"""Parse hand-typed Chinese addresses into registry components.

Ledgers write the same room in a dozen ways::

    北京市朝阳区三里屯街道幸福一村社区幸福路10号院3号楼2单元301室
    幸福路十号3-2-301          幸福路10号院三号楼二单元301        10号楼2门301
    ３号楼２单元３０１          幸福路10号3栋2单元301户            幸福路拾号院3幢2单元301
    朝陽區幸福路10號3號樓2單元301室                              3-2-301
    幸福路10号东3  (a courtyard house: no building, no unit)

:func:`parse_address` folds the text (full-width, traditional characters,
Chinese numerals, separators) and then reads it left to right with anchored regular
expressions, one token at a time, remembering which components are already known.
The state decides what an ambiguous token means, which is the whole difficulty:

=====================  =========================================================
written                read as
=====================  =========================================================
``10号院`` / ``10院``  门牌号 10 (院 belongs to the number)
``10号`` then more     门牌号 10, unless a unit follows directly ("3号2单元": 楼栋 3)
``10号楼`` ``3栋``     楼栋; ``3幢`` ``A座`` ``3号座`` likewise
``3楼``                楼栋, except when a room starting with 3 follows and no
                       unit is known ("3楼301": 3 层 301 室), or a building is
                       already known (then 层)
``2单元`` ``2门``      单元 (in "2门301" 门 means unit)
``3层``                层
``301室/户/号/房``     户室; a bare trailing number, "东3", "B101" too
``1号`` after 门牌号   户室 when nothing follows ("幸福路10号院1号": courtyard
                       room 1), 楼栋 otherwise
``3-2-301``            楼栋-单元-户室 (``10-3-2-301`` adds the 门牌号 in front)
``3-301``              楼栋-户室; after a known 楼栋 ("3号楼2-301") 单元-户室
``10-1号`` ``10号之一`` 门牌号 "10-1"; ``甲10号`` → "甲10"
=====================  =========================================================

Names are recognised by their suffix: 省/自治区, 市, 区/县/旗, 街道/镇/乡,
社区/居委会/村委会, then the road (路 街 大街 大道 道 巷 胡同 弄 条, or 里 after at
least two characters, so 三里屯 is not a road "三里") and the compound (a name that
runs straight into a number: 幸福一村小区3号楼, or ends in 小区/花园/家园/苑/园…).
After the door number only a name with such a suffix is a compound ("10号院幸福小区
3号楼"), so "10号院西厢12" keeps 西厢12 as the room.  A name ending in 里 directly
followed by a building ("金台里5号楼") is taken as a compound, since 里 compounds hold
buildings while roads hold door numbers.  A direction right after the road type is
kept with the road ("幸福路北10号" → road 幸福路北) for the matcher to compare with
幸福北路.

Known limits, all genuinely ambiguous in writing: "10-3-301" is read as 楼栋-单元-户室,
never as 门牌号 10 + 3-301; "5楼" alone is building 5, not the fifth floor; a Shanghai
lane stays part of the road ("XX路123弄5号": road XX路123弄, 门牌号 5, which is how
such registries list it); numerals glued to a name and a marker
("西四十号") are read as a number (see :mod:`wangge.addresses.numerals`).

Everything the parser cannot place goes to ``rest``; :func:`parse_address` never
raises, whatever it is given, because one odd cell must not stop a million-row
import.  Results are cached: ledgers repeat the same address on many rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from wangge.addresses import numerals
from wangge.addresses.numerals import NUMERAL_CHARS, chinese_to_int

__all__ = [
    "ParsedAddress",
    "fold",
    "format_address",
    "parse_address",
    "prepare_text",
    "strip_leading_zeros",
]


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    """Components of one written address; ``None`` means "not written".

    Codes (number, building, unit, floor, room) are normalised: Arabic digits, no
    leading zeros, upper-case letters ("甲10", "10-1", "A", "东3").  Names keep their
    suffix ("幸福路", "朝阳区") but are folded to simplified, half-width text.
    """

    province: str | None = None
    city: str | None = None
    district: str | None = None
    street: str | None = None
    community: str | None = None
    road: str | None = None
    number: str | None = None
    compound: str | None = None
    building: str | None = None
    unit: str | None = None
    floor: str | None = None
    room: str | None = None
    rest: str = ""


# -- folding -------------------------------------------------------------------

_LEADING_ZEROS: Final = re.compile(r"(?<![0-9])0+(?=[0-9])")


def strip_leading_zeros(text: str) -> str:
    """ "0301" → "301", "东03" → "东3", "0" stays "0": ledgers pad room numbers."""
    if "0" not in text:
        return text
    return _LEADING_ZEROS.sub("", text)


_NUMERAL_CLASS: Final = "".join(sorted(NUMERAL_CHARS))
_NUMERAL_RUN: Final = re.compile(f"[{_NUMERAL_CLASS}]+")
_SPACE: Final = re.compile(r"\s+")


def _numeral_to_digits(match: re.Match[str]) -> str:
    value = chinese_to_int(match.group())
    return match.group() if value is None else str(value)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Fold a short code (number, building, unit, room) for comparison.

    Half-width, simplified, upper-case, no spaces, every numeral run as Arabic digits
    and no leading zeros: "０３０１" → "301", "三" → "3", "东三" → "东3", "a" → "A".
    Unlike :func:`~wangge.addresses.numerals.rewrite_numerals` this converts numerals
    anywhere, which is right for codes and wrong for names, so use it on codes only.
    Cached because a registry repeats the same codes in every building.
    """
    folded = _SPACE.sub("", numerals.normalize_text(text))
    if not folded.isascii():
        folded = _NUMERAL_RUN.sub(_numeral_to_digits, folded)
    return strip_leading_zeros(folded)


_MORE: Final = str.maketrans({"#": "号", "°": ""})
_NUMERAL_OR_DIGIT: Final = "0-9" + "".join(sorted(NUMERAL_CHARS))
# Brackets carry no address information; their content is kept ("(3号楼)").
_BRACKETS: Final = re.compile(r"[()\[\]{}<>（）【】〔〕《》「」『』\"'“”‘’]")
# Between two numbers, any run of spaces and punctuation separates them ("3 2 301",
# "3/2/301", "3，2，301" → "3-2-301"); elsewhere punctuation just goes.
_SEPARATORS: Final = r"\s/\\._,，、。;；:：!！?？*…·"
_BETWEEN_DIGITS: Final = re.compile(
    f"(?<=[A-Z{_NUMERAL_OR_DIGIT}])[{_SEPARATORS}]+(?=[{_NUMERAL_OR_DIGIT}])"
)
_DROP: Final = re.compile(f"[{_SEPARATORS}]+")
_LABEL: Final = re.compile(
    r"^(?:家庭|现|现居|户籍|居住|常住|联系|详细|通讯|实际居住)?(?:住址|地址)(?:为|是)?"
)
_ORDINAL: Final = re.compile(f"第+(?=[{_NUMERAL_OR_DIGIT}])")
_NUMERAL_AFTER_MARK: Final = re.compile(
    f"(?:(?<=[单元门楼号层室户院座栋幢\\-0-9])[{_NUMERAL_CLASS}]+$)|(?:(?<=[之附])[{_NUMERAL_CLASS}]+)"
)


def prepare_text(text: str) -> str:
    """Fold free text before parsing: the steps every ledger needs, in order.

    Half-width; simplified characters; upper-case letters ("a座" → "A座");
    dash variants and ``#`` ("3#楼" → "3号楼"); spaces, slashes and dots *between
    numbers* become dashes ("3 2 301", "3/2/301" → "3-2-301") and other spaces
    vanish ("幸 福路"); brackets and punctuation vanish but their content stays; a
    leading "地址：" label goes; numerals before markers become digits, as does a
    numeral run ending the text right after a marker ("二单元三〇一") or following
    之/附 ("10号之一"); "第" before a number goes ("第3单元").
    """
    s = _BRACKETS.sub("", numerals.normalize_text(text).translate(_MORE))
    s = _DROP.sub("", _BETWEEN_DIGITS.sub("-", s))
    s = _LABEL.sub("", s)
    if s.isascii():
        return s
    s = _ORDINAL.sub("", s)
    s = numerals.rewrite_numerals(s)
    return _NUMERAL_AFTER_MARK.sub(_numeral_to_digits, s)


# -- grammar ---------------------------------------------------------------------

_CJK: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


def _name(excluded: str) -> str:
    """One CJK character that is not in ``excluded`` (a regex fragment)."""
    return f"(?:(?![{excluded}])[{_CJK}])"


_NOT_ROADWARD: Final = "(?!路|街|巷|胡同|大街|大道)"

_MUNICIPALITY: Final = re.compile(f"(北京|天津|上海|重庆)(?:市|(?=[{_CJK}]{{1,6}}?[区县]))")
_PROVINCE: Final = re.compile(f"{_name('省市区县路街号楼')}{{2,8}}?(?:省|自治区|特别行政区)")
_CITY: Final = re.compile(
    f"{_name('省市区县路街道镇乡村号楼')}{{2,9}}?(?:市(?![场政民辖])|自治州|盟){_NOT_ROADWARD}"
)
_DISTRICT: Final = re.compile(
    f"{_name('省市区县路街道镇乡村号楼')}{{1,8}}?"
    f"(?:(?<![小社园校厂景])区|县|旗|市(?![场政民辖])){_NOT_ROADWARD}"
)
_STREET: Final = re.compile(
    f"{_name('省市区县号楼村')}{{1,10}}?(?:街道办事处|街道办|街道|地区办事处|镇|乡|苏木)"
    f"{_NOT_ROADWARD}"
)
_COMMUNITY: Final = re.compile(
    f"{_name('省市县号楼')}{{1,12}}?"
    "(?:社区居民委员会|社区居委会|社区|居民委员会|居委会|村民委员会|村委会)"
    f"(?!居|村|委){_NOT_ROADWARD}"
)
_MUNICIPALITIES: Final = ("北京", "天津", "上海", "重庆")
_ADMIN_HINT: Final = re.compile("[省市区县旗州盟道镇乡木社委会]")
_FIRST_DIGIT: Final = re.compile("[0-9]")
_ADMIN: Final = (
    ("province", _PROVINCE),
    ("city", _CITY),
    ("district", _DISTRICT),
    ("street", _STREET),
    ("community", _COMMUNITY),
)

_ROAD_BODY: Final = f"[{_CJK}](?:(?![号楼栋幢座])[{_CJK}0-9]){{0,13}}?"
_ROAD: Final = re.compile(
    f"(?:{_ROAD_BODY}(?:大街|大道|胡同|路|街|道|巷|弄|条)|[{_CJK}]{_ROAD_BODY}里)"
    r"(?:[东西南北中]段|[东西南北](?=[甲乙丙丁]?[0-9]+[号院弄]))?"
    r"(?![路街道巷屯庄河桥口村]|胡同|[0-9]+(?:巷|弄|条|里))"
)
_COMPOUND_SUFFIX: Final = (
    "小区|花园|家园|公寓|大厦|广场|新村|新城|嘉园|苑|园|庭|府|城|村|里|湾|居|邸|坊|宿舍|大院|社区"
)
_COMPOUND_AFTER_NUMBER: Final = re.compile(
    f"{_name('号楼栋幢座室户层')}{{1,20}}?(?:{_COMPOUND_SUFFIX})(?=[甲乙丙丁]?[0-9]|[A-Z]|$)"
)
_COMPOUND: Final = re.compile(
    f"{_name('号楼栋幢座室户层')}{{2,20}}?"
    f"(?:(?=[甲乙丙丁]?[0-9]|[A-Z][0-9]*(?:座|栋|幢|号?楼))|(?:{_COMPOUND_SUFFIX})$)"
)

_ID: Final = r"[A-Z]?[0-9]+[A-Z]?|[A-Z]"
_ROOM_MARK: Final = r"(?:号房|室|户|号|房)?"
_SHORT4: Final = re.compile(
    rf"([0-9]+)-({_ID})-([0-9]+|[A-Z])-((?:{_ID})){_ROOM_MARK}(?![0-9A-Z-])"
)
_SHORT3: Final = re.compile(rf"({_ID})-([0-9]+|[A-Z])-({_ID}){_ROOM_MARK}(?![0-9A-Z-])")
_SHORT2: Final = re.compile(rf"({_ID})-({_ID}){_ROOM_MARK}(?![0-9A-Z-])")
_NUMBER: Final = re.compile(
    r"([甲乙丙丁]?)([0-9]+)(?:[-之]([0-9]+))?(号院|号|院|弄)(?![楼栋幢座])(?:[之附]([0-9]+)号?)?"
)
_BUILDING: Final = re.compile(
    rf"({_ID}|[甲乙丙丁][0-9]+)(号楼|号栋|号幢|号座|栋|幢|座|楼|号)(?!院)"
)
_UNIT: Final = re.compile(r"([0-9]+|[A-Z])(?:单元|门)")
_FLOOR: Final = re.compile(r"(-|B|负|地下)?([0-9]+)层")
_FLOOR_LOU: Final = re.compile(r"(-|B|负|地下)?([0-9]+)楼")
_ROOM: Final = re.compile(
    rf"((?:[东西南北中前后][厢]?)?(?:{_ID})(?:-[0-9]+)?){_ROOM_MARK}(?![0-9])"
)
_JUNK: Final = re.compile(r"[^0-9A-Z]+|.")


def _code(text: str) -> str:
    return strip_leading_zeros(text)


@lru_cache(maxsize=32768)
def parse_address(text: str) -> ParsedAddress:
    """Split a written address into components; never raises.

    See the module docstring for how ambiguous tokens are read.  Anything left over
    is returned in ``rest`` so that callers can show a clerk what was ignored.
    """
    try:
        return _parse(text)
    except Exception:  # pragma: no cover - a safety net; the property tests call _parse
        # One malformed cell must not abort a million-row import: report it unparsed.
        return ParsedAddress(rest=str(text))


def _parse(text: str) -> ParsedAddress:
    s = prepare_text(text)
    found: dict[str, str] = {}
    rest: list[str] = []
    # Admin levels are written top-down and never go back up.  Most ledger rows have
    # none at all, so skip their (comparatively slow) patterns when no admin suffix
    # character occurs before the first digit.
    head = _FIRST_DIGIT.split(s, maxsplit=1)[0]
    admin_next = 0 if _ADMIN_HINT.search(head) else len(_ADMIN)
    pos = 0
    end = len(s)
    while pos < end:
        tail = (
            "number" in found
            or "building" in found
            or "unit" in found
            or "room" in found
            or "floor" in found
        )
        ch = s[pos]
        if not tail and not ("0" <= ch <= "9") and "road" not in found:
            if admin_next == 0 or (pos == 0 and head.startswith(_MUNICIPALITIES)):
                m = _MUNICIPALITY.match(s, pos)
                if m:
                    found["city"] = m.group(1) + "市"
                    admin_next = 2
                    pos = m.end()
                    continue
            matched = False
            for level in range(admin_next, len(_ADMIN)):
                key, pattern = _ADMIN[level]
                m = pattern.match(s, pos)
                if m:
                    found[key] = m.group()
                    admin_next = level + 1
                    pos = m.end()
                    matched = True
                    break
            if matched:
                continue
            m = _ROAD.match(s, pos)
            if m:
                found["road"] = m.group()
                admin_next = len(_ADMIN)
                pos = m.end()
                continue
        if "compound" not in found and "building" not in found and not ("0" <= ch <= "9"):
            # Before any number a name running into digits is a compound; after the
            # door number only a name with a compound suffix is (not 西厢12).
            m = (_COMPOUND_AFTER_NUMBER if tail else _COMPOUND).match(s, pos)
            if m:
                found["compound"] = m.group()
                admin_next = len(_ADMIN)
                pos = m.end()
                continue
        step = _tail_token(s, pos, found)
        if step:
            pos = step
            admin_next = len(_ADMIN)
            continue
        if ch == "-":
            pos += 1  # a separator between tokens ("10号-3-2-301"), not content
            continue
        m = _JUNK.match(s, pos)
        assert m is not None  # "." matches any single character
        rest.append(m.group())
        pos = m.end()

    road = found.get("road")
    if (
        road is not None
        and road.endswith("里")
        and "number" not in found
        and "building" in found
        and "compound" not in found
    ):
        # 金台里5号楼: a 里 compound holding buildings, not a road with door numbers.
        found["compound"] = road
        del found["road"]
    return ParsedAddress(rest="".join(rest), **found)


def _tail_token(s: str, pos: int, found: dict[str, str]) -> int:
    """Read one number-bearing token at ``pos``; return the new position or 0."""
    has_number = "number" in found
    has_building = "building" in found
    has_unit = "unit" in found
    has_room = "room" in found

    if not has_number and not has_building and not has_room:
        m = _SHORT4.match(s, pos)
        if m:
            found["number"] = _code(m.group(1))
            found["building"] = _code(m.group(2))
            found["unit"] = _code(m.group(3))
            found["room"] = _code(m.group(4))
            return m.end()
        m = _NUMBER.match(s, pos)
        if m and not (m.group(4) == "号" and _UNIT.match(s, m.end())):
            number = m.group(1) + _code(m.group(2))
            sub = m.group(3) or m.group(5)
            if sub:
                number += "-" + _code(sub)
            found["number"] = number
            return m.end()

    if not has_building and not has_room:
        m = _SHORT3.match(s, pos)
        if m:
            found["building"] = _code(m.group(1))
            found["unit"] = _code(m.group(2))
            found["room"] = _code(m.group(3))
            return m.end()
    if not has_room and not has_unit:
        m = _SHORT2.match(s, pos)
        if m:
            found["unit" if has_building else "building"] = _code(m.group(1))
            found["room"] = _code(m.group(2))
            return m.end()

    if not has_building and not has_unit and not has_room:
        m = _BUILDING.match(s, pos)
        if m:
            value, marker = _code(m.group(1)), m.group(2)
            after = m.end()
            if marker == "号" and (after >= len(s) or not _continues(s, after)):
                found["room"] = value  # 幸福路10号院1号: a courtyard room
                return after
            if marker == "楼" and not _UNIT.match(s, after):
                room = _ROOM.match(s, after)
                if room and room.group(1).startswith(value) and len(room.group(1)) > len(value):
                    found["floor"] = value  # 3楼301: the third floor, room 301
                    return after
            found["building"] = value
            return after
    elif "floor" not in found and not has_room:
        m = _FLOOR_LOU.match(s, pos)
        if m:
            found["floor"] = ("-" if m.group(1) else "") + _code(m.group(2))
            return m.end()

    if not has_unit and not has_room:
        m = _UNIT.match(s, pos)
        if m:
            found["unit"] = _code(m.group(1))
            return m.end()
    if "floor" not in found and not has_room:
        m = _FLOOR.match(s, pos)
        if m:
            found["floor"] = ("-" if m.group(1) else "") + _code(m.group(2))
            return m.end()
    if not has_room:
        m = _ROOM.match(s, pos)
        if m:
            found["room"] = _code(m.group(1))
            return m.end()
    return 0


_CONTINUATION: Final = re.compile(r"[0-9A-Z甲乙丙丁东西南北中]")


def _continues(s: str, pos: int) -> bool:
    """Whether another number-bearing token follows (so "3号" was a building)."""
    return bool(_CONTINUATION.match(s, pos))


def format_address(parsed: ParsedAddress) -> str:
    """Write components back in the registry's canonical style.

    "幸福路10号3号楼2单元301室" — used to show a clerk what was understood, and by the
    tests: parsing the canonical form gives the same components again.
    """
    parts = [
        parsed.province or "",
        parsed.city or "",
        parsed.district or "",
        parsed.street or "",
        parsed.community or "",
        parsed.road or "",
        f"{parsed.number}号" if parsed.number else "",
        parsed.compound or "",
        f"{parsed.building}号楼" if parsed.building else "",
        f"{parsed.unit}单元" if parsed.unit else "",
        f"{parsed.floor}层" if parsed.floor else "",
        f"{parsed.room}室" if parsed.room else "",
    ]
    return "".join(parts)
