"""Chinese numerals, width and script folding (wangge.addresses.numerals): no database needed."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wangge.addresses.numerals import (
    NUMERAL_CHARS,
    chinese_to_int,
    int_to_chinese,
    normalize_text,
    numerals_to_digits,
    rewrite_numerals,
    to_halfwidth,
    to_simplified,
)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("零", 0),
        ("〇", 0),
        ("一", 1),
        ("两", 2),
        ("十", 10),
        ("十一", 11),
        ("二十", 20),
        ("二十三", 23),
        ("一百", 100),
        ("一百零一", 101),
        ("一百一十", 110),
        ("一百一", 110),  # colloquial: the last unit is dropped
        ("两百", 200),
        ("一千零一十", 1010),
        ("三万五", 35_000),
        ("一万零二十", 10_020),
        ("九万九千九百九十九", 99_999),
        ("十万", 100_000),
        ("一亿零一", 100_000_001),
        ("三〇一", 301),  # digit by digit, as room numbers are read out
        ("一零一", 101),
        ("幺零幺", 101),
        ("二〇", 20),
        ("壹佰零壹", 101),
        ("壹拾", 10),
        ("拾", 10),
        ("叁仟贰佰", 3200),
        ("廿三", 23),
        ("萬", None),
        ("兩萬", 20_000),
        ("301", 301),
    ],
)
def test_chinese_to_int(text: str, value: int | None) -> None:
    assert chinese_to_int(text) == value


@pytest.mark.parametrize(
    "text", ["", "百", "千", "三四十", "十百", "一万万", "幸福", "3a", "十二十"]
)
def test_not_a_numeral(text: str) -> None:
    assert chinese_to_int(text) is None


@pytest.mark.parametrize(
    ("value", "standard", "financial", "digits"),
    [
        (0, "零", "零", "〇"),
        (10, "十", "壹拾", "一〇"),
        (15, "十五", "壹拾伍", "一五"),
        (101, "一百零一", "壹佰零壹", "一〇一"),
        (110, "一百一十", "壹佰壹拾", "一一〇"),
        (1001, "一千零一", "壹仟零壹", "一〇〇一"),
        (10010, "一万零一十", "壹万零壹拾", "一〇〇一〇"),
        (20030, "二万零三十", "贰万零叁拾", "二〇〇三〇"),
    ],
)
def test_int_to_chinese(value: int, standard: str, financial: str, digits: str) -> None:
    assert int_to_chinese(value) == standard
    assert int_to_chinese(value, style="financial") == financial
    assert int_to_chinese(value, style="digits") == digits


def test_int_to_chinese_rejects_negative() -> None:
    with pytest.raises(ValueError):
        int_to_chinese(-1)


@given(st.integers(min_value=0, max_value=99_999))
def test_round_trip_to_99999(value: int) -> None:
    for style in ("standard", "financial", "digits"):
        assert chinese_to_int(int_to_chinese(value, style=style)) == value


@given(st.integers(min_value=0, max_value=10**12 - 1))
def test_round_trip_large(value: int) -> None:
    assert chinese_to_int(int_to_chinese(value)) == value


def test_round_trip_exhaustive_small() -> None:
    # Every room-sized number, so a gap in the zero rules cannot hide between random samples.
    for value in range(0, 10_000):
        assert chinese_to_int(int_to_chinese(value)) == value


@given(st.text(alphabet=sorted(NUMERAL_CHARS) + ["洞", "a", "1", "号"], max_size=12))
def test_chinese_to_int_never_raises(text: str) -> None:
    value = chinese_to_int(text)
    assert value is None or value >= 0


def test_halfwidth() -> None:
    assert to_halfwidth("３号楼２单元３０１") == "3号楼2单元301"
    assert to_halfwidth("Ａ座（东）－１") == "A座(东)-1"
    assert to_halfwidth("\u3000") == " "


def test_simplified() -> None:
    assert to_simplified("朝陽區幸福路10號3號樓2單元301室") == "朝阳区幸福路10号3号楼2单元301室"
    assert to_simplified("衚衕") == "胡同"
    # Characters that are valid simplified text in their own right stay (乾县 is a county).
    assert to_simplified("乾县") == "乾县"
    assert to_simplified("幸福路") == "幸福路"


def test_normalize_text() -> None:
    assert normalize_text("朝陽區ａｂ３—１～２") == "朝阳区AB3-1-2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("幸福路十号3-2-301", "幸福路10号3-2-301"),
        ("幸福路拾号院3幢2单元301", "幸福路10号院3幢2单元301"),
        ("三号楼二单元三〇一室", "3号楼2单元301室"),
        ("二单元三〇一", "2单元301"),  # a trailing run after a marker is the room
        ("一百零一号", "101号"),
        ("两号楼", "2号楼"),
        ("十二栋", "12栋"),
        ("五层", "5层"),
        ("二门三零一", "2门301"),
        ("叁号楼", "3号楼"),  # markers must be simplified: run normalize_text first
        ("东四十条", "东四十条"),  # 条 is not a marker
        # Names with a numeral before a marker character that is part of the name:
        ("三里屯街道", "三里屯街道"),
        ("十里河", "十里河"),
        ("八里庄", "八里庄"),
        ("三门峡", "三门峡"),
        # Names with a numeral before an ordinary character:
        ("幸福一村", "幸福一村"),
        ("五道口", "五道口"),
        ("万寿路", "万寿路"),
        ("百万庄", "百万庄"),
    ],
)
def test_rewrite_numerals(text: str, expected: str) -> None:
    assert rewrite_numerals(text) == expected


def test_rewrite_numerals_documented_ambiguity() -> None:
    # Before a marker that doubles as a name character, the run is rewritten when no plain
    # character follows: the road key (numerals_to_digits) makes both spellings meet anyway.
    assert rewrite_numerals("幸福三里3号楼") == "幸福3里3号楼"
    assert numerals_to_digits("幸福三里") == numerals_to_digits("幸福3里") == "幸福3里"


def test_numerals_to_digits() -> None:
    assert numerals_to_digits("东四十条") == "东40条"
    assert numerals_to_digits("万寿路") == "万寿路"  # a lone 万 is not a number
    assert numerals_to_digits("幸福叁里") == "幸福3里"


_ADDRESS_ALPHABET = sorted(NUMERAL_CHARS) + list("号楼栋幢座单元门层室户院弄巷里路村屯河幸福-0123 ")


@given(st.text(alphabet=_ADDRESS_ALPHABET, max_size=30))
def test_rewrite_numerals_is_idempotent(text: str) -> None:
    once = rewrite_numerals(text)
    assert rewrite_numerals(once) == once


@given(st.text(max_size=60))
def test_never_raises_on_any_text(text: str) -> None:
    rewrite_numerals(text)
    numerals_to_digits(text)
    normalize_text(text)
    chinese_to_int(text)
