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

from wangge.addresses.folding import fold, prepare_text, strip_leading_zeros
from wangge.addresses.gazetteer import ambiguity, read_divisions
from wangge.addresses.roads import place_cut, road_start

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

# -- grammar ---------------------------------------------------------------------

_CJK: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


def _name(excluded: str) -> str:
    """One CJK character that is not in ``excluded`` (a regex fragment)."""
    return f"(?:(?![{excluded}])[{_CJK}])"


_NOT_ROADWARD: Final = "(?!路|街|巷|胡同|大街|大道)"

_MUNICIPALITY: Final = re.compile(
    f"(北京|天津|上海|重庆)(?:市|(?![东西南北中]?[路街道巷])(?=[{_CJK}]{{1,6}}?[区县]))"
)
_PROVINCE: Final = re.compile(f"{_name('省市区县路街号楼')}{{2,8}}?(?:省|自治区|特别行政区)")
_CITY: Final = re.compile(
    f"{_name('省市区县路街道镇乡村号楼')}{{2,9}}?(?:市(?![场政民辖])|自治州|盟){_NOT_ROADWARD}"
    "(?![镇乡]|街道)"
)
_DISTRICT: Final = re.compile(
    f"{_name('省市区县路街道镇乡村号楼')}{{1,8}}?"
    f"(?:(?<![小社园校厂景业])区|县|旗|市(?![场政民辖])){_NOT_ROADWARD}(?![镇乡]|街道)"
)
# 楼 inside a name (呼家楼街道, 呼家楼社区), never after a number (3号楼).
_INNER_LOU: Final = f"(?<=[{_CJK}])(?<!号)楼"
_STREET: Final = re.compile(
    f"(?:{_name('省市区县号楼')}|{_INNER_LOU}){{1,10}}?"
    "(?:街道办事处|街道办|街道|地区办事处|镇|乡|苏木)"
    # Not before another 镇/乡 (城镇乡), unless that one starts a road: 新埭镇镇南路.
    f"(?:(?![镇乡])|(?<=镇)(?=镇[{_CJK}]{{1,3}}?(?:路|街|巷))){_NOT_ROADWARD}"
)
_COMMUNITY: Final = re.compile(
    f"(?:{_name('省市县号楼')}|{_INNER_LOU}){{1,12}}?"
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

# 楼 and 座 inside a name (呼家楼北街, 银座街) but not after a number (3号楼, B座).
_ROAD_BODY: Final = f"[{_CJK}](?:(?![号楼栋幢座])[{_CJK}0-9]|(?<=[{_CJK}])(?<![号])[楼座]){{0,13}}?"
_ROAD: Final = re.compile(
    f"(?:{_ROAD_BODY}(?:大街|大道|胡同|路|街|道|巷|弄|条)|[{_CJK}]{_ROAD_BODY}里)"
    r"(?:[东西南北](?=[甲乙丙丁]?[0-9]+[号院弄]))?"
    r"(?![街道巷屯庄河桥村]|路(?!口)|(?<!路)口|胡同|[东西南北中]{1,2}(?:[路街道巷]|大街|大道)|[0-9]+(?:巷|弄|条|里)|头条)"
)
# A village's group (永勤村9组) stands where a road would.
_SUBAREA_INSIDE: Final = re.compile(r"[0-9A-Z][区期]")
_GROUP_ROAD: Final = re.compile(
    r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})组(?=[0-9]|$)|[0-9]+号(?:大街|路|街)"
)
_VILLAGE_GROUP: Final = re.compile(
    f"((?:(?![村镇乡区县市路街])[{_CJK}]){{1,6}}村)"
    f"((?:[0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}}|(?:(?![村组号])[{_CJK}]){{2,3}})组)"
    "(?=[0-9]|$)"
)
# A county or township road named by its two ends: 虹三线, 乍王线, 新衙线.
_LINE_ROAD: Final = re.compile(f"(?:(?![村镇乡区县市号])[{_CJK}]){{2,3}}线(?![路{_CJK}]*[号楼])")
# A door number written without 号 right after the road: digits (and one "-N") followed by
# nothing, or by a name (a compound, a shop), never by a building/unit/room marker or more
# dashes ("幸福路10-3-2-301" stays a 4-part shorthand).
_BARE_DOOR: Final = re.compile(r"([0-9]+)(?:-([0-9]+))?(?![0-9A-Z\-号院弄楼栋幢座单门层室户之附])")
_ROAD_CHAR: Final = re.compile("[路街道巷弄条同]")
_STREET_END: Final = re.compile(r"^[^村区县]{1,6}(?:街道|镇|乡)$")


