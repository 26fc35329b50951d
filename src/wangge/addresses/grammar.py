"""The grammar of written Chinese addresses: the words and patterns the parser reads with.

Shared by `parser` (names, roads, door numbers, compounds) and `tail` (buildings, units,
floors, rooms). Pure Python, no Django.
"""

from __future__ import annotations

import re
from typing import Final

from wangge.addresses.folding import strip_leading_zeros

CJK: Final = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"


def _name(excluded: str) -> str:
    """One CJK character that is not in ``excluded`` (a regex fragment)."""
    return f"(?:(?![{excluded}])[{CJK}])"


_NOT_ROADWARD: Final = "(?!路|街|巷|胡同|大街|大道)"
# After a town a village may start with 路 (定江镇路莫村委会: the town and its village 路莫),
# which no road is: a road is not written straight into a village's name.
_NOT_ROADWARD_BUT_VILLAGE: Final = (
    f"(?!路(?![{CJK}]{{1,3}}?(?:村民委员会|村委会|村(?![路街道巷])|屯))|街|巷|胡同|大街|大道)"
)

MUNICIPALITY: Final = re.compile(
    f"(北京|天津|上海|重庆)(?:市|(?![东西南北中]?[路街道巷])(?=[{CJK}]{{1,6}}?[区县]))"
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
_INNER_LOU: Final = f"(?<=[{CJK}])(?<!号)楼"
_STREET: Final = re.compile(
    f"(?:{_name('省市区县号楼')}|{_INNER_LOU}){{1,10}}?"
    "(?:街道办事处|街道办|街道|地区办事处|镇|乡|苏木)"
    # Not before another 镇/乡 (城镇乡), unless that one starts a road: 新埭镇镇南路.
    f"(?:(?![镇乡])|(?<=镇)(?=镇[{CJK}]{{1,3}}?(?:路|街|巷))){_NOT_ROADWARD_BUT_VILLAGE}"
)
_COMMUNITY: Final = re.compile(
    f"(?:{_name('省市县号楼')}|{_INNER_LOU}){{1,12}}?"
    "(?:社区居民委员会|社区居委会|社区|居民委员会|居委会|村民委员会|村委会|行政村)"
    f"(?!居|村|委){_NOT_ROADWARD}"
)
MUNICIPALITIES: Final = ("北京", "天津", "上海", "重庆")
ADMIN_HINT: Final = re.compile("[省市区县旗州盟道镇乡木社委会]")
FIRST_DIGIT: Final = re.compile("[0-9]")
ADMIN: Final = (
    ("province", _PROVINCE),
    ("city", _CITY),
    ("district", _DISTRICT),
    ("street", _STREET),
    ("community", _COMMUNITY),
)

# 楼 and 座 inside a name (呼家楼北街, 银座街) but not after a number (3号楼, B座).
_ROAD_BODY: Final = f"[{CJK}](?:(?![号楼栋幢座])[{CJK}0-9]|(?<=[{CJK}])(?<![号])[楼座]){{0,13}}?"
ROAD: Final = re.compile(
    f"(?:{_ROAD_BODY}(?:大街|大道|胡同|路|街|道|巷|弄|条)|[{CJK}]{_ROAD_BODY}里)"
    # A numbered section (人民南路四段, 一环路西三段, 中山大街5段): doors are numbered again in
    # each, so the section is part of the road; a section named only by its side (东段) is not.
    r"(?:[东西南北中]?(?:[一二三四五六七八九十]{1,2}|[0-9]{1,2})段)?"
    # A side after 大道 names the road's part (中山大道中, 解放大道西: Guangzhou's and Wuhan's
    # avenues), before its door or ending the address; before a name it may start the name
    # (建设大道中海金沙湾, 世纪大道东方润园) and stays with it.
    r"(?:(?<=大道)[东西南北中](?=[甲乙丙丁]?[0-9]|$)|[东西南北](?=[甲乙丙丁]?[0-9]+[号院弄]))?"
    r"(?![街道巷屯庄河桥村]|路(?!口)|(?<!路)口|胡同|[东西南北中]{1,2}(?:[路街道巷]|大街|大道)|[0-9]+(?:巷|弄|条|里)|头条"
    r"|[东西南北中]?(?:[一二三四五六七八九十]{1,2}|[0-9]{1,2})段)"
)
# A village's group (永勤村9组) stands where a road would.
SUBAREA_INSIDE: Final = re.compile(r"[0-9A-Z][区期]")
GROUP_ROAD: Final = re.compile(
    r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})[组社](?=[0-9]|$)|[0-9]+号(?:大街|路|街)"
)
VILLAGE_GROUP: Final = re.compile(
    f"((?:(?![村镇乡区县市路街])[{CJK}]){{1,6}}村)"
    # (社: a village group in Sichuan, Gansu, Chongqing: 何家湾村二社)
    f"((?:[0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}}|(?:(?![村组号])[{CJK}]){{2,3}})组"
    f"|(?:[0-9]{{1,2}}|[一二三四五六七八九十]{{1,3}})社)"
    # before its number, or before a place in the group (行宫村23组庞家门91号); not 组团, 组长
    f"(?=[0-9]|$|(?<=[0-9][组社])(?![团长])[{CJK}])"
)
# A county or township road named by its two ends: 虹三线, 乍王线, 新衙线.
LINE_ROAD: Final = re.compile(f"(?:(?![村镇乡区县市号])[{CJK}]){{2,3}}线(?![路{CJK}]*[号楼])")
# A door number written without 号 right after the road: digits (and one "-N") followed by
# nothing, or by a name (a compound, a shop), never by a building/unit/room marker or more
# dashes ("幸福路10-3-2-301" stays a 4-part shorthand).
BARE_DOOR: Final = re.compile(
    r"([0-9]+)(?:-([0-9]+))?(?![0-9A-Z\-号院弄楼栋幢座单门层室户之附区期至])"
)
ROAD_CHAR: Final = re.compile("[路街道巷弄条同]")
STREET_END: Final = re.compile(r"^[^村区县]{1,6}(?:街道|镇|乡)$")


