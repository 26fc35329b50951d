"""Addresses from outside Zhejiang and Beijing, as offices across China write them.

The examples are typed after real addresses in public test data (cpca's company addresses,
address-semantic-search's courier addresses, geocoding's test cases): one or two per class of
misreading, as specifications, not a dump.
"""

from __future__ import annotations

import pytest

from wangge.addresses.parser import parse_address


def _check(text: str, expected: dict[str, str | None]) -> None:
    parsed = parse_address(text)
    for key, value in expected.items():
        assert getattr(parsed, key) == value, key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "合肥市濉溪路与蒙城路交叉口新天地购物广场国际中心24楼",
            {
                "road": "濉溪路",
                "compound": "新天地购物广场国际中心",
                "floor": "24",
                "rest": "与蒙城路交叉口",
            },
        ),
        (
            "宁夏银川上海西路与北京路交叉口英力特大厦B座19层",
            {"road": "上海西路", "compound": "英力特大厦", "building": "B", "floor": "19"},
        ),
        # without 与, and with the way from it
        (
            "山西太原迎泽区建设南路亲贤北街交叉口盛饰大厦3层",
            {"road": "建设南路", "compound": "盛饰大厦", "rest": "亲贤北街交叉口"},
        ),
        (
            "菏泽市开发区长江东路与上海路交叉口北500米",
            {"road": "长江东路", "compound": None, "rest": "与上海路交叉口北500米"},
        ),
        (
            "许昌市魏武大道与八一路交汇处向北200米空港新城",
            {"road": "魏武大道", "compound": "空港新城"},
        ),
        # a name after the junction is no side road: the main road stays
        ("华光路与高银街交叉口十三湾巷155幢899室", {"road": "华光路", "building": "155"}),
        # a side road holding the door number still is the road
        ("温州大道与牛山北路2785号", {"road": "牛山北路", "number": "2785"}),
    ],
)
def test_a_junction_is_where_the_place_is_not_its_name(
    text: str, expected: dict[str, str | None]
) -> None:
    _check(text, expected)


@pytest.mark.parametrize(
    ("text", "district", "road"),
    [
        ("南昌市红谷滩新区红谷中大道1326号", "红谷滩区", "红谷中大道"),
        ("深圳龙华新区梅坂大道民乐科技园", "龙华区", "梅坂大道"),
        ("沈阳市浑南新区金卡路16号", "浑南区", "金卡路"),
    ],
)
def test_a_districts_new_area_is_no_part_of_the_road(text: str, district: str, road: str) -> None:
    """红谷滩新区: the district read by its short name, its 新区 set aside, not glued to the road."""
    parsed = parse_address(text)
    assert (parsed.district, parsed.road) == (district, road)
    assert "新区" in parsed.rest


@pytest.mark.parametrize(
    ("text", "road", "number"),
    [
        ("南通市通州区平潮镇204国道6号", "204国道", "6"),
        ("湖南省湘潭县天易示范区107国道旁", "107国道", None),
        ("江苏省海安县经济开发区221省道与和谐路交汇处", "221省道", None),
        ("湖北省荆州市沙市区318国道关沮工业园99号", "318国道", None),
    ],
)
def test_a_highway_named_by_its_number_is_the_road(
    text: str, road: str, number: str | None
) -> None:
    """204国道: a national road, not room 204; a zone written before it is cut off."""
    parsed = parse_address(text)
    assert (parsed.road, parsed.number) == (road, number)


def test_a_lane_numbered_within_a_place_keeps_the_place() -> None:
    assert parse_address("松园新村3巷5号").road == "松园新村3巷"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "河南安阳文峰区彰德路棉麻小区一号楼三单元六楼西户",
            {"building": "1", "unit": "3", "floor": "6", "room": "西", "rest": ""},
        ),
        ("金成东苑4号楼5单元1楼东户", {"unit": "5", "floor": "1", "room": "东"}),
        ("幸福小区3号楼2单元东户", {"unit": "2", "room": "东"}),
        # a unit named by its side stays the unit
        ("翡翠公馆11-东单元-1565", {"unit": "东", "room": "1565"}),
    ],
)
def test_a_household_named_by_its_side_is_the_room(
    text: str, expected: dict[str, str | None]
) -> None:
    """六楼西户: the west household on the sixth floor (Henan, Shandong, Hebei registries)."""
    _check(text, expected)


