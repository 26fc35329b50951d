"""GB/T 2260 with history: retired codes stay known with their years; placeholders stay out of names."""

from wangge.geo.divisions import all_divisions, division, full_name


def test_a_retired_hainan_county_is_known_with_its_years() -> None:
    lingao = division("460028")
    assert lingao is not None
    assert lingao.level == "county"
    assert lingao.in_force(1990)
    assert not lingao.in_force(2010)
    assert lingao.current is None
    assert full_name("460028") == "海南省临高县"


def test_a_renamed_code_answers_the_name_of_its_time() -> None:
    assert full_name("120110") == "天津市东丽区"
    assert full_name("120110", 1985) == "天津市东郊区"


def test_placeholders_are_left_out_of_full_names() -> None:
    assert full_name("110105") == "北京市朝阳区"
    assert full_name("330108") == "浙江省杭州市滨江区"


def test_codes_that_never_existed_have_no_entry() -> None:
    assert division("110199") is None
    assert full_name("990101") == ""


def test_levels() -> None:
    table = all_divisions()
    assert table["330000"].level == "province"
    assert table["330100"].level == "prefecture"
    assert len(table) > 6000
