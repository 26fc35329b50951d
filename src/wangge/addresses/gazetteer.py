"""Province, city and district names of all of China, for reading the head of an address.

Suffix rules ("a name ending in 区 is a district") fail on real addresses: 镇海区 and 路北区
contain a street's and a road's character, 浙江杭州滨江区 has no suffix at all for two of its
three levels, 北京北京市朝阳区 writes the municipality twice. So the head is read against the
GB/T 2260 table of :mod:`wangge.geo.divisions` (python-stdnum's ``cn/loc.dat``, every name ever
in force since 1980): each division is known by its official name (浙江省, 杭州市, 滨江区,
景宁畲族自治县) and by its short name (浙江, 杭州, 滨江, 景宁), and a level is accepted only
under the levels already read (滨江 is a district of 杭州, not of 北京).

Pure Python, no Django. The tables are built once, on first use (about 0.1 s).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Final, Literal

from wangge.addresses.places import places as town_places
from wangge.core.reasons import Reason
from wangge.geo import divisions as _divisions
from wangge.geo.divisions import Division, all_divisions, full_name, is_placeholder_name

__all__ = [
    "MUNICIPALITY_CODES",
    "Place",
    "ambiguity",
    "one_place_each",
    "read_divisions",
    "level_of",
    "names",
    "short_name",
]

Field = Literal["province", "city", "district"]

# The provinces that are also their city (北京, 天津, 上海, 重庆), by their two digits.
MUNICIPALITY_CODES: Final = frozenset({"11", "12", "31", "50"})
# Longest suffixes first; what is left must keep two characters (城区, 郊区 stay whole).
_ETHNIC: Final = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|"
    "水|东乡|纳西|景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|"
    "乌孜别克|俄罗斯|鄂温克|德昂|保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各"
)
_SUFFIX: Final = re.compile(
    rf"(?:(?:(?:{_ETHNIC})族|维吾尔)*自治[区州县旗]|特别行政区|省|市|地区|盟|林区|特区|新区|矿区|区|县|旗)$"
)
_LONGEST: Final = 12


@dataclass(frozen=True, slots=True)
class Place:
    """One reading of a division name: its code, field, official name and whether it was short."""

    code: str
    field: Field
    name: str
    short: bool
    current: bool


def short_name(name: str) -> str:
    """浙江省 → 浙江, 杭州市 → 杭州, 景宁畲族自治县 → 景宁, 城区 → 城区 (too short to cut)."""
    cut = _SUFFIX.sub("", name)
    if len(cut) < 2:
        return name
    return cut


def _field(division: Division) -> Field:
    if division.level == "province":
        return "city" if division.code[:2] in MUNICIPALITY_CODES else "province"
    if division.level == "prefecture":
        return "city"
    return "district"


# Short names in everyday use that GB/T 2260 does not derive (its short name of 昆都仑区 is
# 昆都仑): written so on shop signs and ledgers (包头市昆区110国道), read as the division.
_INFORMAL: Final = {"昆区": "150203"}


@cache
def names() -> Mapping[str, tuple[Place, ...]]:
    """Every official and short name → its readings, current divisions first."""
    table: dict[str, list[Place]] = {}
    for division in all_divisions().values():
        for entry in division.names:
            if is_placeholder_name(entry.name):
                continue
            current = entry.last_year is None
            field = _field(division)
            # A municipality's 市辖区 placeholder, or a county directly under a province:
            # the official name only; the short name of a municipality is its city's.
            table.setdefault(entry.name, []).append(
                Place(division.code, field, entry.name, False, current)
            )
            short = short_name(entry.name)
            if short != entry.name:
                table.setdefault(short, []).append(
                    Place(division.code, field, entry.name, True, current)
                )
    for informal, code in _INFORMAL.items():
        division = all_divisions()[code]
        table.setdefault(informal, []).append(
            Place(code, _field(division), _current_name(division), True, True)
        )
    order = {"province": 0, "city": 1, "district": 2}
    return {
        key: tuple(
            sorted(
                dict.fromkeys(places),
                key=lambda p: (not p.current, p.short, order[p.field], p.code),
            )
        )
        for key, places in table.items()
    }


def _current_name(division: Division) -> str:
    return next(e.name for e in division.names if e.last_year is None)


def level_of(name: str) -> Field | None:
    """The field a written division name belongs to (its first reading), or None."""
    places = names().get(name)
    return places[0].field if places else None


def _under(code: str, parents: tuple[str, ...]) -> bool:
    """Is ``code`` inside one of the divisions ``parents`` (or is one of them)?"""
    for parent in parents:
        if parent.endswith("0000"):
            if code[:2] == parent[:2]:
                return True
        elif parent.endswith("00"):
            if code[:4] == parent[:4]:
                return True
        elif code == parent:
            return True
    return False


# What may follow a short name for it to be a division: not a character that makes the name
# part of a road, compound or enterprise (滨江花园, 杭州路, 温州商会).
_SHORT_BLOCKED: Final = re.compile(
    r"[路街道巷弄里花苑园庭府城湾居大广商公集银酒宾饭学院医村社镇乡"
    r"0-9A-Z\-]"
)
_DEPTH: Final = {"province": 0, "city": 1, "district": 2}


@dataclass(frozen=True, slots=True)
class Reading:
    """The divisions read from the head of an address."""

    end: int
    start: int = 0
    province: str | None = None
    city: str | None = None
    district: str | None = None
    codes: tuple[str, ...] = ()

    @property
    def levels(self) -> int:
        return sum(1 for v in (self.province, self.city, self.district) if v)


@cache
def _heads() -> frozenset[str]:
    return frozenset(name[:2] for name in names())


def _match_at(s: str, pos: int) -> list[tuple[int, tuple[Place, ...]]]:
    if s[pos : pos + 2] not in _heads():
        return []  # most ledger addresses: no division at all, one set lookup
    table = names()
    found: list[tuple[int, tuple[Place, ...]]] = []
    for length in range(min(_LONGEST, len(s) - pos), 1, -1):
        places = table.get(s[pos : pos + length])
        if places:
            found.append((pos + length, places))
    return found


def read_divisions(s: str, pos: int = 0, limit: int | None = None) -> Reading:
    """Read province, city and district names from ``s[pos:]``, top down, as far as they go.

    Each name must lie under the ones read before it; a name repeated (北京北京市, 浙江省浙江省)
    is read once; dashes between levels (浙江-杭州-滨江区) are skipped. A short name counts
    only where it cannot be the start of another word.

    When another reading with more levels starts later in the head (before ``limit``), it
    wins and what precedes it is not an address level: "崇溪镇云南省昭通市巧家县…",
    "山东省临沂市临沭县中国浙江省杭州市…" (the sender's own address, then the destination).
    """
    best = _read(s, pos)
    stop = min(len(s), limit if limit is not None else len(s), pos + 40)
    heads = _heads()
    start = best.end if best.end > pos else pos + 1
    while start < stop:
        if s[start : start + 2] in heads:
            other = _read(s, start, later=True)
            if (
                other.levels > best.levels
                and _stands_alone(s, other)
                and not _ROAD_BEFORE.search(s, pos, other.start)
            ):
                best = other
                start = other.end
                continue
        start += 1
    return best


# A road written before a later reading: the address had begun ("春南路浙江富阳通达纸业").
_ROAD_BEFORE: Final = re.compile(r"(?:路|街|大道|巷|胡同)-?$")


def _stands_alone(s: str, reading: Reading) -> bool:
    """Whether a reading found later in the head is a division and not part of a word.

    Two levels and more always are (云南省昭通市); one level only when written in full with
    three characters or more (余杭区), not 东区 or 南区 inside a compound (东方新家园南区) and
    not a short name inside a name (紫云路, 学林街浙江理工大学).
    """
    if reading.levels >= 2:
        return True
    written = s[reading.start : reading.end]
    name = reading.district or reading.city or reading.province or ""
    return len(written) >= 3 and written == name


def _read(s: str, pos: int, later: bool = False) -> Reading:
    found: dict[str, str] = {}
    codes: tuple[str, ...] = ()
    depth = -1
    begin = pos
    end = len(s)
    while pos < end:
        if s[pos] == "-" and found:
            pos += 1
            continue
        if s.startswith("市辖区", pos):
            pos += 3
            continue
        step = _step(s, pos, depth, codes, first=not found and not later)
        if step is None and _city_suffix_opens_district(s, pos, found, begin):
            # 青岛市北区 is 青岛 and its 市北区 (there is no 北区 under 青岛), 济南市中区 is
            # 济南 and 市中区: the 市 read as the city's suffix also opens a district's name.
            step = _step(s, pos - 1, depth, codes, first=False)
            if step is not None and (step[1] != "district" or s[pos - 1 : step[0]] != step[2]):
                step = None
        if step is None:
            break
        pos, field, place_name, place_codes = step
        if _DEPTH[field] <= depth:
            continue  # the same level again: a repetition
        found[field] = place_name
        depth = _DEPTH[field]
        codes = place_codes
    if not found:
        return Reading(begin)
    if found.get("city") and codes and codes[0][:2] in MUNICIPALITY_CODES:
        found.setdefault("province", found["city"])
    while pos > begin and s[pos - 1] == "-":
        pos -= 1
    return Reading(pos, start=begin, codes=codes, **found)


def _city_suffix_opens_district(s: str, pos: int, found: dict[str, str], begin: int) -> bool:
    """Whether a city was just read by its full name and its 市 may begin a district's (also
    when the address repeats itself: 青岛市北区青岛市北区山东路)."""
    return pos > begin and s[pos - 1] == "市" and "city" in found and found["city"].endswith("市")


def _step(
    s: str, pos: int, depth: int, codes: tuple[str, ...], first: bool
) -> tuple[int, Field, str, tuple[str, ...]] | None:
    for after, places in _match_at(s, pos):
        fitting = [p for p in places if not codes or _under(p.code, codes)]
        # A level already read, written again (北京北京市, 杭州市余杭区杭州市余杭区).
        repeat = [
            p
            for p in places
            if codes and _DEPTH[p.field] <= depth and any(_under(c, (p.code,)) for c in codes)
        ]
        if not fitting and not repeat:
            continue
        if repeat and (not repeat[0].short or _match_at(s, after)):
            return after, repeat[0].field, repeat[0].name, codes  # 北京北京市, 金华金华兰溪市
        deeper = [p for p in fitting if _DEPTH[p.field] > depth]
        if not deeper:
            continue
        first_place = deeper[0]
        if first_place.short and not _short_fits(s, after, first_place, codes, first and pos == 0):
            continue
        same = [p for p in deeper if p.field == first_place.field and p.name == first_place.name]
        if first_place.short and not codes:
            first_place, same = _across_levels(s, after, deeper, first_place, same)
        if first_place.short and _OTHER_SUFFIX.match(s, after):
            after += 1  # 兰溪县 (now 兰溪市), 嘉善区 (嘉善县): the short name with another suffix
        return after, first_place.field, first_place.name, tuple(p.code for p in same)
    return None


def _across_levels(
    s: str, after: int, deeper: list[Place], chosen: Place, same: list[Place]
) -> tuple[Place, list[Place]]:
    """A short name that is a city in one place and a district in others (朝阳: 辽宁's 朝阳市
    and 朝阳县, 北京's and 长春's 朝阳区) is settled by the town written after it, where only
    one level's places hold that town (朝阳麦子店街道 is 北京's); otherwise every candidate
    stays in the reading's codes, so that :func:`ambiguity` says so instead of choosing."""
    current = [p for p in deeper if p.current]
    if len({p.field for p in current}) < 2:
        return chosen, same
    town = _TOWN_AHEAD.match(s, after)
    if town:
        holding = [p for p in current if town_places().is_town(town.group(), (p.code,))]
        if holding:
            current = holding
    # 朝阳县 lies in 朝阳市: reading the city is right for both.
    current = [p for p in current if not any(q != p and _under(p.code, (q.code,)) for q in current)]
    first = chosen if chosen in current else current[0]
    if len({p.field for p in current}) == 1:
        return first, [p for p in current if p.name == first.name]
    return first, [first, *(p for p in current if p != first)]