_COMPOUND_SUFFIX: Final = (
    "小区|花园|家园|公寓|大厦|广场|新村|新城|嘉园|苑|园|庭|府|城|村|里|湾|居|邸|坊|宿舍|大院|社区"
)
_COMPOUND_AFTER_NUMBER: Final = re.compile(
    f"{_name('号楼栋幢座室户层')}{{1,20}}?(?:{_COMPOUND_SUFFIX})(?=[甲乙丙丁]?[0-9]|[A-Z]|$)"
)
_COMPOUND: Final = re.compile(
    f"{_name('号楼栋幢座室户层单')}{{2,20}}?"
    f"(?:(?=[甲乙丙丁]?[0-9]|[A-Z](?:[0-9]*(?:座|栋|幢|号?楼)|[0-9]?[区期])|[东西南北中]单元)"
    f"|(?:{_COMPOUND_SUFFIX})$)"
)

# A number inside a compound's name (奥林80小区, 创新128国际公寓, 绿地21新城), with buildings after.
_COMPOUND_WITH_DIGITS: Final = re.compile(
    f"{_name('号楼栋幢座室户层单')}{{2,12}}[0-9]{{1,3}}{_name('号楼栋幢座室户层单区期')}{{0,6}}?"
    f"(?:{_COMPOUND_SUFFIX}|院)(?=[0-9]+(?:号楼|栋|幢|座|-))"
)
_ID: Final = r"[A-Z]?[0-9]+[A-Z]?|[A-Z]"
_ROOM_MARK: Final = r"(?:号房|室|户|号|房)?"
_SHORT4: Final = re.compile(
    rf"([0-9]+)-({_ID})-([0-9]+|[A-Z])-((?:{_ID})){_ROOM_MARK}(?![0-9A-Z-])"
)
_SHORT3: Final = re.compile(rf"({_ID})-([0-9]+|[A-Z])-({_ID}){_ROOM_MARK}(?![0-9A-Z-])")
_SHORT_FLOOR: Final = re.compile(rf"({_ID})-([0-9]+)(?:-([0-9]+))?(?:楼|层)")
_SHORT2: Final = re.compile(rf"({_ID})-({_ID}){_ROOM_MARK}(?![0-9A-Z-])")
_NUMBER: Final = re.compile(
    r"([甲乙丙丁]?)([0-9]+)(?:[-之]([0-9]+))?(号院|号|院|弄)(?![楼栋幢座])(?:[之附]([0-9]+)号?)?"
)
_BUILDING: Final = re.compile(
    rf"({_ID}|[甲乙丙丁][0-9]+)(号楼|号栋|号幢|号座|栋|幢|撞|座|楼|号)(?!院)"
)
# Compounds whose "N号" is a building (奥林花园24号); a village's is its door (红晓新村116号).
_HOUSING: Final = (
    "花园",
    "小区",
    "家园",
    "公寓",
    "苑",
    "园",
    "城",
    "府",
    "庭",
    "居",
    "大厦",
    "区",
    "里",
)


_TOWER: Final = ("大厦", "大楼", "写字楼")
_SHOP_WORD: Final = re.compile("[铺店档]|商铺|门面|摊位")


def _is_park(compound: str) -> bool:
    """Parks and zones number their buildings into the thousands (复兴工业园1113号, 五堡1区)."""
    return compound.endswith(("工业园", "园区", "工业区")) or (
        compound.endswith("区") and not compound.endswith("小区")
    )


def _is_housing(found: dict[str, str]) -> bool:
    """A compound of buildings, not a village (whose "N号" are doors): 奥林花园, 时代广场."""
    compound = found.get("compound", "")
    return (
        compound.endswith(_HOUSING + _HOLDS_BUILDINGS) or _MARKET.search(compound) is not None
    ) and "村" not in compound


# Besides housing compounds, names whose "N-M号" is a building and a room (时代广场7-3号).
_HOLDS_BUILDINGS: Final = ("广场", "大厦", "大楼", "中心", "公馆", "山庄", "时代")


