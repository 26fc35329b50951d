"""The tail of an address: buildings, units, floors and rooms after the road and the compound.

One token at a time (`tail_token`), read against what is already known, which is where the
parser's ambiguity lives (3号 a building or a room, 5楼 a building or a floor). Pure Python.
"""

from __future__ import annotations

import re
from typing import Final

from wangge.addresses.grammar import (
    AFTER_DOOR_COMPOUND,
    AFTER_MARK,
    ANNEX,
    AREA_END,
    BARE_ROOM,
    BLOCK,
    BLOCK_ROOM,
    BUILDING,
    BUILDING_RANGE,
    BUILDING_STRONG,
    CJK,
    CJK_CHAR,
    DIGIT_BLOCK,
    ENTRANCE,
    FIRST_DIGIT,
    FLOOR,
    FLOOR_LOU,
    FLOOR_NEXT,
    FLOOR_RANGE,
    GLUED_ROOM,
    HOUSING,
    LANE,
    LETTER_BLOCK,
    LETTER_RANGE,
    MALL,
    MARKET,
    NAME_AFTER,
    NUMBER,
    ROAD_END,
    ROOM,
    ROOM_ON_FLOOR,
    ROOM_RANGE,
    ROW,
    SHOP_BEFORE,
    SHOP_NUMBER,
    SHOP_WORD,
    SHORT2,
    SHORT3,
    SHORT4,
    SHORT_FLOOR,
    STALL,
    STALL_RANGE,
    SUBAREA,
    TOWER,
    UNIT,
    code_of,
    is_housing,
    is_park,
)
from wangge.core.reasons import Reason, joined


def add_doubt(found: dict[str, str], text: str) -> None:
    """Add a doubt to those already found. Doubts are `core.reasons.Reason`s (their text the
    Chinese, "；"-joined as before), so the parse-addresses API says them in English too."""
    found["doubt"] = joined([found["doubt"], text]) if found.get("doubt") else text


