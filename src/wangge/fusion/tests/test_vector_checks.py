"""The column checks agree with the per-value GB 11643 and phone rules they stand in for."""

from __future__ import annotations

import datetime

from hypothesis import given
from hypothesis import strategies as st

from wangge.fusion.vector_checks import plain_mobiles, plain_valid_id_numbers
from wangge.people.idnumber import check_digit, check_id_number, make_id_number
from wangge.people.phone import check_phone

TODAY = datetime.date(2026, 11, 23)


def _with_check_digit(region: str, birth: datetime.date, seq: int) -> str:
    body = f"{region}{birth:%Y%m%d}{seq:03d}"
    return body + check_digit(body)


ids = st.one_of(
    st.builds(
        _with_check_digit,
        st.sampled_from(["110105", "310101", "440300", "710000", "810000", "120000", "990101"]),
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
            assert check.valid and check.normalized == number
            assert check.birth_date is not None and check.birth_date.isoformat() == birth
            assert check.gender == gender
        elif value.isdigit() and len(value) == 18:
            assert not check.valid


def test_a_wrong_check_digit_or_impossible_birth_date_is_left_to_the_full_check() -> None:
    good = make_id_number("110105", datetime.date(1990, 1, 1), 123, "男")
    bad_check = good[:17] + ("0" if good[17] != "0" else "1")
    bad_birth = good[:10] + "0231" + good[14:]
    numbers, _, _ = plain_valid_id_numbers([good, bad_check, bad_birth, "", "abc"], TODAY)
    assert numbers == [good, None, None, None, None]


@given(st.lists(st.text("0123456789+- ", max_size=14), max_size=30))
def test_plain_mobiles_agree_with_the_phone_rules(values: list[str]) -> None:
    for value, plain in zip(values, plain_mobiles(values), strict=True):
        if plain is not None:
            assert check_phone(value).normalized == plain