def _short_fits(s: str, after: int, place: Place, codes: tuple[str, ...], at_start: bool) -> bool:
    """A short name (杭州, 滨江) is a division unless the text goes on as another word."""
    if after >= len(s):
        return bool(codes) or place.field != "district"
    ahead = after
    while ahead < len(s) and s[ahead] == "-":
        ahead += 1
    if _match_at(s, ahead):
        return True  # another division follows: 浙江杭州, 宁波镇海, 浙江-杭州
    if _HIGHWAY_AHEAD.match(s, after):
        pass  # 昆区110国道, 中山105国道: a highway is named by its number, after no place
    elif (
        _SHORT_BLOCKED.match(s, after) or _ROAD_AHEAD.match(s, after) or _PLACE_WORD.match(s, after)
    ):
        return False  # 杭州路, 滨江花园, 温州商会
    if not codes and _ESTATE_SOON.match(s, after):
        return False  # 城东小区, 朝阳小区, 六合天寓: an estate named after a place, not the place
    if place.field == "district" and not codes:
        # A county's short name with nothing above it (滨江, 朝阳) is a division before a
        # street or town, or opening the address when only one county has it (海盐, 乐清).
        if _TOWN_AHEAD.match(s, after):
            return True
        # Not when a road suffix comes within a few characters: 金台北街, 金台西胡同 are roads.
        return at_start and _unique_county(place.name) and not _ROAD_SOON.match(s, after)
    return True