def tail_token(s: str, pos: int, found: dict[str, str]) -> int:
    """Read one number-bearing token at ``pos``; return the new position or 0."""
    has_number = "number" in found
    has_building = "building" in found
    has_unit = "unit" in found
    has_room = "room" in found

    if not has_room and not has_number and s.endswith(found.get("road", "?"), 0, pos):
        m = _SHOP_AFTER_ROAD.match(s, pos)
        if m:
            # 幸福路16门面: the sixteenth shop front, or the shop at door 16.
            found["room"] = code_of(m.group(1))
            add_doubt(
                found,
                Reason(
                    "“%(written)s”按户室（商铺）读，也可能是门牌号%(room)s",
                    written=m.group(),
                    room=found["room"],
                ),
            )
            return m.end()
    if not has_room and ("road" in found or has_building) and s[pos - 2 : pos] in SHOP_BEFORE:
        m = SHOP_NUMBER.match(s, pos)
        if m:
            found["room"] = code_of(m.group(1))  # 幸福小区商铺12号: the shop, a room
            return m.end()
    if "A" <= s[pos] <= "Z":
        if pos > 0 and "A" <= s[pos - 1] <= "Z":
            return 0  # 中天MCC5号楼, mcc10座: a letter inside a word of letters starts no code
        m = _LETTERS_CODE.match(s, pos)
        if m and not has_room:
            found["room"] = m.group(1)  # 华东国际珠宝城DA1266: one stall's code, kept whole
            return m.end()
    if not has_room and not has_building:
        m = LETTER_RANGE.match(s, pos)
        if m and 0 < int(m.group(3)) - int(m.group(2)) < 20 and len(m.group(2)) == len(m.group(3)):
            # 中南建材市场A267-268号, 袍江工业西区E31-32: block A, shops 267 to 268.
            found["building"] = m.group(1)
            found["room"] = f"{code_of(m.group(2))}-{code_of(m.group(3))}"
            return m.end()
    if not has_room and (has_number or has_building or "road" not in found):
        m = ROOM_RANGE.match(s, pos) or (
            STALL_RANGE.match(s, pos) if MARKET.search(found.get("compound", "")) else None
        )
        if m and 0 < int(m.group(2)) - int(m.group(1)) < 20 and len(m.group(1)) == len(m.group(2)):
            found["room"] = f"{code_of(m.group(1))}-{code_of(m.group(2))}"  # 605-606室: two rooms
            return m.end()
    if not has_unit and not has_room:
        m = BUILDING_RANGE.match(s, pos)
        if m and not has_number and not has_building and ROAD_END.match(s, pos - 1):
            # 保健路7-11幢: right after a road, the road's door and a building behind it
            # (a road holds doors, not buildings; 复地连城国际3-2幢 stays building "3-2").
            found["number"] = code_of(m.group(1))
            found["building"] = code_of(m.group(2))
            add_doubt(
                found,
                Reason(
                    "“%(written)s”按门牌号%(number)s、%(building)s幢读",
                    written=m.group(),
                    number=found["number"],
                    building=found["building"],
                ),
            )
            return m.end()
        if m and (not has_building or found["building"].isalpha()):
            if has_building:
                found["compound"] = found.get("compound", "") + found["building"] + "座"
            found["building"] = f"{code_of(m.group(1))}-{code_of(m.group(2))}"  # 3-11号楼
            return m.end()
        if has_building and found["building"].isalpha() and len(found["building"]) == 1:
            m = BUILDING_STRONG.match(s, pos)
            if m:
                # A座14号楼9-639: the block is part of the compound, the building is 14.
                found["compound"] = found.get("compound", "") + found["building"] + "座"
                found["building"] = code_of(m.group(1))
                return m.end()

    if "floor" in found and not has_room and not has_unit:
        m = STALL.match(s, pos)
        if m:
            found["room"] = code_of(m.group(1))  # 联合市场C区6楼423号: a stall on the floor
            return m.end()
    if not has_number and not has_building and not has_room:
        m = SHORT4.match(s, pos)
        if m and "road" not in found and is_housing(found):
            # 双益小区2-6-5-1187: a housing compound has no door of its own, so the four
            # parts are building, unit, floor and room.
            found["building"] = code_of(m.group(1))
            found["unit"] = code_of(m.group(2))
            found["floor"] = code_of(m.group(3))
            found["room"] = code_of(m.group(4))
            return m.end()
        if m:
            # 将军路1326-11-6-434: after a road the first is its door.
            found["number"] = code_of(m.group(1))
            found["building"] = code_of(m.group(2))
            found["unit"] = code_of(m.group(3))
            found["room"] = code_of(m.group(4))
            return m.end()
        m = NUMBER.match(s, pos)
        if (
            m
            and m.group(3)
            and m.group(4) != "弄"
            and (is_housing(found) or found.get("compound", "").endswith("新村"))
        ):
            # 时代广场7-3号: building 7, room 3 (read below), not a door number.  A 新村 is
            # an estate of buildings (秀湖新村92-9号 as 秀湖新村92-9), not a village's doors.
            if not is_housing(found):
                add_doubt(
                    found,
                    Reason("“%(written)s”按楼栋、户室读，也可能是门牌号及附号", written=m.group()),
                )
            m = None
        if (
            m
            and (
                ("road" not in found and "compound" in found)
                or ("road" in found and not found["road"].endswith("弄") and _after_name(s, pos))
            )
            and m.group(4) == "号"
            and not m.group(3)
            and BARE_ROOM.match(s, m.end())
        ):
            # 丰家兜71号1717, 通河三村941号1192室: a compound's building, then the room;
            # after a road, when a name stands between (解放路丰家兜15号2278), likewise.
            found["building"] = m.group(1) + code_of(m.group(2))
            if "road" in found:
                add_doubt(found, Reason("“%(written)s”按楼栋读，也可能是门牌号", written=m.group()))
            return m.end()
        if (
            m
            and "road" in found
            and "compound" not in found
            and m.group(4) == "号"
            and len(m.group(2)) >= 3
            and s.endswith(found["road"], 0, pos)
            and UNIT.match(s, m.end())
        ):
            # 马市街580号10单元1326室: right after a road, three or four digits N号 are its door
            # even before a unit (a road holds doors; 幸福路3号2单元 stays building 3); the
            # matcher still tries N as the building when no such door is registered.
            found["number"] = m.group(1) + code_of(m.group(2))
            add_doubt(
                found,
                Reason(
                    "“%(written)s”按门牌号读，也可能是%(number)s号楼",
                    written=m.group(),
                    number=found["number"],
                ),
            )
            return m.end()
        if m and not (m.group(4) == "号" and UNIT.match(s, m.end())):
            number = m.group(1) + code_of(m.group(2))
            sub = m.group(3) or m.group(5)
            end_at = m.end()
            if not sub and m.group(4) == "号" and "road" in found:
                a = ANNEX.match(s, end_at)
                if a:
                    # 老杭海路9号-7: the 门牌号 with its 附号 written after the 号.
                    sub, end_at = a.group(1), a.end()
                    add_doubt(
                        found,
                        Reason(
                            "“%(written)s”按门牌号及附号读，也可能是户室%(sub)s",
                            written=m.group() + a.group(),
                            sub=sub,
                        ),
                    )
            if sub:
                number += "-" + code_of(sub)
            if end_at != m.end():
                found["number"] = number
                return end_at
            compound = found.get("compound", "")
            a = (
                ANNEX.match(s, end_at)
                if not sub and "road" not in found and m.group(4) == "号" and compound
                else None
            )
            if a and is_housing(found) and not MARKET.search(compound):
                # 小洋岱工业园区175号-9: in a compound or park, as 时代广场7-3号, the
                # building and a room in it.
                found["building"] = number
                found["room"] = code_of(a.group(1))
                add_doubt(
                    found,
                    Reason(
                        "“%(written)s”按楼栋、户室读，也可能是门牌号及附号",
                        written=m.group() + a.group(),
                    ),
                )
                return a.end()
            word = _BUILDING_WORD.match(s, m.end()) if "road" not in found else None
            if word and m.group(4) == "号" and number.isdigit() and not SHORT3.match(s, word.end()):
                # 万达广场8号写字楼, 罗蒙电子商务67号仓库: N号 named as a building (office
                # block, warehouse, hall) is that building; after a road it stays the road's
                # door (龙翔路1766号仓库: the warehouse at door 1766), and before a building's
                # own code (7号厂房3-5-14) it only names the place.
                found["building"] = number
                return m.end()
            if (
                compound
                and ("road" not in found or _after_name(s, pos))
                and m.group(4) == "号"
                and number.isdigit()
                and FLOOR_NEXT.match(s, m.end())
                and not MARKET.search(compound)
                and not compound.endswith(("村", *TOWER))
            ):
                # 鑫湖家园11号6楼, 归谷园区902号13楼: a compound's building, then its floor.
                found["building"] = number
                add_doubt(found, Reason("“%(number)s号”按楼栋读，也可能是门牌号", number=number))
                return m.end()
            if (
                ("road" not in found or ("compound" in found and _after_name(s, pos)))
                and m.group(4) == "号"
                and not _continues(s, m.end())
                and FIRST_DIGIT.search(s, m.end()) is None  # nothing numbered after it
            ):
                if (
                    MARKET.search(compound)
                    and AREA_END.search(compound)
                    and len(number) < 3
                    and not has_unit  # 浙南鞋料市场A区14街8号: the lane's stall 8
                ):
                    # 青蟹批发交易中心A区14号: in a market's area, one or two digits number a
                    # hall (a building); three or more a stall (远大市场D区745号).
                    found["building"] = number
                    add_doubt(
                        found, Reason("“%(number)s号”按楼栋读，也可能是摊位号", number=number)
                    )
                    return m.end()
                if MARKET.search(compound):
                    found["room"] = number  # 小商品市场3348号, 远大市场D区745号: a stall
                    return m.end()
                if compound.endswith(TOWER) and number.isdigit() and len(number) >= 3:
                    found["room"] = number  # 金昌商务大厦1788号: an office in the tower
                    return m.end()
                if (
                    compound.endswith(HOUSING)
                    and number.isdigit()
                    and len(number) >= 4
                    and not (len(number) == 4 and is_park(compound))
                ):
                    # 文华小区3115号, 毛衫城2163号: four digits number a room or a shop.
                    found["room"] = number
                    add_doubt(
                        found,
                        Reason("“%(number)s号”按户室读，也可能是门牌号或楼栋号", number=number),
                    )
                    return m.end()
                if _PHASE_END.sub("", compound).endswith(HOUSING) and number.isdigit():
                    # 奥林花园24号, 黎明工业区28号旁超市, 东方郡公寓东期4号: a compound's
                    # building (its phase written with it).
                    found["building"] = number
                    add_doubt(
                        found,
                        Reason("“%(number)s号”按楼栋读，也可能是门牌号或户室号", number=number),
                    )
                    return m.end()
            found["number"] = number
            return m.end()

    if not has_room and "floor" not in found:
        m = FLOOR_RANGE.match(s, pos)
        if m:
            # 5—8楼, 8~9层: a shop over several floors, not a building and its floor.
            found["floor"] = f"{code_of(m.group(1))}-{code_of(m.group(2))}"
            return m.end()
    if not has_room and not has_unit and "floor" not in found:
        m = SHORT_FLOOR.match(s, pos)
        if m and m.group(3) and not has_building:
            # 南市小区8-11-7楼: building 8, door 11 in it, on the seventh floor.
            found["building"] = code_of(m.group(1))
            found["room"] = code_of(m.group(2))
            found["floor"] = code_of(m.group(3))
            return m.end()
        if m and not m.group(3):
            # 7-4楼1477: building 7, fourth floor; after a building (151栋454-7楼) the
            # first number is the door in it.
            found["room" if has_building else "building"] = code_of(m.group(1))
            found["floor"] = code_of(m.group(2))
            if (
                m.group(1).isdigit()
                and int(m.group(1)) < int(m.group(2))
                and FIRST_DIGIT.search(s, m.end()) is None  # a room after: one floor
            ):
                # 香年广场5-10楼: building 5, floor 10 (so the corpus reads it 3 times of 4),
                # or a shop over floors 5 to 10 (written 5—10楼 or 5~10楼 it is the range);
                # after a building (104号楼1-4层) door 1 on floor 4, or floors 1 to 4.
                first = (
                    Reason("%(number)s号", number=m.group(1))
                    if has_building
                    else Reason("%(number)s栋", number=m.group(1))
                )
                add_doubt(
                    found,
                    Reason(
                        "“%(written)s”按%(first)s、%(high)s层读，也可能是%(low)s至%(high)s层",
                        written=m.group(),
                        first=first,
                        high=m.group(2),
                        low=m.group(1),
                    ),
                )
            return m.end()
    if not has_building and not has_room:
        m = SHORT3.match(s, pos) or (_SIDE_SHORT3.match(s, pos) if "-" in s else None)
        if m:
            # 3-2-301; 西门小区951-东-1122, 翡翠公馆11-东单元-1565: a unit named by its side
            found["building"] = code_of(m.group(1))
            found["unit"] = code_of(m.group(2))
            found["room"] = code_of(m.group(3))
            return m.end()
        m = _LETTER_DASH_BUILDING.match(s, pos) if "-" in s else None
        if m:
            found["building"] = f"{m.group(1)}-{code_of(m.group(2))}"  # 科创园A-6栋: one code
            return m.end()
    if not has_room and not has_unit and not has_building and "-" in s and "单" in s:
        m = _SHORT_UNIT.match(s, pos)
        if m and ("compound" in found or "road" not in found):
            # 翠苑4区8-6单元1342, 石马小区4-11单元-1242: building 8, unit 6 (marked), then the
            # room; not right after a road, whose door it may be.
            found["building"] = code_of(m.group(1))
            found["unit"] = code_of(m.group(2))
            return m.end()
    if not has_room and not has_unit:
        m = SHORT2.match(s, pos)
        if (
            m
            and "floor" not in found
            and CHONGQING in (found.get("province"), found.get("city"))
            and has_number
            and not has_building
            and s.startswith("号", pos - 1)  # right after the road's door
            and len(m.group(2)) <= 2
            and int(m.group(1)) <= 60
        ):
            # 重庆…民族路168号15-2: Chongqing writes the floor and the door on it (15楼2号)
            # right after the road's door; elsewhere 幸福路10号3-301 is 3栋301室 (said in doubt).
            # After a block or a compound (124栋9-12, 水晶国际10-7) ledgers there differ: kept.
            found["floor"] = code_of(m.group(1))
            found["room"] = code_of(m.group(2))
            add_doubt(
                found,
                Reason(
                    "“%(written)s”按重庆的写法读作%(floor)s楼%(room)s号，也可能是%(floor)s栋%(room)s室",
                    written=m.group(),
                    floor=found["floor"],
                    room=found["room"],
                ),
            )
            return m.end()
        if m and "floor" in found and not has_building:
            # 福雷德广场11楼207-1: on a floor, a shop's number with its sub-number.
            found["room"] = f"{code_of(m.group(1))}-{code_of(m.group(2))}"
            return m.end()
        if m:
            found["unit" if has_building else "building"] = code_of(m.group(1))
            found["room"] = code_of(m.group(2))
            return m.end()

    if not has_building and not has_unit and not has_room and "floor" not in found:
        m = _LETTER_FLOOR.match(s, pos)
        if m and not (pos > 0 and "A" <= s[pos - 1] <= "Z"):
            # 滨安路1818号A82层, 民生金融中心A153楼, 杭州大厦A一楼: a block's letter glued to
            # its floor (the corpus labels the letter the building 4 times of 4 it labels one
            # at all); not B, F or L, which start a floor themselves (B1层 is the basement).
            found["building"] = m.group(1)
            found["floor"] = code_of(m.group(2))
            add_doubt(
                found,
                f"“{m.group()}”按{m.group(1)}座{found['floor']}层读，"
                f"也可能是{m.group(1)}{found['floor']}号楼",
            )
            return m.end()
    if not has_building and not has_unit and not has_room:
        m = _SIDE_TOWER.match(s, pos)
        if (
            m
            and _after_name(s, pos)
            and (
                m.end() == len(s)
                or not FIRST_DIGIT.match(s, m.end())
                or FLOOR_NEXT.match(s, m.end())
            )
        ):
            # 文华大厦西座三楼, 华丽园北座大堂: a tower named by its side is the building (the
            # corpus labels it so each time nothing numbered but a floor follows); before a
            # number (东方大厦东座146-6, 东座2310室) ledgers differ, so it stays in the rest.
            found["building"] = m.group(1)
            return m.end()
        m = ROW.match(s, pos)
        if m:
            found["building"] = code_of(m.group(1))  # 九堡家苑3区12排59号: row 12, door 59
            return m.end()
        m = BUILDING.match(s, pos)
        if m:
            value, marker = code_of(m.group(1)), m.group(2)
            after = m.end()
            if marker == "号" and (after >= len(s) or not _continues(s, after)):
                if not has_number and "compound" in found and len(value) < 4:
                    found["building"] = value  # 奥林花园24号: a compound's building
                    add_doubt(found, Reason("“%(value)s号”按楼栋读，也可能是户室号", value=value))
                    return after
                compound = found.get("compound", "")
                if (
                    has_number
                    and AREA_END.sub("", compound).endswith(AFTER_DOOR_COMPOUND)
                    and s.endswith(compound, 0, pos)  # the compound written right before it
                    and not MARKET.search(compound)
                    and not SHOP_WORD.match(s, after)
                    and len(value) < 4
                    and value.isdigit()
                    and FIRST_DIGIT.search(s, after) is None
                ):
                    # 孙塘北路3094号清水湾173号: after the door, a compound's building.
                    found["building"] = value
                    add_doubt(found, Reason("“%(value)s号”按楼栋读，也可能是户室号", value=value))
                    return after
                if (
                    has_number
                    and "road" in found
                    and value.isdigit()
                    and len(value) < 3
                    and NAME_AFTER.match(s, after)
                    and not SHOP_WORD.match(s, after)
                ):
                    # 中河路650号12号仓库: after the door, N号 with a name behind it is a
                    # building (a courtyard's room ends the address: 幸福路10号院1号).
                    found["building"] = value
                    add_doubt(found, Reason("“%(value)s号”按楼栋读，也可能是户室号", value=value))
                    return after
                found["room"] = value  # 幸福路10号院1号: a courtyard room; 文华小区3115号
                if has_number and "compound" not in found and s.startswith("号", pos - 1):
                    # 宏远路1820号12号 without 院: a courtyard's room here, though many ledgers
                    # mean the 12th building behind door 1820.
                    add_doubt(
                        found, Reason("“%(value)s号”按院内户室读，也可能是楼栋号", value=value)
                    )
                return after
            # N楼 may be a floor; A楼 and 4A楼 (a letter in it) name a building.
            if marker == "楼" and value.isdigit() and not UNIT.match(s, after):
                room = (
                    None
                    if LANE.match(s, after) or SUBAREA.match(s, after)
                    else ROOM.match(s, after)
                )
                named = (
                    room is not None
                    and pos > 0
                    and s[pos - 1] not in AFTER_MARK
                    and CJK_CHAR.match(s, pos - 1) is not None
                    and BARE_ROOM.fullmatch(room.group(1)) is not None
                )
                if named:
                    # 港湾商务酒店12楼1581, 银亿时代7楼939: N楼 right after a name, before a
                    # room, is the floor (as real ledgers write it), though it may be a block.
                    add_doubt(
                        found, Reason("“%(value)s楼”按楼层读，也可能是%(value)s号楼", value=value)
                    )
                if (
                    room is None
                    or named
                    or (room.group(1).startswith(value) and len(room.group(1)) > len(value))
                    or "A" <= room.group(1)[0] <= "Z"
                    or MALL.search(s, 0, pos)
                ):
                    # 3楼301: the third floor, room 301; 杭州大厦15楼, 8楼仓库: a floor; 7楼L883:
                    # a lettered shop or office on the seventh floor (homes are numbered).
                    found["floor"] = value
                    if room is None and not has_number and "compound" not in found:
                        add_doubt(found, Reason("“%(value)s楼”可能是楼栋号，按楼层读", value=value))
                    return after
                add_doubt(found, Reason("“%(value)s楼”按楼栋读，也可能是%(value)s层", value=value))
            found["building"] = value
            return after
    elif "floor" not in found and not has_room:
        m = FLOOR_LOU.match(s, pos)
        if m:
            found["floor"] = ("-" if m.group(1) else "") + code_of(m.group(2))
            return m.end()

    if (has_unit or has_room) and not has_building:
        m = BUILDING_STRONG.match(s, pos)
        if m and (not has_room or FIRST_DIGIT.search(s, m.end()) is None):
            # 财富广场7单元8号楼1340, 昌岗中路517号1915室8幢: written the other way
            found["building"] = code_of(m.group(1))
            return m.end()
    if not has_unit and not has_room:
        m = UNIT.match(s, pos)
        if m:
            found["unit"] = code_of(m.group(1) or m.group(2))
            return m.end()
        m = ROOM_ON_FLOOR.match(s, pos) if has_building else None
        if m:
            # 110栋4号6楼: after a building, the door in it, then its floor.
            found["room"] = code_of(m.group(1))
            found["floor"] = ("-" if m.group(2) else "") + code_of(m.group(3))
            return m.end()
        m = LANE.match(s, pos) or (ENTRANCE.match(s, pos) if has_building else None)
        if m:
            found["unit"] = code_of(m.group(1))
            return m.end()
    if not has_room and has_building:
        m = BLOCK.match(s, pos)
        if m:
            return m.end()  # 9栋A座1337室: the block letter adds nothing to the building
    if "floor" not in found and not has_room:
        m = FLOOR.match(s, pos)
        if m:
            found["floor"] = ("-" if m.group(1) else "") + code_of(m.group(2))
            return m.end()
    if not has_room and not has_building and not has_unit:
        m = BLOCK_ROOM.match(s, pos)
        if m:
            # 时代电子市场9B1161室, 幸福城润园6C2288室: building 9B, room 1161.
            found["building"] = code_of(m.group(1))
            found["room"] = code_of(m.group(2))
            add_doubt(
                found,
                Reason(
                    "“%(written)s”按%(building)s栋%(room)s室读",
                    written=m.group(),
                    building=m.group(1),
                    room=m.group(2),
                ),
            )
            return m.end()
    if not has_room and (has_unit or "floor" in found):
        m = _SIDE_HOUSEHOLD.match(s, pos)
        if m:
            # 三单元六楼西户, 5单元1楼东户: the household on that side of the landing (homes in
            # Henan, Shandong, Hebei are listed so), the room named by its side like 东3.
            found["room"] = m.group(1)
            return m.end()
    if not has_room and (has_building or "floor" in found):
        m = GLUED_ROOM.match(s, pos)
        if m:
            found["room"] = m.group(1)  # 7幢B座10B22室, 百脑汇9楼3C110: one room number
            return m.end()
    if not has_room and not has_building and not has_unit and "floor" not in found:
        m = LETTER_BLOCK.match(s, pos)
        if m:
            found["building"] = m.group(1)  # 沈家门国际水产城A6, 华领国际B3: a block, not a room
            return m.end()
        m = DIGIT_BLOCK.match(s, pos)
        if m and (has_number or "compound" in found) and not MALL.search(s, 0, pos):
            # 香榭公寓8C, 大港路1555号17B: a block; in a tower or mall (富春大厦43B) a room.
            found["building"] = m.group(1)
            return m.end()
        m = _PARK_BUILDING.match(s, pos)
        if (
            m
            and found.get("compound", "").endswith(_INDUSTRIAL)
            and s.endswith(found["compound"], 0, pos)  # written right after the park's name
            and MARKET.search(found["compound"]) is None
            and FIRST_DIGIT.search(s, m.end()) is None
        ):
            # 竹山工业区142, 正和电商园598: an industrial park numbers its buildings (as with
            # 号: 复兴工业园1113号); four digits (安通科技园1046) stay an office, the room.
            found["building"] = m.group(1)
            add_doubt(found, Reason("“%(written)s”按楼栋读，也可能是户室号", written=m.group(1)))
            return m.end()
        m = _TOWER_ROOM.match(s, pos)
        if m and _in_tower(s, pos, found):
            # 博科大厦A1382, 大运路10号A249: in an office tower (or right after the door) the
            # letter is the tower's block (A座) and the digits its office; in a market
            # (温西工具市场C997) the whole code is one stall, read as the room below.
            found["building"] = m.group(1)
            found["room"] = code_of(m.group(2))
            add_doubt(
                found,
                Reason(
                    "“%(written)s”按%(building)s座%(room)s室读，也可能是一个户室号",
                    written=m.group(1) + m.group(2),
                    building=m.group(1),
                    room=m.group(2),
                ),
            )
            return m.end()
    if not has_room:
        m = ROOM.match(s, pos)
        if (
            m
            and m.group(1).isdigit()
            and m.end(1) == m.end() < len(s)
            and _NAME_START.match(s, m.end())
            and _STRUCTURE.search(s, m.end())
        ):
            # 北苑4季2区117栋9单元437, 2小区85-9-1023: a bare number running into a name,
            # with a building written later, belongs to the name; the room comes later.
            return 0
        if (
            m
            and m.end(1) == m.end() == len(s)
            and m.group(1).isdigit()
            and len(m.group(1)) <= 2
            and not (has_number or has_building or has_unit or "floor" in found)
            and found.get("compound")
            and s.endswith(found["compound"], 0, pos)
        ):
            # 青口西区58, 杰丰电高大厦17; 孔墅村胡家塔98: one or two digits alone ending the
            # address right after a place's name number no room (none of nine in the corpus's
            # train and dev): after a compound of buildings (an estate, a zone's area, a
            # tower) the building (3 of 5), after a hamlet (no such suffix) its door (3 of 4).
            value = code_of(m.group(1))
            compound = found["compound"]
            if is_housing(found) or is_park(compound) or compound.endswith(TOWER):
                found["building"] = value
                add_doubt(found, f"“{value}”按楼栋读，也可能是门牌号或户室号")
            else:
                found["number"] = value
                add_doubt(found, f"“{value}”按门牌号读，也可能是楼栋号或户室号")
            return m.end()
        if m and not (m.group(1).isalpha() and _NAME_GOES_ON.match(s, m.end())):
            found["room"] = code_of(m.group(1))
            return m.end()
    return 0


