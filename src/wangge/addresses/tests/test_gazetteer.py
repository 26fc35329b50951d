"""The head of an address read against GB/T 2260 names, not suffixes (issue 14's failures)."""

from __future__ import annotations

import pytest

from wangge.addresses.gazetteer import level_of, read_divisions, short_name
from wangge.addresses.parser import parse_address


@pytest.mark.parametrize(
    ("text", "province", "city", "district"),
    [
        ("浙江杭州滨江区缤纷北苑", "浙江省", "杭州市", "滨江区"),
        ("北京北京市朝阳区幸福路", "北京市", "北京市", "朝阳区"),
        ("镇海区骆驼街道", None, None, "镇海区"),
        ("河北省唐山市路北区", "河北省", "唐山市", "路北区"),
        ("浙江省浙江省杭州市", "浙江省", "杭州市", None),
        ("浙江-杭州-江干区新塘路", "浙江省", "杭州市", "江干区"),
        ("宁波镇海炼化", None, "宁波市", "镇海区"),
        ("西藏自治区日喀则地区定日县", "西藏自治区", "日喀则地区", "定日县"),
        ("上海市市辖区黄浦区老西门街道", "上海市", "上海市", "黄浦区"),
        # The sender's address first, then the destination: the fuller reading wins.
        ("崇溪镇云南省昭通市巧家县崇溪镇花山", "云南省", "昭通市", "巧家县"),
    ],
)
def test_divisions_are_read_by_name(
    text: str, province: str | None, city: str | None, district: str | None
) -> None:
    reading = read_divisions(text)
    assert (reading.province, reading.city, reading.district) == (province, city, district)


@pytest.mark.parametrize(
    "text", ["杭州路10号", "滨江花园3幢", "光明胡同1号", "朝阳门北大街1号", "长兴北路72号"]
)
def test_a_short_name_starting_another_word_is_no_division(text: str) -> None:
    assert read_divisions(text).end == 0


def test_an_ambiguous_district_keeps_every_code() -> None:
    assert set(read_divisions("朝阳区").codes) >= {"110105", "220104"}


def test_short_names_and_levels() -> None:
    assert short_name("浙江省") == "浙江"
    assert short_name("景宁畲族自治县") == "景宁"
    assert short_name("城区") == "城区"
    assert level_of("温岭市") == "district"
    assert level_of("杭州") == "city"


@pytest.mark.parametrize(
    ("text", "district", "road"),
    [
        ("浙江省宁波市镇海区骆驼街道金华路10号", "镇海区", "金华路"),
        ("唐山市路北区建设路3号", "路北区", "建设路"),
        ("浙江杭州滨江区六和路368号", "滨江区", "六和路"),
    ],
)
def test_parser_uses_the_gazetteer(text: str, district: str, road: str) -> None:
    parsed = parse_address(text)
    assert (parsed.district, parsed.road) == (district, road)


@pytest.mark.parametrize(
    "text", ["金台北街7号院1号楼", "金台西胡同1号东1", "金台倍街7院1号楼3门203号"]
)
def test_a_unique_county_name_opening_a_road_is_the_road(text: str) -> None:
    # 金台 is only 宝鸡's 金台区, but in a Beijing ledger 金台北街 is a road.
    assert read_divisions(text).end == 0


@pytest.mark.parametrize(
    ("text", "compound"),
    [
        ("城东小区3栋2单元301", "城东小区"),  # not 西宁's 城东区
        ("朝阳小区3号楼1单元101", "朝阳小区"),  # not 辽宁's 朝阳市
        ("东湖小区5号楼", "东湖小区"),
        ("花溪新村2区14栋790室", "花溪新村2区"),
    ],
)
def test_an_estate_named_after_a_place_is_not_the_place(text: str, compound: str) -> None:
    parsed = parse_address(text)
    assert (parsed.province, parsed.city, parsed.district) == (None, None, None)
    assert parsed.compound == compound


def test_a_county_written_before_its_estate_stays_the_county() -> None:
    # A word of the estate's own between them: the ledger wrote the county first.
    assert parse_address("海盐核电新村172栋8单元821").district == "海盐县"
    assert parse_address("富阳金色家园9幢3164").district == "富阳区"


@pytest.mark.parametrize(
    ("text", "district"),
    [
        # Courier and company addresses from Shandong (address-semantic-search, cpca tests).
        ("山东青岛市南区宁德路金梦花园", "市南区"),
        ("青岛市北区九江路20号", "市北区"),
        ("济南市中区纬二路51号", "市中区"),
        ("山东省青岛市市北区九江路20号", "市北区"),
        # the address written twice (courier tests)
        ("山东青岛市北区青岛市北区山东路132号", "市北区"),
    ],
)
def test_a_citys_suffix_may_open_its_districts_name(text: str, district: str) -> None:
    """青岛市北区: 青岛 has a 市北区 and no 北区, so the 市 is read twice, not 北区 by suffix."""
    assert parse_address(text).district == district


def test_a_citys_suffix_opens_only_a_district_under_it() -> None:
    assert parse_address("青岛市北京路1号").district is None
    assert parse_address("山东青岛市北区青岛市北区山东路132号").road == "山东路"
    assert parse_address("青岛市北京路1号").road == "北京路"


def test_a_town_written_after_a_county_name_is_not_cut_in_two() -> None:
    # 四方坪街道 is a street of 长沙 (a town's name has two characters or more), not the
    # former 四方区 of 青岛 and a street 坪街道.
    parsed = parse_address("四方坪街道时代先锋A栋")
    assert (parsed.district, parsed.street) == (None, "四方坪街道")
    assert parse_address("滨江西兴街道").district == "滨江区"


@pytest.mark.parametrize(
    ("text", "city", "district"),
    [
        # 麦子店街道 is in 北京 only: of the places called 朝阳, 北京's 朝阳区.
        ("朝阳麦子店街道幸福路1号", None, "朝阳区"),
        # 柳城街道 lies in 朝阳县, which lies in 朝阳市: the city is right either way.
        ("朝阳柳城街道", "朝阳市", None),
        # The next level settles it as before.
        ("朝阳双塔区", "朝阳市", "双塔区"),
    ],
)
def test_a_short_name_of_several_levels_is_settled_by_what_follows(
    text: str, city: str | None, district: str | None
) -> None:
    parsed = parse_address(text)
    assert (parsed.city, parsed.district, parsed.doubt) == (city, district, "")


def test_a_short_name_of_several_levels_left_open_says_so() -> None:
    # 朝阳 alone is 辽宁's 朝阳市 or the 朝阳区 of 北京 or of 长春: never a silent choice.
    doubt = parse_address("朝阳幸福路3号").doubt
    assert "“朝阳”可指" in doubt
    assert "辽宁省朝阳市" in doubt and "北京市朝阳区" in doubt and "吉林省长春市朝阳区" in doubt
