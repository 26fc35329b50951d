"""Free text keeps no ID number or mobile: what is masked, and what is left alone."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from wangge.people.idnumber import make_id_number
from wangge.people.redact import redact_identifiers

ID = "11010519491231002X"


def test_id_numbers_keep_only_their_region():
    text = f"居民张三（身份证{ID}）反映"
    assert redact_identifiers(text) == "居民张三（身份证110105************）反映"


def test_spaced_dashed_lowercase_and_full_width_numbers_are_found():
    for written in (
        "110105 19491231 002x",
        "110105-19491231-002X",
        "１１０１０５１９４９１２３１００２Ｘ",
    ):
        redacted = redact_identifiers(f"号码：{written}。")
        assert redacted == "号码：110105************。", written


def test_a_typo_does_not_save_a_number_from_redaction():
    """One wrong digit leaves the number one repair away (repair_candidates)."""
    assert redact_identifiers("110105194912310021") == "110105************"
    assert redact_identifiers("110105491231002") == "110105************"  # 15 digits


def test_masked_numbers_that_show_trailing_digits_lose_them():
    assert redact_identifiers("身份证110105********2733") == "身份证110105************"
    assert redact_identifiers("身份证110105********273*") == "身份证110105************"


def test_mobiles_are_masked_as_on_screen():
    assert redact_identifiers("电话13812345678") == "电话138******78"
    assert redact_identifiers("电话 +86 138-1234-5678 找李") == "电话 138******78 找李"
    assert redact_identifiers("１３８１２３４５６７８") == "138******78"


def test_other_numbers_stay():
    for text in (
        "幸福路10号3号楼2单元301室",
        "工单号 202612050000123",  # 15 digits, no birth date in them
        "2026-12-05 14:30 回访",
        "座机 010-62345678",  # fixed lines are not personal enough to lose the text
        "编号 12345678901234567890",  # 20 digits: no ID
        "",
    ):
        assert redact_identifiers(text) == text


@given(
    st.dates(datetime.date(1900, 1, 1), datetime.date(2025, 12, 31)),
    st.integers(0, 999),
    st.sampled_from(["男", "女"]),
    st.text(max_size=20),
    st.text(max_size=20),
)
def test_no_number_survives_whatever_surrounds_it(birth, seq, gender, before, after):
    number = make_id_number("410102", birth, seq, gender)
    redacted = redact_identifiers(f"{before} {number} {after}")
    assert number not in redacted and number[6:14] not in redacted[len(before) :]