# A block's letter glued to its floor (A82层, A153楼), no more digits after it.
_LETTER_FLOOR: Final = re.compile(r"([AC-EG-KM-Z])([0-9]+)(?:层|楼)(?![0-9A-Z])")
# A tower named by its side (西座, 北座).
_SIDE_TOWER: Final = re.compile("([东西南北])座")
# A shop's number with its word, no 号 between (16门面, 3商服).
_SHOP_AFTER_ROAD: Final = re.compile(r"([0-9]+)(?=门面|商服|商铺|铺位|店面)")
# A building, a unit named by its side, a room (951-东-1122, 11-东单元-1565).
_SIDE_SHORT3: Final = re.compile(
    r"([A-Z]?[0-9]+[A-Z]?)-([东西南北中])(?:单元)?-([A-Z]?[0-9]+[A-Z]?)(?:室|户|号|房)?(?![0-9A-Z\-])"
)
# A building's code of a letter, a dash and a number, with the building's marker (A-6栋).
CHONGQING: Final = "重庆市"
_SIDE_HOUSEHOLD: Final = re.compile(r"([东西南北中])(?:边)?户(?![0-9A-Z])")
_LETTER_DASH_BUILDING: Final = re.compile(r"([A-Z])-([0-9]+)(?:号楼|栋|幢)")
# A building and its unit with the unit's marker (8-6单元, 8-6单1342).
_SHORT_UNIT: Final = re.compile(r"([0-9]+[A-Z]?|[A-Z])-([0-9]+)(?:单元|单(?=[0-9]))")
# A character starting a name, not a marker (北苑4季…, 2小区…; not 1915室, 3排).
_NAME_START: Final = re.compile(f"(?![室户号房楼层栋幢座单门排])[{CJK}]")
# A building with its marker, or a building-unit-room shorthand, somewhere later.
_STRUCTURE: Final = re.compile(r"[0-9A-Z](?:号楼|栋|幢|座)|[0-9]+-[0-9]+-[0-9]+")


