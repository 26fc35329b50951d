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
``10号`` then more     门牌号 10, unless a unit follows directly ("3号2单元": 楼栋 3;
                       right after a road three or four digits stay the door)
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

from wangge.addresses.folding import fold, prepare_text, strip_leading_zeros
from wangge.addresses.gazetteer import ambiguity, names, read_divisions
from wangge.addresses.grammar import (
    ADMIN,
    ADMIN_HINT,
    BARE_DOOR,
    BUILDING_STRONG,
    COMPOUND,
    COMPOUND_AFTER_NUMBER,
    COMPOUND_WITH_DIGITS,
    FIRST_DIGIT,
    FLOOR_NEXT,
    GATE,
    GROUP_ROAD,
    HIGHWAY,
    JUNCTION,
    JUNK,
    LINE_ROAD,
    MARKET,
    MARKET_GATE,
    MUNICIPALITIES,
    MUNICIPALITY,
    NATURAL_VILLAGE,
    NOT_ADDRESS,
    NUMBERED_BRANCH,
    NUMBERED_COMPOUND,
    ROAD,
    ROAD_CHAR,
    SHOP_BEFORE,
    SIDE_SECTION,
    STREET_END,
    SUBAREA,
    SUBAREA_INSIDE,
    VILLAGE_GROUP,
    ZONE_RANK,
    code_of,
)
from wangge.addresses.roads import place_cut, road_start
from wangge.addresses.tail import (
    add_doubt,
    side_of_building,
    tail_token,
)
from wangge.core.reasons import Reason

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
    # Why a reading may be wrong, in Chinese, when the text allows two ("" when it does not).
    doubt: str = ""


# Folding lives in folding.py; re-exported here for the callers that import it from the parser.


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


# Words of an estate, market or compound: a name with one of them and 区 (顺达花苑西区,
# 轻纺城东交易区, 火车站旧家属区) is an area inside it, not a district.
_AREA_WORD: Final = re.compile("小区|花园|花苑|新村|家园|家属|交易|市场|商城|广场|苑")


def _district_by_suffix(s: str, m: re.Match[str]) -> bool:
    """Whether a name read by its suffix only (not in GB/T 2260) may be a district.

    Kept for what the gazetteer cannot know (a mistyped 颖东区, an informal 高新区 or 下沙区
    under its city), but not for an estate's area: one with an estate's word in it, or one
    a building number follows at once (青口北区163栋, 袍江工业西区E31), as no district is
    written that way (not even 西区, a real one in 攀枝花).
    """
    known = m.group() in names()
    if known and len(m.group()) > 2:
        return True  # 北仑区1025-109号 (under another city than the one written): its door
    if not known and _AREA_WORD.search(m.group()):
        return False
    after = m.end()
    return not (
        after < len(s)
        and ("0" <= s[after] <= "9" or "A" <= s[after] <= "Z")
        and not GROUP_ROAD.match(s, after)  # 下沙区4号大街: the district, then its road
    )