_COMPOUND_SUFFIX: Final = (
    "小区|花园|家园|公寓|公馆|大厦|广场|新村|新城|嘉园|苑|园|庭|府|城|村|里|湾|居|邸|坊|宿舍|大院"
    "|家属院|家属区|生活区|社区"
)
COMPOUND_AFTER_NUMBER: Final = re.compile(
    f"{_name('号楼栋幢座室户层')}{{1,20}}?(?:{_COMPOUND_SUFFIX})(?=[甲乙丙丁]?[0-9]|[A-Z]|$)"
)
COMPOUND: Final = re.compile(
    f"{_name('号楼栋幢座室户层单')}{{2,20}}?"
    f"(?:(?=[甲乙丙丁]?[0-9]|[A-Z](?:[0-9]*(?:座|栋|幢|号?楼)|[0-9]?[区期])|[东西南北中]单元)"
    f"|(?:{_COMPOUND_SUFFIX})$)"
)

# A compound named by its number alone (石河子北三路25小区, 包头富强路12号街坊), with a
# building, a unit or a room after it or nothing.
NUMBERED_COMPOUND: Final = re.compile(r"[0-9]{1,3}号?(?:小区|街坊)(?![\u4e00-\u9fff])")
# A natural village (自然村) under its administrative one, 楼 allowed inside its name (王楼自然村).
NATURAL_VILLAGE: Final = re.compile(f"(?:{_name('省市区县号楼村')}|{_INNER_LOU}){{1,8}}?自然村")
# A number inside a compound's name (奥林80小区, 创新128国际公寓, 绿地21新城), with buildings after.
COMPOUND_WITH_DIGITS: Final = re.compile(
    f"{_name('号楼栋幢座室户层单')}{{2,12}}[0-9]{{1,3}}{_name('号楼栋幢座室户层单区期')}{{0,6}}?"
    f"(?:{_COMPOUND_SUFFIX}|院)(?=[0-9]+(?:号楼|栋|幢|座|-))"
)
_ID: Final = r"[A-Z]?[0-9]+(?:[A-Z](?![A-Z]))?|[A-Z]"
_ROOM_MARK: Final = r"(?:号房|室|户|号|房)?"
SHORT4: Final = re.compile(rf"([0-9]+)-({_ID})-([0-9]+|[A-Z])-((?:{_ID})){_ROOM_MARK}(?![0-9A-Z-])")
SHORT3: Final = re.compile(rf"({_ID})-([0-9]+|[A-Z])-({_ID}){_ROOM_MARK}(?![0-9A-Z-])")
SHORT_FLOOR: Final = re.compile(rf"({_ID})-([0-9]+)(?:-([0-9]+))?(?:楼|层)")
# A range of floors, as `folding.prepare_text` keeps it (5—8楼, 8~9层, 五至八层 → 5至8楼).
FLOOR_RANGE: Final = re.compile(r"([0-9]+)至([0-9]+)(?:楼|层|F)")
SHORT2: Final = re.compile(rf"({_ID})-({_ID}){_ROOM_MARK}(?![0-9A-Z-])")
NUMBER: Final = re.compile(
    r"([甲乙丙丁]?)([0-9]+)(?:[-之]([0-9]+))?(号院|号|院|弄)(?![楼栋幢座])(?:[之附]([0-9]+)号?)?"
)
BUILDING: Final = re.compile(
    rf"({_ID}|[甲乙丙丁][0-9]+)(号楼|号栋|号幢|号座|栋|幢|撞|座|楼|号)(?!院)"
)
# Compounds whose "N号" is a building (奥林花园24号); a village's is its door (红晓新村116号).
HOUSING: Final = (
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
    "邸",
    "大厦",
    "区",
    "里",
)


