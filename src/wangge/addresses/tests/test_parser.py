"""Specification of :func:`wangge.addresses.parser.parse_address`.

Examples first (each is a way clerks really write addresses), then properties: a
registry room written in any of the common styles parses back to its components,
and no input whatsoever makes the parser raise.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wangge.addresses.numerals import int_to_chinese, to_halfwidth
from wangge.addresses.parser import (
    ParsedAddress,
    _parse,
    fold,
    format_address,
    parse_address,
    prepare_text,
    strip_leading_zeros,
)

FULL = "北京市朝阳区三里屯街道幸福一村社区幸福路10号院3号楼2单元301室"
ROOM_3_2_301 = {"road": "幸福路", "number": "10", "building": "3", "unit": "2", "room": "301"}


def components(parsed: ParsedAddress) -> dict[str, str]:
    """The written components of a parse, without empty ones."""
    return {k: v for k, v in dataclasses.asdict(parsed).items() if v}


# -- the examples from the ledgers ---------------------------------------------------


def test_full_address_with_every_level() -> None:
    assert components(parse_address(FULL)) == {
        "city": "北京市",
        "district": "朝阳区",
        "street": "三里屯街道",
        "community": "幸福一村社区",
        **ROOM_3_2_301,
    }


@pytest.mark.parametrize(
    "text",
    [
        "幸福路十号3-2-301",
        "幸福路10号院三号楼二单元301",
        "幸福路10号3栋2单元301户",
        "幸福路拾号院3幢2单元301",
        "幸福路10号3号楼二单元三〇一",
        "幸福路10号三号楼二单元三零一室",
        "幸福路10号3#楼2-301",
        "幸福路10号3号2单元301",
        "幸福路10号3号楼2单元0301",
        "幸福路１０号３号楼２单元３０１室",
        "幸 福 路 10 号 3 2 301",
        "幸福路10号 3/2/301",
        "地址：幸福路10号3号楼2单元301室",
        "幸福路10号（3号楼）2单元301",
        "幸福路10号3号楼第二单元301",
        "幸福路10号3号楼2单元301号",
        "幸福路10号3幢二门301",
        "幸福路10号—3—2—301",
        "幸福路10-3-2-301",
    ],
)
def test_written_variants_of_one_room(text: str) -> None:
    assert components(parse_address(text)) == ROOM_3_2_301


def test_traditional_characters() -> None:
    assert components(parse_address("朝陽區幸福路10號3號樓2單元301室")) == {
        "district": "朝阳区",
        **ROOM_3_2_301,
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10号楼2门301", {"building": "10", "unit": "2", "room": "301"}),
        ("３号楼２单元３０１", {"building": "3", "unit": "2", "room": "301"}),
        ("3-2-301", {"building": "3", "unit": "2", "room": "301"}),
        ("3-301", {"building": "3", "room": "301"}),
        ("3号楼2-301", {"building": "3", "unit": "2", "room": "301"}),
        ("3号2单元301", {"building": "3", "unit": "2", "room": "301"}),
        ("A座1201", {"building": "A", "room": "1201"}),
        ("b座1201", {"building": "B", "room": "1201"}),
        ("301", {"room": "301"}),
    ],
)
def test_without_road(text: str, expected: dict[str, str]) -> None:
    assert components(parse_address(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幸福路10号东3", {"road": "幸福路", "number": "10", "room": "东3"}),
        ("幸福路10号院1号", {"road": "幸福路", "number": "10", "room": "1"}),
        ("幸福路10号院西厢12", {"road": "幸福路", "number": "10", "room": "西厢12"}),
        ("幸福路10号", {"road": "幸福路", "number": "10"}),
        ("幸福路10号院", {"road": "幸福路", "number": "10"}),
        ("幸福路甲10号", {"road": "幸福路", "number": "甲10"}),
        ("幸福路10-1号", {"road": "幸福路", "number": "10-1"}),
        ("幸福路10号之一", {"road": "幸福路", "number": "10-1"}),
        ("幸福路10之1号", {"road": "幸福路", "number": "10-1"}),
        ("幸福路010号", {"road": "幸福路", "number": "10"}),
    ],
)
def test_door_numbers_and_courtyards(text: str, expected: dict[str, str]) -> None:
    assert components(parse_address(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幸福一村小区3号楼2单元301", {"compound": "幸福一村小区"}),
        ("金台里5号楼3单元201", {"compound": "金台里"}),
        ("幸福家园10号院3号楼", {"compound": "幸福家园", "number": "10"}),
        ("幸福路10号院幸福小区3号楼", {"road": "幸福路", "number": "10", "compound": "幸福小区"}),
    ],
)
def test_compounds(text: str, expected: dict[str, str]) -> None:
    parsed = components(parse_address(text))
    assert parsed.items() >= expected.items()
    assert "road" in parsed or "road" not in expected


@pytest.mark.parametrize(
    ("text", "road"),
    [
        ("三里屯路10号", "三里屯路"),
        ("十里河路8号", "十里河路"),
        ("东四十条甲5号", "东四十条"),
        ("建国门外大街1号", "建国门外大街"),
        ("幸福北路5号", "幸福北路"),
        ("幸福路北10号", "幸福路北"),
        ("幸福路2巷5号", "幸福路2巷"),
        ("幸福路二巷5号", "幸福路2巷"),
        ("南锣鼓巷8号", "南锣鼓巷"),
        ("金鱼胡同3号", "金鱼胡同"),
        ("和平里东街11号", "和平里东街"),
        ("红旗路5号", "红旗路"),
        ("上海路5号", "上海路"),
        ("幸福一村路3号", "幸福一村路"),
    ],
)
def test_road_names_with_numerals_and_markers(text: str, road: str) -> None:
    assert parse_address(text).road == road


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "河北省石家庄市长安区幸福路10号",
            {"province": "河北省", "city": "石家庄市", "district": "长安区"},
        ),
        ("三门峡市湖滨区幸福路1号", {"city": "三门峡市", "district": "湖滨区"}),
        ("浦东新区幸福路1号", {"district": "浦东新区"}),
        ("北京朝阳区幸福路1号", {"city": "北京市", "district": "朝阳区"}),
        ("学院路街道幸福路5号", {"street": "学院路街道"}),
        ("幸福社区居委会幸福路5号", {"community": "幸福社区居委会"}),
        ("西长安街街道幸福路5号", {"street": "西长安街街道"}),
    ],
)
def test_administrative_prefixes(text: str, expected: dict[str, str]) -> None:
    parsed = components(parse_address(text))
    assert parsed.items() >= expected.items()
    assert parsed["road"] == "幸福路"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幸福路10号3号楼2单元3层301", {"building": "3", "unit": "2", "floor": "3", "room": "301"}),
        ("幸福路10号3楼301", {"floor": "3", "room": "301"}),
        ("幸福路10号3楼2单元301", {"building": "3", "unit": "2", "room": "301"}),
        ("幸福路10号3号楼2单元5楼501", {"building": "3", "unit": "2", "floor": "5", "room": "501"}),
        ("3号楼地下1层B101", {"building": "3", "floor": "-1", "room": "B101"}),
    ],
)
def test_floors(text: str, expected: dict[str, str]) -> None:
    assert components(parse_address(text)).items() >= expected.items()


def test_building_level_address_has_no_room() -> None:
    assert components(parse_address("幸福路10号3号楼")) == {
        "road": "幸福路",
        "number": "10",
        "building": "3",
    }


def test_junk_goes_to_rest() -> None:
    parsed = parse_address("幸福路10号3号楼2单元301（出租）")
    assert components(parsed) == {**ROOM_3_2_301, "rest": "出租"}


@pytest.mark.parametrize("text", ["", "   ", "\n", "？？？", "无", "-", "——"])
def test_empty_and_meaningless_input(text: str) -> None:
    parsed = parse_address(text)
    assert parsed.road is None and parsed.room is None and parsed.building is None


def test_results_are_cached_and_hashable() -> None:
    assert parse_address(FULL) is parse_address(FULL)
    assert len({parse_address(FULL), parse_address(FULL)}) == 1


def test_helpers() -> None:
    assert strip_leading_zeros("0301") == "301"
    assert strip_leading_zeros("东03") == "东3"
    assert strip_leading_zeros("0") == "0"
    assert fold("０３０１") == fold("三〇一") == "301"
    assert fold("东三") == "东3"
    assert fold("a") == "A"
    assert prepare_text("地址：３＃楼 二单元") == "3号楼2单元"
    assert format_address(parse_address("幸福路十号3-2-301")) == "幸福路10号3号楼2单元301室"


# -- properties ------------------------------------------------------------------------

ROADS = [
    "幸福路",
    "幸福北路",
    "光华路",
    "建国门外大街",
    "东四十条",
    "三里屯路",
    "十里河路",
    "南锣鼓巷",
    "金鱼胡同",
    "和平里东街",
    "朝阳门北大街",
    "团结湖路",
    "幸福一村路",
    "工体北路",
    "白家庄东里",
]
PREFIXES = ["", "朝阳区", "北京市朝阳区三里屯街道幸福一村社区", "北京市东城区东华门街道"]
COURTYARD_ROOMS = ["东3", "西12", "北1", "南2", "1", "2", "15"]


@st.composite
def registry_rooms(draw: st.DrawFn) -> dict[str, str]:
    """A room as the registry stores it; building and unit may be empty (平房院落)."""
    number = str(draw(st.integers(1, 300)))
    style = draw(st.sampled_from(["plain", "plain", "plain", "jia", "sub"]))
    if style == "jia":
        number = "甲" + number
    elif style == "sub":
        number += f"-{draw(st.integers(1, 9))}"
    kind = draw(st.sampled_from(["units", "units", "no_unit", "letter", "courtyard"]))
    if kind == "courtyard":
        building, unit, room = "", "", draw(st.sampled_from(COURTYARD_ROOMS))
    else:
        building = (
            draw(st.sampled_from("ABCDEF")) if kind == "letter" else str(draw(st.integers(1, 40)))
        )
        unit = str(draw(st.integers(1, 8))) if kind == "units" else ""
        room = str(draw(st.integers(1, 33)) * 100 + draw(st.integers(1, 6)))
    return {
        "road": draw(st.sampled_from(ROADS)),
        "number": number,
        "building": building,
        "unit": unit,
        "room": room,
    }


def _chinese(value: str) -> str:
    return int_to_chinese(int(value)) if value.isdigit() else value


def _fullwidth(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


_S2T = str.maketrans("号楼单元门区东阳门华条里层户栋", "號樓單元門區東陽門華條裡層戶棟")


def _building_part(room: dict[str, str], marker: str) -> str:
    building = room["building"]
    if not building:
        return ""
    if building.isalpha():
        return building + "座"
    return building + marker


def write(room: dict[str, str], style: str, room_mark: str) -> str:
    """Write a registry room the way one of the ledgers would."""
    road, number, building, unit, rm = (
        room["road"],
        room["number"],
        room["building"],
        room["unit"],
        room["room"],
    )
    unit_part = f"{unit}单元" if unit else ""
    if style == "canonical":
        return f"{road}{number}号{_building_part(room, '号楼')}{unit_part}{rm}{room_mark}"
    if style == "courtyard_院":
        return f"{road}{number}号院{_building_part(room, '号楼')}{unit_part}{rm}{room_mark}"
    if style == "chinese":
        plain = number.isdigit()
        parts = [road, _chinese(number) if plain else number, "号"]
        if building:
            parts.append(_chinese(building) + ("号楼" if building.isdigit() else "座"))
        if unit:
            parts.append(_chinese(unit) + "单元")
        if rm.isdigit():
            parts.append("".join("〇一二三四五六七八九"[int(d)] for d in rm))
        else:
            parts.append(rm)
        return "".join(parts) + room_mark
    if style == "fullwidth":
        return _fullwidth(write(room, "canonical", room_mark))
    if style == "traditional":
        return write(room, "canonical", room_mark).translate(_S2T)
    if style == "shorthand":
        if building and unit:
            return f"{road}{number}号{building}-{unit}-{rm}{room_mark}"
        if building:
            return f"{road}{number}号{building}-{rm}{room_mark}"
        return f"{road}{number}号{rm}{room_mark}"
    if style == "men":
        unit_part = f"{unit}门" if unit else ""
        return f"{road}{number}号{_building_part(room, '栋')}{unit_part}{rm}{room_mark}"
    if style == "spaced":
        text = f"{road} {number}号 {_building_part(room, '幢')} {unit_part} {rm}{room_mark}"
        return " ".join(text.split())
    raise AssertionError(style)


STYLES = ["canonical", "courtyard_院", "chinese", "fullwidth", "traditional", "shorthand", "men"]


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    room=registry_rooms(),
    style=st.sampled_from([*STYLES, "spaced"]),
    room_mark=st.sampled_from(["", "室", "户", "号"]),
    prefix=st.sampled_from(PREFIXES),
)
def test_written_room_parses_back(
    room: dict[str, str], style: str, room_mark: str, prefix: str
) -> None:
    text = prefix + write(room, style, room_mark)
    parsed = _parse(text)
    assert parsed.road == room["road"], text
    assert parsed.number == room["number"], text
    assert (parsed.building or "") == room["building"], text
    assert (parsed.unit or "") == room["unit"], text
    assert parsed.room == room["room"], text


@settings(max_examples=200, deadline=None)
@given(room=registry_rooms(), room_mark=st.sampled_from(["", "室", "户"]))
def test_written_room_without_road_parses_back(room: dict[str, str], room_mark: str) -> None:
    """Ledgers of one community often omit the road and the door number."""
    building, unit, rm = room["building"], room["unit"], room["room"]
    if not building:
        text = rm + room_mark
    elif unit:
        text = f"{building}-{unit}-{rm}{room_mark}"
    else:
        text = f"{_building_part(room, '号楼')}{rm}{room_mark}"
    parsed = _parse(text)
    assert parsed.road is None and parsed.number is None
    assert (parsed.building or "", parsed.unit or "", parsed.room) == (building, unit, rm)


@settings(max_examples=200, deadline=None)
@given(room=registry_rooms(), style=st.sampled_from(STYLES), prefix=st.sampled_from(PREFIXES))
def test_canonical_form_is_a_fixed_point(room: dict[str, str], style: str, prefix: str) -> None:
    """Parsing the canonical rendering of a parse gives the same parse."""
    parsed = _parse(prefix + write(room, style, "室"))
    again = _parse(format_address(parsed))
    assert dataclasses.replace(again, rest="") == dataclasses.replace(parsed, rest="")


ADDRESS_ALPHABET = (
    "幸福路街巷大号院楼栋幢座单元门层室户里村社区小花园东西南北一二三十百千万零〇两甲乙"
    "0123456789-#/. 　ABab（）()市区县镇乡道省朝阳屯壹拾號樓單之附第地址：，"
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=ADDRESS_ALPHABET, max_size=40)))
def test_never_raises_and_loses_nothing_silently(text: str) -> None:
    parsed = _parse(text)  # the uncached core, without parse_address's safety net
    assert isinstance(parsed.rest, str)
    for value in dataclasses.astuple(parsed):
        assert value is None or isinstance(value, str)
    # Whatever was not understood is reported, not dropped: a text with digits, letters or
    # Chinese characters left after folding (which takes a leading label such as 地址：)
    # yields at least one component or some rest.
    if any(
        ch.isascii() and ch.isalnum() or "\u4e00" <= ch <= "\u9fff"
        for ch in to_halfwidth(prepare_text(text))
    ):
        assert any(v for v in dataclasses.astuple(parsed)), text


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ADDRESS_ALPHABET, max_size=30))
def test_preparing_twice_changes_nothing_more(text: str) -> None:
    once = prepare_text(text)
    assert _parse(once) == _parse(text)