@pytest.mark.parametrize(
    ("text", "city", "district", "road"),
    [
        ("肇庆市端州三路48号文化创意大厦17楼", "肇庆市", None, "端州三路"),
        ("中山一路21号天兴大厦东塔3B室", None, None, "中山一路"),
        ("广州市越秀区中山五路23号", "广州市", "越秀区", "中山五路"),
        # the short name before a road of its own name is still the division
        ("中山市火炬开发区逸仙路", "中山市", "火炬开发区", "逸仙路"),
    ],
)
def test_a_short_name_before_a_numbered_road_is_the_roads_name(
    text: str, city: str | None, district: str | None, road: str
) -> None:
    """中山五路, 端州三路: Guangdong's numbered roads, not 中山市 or 端州区 and a road 五路."""
    parsed = parse_address(text)
    assert (parsed.city, parsed.district, parsed.road) == (city, district, road)


@pytest.mark.parametrize(
    ("text", "floor", "room"),
    [
        ("重庆市渝中区民族路168号15-2", "15", "2"),
        ("重庆重庆渝北区两路镇双龙西路236号5-4", "5", "4"),
    ],
)
def test_chongqings_floor_and_door_after_the_road_door(text: str, floor: str, room: str) -> None:
    """重庆 writes 15-2 after the door for 15楼2号; the other reading is said in doubt."""
    parsed = parse_address(text)
    assert (parsed.building, parsed.floor, parsed.room) == (None, floor, room)
    assert "也可能是" in parsed.doubt


@pytest.mark.parametrize(
    ("text", "building", "room"),
    [
        ("幸福路10号3-301", "3", "301"),  # elsewhere a building and its room
        ("重庆市沙坪坝区天陈路44号附13号7-901", "7", "901"),  # three digits: a room
        ("重庆市渝北区龙湖国际4栋9-12", "4", "12"),  # after a block, as before
    ],
)
def test_two_parts_elsewhere_stay_building_and_room(text: str, building: str, room: str) -> None:
    parsed = parse_address(text)
    assert (parsed.building, parsed.room) == (building, room)


@pytest.mark.parametrize(
    ("text", "street", "road"),
    [
        ("广西百色市田东县定江镇路莫村委会", "定江镇", None),
        ("大唐镇路西新村巨恒针织1565号", "大唐镇", None),
        # a road named after the town stays a road
        ("新埭镇镇南路5号", "新埭镇", "镇南路"),
        ("大桥镇路东街5号", "大桥镇", "路东街"),
    ],
)
def test_a_village_starting_with_road_after_a_town(
    text: str, street: str, road: str | None
) -> None:
    """定江镇路莫村委会: the town 定江镇 and its village 路莫, not a road 定江镇路."""
    parsed = parse_address(text)
    assert (parsed.street, parsed.road) == (street, road)


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("拉萨市国家级经济技术开发区总部基地大楼9层", "经济技术开发区"),
        ("新疆乌鲁木齐国家级高新技术产业开发区甘泉堡工业园", "高新技术产业开发区"),
    ],
)
def test_a_zones_rank_is_no_part_of_its_name(text: str, district: str) -> None:
    """国家级经济技术开发区: not a district 家级经济技术开发区 after 国 set aside."""
    parsed = parse_address(text)
    assert parsed.district == district
    assert parsed.rest.startswith("国家级")


def test_a_rank_before_no_zone_stays_in_the_name() -> None:
    assert parse_address("省级机关宿舍3幢").compound == "省级机关宿舍"


@pytest.mark.parametrize(
    ("text", "road", "number"),
    [
        ("广州市越秀区中山大道中123号", "中山大道中", "123"),
        ("武汉市江汉区解放大道中688号", "解放大道中", "688"),
        ("广州市天河区中山大道西", "中山大道西", None),
        ("广州市黄埔区黄埔大道东88号", "黄埔大道东", "88"),
    ],
)
def test_a_side_after_an_avenue_is_part_of_its_name(
    text: str, road: str, number: str | None
) -> None:
    """中山大道中, 解放大道西: Guangzhou and Wuhan name an avenue's parts by their side."""
    parsed = parse_address(text)
    assert (parsed.road, parsed.number) == (road, number)


@pytest.mark.parametrize(
    ("text", "road"),
    [
        ("佛山市南海区建设大道中海金沙湾A29", "建设大道"),
        ("嘉善世纪大道东方润园87-2221", "世纪大道"),
        ("广州市黄埔大道东侧100米", "黄埔大道"),
    ],
)
def test_a_side_starting_a_name_after_an_avenue_stays_with_the_name(text: str, road: str) -> None:
    assert parse_address(text).road == road


@pytest.mark.parametrize(
    ("text", "road", "rest"),
    [
        ("天津市外环线与微山路交口", "外环线", "与微山路交口"),
        ("外环线与微山路", "外环线", "与微山路"),
    ],
)
def test_a_line_road_and_a_road_after_it_are_two_roads(text: str, road: str, rest: str) -> None:
    """线 ends no road's type, so the line once ran on into the road after 与 as one name."""
    parsed = parse_address(text)
    assert (parsed.road, parsed.rest) == (road, rest)


