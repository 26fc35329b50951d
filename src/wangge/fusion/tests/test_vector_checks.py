"""The column checks agree with the per-value GB 11643 and phone rules they stand in for."""

from __future__ import annotations

import datetime

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from wangge.fusion.vector_checks import mobile_column, plain_valid_id_numbers
from wangge.people.idnumber import check_digit, check_id_number, make_id_number
from wangge.people.phone import check_phone

TODAY = datetime.date(2026, 11, 23)


def _with_check_digit(region: str, birth: datetime.date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)


ids = st.one_of(
    st.builds(
        _with_check_digit,
        st.sampled_from(
            # 460028: in force 1988-2002; 110103: retired 2010; 110199: never a code.
            ["110105", "310101", "440300", "710000", "810000", "120000", "990101"]
            + ["460028", "110103", "110199"]
        ),
        st.dates(datetime.date(1870, 1, 1), datetime.date(2030, 1, 1)),
        st.integers(0, 999),
    ),
    st.text("0123456789Xx", min_size=17, max_size=19),
)


@given(st.lists(ids, max_size=30))
def test_plain_id_numbers_are_valid_exactly_when_the_full_check_says_so(values: list[str]) -> None:
    numbers, births, genders = plain_valid_id_numbers(values, TODAY)
    for value, number, birth, gender in zip(values, numbers, births, genders, strict=True):
        check = check_id_number(value, today=TODAY)
        if number is not None:
            assert check.valid and check.normalized == number and check.doubt is None
            assert check.birth_date is not None and check.birth_date.isoformat() == birth
            assert check.gender == gender
        elif value.isdigit() and len(value) == 18:
            # Left to the full check: invalid, or valid with a GB/T 2260 doubt to explain.
            assert not check.valid or check.doubt is not None


def test_a_wrong_check_digit_or_impossible_birth_date_is_left_to_the_full_check() -> None:
    good = make_id_number("110105", datetime.date(1990, 1, 1), 123, "男")
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    bad_birth = good[:10] + "0231" + good[14:]
    numbers, _, _ = plain_valid_id_numbers([good, bad_check, bad_birth, "", "abc"], TODAY)
    assert numbers == [good, None, None, None, None]


mobiles = st.builds(
    lambda body, prefix, sep, wide: (prefix + sep.join([body[:3], body[3:7], body[7:]])).translate(
        str.maketrans("0123456789+", "０１２３４５６７８９＋") if wide else {}
    ),
    st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    st.sampled_from(["", "+86", "+86 ", "86", "0086", "+86-"]),
    st.sampled_from(["", " ", "-", "\u3000"]),
    st.booleans(),
)
odd_phones = st.one_of(
    mobiles,
    st.from_regex(r"0[1-9][0-9]{1,2}-?[2-8][0-9]{6,7}", fullmatch=True),
    st.text("0123456789+- ", max_size=16),
)


@given(st.lists(odd_phones, max_size=30))
def test_the_mobile_column_gives_the_number_check_phone_gives(values: list[str]) -> None:

    column = mobile_column(pl.Series(values, dtype=pl.Utf8)).to_list()
    for value, number in zip(values, column, strict=True):
        if number is not None:
            assert check_phone(value).normalized == number, value


def _messy(number: str, spaced: bool, wide: bool, old: bool) -> str:
    text = number[:6] + number[8:17] if old else number
    if spaced:
        text = f"{text[:6]} {text[6:14]}-{text[14:]}"
    if wide:
        text = text.translate(str.maketrans("0123456789X", "０１２３４５６７８９ｘ"))
    return text


messy_ids = st.builds(
    _messy,
    st.builds(
        _with_check_digit,
        st.sampled_from(["110105", "310101", "440300", "120000", "990101"]),
        st.dates(datetime.date(1890, 1, 1), datetime.date(2030, 1, 1)),
        st.integers(0, 999),
    ),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)


@given(st.lists(st.one_of(messy_ids, st.text("0123456789Xx -", max_size=20)), max_size=30))
def test_the_id_column_gives_the_number_check_id_number_gives(values: list[str]) -> None:
    from wangge.fusion.vector_checks import id_number_column

    out = id_number_column(pl.Series(values, dtype=pl.Utf8), TODAY)
    for value, number, upgraded in zip(
        values, out.get_column("number"), out.get_column("upgraded"), strict=True
    ):
        if number is not None:
            check = check_id_number(value, today=TODAY)
            assert check.valid and check.normalized == number, value
            assert check.upgraded_from_15 == upgraded