TOWER: Final = ("大厦", "大楼", "写字楼")
SHOP_WORD: Final = re.compile("[铺店档]|商铺|门面|摊位|商服")
# A shop's word written before its number (商铺12号, 门面16号; 商服: 商业服务用房, as the
# north-east writes a shop unit): the number is the shop's, a room.
SHOP_BEFORE: Final = frozenset({"商铺", "门面", "商服", "摊位", "铺位", "店面"})
SHOP_NUMBER: Final = re.compile(r"([A-Z]?[0-9]+)号?(?![0-9A-Z\-号院楼栋幢座单层室户])")


def is_park(compound: str) -> bool:
    """Parks and zones number their buildings into the thousands (复兴工业园1113号, 五堡1区)."""
    return compound.endswith(("工业园", "园区", "工业区")) or (
        compound.endswith("区") and not compound.endswith("小区")
    )


def is_housing(found: dict[str, str]) -> bool:
    """A compound of buildings, not a village (whose "N号" are doors): 奥林花园, 时代广场."""
    compound = found.get("compound", "")
    return (
        compound.endswith(HOUSING + _HOLDS_BUILDINGS) or MARKET.search(compound) is not None
    ) and "村" not in compound


# Besides housing compounds, names whose "N-M号" is a building and a room (时代广场7-3号).
_HOLDS_BUILDINGS: Final = ("广场", "大厦", "大楼", "中心", "公馆", "山庄", "时代")
# Names written right after a road's door whose "N号" is a building in them (清水湾173号).
AFTER_DOOR_COMPOUND: Final = (*HOUSING, *_HOLDS_BUILDINGS, "湾")