def _unique_county(name: str) -> bool:
    short = short_name(name)
    current = {p.code for p in names().get(short, ()) if p.current}
    return len(current) == 1


# A division's short name written with another level's suffix (兰溪县 for 兰溪市); not 市场.
_OTHER_SUFFIX: Final = re.compile(r"(?:[县区旗]|市(?![场政民辖]))(?![镇乡]|街道)")
# An estate's word right after a short name (城东小区, 花溪新村, 站前东小区) makes the name the
# estate's, not its county's; with a word of its own between (海盐核电新村, 富阳金色家园) the
# county prefixes the estate, as ledgers write it.
_ESTATE_SOON: Final = re.compile(
    r"(?:[\u4e00-\u9fff]?(?:小区|新村|家园|公寓|山庄|嘉园)|[苑寓邸])(?!街道|镇|乡)"
)
# (also a numbered road: 中山五路, 端州三路, 中山1路 are Guangdong's roads, not 中山市 or 端州区)
_ROAD_AHEAD: Final = re.compile(
    r"[东西南北中]{1,2}(?:[路街道巷弄里]|大街|大道)"
    r"|(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})(?:[路街巷]|大街|大道|马路)"
)
_HIGHWAY_AHEAD: Final = re.compile(r"G?[0-9]{2,3}(?:国道|省道)")
# Characters that after a county's short name make it a road or place of Beijing's kind
# (光明胡同, 朝阳门, 大兴庄) rather than the county.
_PLACE_WORD: Final = re.compile(r"[胡条门桥庄屯营河口关寺堂塔坊沟店家楼岗湖山里]")
# (萧山博奥路 is 萧山 and a road of its own name: two characters or more before the type.)
_ROAD_SOON: Final = re.compile(r"[东西南北中]?[\u4e00-\u9fff]?(?:路|街|巷|胡同|道|弄|条)")
# A town's own name is two characters or more and holds no second suffix: 四方坪街道 is one
# street's name (长沙), not 四方区 and a street 坪街道.
_TOWN_AHEAD: Final = re.compile(
    r"[\u4e00-\u9fff](?:(?!街道|镇|乡)[\u4e00-\u9fff]){1,7}(?:街道|镇|乡)"
)