def test_a_line_road_and_a_side_road_with_the_door_is_the_side_road() -> None:
    parsed = parse_address("外环线与微山路88号")
    assert (parsed.road, parsed.number) == ("微山路", "88")


@pytest.mark.parametrize(
    ("text", "district", "road"),
    [
        ("内蒙古包头市昆区110国道", "昆都仑区", "110国道"),
        ("包头昆区110国道15号", "昆都仑区", "110国道"),
        ("包头市昆区钢铁大街88号", "昆都仑区", "钢铁大街"),
    ],
)
def test_an_informal_short_name_is_the_division_not_part_of_the_road(
    text: str, district: str, road: str
) -> None:
    """昆区 is how 包头 writes its 昆都仑区 (GB/T 2260's short name is 昆都仑)."""
    parsed = parse_address(text)
    assert (parsed.district, parsed.road) == (district, road)


def test_an_informal_short_name_counts_only_under_its_city() -> None:
    assert parse_address("北京市昆区110国道").district != "昆都仑区"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("广州市天河路208号5—8楼", {"number": "208", "building": None, "floor": "5-8"}),
        ("幸福大厦8~9层", {"compound": "幸福大厦", "building": None, "floor": "8-9"}),
        ("天河城三至五层", {"building": None, "floor": "3-5"}),
        ("中山路5到8楼", {"road": "中山路", "number": None, "floor": "5-8"}),
    ],
)
def test_a_range_of_floors_is_the_floor_not_a_building(
    text: str, expected: dict[str, str | None]
) -> None:
    """A shop over several floors, written with a range mark (—, ～, 至, 到)."""
    _check(text, expected)


def test_a_dashed_pair_before_a_floor_is_a_building_and_says_it_may_be_a_range() -> None:
    parsed = parse_address("成都市香年广场5-10楼")
    assert (parsed.building, parsed.floor) == ("5", "10")
    assert "也可能是5至10层" in parsed.doubt


def test_a_long_dash_between_codes_is_still_a_dash() -> None:
    _check("幸福小区3—2—301", {"building": "3", "unit": "2", "room": "301", "floor": None})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 门 before 面 is a shop front's, not a unit's (2门301)
        ("中山路88号16门面", {"number": "88", "unit": None, "room": "16", "rest": "门面"}),
        # 商服 (商业服务用房): a shop unit, read like 11号商铺 after the door
        ("幸福路12号3号商服", {"number": "12", "building": None, "room": "3"}),
        # the shop's word before its number: a room, the word no part of the compound
        ("泰安西路同心苑商铺91号", {"compound": "同心苑", "number": None, "room": "91"}),
        ("新湖苑9栋商铺8号", {"building": "9", "room": "8"}),
        # without a road the number may be the place's own door: kept as it was
        ("连园商铺191号", {"number": "191", "room": None}),
    ],
)
def test_a_shops_number_is_a_room(text: str, expected: dict[str, str | None]) -> None:
    _check(text, expected)


def test_a_shop_front_right_after_a_road_may_be_its_door() -> None:
    parsed = parse_address("幸福路16门面")
    assert (parsed.number, parsed.room) == (None, "16")
    assert "也可能是门牌号16" in parsed.doubt


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "成都市锦江区春熙路南段8号",
            {"road": "春熙路", "number": "8", "compound": None, "rest": "南段"},
        ),
        (
            "四川省绵阳市涪城区剑门路西段海珂三千城",
            {"road": "剑门路", "compound": "海珂三千城", "rest": "西段"},
        ),
        # a numbered section is part of the road: its doors are numbered again
        ("四川省凉山彝族自治州西昌市航天大道三段22号", {"road": "航天大道三段", "number": "22"}),
    ],
)
def test_a_section_named_by_its_side_is_neither_road_nor_compound(
    text: str, expected: dict[str, str | None]
) -> None:
    _check(text, expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("重庆市江北区建新北路二支路9号", {"road": "建新北路二支路", "rest": ""}),
        ("湖南省长沙市芙蓉区五一大道一支路12号", {"road": "五一大道一支路", "number": "12"}),
        # a named side road holding the door number is still the road of its own
        ("浙江省台州市黄岩区天长北路东禅巷11号", {"road": "东禅巷", "rest": "天长北路"}),
    ],
)
def test_a_branch_numbered_along_its_road_is_named_with_it(
    text: str, expected: dict[str, str | None]
) -> None:
    _check(text, expected)