BARE_ROOM: Final = re.compile(r"[0-9]{3,4}(?:室|户|房)?(?![0-9A-Z\-号楼栋幢座单门层])")
MARKET: Final = re.compile(r"市场|商城|商场|交易|批发|鞋城|纺城|贸城|步行街|物流")
NOT_ADDRESS: Final = re.compile(
    r"(?:19|20)[0-9]{2}(?=年|级|届|[春夏秋冬]季?|学年|学期)"
    r"|[0-9]+(?:米|公里)(?:处|左右)?"  # 往东400米, 东北130米: a distance, no address number
    r"|4S(?=店)"  # 马自达4S店: a car dealer's kind, no room
    # A phone written into the address cell (幸福路10号 138-1234-5678, 3号楼 0371-65432109):
    # no building, unit and room (no unit is numbered 1234, no building 0371).
    r"|(?<![0-9])(?:1[3-9][0-9](?:-[0-9]{4}-[0-9]{4}|[0-9]{8})|0[1-9][0-9]{1,2}-[0-9]{7,8})"
    r"(?![0-9\-])"
)
# A junction written after the road (濉溪路与蒙城路交叉口, 建设南路亲贤北街交叉口, 体育南大街
# 与塔北路交叉口), with the way and distance from it (交叉口南行200米): where the place is, not
# a name of it; the compound after it (…交叉口新天地购物广场) is read on its own.
_JUNCTION_ROAD: Final = (
    r"(?:[0-9]{1,4}(?:国道|省道)|(?:(?!号)[\u4e00-\u9fff])(?:(?!号)[\u4e00-\u9fff0-9]){0,9}?"
    r"(?:大道|大街|路|街|道|巷|线))[东西南北]?"
)
JUNCTION: Final = re.compile(
    rf"(?:(?:{_JUNCTION_ROAD})?[与和、]|[与和、]?){_JUNCTION_ROAD}"
    r"(?:交叉路口|交叉口|十字路口|交汇处|交汇口|交汇|交界处|交口|路口)"
    r"(?:(?:向|往|以)?[东西南北]{1,2}(?:(?:侧|角|面|方向|行)?[0-9]+(?:米|公里)(?:处|左右)?"
    r"(?:路[东西南北])?|侧|角|方向))?"
)
# A section of a road named only by its side (春熙路南段8号, 鄞县大道中段1771号): the doors
# run on along the road, so it is no part of the road, and no compound either (the compound
# comes after it: 剑门路西段海珂三千城).
SIDE_SECTION: Final = re.compile(r"[东西南北中]段")
# A branch road numbered along its road (建新北路二支路9号, 五一大道一支路): like a numbered lane
# (永新街一巷) it is named with its road, not a side road of its own.
NUMBERED_BRANCH: Final = re.compile(
    r"(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})(?:支路|横路|横街|支巷)"
)
# A national or provincial highway named by its number (204国道, 221省道): a road, also after
# a zone glued before it (天易示范区107国道), not a lane numbered within a place (松园新村3巷).
HIGHWAY: Final = re.compile(r"[0-9]{2,3}(?:国道|省道)")
# A zone's rank written before its name (国家级经济技术开发区, 省级高新区): no part of the name.
ZONE_RANK: Final = re.compile(
    r"(?:国家|省)级(?=[\u4e00-\u9fff]{0,10}?(?:开发区|新区|园区|示范区|工业园|保税区|自贸区|集聚区))"
)
ROAD_END: Final = re.compile("[路街巷弄]|(?<=大)道")
BUILDING_RANGE: Final = re.compile(r"([0-9]+)-([0-9]+)(?:号楼|号栋|号幢|栋|幢)")
BUILDING_STRONG: Final = re.compile(r"([0-9]+[A-Z]?)(?:号楼|号栋|号幢|栋|幢)")
# 单元, 门; "8单583" (单元 cut short) and 梯 (Guangdong's staircase, 二梯1483) too.
UNIT: Final = re.compile(
    r"([0-9]+|[A-Z])(?:单元|门(?!面)|单(?=[0-9])|梯(?=[0-9]))|([东西南北中])单元"
)
# After a building, "128号" before a room is the entrance (宁舟新村98幢128号1466室); in a
# market, a lane or row between the area and the stall (国际商贸城4区166街40028).
# Not before a floor: in 110栋4号6楼 the 4号 is the room, on the sixth floor.
ENTRANCE: Final = re.compile(r"([0-9]+)号(?=-?[0-9]+(?![0-9]|楼|层|F))")
# A row of houses (12排59号), numbered like a building.
ROW: Final = re.compile(r"([A-Z]?[0-9]+)排(?=[0-9])")
ROOM_ON_FLOOR: Final = re.compile(r"([0-9]+)号(-|B|负|地下)?([0-9]+)(?:楼|层)")
LANE: Final = re.compile(r"([0-9]+)(?:街|排)(?=[0-9]+(?![0-9]*[栋幢座]|[0-9]*号?楼))")
ROOM_RANGE: Final = re.compile(r"([0-9]{3,})-([0-9]{3,})(?:室|号)?(?![0-9-])")
# A 附号 after a road's 门牌号: "9号-7", one or two digits and nothing numbered after them.
ANNEX: Final = re.compile(r"-([0-9]{1,2})(?![0-9A-Z\-号院弄楼栋幢座单门层室户店铺商])")
# In a market, a range of stalls (华东农贸市场74-78号).
STALL_RANGE: Final = re.compile(r"([0-9]+)-([0-9]+)号?(?![0-9-])")
BLOCK: Final = re.compile(r"[A-Z]座(?=[0-9])")
FLOOR: Final = re.compile(r"(-|B|负|地下)?([0-9]+)(?:层|F(?![0-9]*[号楼栋幢座]))")
SUBAREA: Final = re.compile(
    r"([东西南北中]?[0-9]{1,2}|[A-Z][0-9]?|[东西南北中])(区|期|组团)"
    f"(?=[0-9A-Z]|[东西南北中]?[0-9]|(?<=[0-9]期)[{CJK}]|(?<=[0-9]区)[{CJK}](?!路|街|道|巷))"
)
# A numbered gate of a market or mall, with the floor behind it: "41号门一楼", "B6号门7楼";
# in a market also before a lane or a stall ("97号门15街11楼62407", "8F3号门67851").
GATE: Final = re.compile(r"[A-Z]?[0-9]+号门(?=(?:-|B|负|地下)?[0-9]+(?:楼|层|F))")
MARKET_GATE: Final = re.compile(r"[A-Z]?[0-9]+号门(?=[0-9]+(?:街|排)|[0-9]{4,}|[0-9]+F)")
# Malls and office towers, whose "N楼" is a floor even before a room ("福雷德广场11楼207-1").
MALL: Final = re.compile(
    r"大厦|广场|商城|商场|市场|中心|大楼|写字楼|购物|商贸城|轻纺城|百货|大世界|酒店|宾馆|创业园|"
    r"科技园|产业园|工业园|电商园|交易区|实验楼|商务楼"
)
BLOCK_ROOM: Final = re.compile(r"([0-9]{1,3}[A-Z])([0-9]{2,5})(?:室|号|房)?(?![0-9A-Z\-])")
FLOOR_NEXT: Final = re.compile(r"(?:-|B|负|地下)?[0-9]+(?:楼|层|F)")
GLUED_ROOM: Final = re.compile(r"([0-9]{1,4}[A-Z][0-9]{2,5})(?:室|号|房)?(?![0-9A-Z])")
STALL: Final = re.compile(r"([A-Z]?[0-9]+)号(?![楼栋幢座院0-9])")
FLOOR_LOU: Final = re.compile(r"(-|B|负|地下)?([0-9]+)楼")
# A room's own word (室, 户, 房) ends it, whatever follows (301室13812345678: a phone after it);
# without one, or after 号, no digit may follow.
ROOM: Final = re.compile(
    rf"((?:[东西南北中前后][厢]?)?(?:{_ID})(?:-[0-9]+)?)(?:号房|室|户|房|号?(?![0-9]))"
)
# A letter and one digit standing alone (A6, C3号) is a block; with more digits (A1264) a room.
DIGIT_BLOCK: Final = re.compile(r"([0-9]{1,2}[A-Z])(?![0-9A-Z\-室户房楼层栋幢座单门号])")
LETTER_BLOCK: Final = re.compile(r"([A-Z][0-9])号?(?![0-9A-Z\-室户房楼层栋幢座单门])")
# A name (not a marker, a gate or a room's word) right after "N号": 12号仓库, 6号艾仕顿马丁.
NAME_AFTER: Final = re.compile(f"(?![门室户房间楼层])[{CJK}]")
# A market's or compound's area ending its name (A区, 3区, 二期).
AREA_END: Final = re.compile(r"[0-9A-Z东西南北中][区期]$")
# A block letter and a range of shops in it (A267-268号); with fewer digits H11-12 is
# block H11, room 12 as often as a range.
LETTER_RANGE: Final = re.compile(r"([A-Z])([0-9]{3,})-([0-9]{3,})(?:室|号)?(?![0-9A-Z\-])")
JUNK: Final = re.compile(r"[^0-9A-Z]|.")
CJK_CHAR: Final = re.compile(f"[{CJK}]")
# Characters that end a marker, not a name (10号5楼, 3号院2楼).
AFTER_MARK: Final = frozenset("号院楼栋幢座单元门层室户区期")


def code_of(text: str) -> str:
    return strip_leading_zeros(text)