_BARE_ROOM: Final = re.compile(r"[0-9]{3,4}(?:室|户|房)?(?![0-9A-Z\-号楼栋幢座单门层])")
_MARKET: Final = re.compile(r"市场|商城|商场|交易|批发|鞋城|纺城|贸城|步行街|物流")
_NOT_ADDRESS: Final = re.compile(
    r"(?:19|20)[0-9]{2}(?=年|级|届|[春夏秋冬]季?|学年|学期)"
    r"|[0-9]+(?:米|公里)(?:处|左右)?"  # 往东400米, 东北130米: a distance, no address number
    r"|4S(?=店)"  # 马自达4S店: a car dealer's kind, no room
)
_ROAD_END: Final = re.compile("[路街巷弄]|(?<=大)道")
_BUILDING_RANGE: Final = re.compile(r"([0-9]+)-([0-9]+)(?:号楼|号栋|号幢|栋|幢)")
_BUILDING_STRONG: Final = re.compile(r"([0-9]+[A-Z]?)(?:号楼|号栋|号幢|栋|幢)")
# 单元, 门; "8单583" (单元 cut short) and 梯 (Guangdong's staircase, 二梯1483) too.
_UNIT: Final = re.compile(r"([0-9]+|[A-Z])(?:单元|门|单(?=[0-9])|梯(?=[0-9]))|([东西南北中])单元")
# After a building, "128号" before a room is the entrance (宁舟新村98幢128号1466室); in a
# market, a lane or row between the area and the stall (国际商贸城4区166街40028).
# Not before a floor: in 110栋4号6楼 the 4号 is the room, on the sixth floor.
_ENTRANCE: Final = re.compile(r"([0-9]+)号(?=-?[0-9]+(?![0-9]|楼|层|F))")
# A row of houses (12排59号), numbered like a building.
_ROW: Final = re.compile(r"([A-Z]?[0-9]+)排(?=[0-9])")
_ROOM_ON_FLOOR: Final = re.compile(r"([0-9]+)号(-|B|负|地下)?([0-9]+)(?:楼|层)")
_LANE: Final = re.compile(r"([0-9]+)(?:街|排)(?=[0-9]+(?![0-9]*[栋幢座]|[0-9]*号?楼))")
_ROOM_RANGE: Final = re.compile(r"([0-9]{3,})-([0-9]{3,})(?:室|号)?(?![0-9-])")
# A 附号 after a road's 门牌号: "9号-7", one or two digits and nothing numbered after them.
_ANNEX: Final = re.compile(r"-([0-9]{1,2})(?![0-9A-Z\-号院弄楼栋幢座单门层室户店铺商])")
# In a market, a range of stalls (华东农贸市场74-78号).
_STALL_RANGE: Final = re.compile(r"([0-9]+)-([0-9]+)号?(?![0-9-])")
_BLOCK: Final = re.compile(r"[A-Z]座(?=[0-9])")
_FLOOR: Final = re.compile(r"(-|B|负|地下)?([0-9]+)(?:层|F(?![0-9]*[号楼栋幢座]))")
_SUBAREA: Final = re.compile(
    r"([东西南北中]?[0-9]{1,2}|[A-Z][0-9]?|[东西南北中])(区|期|组团)"
    f"(?=[0-9A-Z]|[东西南北中]?[0-9]|(?<=[0-9]期)[{_CJK}]|(?<=[0-9]区)[{_CJK}](?!路|街|道|巷))"
)
# A numbered gate of a market or mall, with the floor behind it: "41号门一楼", "B6号门7楼";
# in a market also before a lane or a stall ("97号门15街11楼62407", "8F3号门67851").
_GATE: Final = re.compile(r"[A-Z]?[0-9]+号门(?=(?:-|B|负|地下)?[0-9]+(?:楼|层|F))")
_MARKET_GATE: Final = re.compile(r"[A-Z]?[0-9]+号门(?=[0-9]+(?:街|排)|[0-9]{4,}|[0-9]+F)")
# Malls and office towers, whose "N楼" is a floor even before a room ("福雷德广场11楼207-1").
_MALL: Final = re.compile(
    r"大厦|广场|商城|商场|市场|中心|大楼|写字楼|购物|商贸城|轻纺城|百货|大世界|酒店|宾馆|创业园|"
    r"科技园|产业园|工业园|电商园|交易区|实验楼|商务楼"
)
_BLOCK_ROOM: Final = re.compile(r"([0-9]{1,3}[A-Z])([0-9]{2,5})(?:室|号|房)?(?![0-9A-Z\-])")
_FLOOR_NEXT: Final = re.compile(r"(?:-|B|负|地下)?[0-9]+(?:楼|层|F)")
_GLUED_ROOM: Final = re.compile(r"([0-9]{1,4}[A-Z][0-9]{2,5})(?:室|号|房)?(?![0-9A-Z])")
_STALL: Final = re.compile(r"([A-Z]?[0-9]+)号(?![楼栋幢座院0-9])")
_FLOOR_LOU: Final = re.compile(r"(-|B|负|地下)?([0-9]+)楼")
_ROOM: Final = re.compile(
    rf"((?:[东西南北中前后][厢]?)?(?:{_ID})(?:-[0-9]+)?){_ROOM_MARK}(?![0-9])"
)
# A letter and one digit standing alone (A6, C3号) is a block; with more digits (A1264) a room.
_DIGIT_BLOCK: Final = re.compile(r"([0-9]{1,2}[A-Z])(?![0-9A-Z\-室户房楼层栋幢座单门号])")
_LETTER_BLOCK: Final = re.compile(r"([A-Z][0-9])号?(?![0-9A-Z\-室户房楼层栋幢座单门])")
# A name (not a marker, a gate or a room's word) right after "N号": 12号仓库, 6号艾仕顿马丁.
_NAME_AFTER: Final = re.compile(f"(?![门室户房间楼层])[{_CJK}]")
# A market's or compound's area ending its name (A区, 3区, 二期).
_AREA_END: Final = re.compile(r"[0-9A-Z东西南北中][区期]$")
# A block letter and a range of shops in it (A267-268号); with fewer digits H11-12 is
# block H11, room 12 as often as a range.
_LETTER_RANGE: Final = re.compile(r"([A-Z])([0-9]{3,})-([0-9]{3,})(?:室|号)?(?![0-9A-Z\-])")
_JUNK: Final = re.compile(r"[^0-9A-Z]|.")
_CJK_CHAR: Final = re.compile(f"[{_CJK}]")
# Characters that end a marker, not a name (10号5楼, 3号院2楼).
_AFTER_MARK: Final = frozenset("号院楼栋幢座单元门层室户区期")


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
    s = _unrepeat(prepare_text(text))
    found: dict[str, str] = {}
    rest: list[str] = []
    pos = 0
    if s.startswith("中国"):
        pos = 2
    # Province, city and district from the GB/T 2260 gazetteer: names, not suffixes.
    head = _FIRST_DIGIT.split(s, maxsplit=1)[0]
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
    head = _FIRST_DIGIT.split(s, maxsplit=1)[0]
    admin_next = 0 if _ADMIN_HINT.search(head, pos) else len(_ADMIN)
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
        if not tail and not ("0" <= ch <= "9") and "road" not in found:
            if admin_next == 0 and pos == 0 and head.startswith(_MUNICIPALITIES):
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
                if m and key == "community":
                    inner = _ROAD.match(s, pos, m.end())
                    if (
                        inner
                        and inner.end() < m.end()
                        and inner.group().endswith(("路", "街", "巷", "胡同", "大道"))
                    ):
                        m = None  # 刀茅巷艮园社区: the road first, then the compound
                if m:
                    found[key] = m.group()
                    admin_next = level + 1
                    pos = m.end()
                    matched = True
                    break
            if matched:
                continue
            g = _VILLAGE_GROUP.match(s, pos)
            if g:
                # 珠门村五组41号, 大坪村小坪组: the village, and its group where a road would be.
                if "community" not in found:
                    found["community"] = g.group(1)
                else:
                    rest.append(g.group(1))
                found["road"] = g.group(2)
                admin_next = len(_ADMIN)
                pos = g.end()
                continue
            m = _ROAD.match(s, pos) or _GROUP_ROAD.match(s, pos) or _LINE_ROAD.match(s, pos)
            if m and m.group().endswith("街道") and "street" not in found:
                found["street"] = m.group()  # 庄市街道: a street office, not a road
                admin_next = 4
                pos = m.end()
                continue
            if m and m.group().endswith("街道"):
                rest.append(m.group())  # a second street office (运河镇亭趾街道)
                pos = m.end()
                continue
            if m and _SUBAREA_INSIDE.search(m.group()):
                m = None  # 市场8区6街: a market's area and lane
            if m:
                road, start = road_start(m.group())
                cut = place_cut(road, start, divisions.codes)
                if cut > start and not divisions.codes:
                    _doubt(found, f"“{road[start:cut]}”按地名读，道路按“{road[cut:]}”")
                start = cut
                if start and "street" not in found and _STREET_END.search(road[:start]):
                    found["street"] = road[:start]  # 柳市镇, 庄市街道 (市 inside the name)
                elif start:
                    rest.append(road[:start])
                found["road"] = road[start:]
                admin_next = len(_ADMIN)
                pos = m.end()
                if _BARE_DOOR.match(s, pos):
                    # 新大路1628, 纽扣路344-110: digits right after the road are its 门牌号.
                    d = _BARE_DOOR.match(s, pos)
                    assert d is not None
                    if d.group(2) and (len(d.group(2)) >= 4 or road.endswith("弄")):
                        # 城置路488弄141-2571: door 141, room 2571 (read next).
                        found["number"] = _code(d.group(1))
                        pos = d.start(2)
                        continue
                    found["number"] = _code(d.group(1)) + (
                        "-" + _code(d.group(2)) if d.group(2) else ""
                    )
                    if d.group(2):
                        _doubt(
                            found,
                            f"“{d.group()}”按门牌号及附号读，"
                            f"也可能是门牌号{d.group(1)}、{d.group(2)}号楼或户室",
                        )
                    pos = d.end()
                continue
        if not tail and "road" in found and not ("0" <= ch <= "9"):
            at = pos + 1 if ch in "与和" else pos
            digit = _FIRST_DIGIT.search(s, at)
            # Only where a road's type comes before the number (南4巷9号): the pattern is slow.
            near = _ROAD_CHAR.search(s, at, digit.start() + 3) if digit else None
            m = _ROAD.match(s, at) if near else None
            if (
                m
                and m.end() < end
                and "0" <= s[m.end()] <= "9"
                and not m.group().endswith(("里", "街道"))
                and "段" not in m.group()  # 环城西路北段245弄: a section of the same road
            ):
                # 天长北路东禅巷11号, 温州大道与牛山北路2785号: the door number is the
                # side road's, so the side road is the address's road.
                rest.append(found.pop("road") + s[pos:at])
                pos = at
                continue
        if "compound" not in found and "building" not in found and not ("0" <= ch <= "9"):
            # Before any number a name running into digits is a compound; after the
            # door number only a name with a compound suffix is (not 西厢12).
            m = _COMPOUND_WITH_DIGITS.match(s, pos)
            m = m or (_COMPOUND_AFTER_NUMBER if tail else _COMPOUND).match(s, pos)
            if m:
                found["compound"] = m.group()
                admin_next = len(_ADMIN)
                pos = m.end()
                continue
        if not ("building" in found or "unit" in found or "room" in found):
            m = _SUBAREA.match(s, pos)
            if m:
                # 天通苑东2区, 瑞福家园A区, 长新公寓4期: part of the compound.
                found["compound"] = found.get("compound", "") + m.group()
                pos = m.end()
                continue
        if not tail and "road" not in found:
            m = _GROUP_ROAD.match(s, pos)
            if m:
                found["road"] = m.group()  # 永勤村9组
                pos = m.end()
                continue
        if ch in "东西南北" and "building" not in found and _side_of_building(s, pos + 1, found):
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
            m = _BUILDING_STRONG.match(s, pos)
            if m:
                # 厚富小区76幢厚富小区-203幢: a second building is no room; which one is meant
                # cannot be told (ledgers correct by rewriting, or name a block and a house).
                rest.append(m.group())
                _doubt(found, f"写了两个楼栋（{found['building']}、{m.group()}），按第一个读")
                pos = m.end()
                continue
        m = _NOT_ADDRESS.match(s, pos)
        if m:
            rest.append(m.group())  # "2016秋季…", "往东400米": a year or a distance
            pos = m.end()
            continue
        if "room" not in found:
            m = _GATE.match(s, pos) or (
                _MARKET_GATE.match(s, pos) if _MARKET.search(found.get("compound", "")) else None
            )
            if m:
                rest.append(m.group())  # 商贸城二期G区41号门一楼11街16394: the gate, then the floor
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