def one_place_each(codes: list[str]) -> list[str]:
    """The codes without a county's second listing: the table keeps a county directly under
    its province (xx90xx) also under its old prefecture with the name it had there
    (神农架林区: 429021, and 422921 under 林区), one place re-coded."""
    direct = {(c[:2], _own_name(c)) for c in codes if c[2:4] == "90"}
    return [c for c in codes if c[2:4] == "90" or (c[:2], _own_name(c)) not in direct]


def _level(code: str) -> str:
    return "province" if code.endswith("0000") else "city" if code.endswith("00") else "district"


def _own_name(code: str) -> str:
    division = _divisions.division(code)
    now = division.current if division is not None else None
    return now.name if now is not None else ""


def ambiguity(reading: Reading) -> str:
    """A doubt (a `core.reasons.Reason`, Chinese text) when the deepest level read names divisions in several places.

    "朝阳区" alone is in 北京市 and in 吉林省长春市: the parser keeps the name and says so
    instead of choosing one.
    """
    current = [c for c in reading.codes if (d := _divisions.division(c)) is not None and d.current]
    # A county directly under its province (xx90xx) keeps the name it had under a prefecture
    # the table still lists (神农架林区: 429021, and 422921 under 林区): one place, re-coded.
    current = one_place_each(current)
    if len({_level(c) for c in current}) > 1:
        # 朝阳 alone: a city and districts of several provinces (see _across_levels).
        written = short_name(reading.district or reading.city or reading.province or "")
        where = "、".join(full_name(c) for c in current)
        return Reason(
            "“%(written)s”可指%(where)s，未写上级，无法确定是哪一处", written=written, where=where
        )
    parents = sorted({c[:4] for c in current})
    if len(parents) < 2:
        return ""
    written = reading.district or reading.city or reading.province or ""
    places = "、".join(full_name(p + "00") or full_name(p[:2] + "0000") for p in parents)
    return Reason(
        "“%(written)s”有%(count)s处（%(places)s），未写上级，无法确定是哪一处",
        written=written,
        count=len(parents),
        places=places,
    )