def _parse(text: str) -> ParsedAddress:
    s = _unrepeat(prepare_text(text))
    found: dict[str, str] = {}
    rest: list[str] = []
    junction = False  # a junction set aside: the name after it is no side road
    refused = -1  # where a name read by its suffix but refused as a district ended
    pos = 0
    if s.startswith("中国") and len(s) > 2:  # "中国" alone is kept in the rest, not lost
        pos = 2
    corps = _CORPS.search(s, pos, pos + 24) if "兵团" in s else None
    if corps:
        # 新疆生产建设兵团第八师石河子市: the corps and its division are no GB/T 2260 level
        # (石河子市 is one, directly under the region): kept as written, not read as names.
        rest.append(corps.group(1))
        s = s[: corps.start(1)] + s[corps.end(1) :]
    # Province, city and district from the GB/T 2260 gazetteer: names, not suffixes.
    head = FIRST_DIGIT.split(s, maxsplit=1)[0]
    divisions = read_divisions(s, pos, len(head))
    if divisions.end > pos:
        if divisions.start > pos:
            rest.append(s[pos : divisions.start])
        for key in ("province", "city", "district"):
            value = getattr(divisions, key)
            if value:
                found[key] = value
        pos = divisions.end
        doubt = ambiguity(divisions)
        if doubt:
            found["doubt"] = doubt
    # Admin levels are written top-down and never go back up.  Most ledger rows have
    # none at all, so skip their (comparatively slow) patterns when no admin suffix
    # character occurs before the first digit.
    head = FIRST_DIGIT.split(s, maxsplit=1)[0]
    admin_next = 0 if ADMIN_HINT.search(head, pos) else len(ADMIN)
    if "district" in found:
        admin_next = 3
    elif "city" in found:
        admin_next = 2
    elif "province" in found:
        admin_next = 1
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
        if not tail and ch in "国省":
            m = ZONE_RANK.match(s, pos)
            if m:
                rest.append(m.group())  # 国家级经济技术开发区: the zone's rank, not its name
                pos = m.end()
                continue
        if not tail and not ("0" <= ch <= "9") and "road" not in found:
            if admin_next == 0 and pos == 0 and head.startswith(MUNICIPALITIES):
                m = MUNICIPALITY.match(s, pos)
                if m:
                    found["city"] = m.group(1) + "市"
                    admin_next = 2
                    pos = m.end()
                    continue
            matched = False
            for level in range(admin_next, len(ADMIN)):
                key, pattern = ADMIN[level]
                m = pattern.match(s, pos)
                if m and key == "community":
                    inner = ROAD.match(s, pos, m.end())
                    if (
                        inner
                        and inner.end() < m.end()
                        and inner.group().endswith(("路", "街", "巷", "胡同", "大道"))
                    ):
                        m = None  # 刀茅巷艮园社区: the road first, then the compound
                if (
                    m
                    and key == "district"
                    and (m.end() == refused or not _district_by_suffix(s, m))
                ):
                    refused = m.end()  # nor its tail read again (火车站旧家属区 is not 属区)
                    m = None
                if m:
                    found[key] = m.group()
                    admin_next = level + 1
                    pos = m.end()
                    matched = True
                    break
            if matched:
                continue
            g = VILLAGE_GROUP.match(s, pos)
            if g:
                # 珠门村五组41号, 大坪村小坪组: the village, and its group where a road would be.
                if "community" not in found:
                    found["community"] = g.group(1)
                else:
                    rest.append(g.group(1))
                found["road"] = g.group(2)
                admin_next = len(ADMIN)
                pos = g.end()
                continue
            m = ROAD.match(s, pos) or GROUP_ROAD.match(s, pos) or LINE_ROAD.match(s, pos)
            if m and "与" in m.group():
                # 外环线与微山路交口: a road named by its ends (线), which no road's type ends,
                # then another road: two roads, not one; the junction goes to the rest below.
                at = pos + m.group().index("与")
                line = LINE_ROAD.fullmatch(s, pos, at)
                other = ROAD.match(s, at + 1)
                if line and (
                    JUNCTION.match(s, at)
                    or (other and (other.end() == end or "0" <= s[other.end()] <= "9"))
                ):
                    m = line
            if m and m.group().endswith("街道") and "street" not in found:
                found["street"] = m.group()  # 庄市街道: a street office, not a road
                admin_next = 4
                pos = m.end()
                continue
            if m and m.group().endswith("街道"):
                rest.append(m.group())  # a second street office (运河镇亭趾街道)
                pos = m.end()
                continue
            if m and SUBAREA_INSIDE.search(m.group()):
                m = None  # 市场8区6街: a market's area and lane
            if m:
                road, start = road_start(m.group())
                cut = place_cut(road, start, divisions.codes)
                if cut > start and not divisions.codes:
                    add_doubt(
                        found,
                        Reason(
                            "“%(place)s”按地名读，道路按“%(road)s”",
                            place=road[start:cut],
                            road=road[cut:],
                        ),
                    )
                start = cut
                if start and "street" not in found and STREET_END.search(road[:start]):
                    found["street"] = road[:start]  # 柳市镇, 庄市街道 (市 inside the name)
                elif start:
                    rest.append(road[:start])
                found["road"] = road[start:]
                admin_next = len(ADMIN)
                pos = m.end()
                side = SIDE_SECTION.match(s, pos)
                if side:
                    rest.append(side.group())  # 春熙路南段8号: the road's side, then its door
                    pos = side.end()
                if NUMBERED_COMPOUND.match(s, pos):
                    continue  # 北三路25小区: read as the compound below, not a door
                if BARE_DOOR.match(s, pos):
                    # 新大路1628, 纽扣路344-110: digits right after the road are its 门牌号.
                    d = BARE_DOOR.match(s, pos)
                    assert d is not None
                    if d.group(2) and (len(d.group(2)) >= 4 or road.endswith("弄")):
                        # 城置路488弄141-2571: door 141, room 2571 (read next).
                        found["number"] = code_of(d.group(1))
                        pos = d.start(2)
                        continue
                    found["number"] = code_of(d.group(1)) + (
                        "-" + code_of(d.group(2)) if d.group(2) else ""
                    )
                    if d.group(2):
                        add_doubt(
                            found,
                            Reason(
                                "“%(written)s”按门牌号及附号读，也可能是门牌号%(number)s、%(annex)s号楼或户室",
                                written=d.group(),
                                number=d.group(1),
                                annex=d.group(2),
                            ),
                        )
                    pos = d.end()
                continue
        if "road" in found and "compound" not in found and "building" not in found:
            m = JUNCTION.match(s, pos)
            if m:
                rest.append(m.group())  # 濉溪路与蒙城路交叉口: where it is, not a name of it
                pos = m.end()
                junction = True
                continue
        if not tail and not junction and "road" in found and not ("0" <= ch <= "9"):
            at = pos + 1 if ch in "与和" else pos
            digit = FIRST_DIGIT.search(s, at)
            # Only where a road's type comes before the number (南4巷9号): the pattern is slow.
            near = ROAD_CHAR.search(s, at, digit.start() + 3) if digit else None
            m = ROAD.match(s, at) if near else None
            if (
                m
                and m.end() < end
                and "0" <= s[m.end()] <= "9"
                and not m.group().endswith(("里", "街道"))
                and "段" not in m.group()  # 环城西路北段245弄: a section of the same road
            ):
                if at == pos and NUMBERED_BRANCH.fullmatch(m.group()):
                    found["road"] += m.group()  # 建新北路二支路9号: a branch named with its road
                    pos = m.end()
                    continue
                # 天长北路东禅巷11号, 温州大道与牛山北路2785号: the door number is the
                # side road's, so the side road is the address's road.
                rest.append(found.pop("road") + s[pos:at])
                pos = at
                continue
        if "0" <= ch <= "9" and not tail and "road" not in found:
            m = HIGHWAY.match(s, pos)
            if m:
                found["road"] = m.group()  # 平潮镇204国道6号: the highway, then its door
                admin_next = len(ADMIN)
                pos = m.end()
                continue
        if "0" <= ch <= "9" and not tail and "compound" not in found:
            m = NUMBERED_COMPOUND.match(s, pos)
            if m:
                found["compound"] = m.group()  # 25小区, 12号街坊: a compound named by number
                admin_next = len(ADMIN)
                pos = m.end()
                continue
        if "compound" not in found and "building" not in found and not ("0" <= ch <= "9"):
            # Before any number a name running into digits is a compound; after the
            # door number only a name with a compound suffix is (not 西厢12).
            m = NATURAL_VILLAGE.match(s, pos) or COMPOUND_WITH_DIGITS.match(s, pos)
            m = m or (COMPOUND_AFTER_NUMBER if tail else COMPOUND).match(s, pos)
            if m:
                name = m.group()
                if name[-2:] in SHOP_BEFORE and len(name) > 3 and "road" in found:
                    # 泰安西路同心苑商铺91号: the shops' word is no part of the compound's name
                    # (without a road, 连园商铺191号, the number may be the place's door).
                    name = name[:-2]
                    rest.append(m.group()[-2:])
                found["compound"] = name
                admin_next = len(ADMIN)
                pos = m.end()
                continue
        if not ("building" in found or "unit" in found or "room" in found):
            m = SUBAREA.match(s, pos)
            if m:
                # 天通苑东2区, 瑞福家园A区, 长新公寓4期: part of the compound.
                found["compound"] = found.get("compound", "") + m.group()
                pos = m.end()
                continue
        if not tail and "road" not in found:
            m = GROUP_ROAD.match(s, pos)
            if m:
                found["road"] = m.group()  # 永勤村9组
                pos = m.end()
                continue
        if ch in "东西南北" and "building" not in found and side_of_building(s, pos + 1, found):
            rest.append(ch)  # 2302号东10幢, 新世纪花园东45-5-1433: the side the building stands on
            pos += 1
            continue
        if (
            "0" <= ch <= "9"
            and "building" in found
            and "unit" not in found
            and "room" not in found
            and not found["building"].isalpha()
        ):
            m = BUILDING_STRONG.match(s, pos)
            if (
                m
                and FIRST_DIGIT.match(s, m.end())
                and not FLOOR_NEXT.match(s, m.end())
                and s[pos - 1] != "排"  # 14排1栋7号: a row and a house, either may be meant
            ):
                # 水暖城36幢水暖城-49幢2018: the room is written after the second building, so
                # it is the second's; the first goes to the rest, with a doubt.
                first = found["building"]
                rest.append(first)
                found["building"] = code_of(m.group(1))
                add_doubt(
                    found,
                    Reason(
                        "写了两个楼栋（%(first)s、%(written)s），按后一个读（户室写在它后面）",
                        first=first,
                        written=m.group(),
                    ),
                )
                pos = m.end()
                continue
            if m:
                # 厚富小区76幢厚富小区-203幢: a second building is no room; which one is meant
                # cannot be told (ledgers correct by rewriting, or name a block and a house).
                rest.append(m.group())
                add_doubt(
                    found,
                    Reason(
                        "写了两个楼栋（%(building)s、%(written)s），按第一个读",
                        building=found["building"],
                        written=m.group(),
                    ),
                )
                pos = m.end()
                continue
        m = NOT_ADDRESS.match(s, pos)
        if m:
            rest.append(m.group())  # "2016秋季…", "往东400米": a year or a distance
            pos = m.end()
            continue
        if "room" not in found:
            m = GATE.match(s, pos) or (
                MARKET_GATE.match(s, pos) if MARKET.search(found.get("compound", "")) else None
            )
            if m:
                rest.append(m.group())  # 商贸城二期G区41号门一楼11街16394: the gate, then the floor
                pos = m.end()
                continue
        step = tail_token(s, pos, found)
        if step:
            pos = step
            admin_next = len(ADMIN)
            continue
        if ch == "-":
            pos += 1  # a separator between tokens ("10号-3-2-301"), not content
            continue
        m = JUNK.match(s, pos)
        assert m is not None  # "." matches any single character
        rest.append(m.group())
        pos = m.end()

    last_road = found.get("road")
    if (
        last_road is not None
        and last_road.endswith("里")
        and "number" not in found
        and "building" in found
        and "compound" not in found
    ):
        # 金台里5号楼: a 里 compound holding buildings, not a road with door numbers.
        found["compound"] = last_road
        del found["road"]
    return ParsedAddress(rest="".join(rest), **found)


# The Xinjiang Production and Construction Corps (and its numbered divisions), written in the
# head of an address before the city it shares a government with.
_CORPS: Final = re.compile(
    r"(?:新疆|新疆维吾尔自治区)?((?:生产建设)?兵团(?:第?[一二三四五六七八九十]{1,3}师)?)"
)


def _unrepeat(s: str) -> str:
    """An address pasted twice in one cell is read once: "幸福路10号幸福路10号", and
    "北京市朝阳区幸福路1号朝阳区幸福路1号" (the copy without its head)."""
    n = len(s)
    if n < 8 or not ("0" <= s[-1] <= "9" or s[-1] in _END_MARKS):
        return s
    last = s[-1]
    for k in range(n // 2, 3, -1):
        if s[n - k - 1] == last and s[n - k :] == s[n - 2 * k : n - k]:
            return s[: n - k]
    return s


_END_MARKS: Final = frozenset("号室户楼栋幢座层元门院")


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
