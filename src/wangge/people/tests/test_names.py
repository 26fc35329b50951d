"""Names are compared after normalisation, so spacing and script variants do not split a person."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wangge.people.names import is_plausible_name, normalize_name


def test_spaces_inside_chinese_names_are_removed():
    assert normalize_name(" 王  伟 ") == "王伟"
    assert normalize_name("王\u3000伟") == "王伟"
    assert normalize_name("欧阳 娜娜") == "欧阳娜娜"


def test_empty_input_is_the_empty_name():
    assert normalize_name(None) == ""
    assert normalize_name("") == ""
    assert normalize_name("   ") == ""


def test_traditional_characters_become_simplified():
    assert normalize_name("張偉") == "张伟"
    assert normalize_name("劉麗華") == "刘丽华"
    assert normalize_name("鍾漢良") == "钟汉良"


def test_conversion_is_per_character_so_names_are_not_read_as_words():
    # OpenCC's phrase table would turn the name 沈默 into the word 沉默.
    assert normalize_name("沈默") == "沈默"


def test_characters_that_are_also_correct_simplified_name_characters_are_kept():
    assert normalize_name("李乾") == "李乾"
    assert normalize_name("於梨華") == "於梨华"


def test_minority_name_dots_are_unified():
    for dot in "·•・‧∙.．":
        assert normalize_name(f"阿卜杜拉{dot}买买提") == "阿卜杜拉·买买提"
    assert normalize_name("阿卜杜拉 · 买买提") == "阿卜杜拉·买买提"
    assert normalize_name("阿卜杜拉。买买提") == "阿卜杜拉·买买提"
    assert normalize_name("阿卜杜拉··买买提") == "阿卜杜拉·买买提"


def test_latin_names_keep_one_space_and_lose_full_width():
    assert normalize_name("ＪＯＨＮ   SMITH") == "JOHN SMITH"
    assert normalize_name("  John   Smith ") == "John Smith"


def test_a_full_stop_in_a_latin_name_is_an_initial_not_a_separator():
    assert normalize_name("J. Smith") == "J. Smith"


def test_invisible_characters_pasted_from_elsewhere_are_dropped():
    assert normalize_name("\ufeff王\u200b伟") == "王伟"


def test_cjk_compatibility_ideographs_fold_to_the_unified_form():
    assert normalize_name("\uf9b2明") == "\u96f6明"  # 零 compatibility form


@given(st.text(max_size=25))
def test_normalisation_is_idempotent(text):
    once = normalize_name(text)
    assert normalize_name(once) == once


@given(
    st.lists(st.sampled_from(list("王伟張偉阿卜杜拉買提 ·•・．.　ＪohnＳ")), max_size=15).map(
        "".join
    )
)
def test_normalisation_is_idempotent_on_name_like_text(text):
    once = normalize_name(text)
    assert normalize_name(once) == once
    assert "  " not in once and once == once.strip()


def test_plausible_names_pass():
    for name in ["王伟", "欧阳娜娜", "阿卜杜拉·买买提", "John Smith", "Mary-Jane O'Neil", " 張偉 "]:
        assert is_plausible_name(name) == (True, None), name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "姓名为空"),
        (None, "姓名为空"),
        ("   ", "姓名为空"),
        ("王伟2", "姓名中含有数字"),
        ("王伟２", "姓名中含有数字"),
        ("——", "姓名只有标点符号，没有文字"),
        ("？？", "姓名只有标点符号，没有文字"),
        ("王" * 21, "姓名过长：超过20个字符（实际21个）"),
        ("不详", "姓名像是占位词：不详"),
        ("NULL", "姓名像是占位词：NULL"),
        ("张三（户主）", "姓名中含有不该出现的符号：("),
        ("王", "姓名只有一个汉字，可能不完整"),
    ],
)
def test_implausible_names_are_explained(name, reason):
    assert is_plausible_name(name) == (False, reason)