# A compound's phase written after its name (东方郡公寓东期, 慈湖人家2期).
_PHASE_END: Final = re.compile(r"[0-9A-Z东西南北中]期$")
# Words that name a building after its number (8号写字楼, 67号仓库, 15号馆).
_BUILDING_WORD: Final = re.compile(
    "写字楼|办公楼|综合楼|教学楼|宿舍楼|实验楼|行政楼|研发楼|厂房|仓库|库(?![区存])|馆"
)
# Two or three letters and a number, standing alone: one code (DA1266, CD2601), no building.
_LETTERS_CODE: Final = re.compile(
    r"([A-Z]{2,3}[0-9]{2,5})(?:室|号(?![楼栋幢座]))?(?![0-9A-Z\-号楼层栋幢座单门])"
)
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
    if MARKET.search(before) or "购物" in before:
        return False
    if before.endswith(_OFFICE):
        return True
    return "number" in found and "road" in found and before.endswith("号")


# A letter that starts a word (EAC大楼, mcc大厦, e电园, C区) is no room.
_NAME_GOES_ON: Final = re.compile(f"[A-Z{CJK}]")


# A side or a letter continues only as a code (东3, A座, B区), not as the first character of a
# name (盛都花苑92号中脉…, 8号LACA形体…).
_CONTINUATION: Final = re.compile(
    f"[0-9甲乙丙丁]|[A-Z](?![A-Z]{{2}})|[东西南北中](?![{CJK}](?<![区侧单座楼栋幢门])|$)"
)


def side_of_building(s: str, pos: int, found: dict[str, str]) -> bool:
    """Whether a side (东/西/南/北) written before ``pos`` says where a building stands: before
    a building with its marker (东10幢), a three-part shorthand (东45-5-1433) or, right after
    a place's name, a two-part one (聚宝电商园西4-3); "幸福路10号东3-1" stays a room."""
    if BUILDING_STRONG.match(s, pos) or SHORT3.match(s, pos):
        return True
    return "room" not in found and _after_name(s, pos - 1) and SHORT2.match(s, pos) is not None


def _after_name(s: str, pos: int) -> bool:
    """Whether a place's name, not a road's type or a marker, is written right before ``pos``."""
    return (
        pos > 0 and s[pos - 1] not in _ROAD_OR_MARK_END and CJK_CHAR.match(s, pos - 1) is not None
    )


_ROAD_OR_MARK_END: Final = frozenset("路街道巷弄条里同线组段村东西南北号院楼栋幢座单元门层室户")


def _continues(s: str, pos: int) -> bool:
    """Whether another number-bearing token follows (so "3号" was a building)."""
    return bool(_CONTINUATION.match(s, pos))