def _doubt(found: dict[str, str], text: str) -> None:
    found["doubt"] = f"{found['doubt']}；{text}" if found.get("doubt") else text


def _tail_token(s: str, pos: int, found: dict[str, str]) -> int:
    """Read one number-bearing token at ``pos``; return the new position or 0."""
    has_number = "number" in found
    has_building = "building" in found
    has_unit = "unit" in found
    has_room = "room" in found

    if not has_room and not has_building:
        m = _LETTER_RANGE.match(s, pos)
        if m and 0 < int(m.group(3)) - int(m.group(2)) < 20 and len(m.group(2)) == len(m.group(3)):
            # 中南建材市场A267-268号, 袍江工业西区E31-32: block A, shops 267 to 268.
            found["building"] = m.group(1)
            found["room"] = f"{_code(m.group(2))}-{_code(m.group(3))}"
            return m.end()
    if not has_room and (has_number or has_building or "road" not in found):
        m = _ROOM_RANGE.match(s, pos) or (
            _STALL_RANGE.match(s, pos) if _MARKET.search(found.get("compound", "")) else None
        )
        if m and 0 < int(m.group(2)) - int(m.group(1)) < 20 and len(m.group(1)) == len(m.group(2)):
            found["room"] = f"{_code(m.group(1))}-{_code(m.group(2))}"  # 605-606室: two rooms
            return m.end()
    if not has_unit and not has_room:
        m = _BUILDING_RANGE.match(s, pos)
        if m and not has_number and not has_building and _ROAD_END.match(s, pos - 1):
            # 保健路7-11幢: right after a road, the road's door and a building behind it
            # (a road holds doors, not buildings; 复地连城国际3-2幢 stays building "3-2").
            found["number"] = _code(m.group(1))
            found["building"] = _code(m.group(2))
            _doubt(found, f"“{m.group()}”按门牌号{found['number']}、{found['building']}幢读")
            return m.end()
        if m and (not has_building or found["building"].isalpha()):
            if has_building:
                found["compound"] = found.get("compound", "") + found["building"] + "座"
            found["building"] = f"{_code(m.group(1))}-{_code(m.group(2))}"  # 3-11号楼
            return m.end()
        if has_building and found["building"].isalpha() and len(found["building"]) == 1:
            m = _BUILDING_STRONG.match(s, pos)
            if m:
                # A座14号楼9-639: the block is part of the compound, the building is 14.
                found["compound"] = found.get("compound", "") + found["building"] + "座"
                found["building"] = _code(m.group(1))
                return m.end()

    if "floor" in found and not has_room and not has_unit:
        m = _STALL.match(s, pos)
        if m:
            found["room"] = _code(m.group(1))  # 联合市场C区6楼423号: a stall on the floor
            return m.end()
    if not has_number and not has_building and not has_room:
        m = _SHORT4.match(s, pos)
        if m:
            found["number"] = _code(m.group(1))
            found["building"] = _code(m.group(2))
            found["unit"] = _code(m.group(3))
            found["room"] = _code(m.group(4))
            return m.end()
        m = _NUMBER.match(s, pos)
        if (
            m
            and m.group(3)
            and m.group(4) != "弄"
            and (_is_housing(found) or found.get("compound", "").endswith("新村"))
        ):
            # 时代广场7-3号: building 7, room 3 (read below), not a door number.  A 新村 is
            # an estate of buildings (秀湖新村92-9号 as 秀湖新村92-9), not a village's doors.
            if not _is_housing(found):
                _doubt(found, f"“{m.group()}”按楼栋、户室读，也可能是门牌号及附号")
            m = None
        if (
            m
            and (
                ("road" not in found and "compound" in found)
                or ("road" in found and not found["road"].endswith("弄") and _after_name(s, pos))
            )
            and m.group(4) == "号"
            and not m.group(3)
            and _BARE_ROOM.match(s, m.end())
        ):
            # 丰家兜71号1717, 通河三村941号1192室: a compound's building, then the room;
            # after a road, when a name stands between (解放路丰家兜15号2278), likewise.
            found["building"] = m.group(1) + _code(m.group(2))
            if "road" in found:
                _doubt(found, f"“{m.group()}”按楼栋读，也可能是门牌号")
            return m.end()
        if m and not (m.group(4) == "号" and _UNIT.match(s, m.end())):
            number = m.group(1) + _code(m.group(2))
            sub = m.group(3) or m.group(5)
            end_at = m.end()
            if not sub and m.group(4) == "号" and "road" in found:
                a = _ANNEX.match(s, end_at)
                if a:
                    # 老杭海路9号-7: the 门牌号 with its 附号 written after the 号.
                    sub, end_at = a.group(1), a.end()
                    _doubt(found, f"“{m.group()}{a.group()}”按门牌号及附号读，也可能是户室{sub}")
            if sub:
                number += "-" + _code(sub)
            if end_at != m.end():
                found["number"] = number
                return end_at
            compound = found.get("compound", "")
            if (
                compound
                and ("road" not in found or _after_name(s, pos))
                and m.group(4) == "号"
                and number.isdigit()
                and _FLOOR_NEXT.match(s, m.end())
                and not _MARKET.search(compound)
                and not compound.endswith(("村", *_TOWER))
            ):
                # 鑫湖家园11号6楼, 归谷园区902号13楼: a compound's building, then its floor.
                found["building"] = number
                _doubt(found, f"“{number}号”按楼栋读，也可能是门牌号")
                return m.end()
            if (
                ("road" not in found or ("compound" in found and _after_name(s, pos)))
                and m.group(4) == "号"
                and not _continues(s, m.end())
                and _FIRST_DIGIT.search(s, m.end()) is None  # nothing numbered after it
            ):
                if (
                    _MARKET.search(compound)
                    and _AREA_END.search(compound)
                    and len(number) < 3
                    and not has_unit  # 浙南鞋料市场A区14街8号: the lane's stall 8
                ):
                    # 青蟹批发交易中心A区14号: in a market's area, one or two digits number a
                    # hall (a building); three or more a stall (远大市场D区745号).
                    found["building"] = number
                    _doubt(found, f"“{number}号”按楼栋读，也可能是摊位号")
                    return m.end()
                if _MARKET.search(compound):
                    found["room"] = number  # 小商品市场3348号, 远大市场D区745号: a stall
                    return m.end()
                if compound.endswith(_TOWER) and number.isdigit() and len(number) >= 3:
                    found["room"] = number  # 金昌商务大厦1788号: an office in the tower
                    return m.end()
                if (
                    compound.endswith(_HOUSING)
                    and number.isdigit()
                    and len(number) >= 4
                    and not (len(number) == 4 and _is_park(compound))
                ):
                    # 文华小区3115号, 毛衫城2163号: four digits number a room or a shop.
                    found["room"] = number
                    _doubt(found, f"“{number}号”按户室读，也可能是门牌号或楼栋号")
                    return m.end()
                if compound.endswith(_HOUSING) and number.isdigit():
                    # 奥林花园24号, 黎明工业区28号旁超市: a compound's building.
                    found["building"] = number
                    _doubt(found, f"“{number}号”按楼栋读，也可能是门牌号或户室号")
                    return m.end()
            found["number"] = number
            return m.end()

    if not has_room and not has_unit and "floor" not in found:
        m = _SHORT_FLOOR.match(s, pos)
        if m and m.group(3) and not has_building:
            # 南市小区8-11-7楼: building 8, door 11 in it, on the seventh floor.
            found["building"] = _code(m.group(1))
            found["room"] = _code(m.group(2))
            found["floor"] = _code(m.group(3))
            return m.end()
        if m and not m.group(3):
            # 7-4楼1477: building 7, fourth floor; after a building (151栋454-7楼) the
            # first number is the door in it.
            found["room" if has_building else "building"] = _code(m.group(1))
            found["floor"] = _code(m.group(2))
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
        if m and "floor" in found and not has_building:
            # 福雷德广场11楼207-1: on a floor, a shop's number with its sub-number.
            found["room"] = f"{_code(m.group(1))}-{_code(m.group(2))}"
            return m.end()
        if m:
            found["unit" if has_building else "building"] = _code(m.group(1))
            found["room"] = _code(m.group(2))
            return m.end()

    if not has_building and not has_unit and not has_room:
        m = _ROW.match(s, pos)
        if m:
            found["building"] = _code(m.group(1))  # 九堡家苑3区12排59号: row 12, door 59
            return m.end()
        m = _BUILDING.match(s, pos)
        if m:
            value, marker = _code(m.group(1)), m.group(2)
            after = m.end()
            if marker == "号" and (after >= len(s) or not _continues(s, after)):
                if not has_number and "compound" in found and len(value) < 4:
                    found["building"] = value  # 奥林花园24号: a compound's building
                    _doubt(found, f"“{value}号”按楼栋读，也可能是户室号")
                    return after
                compound = found.get("compound", "")
                if (
                    has_number
                    and compound.endswith(_HOUSING)
                    and s.endswith(compound, 0, pos)  # the compound written right before it
                    and not _MARKET.search(compound)
                    and not _SHOP_WORD.match(s, after)
                    and len(value) < 4
                    and value.isdigit()
                    and _FIRST_DIGIT.search(s, after) is None
                ):
                    # 孙塘北路3094号清水湾173号: after the door, a compound's building.
                    found["building"] = value
                    _doubt(found, f"“{value}号”按楼栋读，也可能是户室号")
                    return after
                if (
                    has_number
                    and "road" in found
                    and value.isdigit()
                    and len(value) < 3
                    and _NAME_AFTER.match(s, after)
                    and not _SHOP_WORD.match(s, after)
                ):
                    # 中河路650号12号仓库: after the door, N号 with a name behind it is a
                    # building (a courtyard's room ends the address: 幸福路10号院1号).
                    found["building"] = value
                    _doubt(found, f"“{value}号”按楼栋读，也可能是户室号")
                    return after
                found["room"] = value  # 幸福路10号院1号: a courtyard room; 文华小区3115号
                if has_number and "compound" not in found and s.startswith("号", pos - 1):
                    # 宏远路1820号12号 without 院: a courtyard's room here, though many ledgers
                    # mean the 12th building behind door 1820.
                    _doubt(found, f"“{value}号”按院内户室读，也可能是楼栋号")
                return after
            # N楼 may be a floor; A楼 and 4A楼 (a letter in it) name a building.
            if marker == "楼" and value.isdigit() and not _UNIT.match(s, after):
                room = (
                    None
                    if _LANE.match(s, after) or _SUBAREA.match(s, after)
                    else _ROOM.match(s, after)
                )
                named = (
                    room is not None
                    and pos > 0
                    and s[pos - 1] not in _AFTER_MARK
                    and _CJK_CHAR.match(s, pos - 1) is not None
                    and _BARE_ROOM.fullmatch(room.group(1)) is not None
                )
                if named:
                    # 港湾商务酒店12楼1581, 银亿时代7楼939: N楼 right after a name, before a
                    # room, is the floor (as real ledgers write it), though it may be a block.
                    _doubt(found, f"“{value}楼”按楼层读，也可能是{value}号楼")
                if (
                    room is None
                    or named
                    or (room.group(1).startswith(value) and len(room.group(1)) > len(value))
                    or "A" <= room.group(1)[0] <= "Z"
                    or _MALL.search(s, 0, pos)
                ):
                    # 3楼301: the third floor, room 301; 杭州大厦15楼, 8楼仓库: a floor; 7楼L883:
                    # a lettered shop or office on the seventh floor (homes are numbered).
                    found["floor"] = value
                    if room is None and not has_number and "compound" not in found:
                        _doubt(found, f"“{value}楼”可能是楼栋号，按楼层读")
                    return after
                _doubt(found, f"“{value}楼”按楼栋读，也可能是{value}层")
            found["building"] = value
            return after
    elif "floor" not in found and not has_room:
        m = _FLOOR_LOU.match(s, pos)
        if m:
            found["floor"] = ("-" if m.group(1) else "") + _code(m.group(2))
            return m.end()

    if has_unit and not has_building and not has_room:
        m = _BUILDING_STRONG.match(s, pos)
        if m:
            found["building"] = _code(m.group(1))  # 财富广场7单元8号楼1340: written the other way
            return m.end()
    if not has_unit and not has_room:
        m = _UNIT.match(s, pos)
        if m:
            found["unit"] = _code(m.group(1) or m.group(2))
            return m.end()
        m = _ROOM_ON_FLOOR.match(s, pos) if has_building else None
        if m:
            # 110栋4号6楼: after a building, the door in it, then its floor.
            found["room"] = _code(m.group(1))
            found["floor"] = ("-" if m.group(2) else "") + _code(m.group(3))
            return m.end()
        m = _LANE.match(s, pos) or (_ENTRANCE.match(s, pos) if has_building else None)
        if m:
            found["unit"] = _code(m.group(1))
            return m.end()
    if not has_room and has_building:
        m = _BLOCK.match(s, pos)
        if m:
            return m.end()  # 9栋A座1337室: the block letter adds nothing to the building
    if "floor" not in found and not has_room:
        m = _FLOOR.match(s, pos)
        if m:
            found["floor"] = ("-" if m.group(1) else "") + _code(m.group(2))
            return m.end()
    if not has_room and not has_building and not has_unit:
        m = _BLOCK_ROOM.match(s, pos)
        if m:
            # 时代电子市场9B1161室, 幸福城润园6C2288室: building 9B, room 1161.
            found["building"] = _code(m.group(1))
            found["room"] = _code(m.group(2))
            _doubt(found, f"“{m.group()}”按{m.group(1)}栋{m.group(2)}室读")
            return m.end()
    if not has_room and (has_building or "floor" in found):
        m = _GLUED_ROOM.match(s, pos)
        if m:
            found["room"] = m.group(1)  # 7幢B座10B22室, 百脑汇9楼3C110: one room number
            return m.end()
    if not has_room and not has_building and not has_unit and "floor" not in found:
        m = _LETTER_BLOCK.match(s, pos)
        if m:
            found["building"] = m.group(1)  # 沈家门国际水产城A6, 华领国际B3: a block, not a room
            return m.end()
        m = _DIGIT_BLOCK.match(s, pos)
        if m and (has_number or "compound" in found) and not _MALL.search(s, 0, pos):
            # 香榭公寓8C, 大港路1555号17B: a block; in a tower or mall (富春大厦43B) a room.
            found["building"] = m.group(1)
            return m.end()
        m = _PARK_BUILDING.match(s, pos)
        if (
            m
            and found.get("compound", "").endswith(_INDUSTRIAL)
            and s.endswith(found["compound"], 0, pos)  # written right after the park's name
            and _MARKET.search(found["compound"]) is None
            and _FIRST_DIGIT.search(s, m.end()) is None
        ):
            # 竹山工业区142, 正和电商园598: an industrial park numbers its buildings (as with
            # 号: 复兴工业园1113号); four digits (安通科技园1046) stay an office, the room.
            found["building"] = m.group(1)
            _doubt(found, f"“{m.group(1)}”按楼栋读，也可能是户室号")
            return m.end()
        m = _TOWER_ROOM.match(s, pos)
        if m and _in_tower(s, pos, found):
            # 博科大厦A1382, 大运路10号A249: in an office tower (or right after the door) the
            # letter is the tower's block (A座) and the digits its office; in a market
            # (温西工具市场C997) the whole code is one stall, read as the room below.
            found["building"] = m.group(1)
            found["room"] = _code(m.group(2))
            _doubt(
                found,
                f"“{m.group(1)}{m.group(2)}”按{m.group(1)}座{m.group(2)}室读，也可能是一个户室号",
            )
            return m.end()
    if not has_room:
        m = _ROOM.match(s, pos)
        if m and not (m.group(1).isalpha() and _NAME_GOES_ON.match(s, m.end())):
            found["room"] = _code(m.group(1))
            return m.end()
    return 0


