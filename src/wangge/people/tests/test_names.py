"""Names are compared after normalisation, so spacing and script variants do not split a person."""

from wangge.people.names import is_plausible_name, normalize_name


def test_spaces_inside_chinese_names_are_removed():
    assert normalize_name(" 王  伟 ") == "王伟"


def test_traditional_characters_become_simplified():
    assert normalize_name("張偉") == "张伟"
    assert normalize_name("劉麗華") == "刘丽华"


def test_minority_name_dots_are_unified():
    for dot in "•・‧.．":
        assert normalize_name(f"阿卜杜拉{dot}买买提") == "阿卜杜拉·买买提"


def test_latin_names_keep_one_space_and_lose_full_width():
    assert normalize_name("ＪＯＨＮ   SMITH") == "JOHN SMITH"


def test_implausible_names_are_explained():
    assert is_plausible_name("王伟") == (True, None)
    assert is_plausible_name("王伟2")[1] == "姓名中含有数字"
    assert not is_plausible_name("")[0]
    assert not is_plausible_name("——")[0]
