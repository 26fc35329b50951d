"""Matching ledger addresses to registry rooms (wangge.addresses.matcher): no database needed.

These tests are the specification of the matching rules in the module docstring: exact
matches are clean, every tolerated gap lowers the confidence and says why, and the matcher
never picks one of two fitting rooms.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wangge.addresses.matcher import (
    AddressMatch,
    AddressMatcher,
    RegistryRoom,
    building_key,
    number_key,
    road_key,
    room_key,
    unit_key,
)
from wangge.addresses.numerals import int_to_chinese
from wangge.addresses.parser import parse_address


def _registry() -> list[RegistryRoom]:
    rooms: list[RegistryRoom] = []
    # 幸福路 10号 and 12号: apartment buildings 3 and 4, units 1-2, floors 1-6, two doors.
    for number in ("10", "12"):
        for building in ("3", "4"):
            for unit in ("1", "2"):
                for floor in range(1, 7):
                    for door in (1, 2):
                        room = f"{floor}{door:02d}"
                        rooms.append(
                            RegistryRoom(
                                f"XF-{number}-{building}-{unit}-{room}",
                                "C01",
                                "幸福路",
                                number,
                                building,
                                unit,
                                room,
                            )
                        )
    # 幸福路20号: a courtyard (平房院落) without buildings or units.
    for room in ("东3", "西1", "1"):
        rooms.append(RegistryRoom(f"XF-20-{room}", "C01", "幸福路", "20", "", "", room))
    # 金台里: a compound-named road in another community; building 3 has only unit 1.
    for building in ("3", "5"):
        for room in ("201", "202"):
            rooms.append(
                RegistryRoom(f"JT-{building}-{room}", "C02", "金台里", "17", building, "1", room)
            )
    rooms.append(RegistryRoom("JT-3-2-301", "C02", "金台里", "17", "3", "2", "301"))
    # 幸福路12号7号楼: the only building 7 on the road.
    rooms.append(RegistryRoom("XF-12-7-1-101", "C01", "幸福路", "12", "7", "1", "101"))
    # 和平街5号: a single building without units.
    rooms.append(RegistryRoom("HP-101", "C02", "和平街", "5", "1", "", "101"))
    # 幸福一村: a residential compound registered under its own name as the road.
    rooms.append(RegistryRoom("XY-8-1-101", "C03", "幸福一村", "1", "8", "1", "101"))
    return rooms


MATCHER = AddressMatcher(_registry())


def _room(text: str, code: str, community: str | None = None) -> AddressMatch:
    result = MATCHER.match(text, community_code=community)
    assert result.level == "room", result
    assert result.address_code == code, result
    return result


# -- the spellings from the ledgers --------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "北京市朝阳区三里屯街道幸福一村社区幸福路10号院3号楼2单元301室",
        "幸福路十号3-2-301",
        "幸福路10号院三号楼二单元301",
        "幸福路10号3栋2单元301户",
        "幸福路拾号院3幢2单元301",
        "朝陽區幸福路10號3號樓2單元301室",
        "幸福路10号3号楼2单元0301",
        "幸福路１０号３号楼２单元３０１",
        "幸福路10号3号楼2门301",
        "幸福路10号3号楼二单元三〇一",
        "地址：幸福路 10号 3号楼 2单元 301",
    ],
)
def test_exact_spellings_match_cleanly(text: str) -> None:
    result = _room(text, "XF-10-3-2-301")
    assert result.confidence == 1.0
    assert result.reason == ""
    assert result.candidates == ()


def test_courtyard_room() -> None:
    result = _room("幸福路20号东3", "XF-20-东3")
    assert result.reason == ""
    _room("幸福路20号院1号", "XF-20-1")


def test_no_road_uses_the_community() -> None:
    result = _room("3-1-201", "JT-3-201", community="C02")
    assert 0 < result.confidence < 1
    assert "未写道路" in result.reason
    _room("5号楼1单元202室", "JT-5-202", community="C02")


def test_no_road_without_community_is_not_guessed() -> None:
    result = MATCHER.match("3-1-201")
    assert result.level == "none"
    assert result.reason == "未识别出道路或门牌号"


def test_no_road_ambiguous_in_community() -> None:
    # 幸福路 10号 and 12号 both have 3号楼2单元301.
    result = MATCHER.match("３号楼２单元３０１", community_code="C01")
    assert result.level == "none"
    assert result.address_code is None
    assert result.reason == "有2个候选户室，无法确定"
    assert set(result.candidates) == {"XF-10-3-2-301", "XF-12-3-2-301"}


def test_missing_unit_when_room_is_unique() -> None:
    result = _room("金台里17号3号楼201", "JT-3-201")
    assert result.confidence == 0.9
    assert result.reason == "未写单元号，按楼栋和户室唯一确定"


def test_missing_unit_when_room_is_not_unique() -> None:
    result = MATCHER.match("幸福路10号3号楼301")
    assert result.level == "building"
    assert result.reason == "有2个候选户室，无法确定"
    assert set(result.candidates) == {"XF-10-3-1-301", "XF-10-3-2-301"}


def test_building_without_units() -> None:
    assert _room("和平街5号1号楼101", "HP-101").confidence == 1.0


def test_missing_number_when_building_is_unique_under_road() -> None:
    result = _room("幸福路7号楼1单元101", "XF-12-7-1-101")
    assert result.confidence == 0.85
    assert result.reason == "未写门牌号，按楼栋和户室唯一确定"


def test_missing_number_on_a_road_with_one_number_is_a_small_doubt() -> None:
    # 金台里 has only 17号: leaving it out loses little, but it is still not a clean match.
    result = _room("金台里3号楼1单元201", "JT-3-201")
    assert result.confidence == 0.95
    assert result.reason == "未写门牌号，该处只有一个门牌号"


def test_missing_building_when_the_number_has_one_building() -> None:
    result = _room("和平街5号101", "HP-101")
    assert result.confidence == 0.95
    assert "未写楼栋号" in result.reason


def test_missing_number_ambiguous() -> None:
    result = MATCHER.match("幸福路3号楼2单元301")
    assert result.level == "road"
    assert result.reason == "有2个候选户室，无法确定"
    assert len(result.candidates) == 2


def test_compound_name_stands_for_the_road() -> None:
    result = _room("幸福一村小区8号楼1单元101", "XY-8-1-101")
    assert result.reason.startswith("按小区名“幸福一村小区”对应道路“幸福一村”")
    assert result.confidence == round(0.95 * 0.95, 3)  # and 8号楼's single 门牌号 was left out


def test_number_not_found() -> None:
    result = MATCHER.match("幸福路11号3号楼2单元301")
    assert result.level == "road"
    assert result.address_code is None
    assert result.reason == "门牌号11号在幸福路下未找到"


def test_unit_not_found() -> None:
    result = MATCHER.match("幸福路10号3号楼5单元301")
    assert result.level == "building"
    assert result.reason == "3号楼无5单元"
    # The same room in the building's other units is offered.
    assert set(result.candidates) == {"XF-10-3-1-301", "XF-10-3-2-301"}


def test_room_missing() -> None:
    result = MATCHER.match("幸福路10号3号楼")
    assert result.level == "building"
    assert result.reason == "地址只到楼栋，缺少户室号"
    assert 0 < len(result.candidates) <= 5


def test_room_not_found() -> None:
    result = MATCHER.match("幸福路10号3号楼2单元999")
    assert result.level == "building"
    assert result.reason == "3号楼2单元无999室"


def test_building_not_found() -> None:
    result = MATCHER.match("幸福路10号9号楼2单元301")
    assert result.level == "road"
    assert result.reason == "幸福路10号无9号楼"


def test_nothing_understood() -> None:
    for text in ("", "   ", "不详", "？？？"):
        result = MATCHER.match(text, community_code="C01")
        assert result.level == "none"
        assert result.address_code is None
        assert result.confidence == 0.0
        assert result.reason


def test_unknown_road() -> None:
    result = MATCHER.match("解放路10号3号楼2单元301")
    assert result.level == "none"
    assert "解放路" in result.reason


def test_homophone_road() -> None:
    result = _room("杏福路10号3号楼2单元301", "XF-10-3-2-301")
    assert result.confidence < 1
    assert "幸福路" in result.reason


def test_fuzzy_road_needs_a_single_candidate() -> None:
    rooms = [
        RegistryRoom("A", "C", "建设东大街", "1", "1", "1", "101"),
        RegistryRoom("B", "C", "建设西大街", "1", "1", "1", "101"),
    ]
    matcher = AddressMatcher(rooms)
    assert matcher.match("建设东大街1号1号楼1单元101").address_code == "A"
    # "建设大街" is as close to both: no guess.
    result = matcher.match("建设大街1号1号楼1单元101")
    assert result.level == "none"
    assert result.address_code is None
    # A typo close to only one of them is accepted, with a reason.
    single = AddressMatcher(rooms[:1]).match("建设东大衔1号1号楼1单元101")
    assert single.address_code == "A"
    assert "近似" in single.reason


def test_room_in_other_community_is_flagged() -> None:
    result = _room("幸福路10号3号楼2单元301", "XF-10-3-2-301", community="C02")
    assert result.confidence < 1
    assert "其他社区" in result.reason


def test_community_breaks_a_tie() -> None:
    rooms = [
        RegistryRoom("A", "C1", "幸福路", "1", "1", "1", "101"),
        RegistryRoom("B", "C2", "幸福路", "2", "1", "1", "101"),
    ]
    matcher = AddressMatcher(rooms)
    assert matcher.match("幸福路1号楼1单元101").level == "road"
    result = matcher.match("幸福路1号楼1单元101", community_code="C2")
    assert result.address_code == "B"
    assert "按社区确定" in result.reason


def test_duplicate_registry_rows_are_not_guessed() -> None:
    rooms = [
        RegistryRoom("A", "C", "幸福路", "1", "1", "1", "101"),
        RegistryRoom("B", "C", "幸福路", "1", "1", "1", "0101"),
    ]
    result = AddressMatcher(rooms).match("幸福路1号1号楼1单元101")
    assert result.level == "building"
    assert set(result.candidates) == {"A", "B"}


def test_parsed_address_is_accepted() -> None:
    parsed = parse_address("幸福路10号3号楼2单元301")
    assert MATCHER.match(parsed).address_code == "XF-10-3-2-301"


def test_match_many() -> None:
    texts = ["幸福路10号3号楼2单元301", "3-1-201", "幸福路10号3号楼2单元301", "3-1-201"]
    results = MATCHER.match_many(texts, ["C01", "C02", "C01", None])
    assert [r.address_code for r in results] == ["XF-10-3-2-301", "JT-3-201", "XF-10-3-2-301", None]
    assert results[0] is results[2]  # repeated strings are matched once
    assert MATCHER.match_many(texts)[1].level == "none"
    with pytest.raises(ValueError):
        MATCHER.match_many(texts, ["C01"])


def test_keys() -> None:
    assert road_key("朝陽 幸福三里") == road_key("朝阳幸福3里")
    assert number_key("十号院") == number_key("010") == "10"
    assert number_key("10之1号") == "10-1"
    assert building_key("三号楼") == building_key("03") == "3"
    assert building_key("A座") == "A"
    assert building_key("") == ""
    assert unit_key("二单元") == unit_key("2门") == "2"
    assert room_key("0301") == room_key("三〇一室") == "301"
    assert room_key("东03") == "东3"


def test_a_large_registry_is_indexed_whole() -> None:
    """50,000 rooms: every one is indexed and found by its own address.

    How long the index takes to build (a million rooms within seconds) is measured by
    ``bench/bench_address_match.py``, never asserted here.
    """
    roads = ["幸福路", "和平街", "建设东大街", "光明胡同", "团结巷"]
    rooms = [
        RegistryRoom(
            f"R{i:05d}",
            f"C{i // 2000}",
            roads[i // 10_000],
            str(i // 500 % 20 + 1),
            str(i // 50 % 10 + 1),
            "1",
            str(i % 50 + 101),
        )
        for i in range(50_000)
    ]
    matcher = AddressMatcher(rooms)
    assert len(matcher) == 50_000
    for i in (0, 12_345, 27_654, 49_999):
        room = rooms[i]
        text = f"{room.road}{room.number}号{room.building}号楼1单元{room.room}室"
        result = matcher.match(text)
        assert (result.level, result.address_code, result.reason) == ("room", room.address_code, "")


# -- properties ------------------------------------------------------------------------------

ROADS = ["幸福路", "和平街", "建设东大街", "光明胡同", "团结巷", "长安街", "兴华路", "龙潭路"]
_TRADITIONAL = str.maketrans("号楼单门区阳东长兴华龙条", "號樓單門區陽東長興華龍條")
_FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789-"}


def _styles(road: str, number: int, building: int, unit: int, room: str) -> dict[str, str]:
    """The ways clerks write one registry room; every style holds road, number and all."""
    cn = int_to_chinese
    return {
        "full": f"北京市朝阳区三里屯街道幸福一村社区{road}{number}号院{building}号楼{unit}单元{room}室",
        "chinese": f"{road}{cn(number)}号{cn(building)}号楼{cn(unit)}单元{cn(int(room), style='digits')}",
        "fullwidth": f"{road}{number}号{building}栋{unit}单元{room}户".translate(_FULLWIDTH),
        "traditional": f"{road}{number}号{building}号楼{unit}单元{room}室".translate(_TRADITIONAL),
        "shorthand": f"{road}{number}号{building}-{unit}-{room}",
        "men": f"{road}{number}号{building}号楼{unit}门{room}",
        "financial": f"{road}{cn(number, style='financial')}号院{building}幢{unit}单元{room}",
        "padded": f"{road} {number}号 {building}号楼 {unit}单元 0{room}",
    }


def _roadless_styles(building: int, unit: int, room: str) -> list[str]:
    return [
        f"{building}号楼{unit}单元{room}室",
        f"{building}-{unit}-{room}",
        f"{building}号楼{unit}门{room}",
    ]


_ROOM_KEYS = st.tuples(
    st.integers(0, len(ROADS) - 1),  # road
    st.integers(1, 300),  # 门牌号
    st.integers(1, 40),  # building
    st.integers(1, 6),  # unit
    st.integers(1, 30),  # floor
    st.integers(1, 4),  # door
    st.sampled_from(["C1", "C2"]),  # community
)


def _to_room(key: tuple[int, int, int, int, int, int, str]) -> RegistryRoom:
    road, number, building, unit, floor, door, community = key
    return RegistryRoom(
        f"{road}-{number}-{building}-{unit}-{floor}{door:02d}",
        community,
        ROADS[road],
        str(number),
        str(building),
        str(unit),
        f"{floor}{door:02d}",
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(_ROOM_KEYS, min_size=1, max_size=40, unique_by=lambda k: k[:6]),
    st.data(),
)
def test_every_style_finds_the_room_and_never_a_wrong_one(
    keys: list[tuple[int, int, int, int, int, int, str]], data: st.DataObject
) -> None:
    rooms = [_to_room(k) for k in keys]
    matcher = AddressMatcher(rooms)
    target = data.draw(st.sampled_from(rooms))
    for style, text in _styles(
        target.road, int(target.number), int(target.building), int(target.unit), target.room
    ).items():
        result = matcher.match(text)
        assert result.address_code == target.address_code, (style, text, result)
        assert result.level == "room"
        assert result.confidence == 1.0, (style, text, result)

    same = [
        r
        for r in rooms
        if r.community_code == target.community_code
        and (r.building, r.unit, r.room) == (target.building, target.unit, target.room)
    ]
    for text in _roadless_styles(int(target.building), int(target.unit), target.room):
        result = matcher.match(text, community_code=target.community_code)
        if len(same) == 1:
            assert result.address_code == target.address_code, (text, result)
        else:
            assert result.level != "room", (text, result)
            assert target.address_code in result.candidates or len(same) > 5


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40), st.sampled_from([None, "C01", "C02", "nope"]))
def test_match_never_raises(text: str, community: str | None) -> None:
    result = MATCHER.match(text, community_code=community)
    assert result.level in ("room", "building", "road", "none")
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.candidates) <= 5
    assert (result.address_code is not None) == (result.level == "room")
    if result.level == "room" and result.confidence == 1.0:
        assert result.reason == ""
    else:
        assert result.reason


_ADDRESSY = st.text(
    alphabet=list("幸福路金台里和平街号楼栋单元门室户院东西-0123456789 三二十〇小区"),
    max_size=30,
)


@settings(max_examples=300, deadline=None)
@given(_ADDRESSY, st.sampled_from([None, "C01", "C02"]))
def test_addressy_text_never_yields_a_room_that_contradicts_it(
    text: str, community: str | None
) -> None:
    result = MATCHER.match(text, community_code=community)
    if result.level != "room":
        return
    parsed = parse_address(text)
    code = result.address_code
    assert code is not None
    room = next(r for r in _registry() if r.address_code == code)
    # Whatever the text did say must agree with the room chosen.
    if parsed.building is not None and parsed.number is not None:
        assert building_key(parsed.building) == building_key(room.building)
    if parsed.unit is not None:
        assert unit_key(parsed.unit) == unit_key(room.unit)
    if parsed.room is not None and parsed.floor is None:
        assert room_key(parsed.room) == room_key(room.room)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幸福路北5号1-201", "N"),  # direction moved behind the type: still 幸福北路
        ("幸福路南5号1-201", "S"),
        ("幸福北路5号1-201", "N"),
        ("幸福路5号1-201", "P"),
        ("幸福东路5号1-201", None),  # not 幸福路, although the spelling is close
        ("幸福大街5号1-201", None),  # another road type is another road
    ],
)
def test_directions_and_road_types_are_not_fuzzed_away(text: str, expected: str | None) -> None:
    matcher = AddressMatcher(
        RegistryRoom(code, "C1", road, "5", "1", "", "201")
        for code, road in (("N", "幸福北路"), ("P", "幸福路"), ("S", "幸福南路"))
    )
    result = matcher.match(text)
    assert result.address_code == expected, result


# -- searching: every room an address covers --------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("幸福路10号3号楼2单元301", 1),  # one room
        ("幸福路十号三号楼二单元", 12),  # a unit: 6 floors × 2 doors
        ("幸福路10号3号楼", 24),  # a building
        ("幸福路10号", 48),  # a door: buildings 3 and 4
        ("幸福路20号", 3),  # a courtyard
        ("幸福路", 48 + 48 + 1 + 3),  # the whole road
        ("幸福璐12号7号楼", 1),  # a similar road, as match() resolves it
    ],
)
def test_rooms_under_an_address(text: str, count: int) -> None:
    assert len(MATCHER.rooms_under(text)) == count


def test_rooms_under_takes_what_match_places() -> None:
    # match() places this room although the unit is left out; the search agrees with it.
    assert MATCHER.rooms_under("幸福路12号7号楼101") == ("XF-12-7-1-101",)


@pytest.mark.parametrize("text", ["幸福路10号9号楼", "幸福路99号", "人民路1号", "", "？？"])
def test_rooms_under_a_part_the_registry_lacks_is_nothing(text: str) -> None:
    assert MATCHER.rooms_under(text) == ()


def test_rooms_under_stops_at_the_limit() -> None:
    assert len(MATCHER.rooms_under("幸福路", limit=5)) == 5


def test_a_registered_road_the_parser_cut_as_a_place_is_found_whole() -> None:
    """工人 is a town's name (in Liaoning): without a head the parser sets it aside, doubting;
    the registry knows 工人体育场北路, so the room is found exactly."""
    matcher = AddressMatcher(
        [RegistryRoom("GT-8-1-1-101", "C09", "工人体育场北路", "8", "1", "1", "101")]
    )
    result = matcher.match("工人体育场北路8号1号楼1单元101")
    assert (result.level, result.address_code, result.reason) == ("room", "GT-8-1-1-101", "")


def test_a_misspelt_road_the_parser_cut_as_a_place_is_still_found_by_similarity() -> None:
    """幸福 and 红星 are towns' names: the parser cuts them off "幸福伊村1巷" and "红星环盅路";
    together with the road they are still close to one registered road each."""
    matcher = AddressMatcher(
        [
            RegistryRoom("XY-1-3", "C1", "幸福一村一巷", "1", "", "", "3"),
            RegistryRoom("HX-5-1-1-101", "C1", "红星环中路", "5", "1", "1", "101"),
        ]
    )
    first = matcher.match("幸福伊村1巷1号3")
    assert (first.level, first.address_code) == ("room", "XY-1-3")
    assert "幸福伊村1巷" in first.reason
    second = matcher.match("红星环盅路5号1号楼1单元101")
    assert (second.level, second.address_code) == ("room", "HX-5-1-1-101")