# A bare number of up to three digits after an industrial park's name, nothing after it.
_PARK_BUILDING: Final = re.compile(r"([1-9][0-9]{0,2})(?![0-9A-Z\-号楼栋幢座室户房单门层])")
_INDUSTRIAL: Final = ("工业园", "工业区", "园区", "产业园", "电商园")
# A block letter and an office's three or four digits (A1382, C458室).
_TOWER_ROOM: Final = re.compile(r"([A-Z])([0-9]{3,4})(?:室|号|房)?(?![0-9A-Z\-])")
# Office towers, whose blocks are lettered (A座); not a shopping centre's (购物中心) stalls.
_OFFICE: Final = ("大厦", "大楼", "写字楼", "中心")


def _in_tower(s: str, pos: int, found: dict[str, str]) -> bool:
    """Whether a letter-and-number code at ``pos`` stands in an office tower (its name written
    right before it, 泛海国际中心A1264室) or right after the road's door number (a building's
    own entrance, 大运路10号A249), not in a market or a mall."""
    before = s[max(0, pos - 12) : pos]
    if _MARKET.search(before) or "购物" in before:
        return False
    if before.endswith(_OFFICE):
        return True
    return "number" in found and "road" in found and before.endswith("号")


# A letter that starts a word (EAC大楼, mcc大厦, e电园, C区) is no room.
_NAME_GOES_ON: Final = re.compile(f"[A-Z{_CJK}]")


_CONTINUATION: Final = re.compile(r"[0-9A-Z甲乙丙丁东西南北中]")


def _side_of_building(s: str, pos: int, found: dict[str, str]) -> bool:
    """Whether a side (东/西/南/北) written before ``pos`` says where a building stands: before
    a building with its marker (东10幢), a three-part shorthand (东45-5-1433) or, right after
    a place's name, a two-part one (聚宝电商园西4-3); "幸福路10号东3-1" stays a room."""
    if _BUILDING_STRONG.match(s, pos) or _SHORT3.match(s, pos):
        return True
    return "room" not in found and _after_name(s, pos - 1) and _SHORT2.match(s, pos) is not None


def _after_name(s: str, pos: int) -> bool:
    """Whether a place's name, not a road's type or a marker, is written right before ``pos``."""
    return (
        pos > 0 and s[pos - 1] not in _ROAD_OR_MARK_END and _CJK_CHAR.match(s, pos - 1) is not None
    )


_ROAD_OR_MARK_END: Final = frozenset("路街道巷弄条里同线组段村东西南北号院楼栋幢座单元门层室户")


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
