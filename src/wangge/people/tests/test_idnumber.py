"""GB 11643 citizen ID numbers: what counts as valid, what is repaired, how it is masked."""

import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.people.idnumber import (
    check_digit,
    check_id_number,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    normalize_id_number,
    repair_candidates,
    upgrade_15_to_18,
)

births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))
regions = st.sampled_from(["110105", "410102", "130102", "370102", "510104", "650102"])
genders = st.sampled_from(["男", "女"])


def test_a_published_example_is_valid_with_its_derived_facts():
    check = check_id_number("11010519491231002X")
    assert check.valid and check.reason is None
    assert check.birth_date == datetime.date(1949, 12, 31)
    assert check.gender == "女"
    assert check.region_code == "110105"


def test_check_digit_follows_mod_11_2():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"


def test_fifteen_digit_numbers_upgrade_to_eighteen():
    assert upgrade_15_to_18("110105491231002") == "11010519491231002X"
    check = check_id_number("110105491231002")
    assert check.valid and check.upgraded_from_15
    assert check.normalized == "11010519491231002X"


def test_normalisation_cleans_what_ledgers_do_to_numbers():
    assert normalize_id_number(" 110105 1949 1231 002x ") == "11010519491231002X"
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    assert normalize_id_number("'11010519491231002X") == "11010519491231002X"
    assert normalize_id_number(110105491231002.0) == "110105491231002"
    assert normalize_id_number(None) == ""


def test_each_kind_of_invalid_number_says_why_in_chinese():
    assert "校验位" in (check_id_number("110105194912310021").reason or "")
    assert "出生日期" in (check_id_number("11010519491331002X").reason or "")
    assert "长度" in (check_id_number("1101051949123100").reason or "")
    assert "行政区划" in (check_id_number("99010519491231002X").reason or "")
    assert "科学计数法" in (check_id_number("1.10105E+17").reason or "")
    assert "为空" in (check_id_number("").reason or "")


def test_birth_in_the_future_is_rejected():
    future = make_id_number("110105", datetime.date(2030, 1, 1), 1, "男")
    assert not check_id_number(future, today=datetime.date(2026, 1, 1)).valid


@settings(max_examples=200)
@given(regions, births, st.integers(0, 999), genders)
def test_made_numbers_are_valid_and_carry_their_gender_and_birth(region, birth, seq, gender):
    number = make_id_number(region, birth, seq, gender)
    check = check_id_number(number, today=datetime.date(2026, 1, 1))
    assert check.valid
    assert check.gender == gender
    assert check.birth_date == birth


@settings(max_examples=100)
@given(regions, births, st.integers(0, 999), genders, st.integers(0, 16), st.integers(1, 9))
def test_a_single_wrong_digit_is_detected_and_repairable(region, birth, seq, gender, pos, delta):
    number = make_id_number(region, birth, seq, gender)
    corrupted = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    if not is_valid_id_number(corrupted):
        assert number in repair_candidates(corrupted)


def test_an_adjacent_swap_is_repairable():
    number = "11010519491231002X"
    swapped = number[:10] + number[11] + number[10] + number[12:]
    assert not is_valid_id_number(swapped)
    assert number in repair_candidates(swapped)


def test_valid_numbers_need_no_repair():
    assert repair_candidates("11010519491231002X") == []


@given(regions, births, st.integers(0, 999), genders)
def test_masks_hide_birth_date_and_sequence(region, birth, seq, gender):
    number = make_id_number(region, birth, seq, gender)
    masked = mask_id_number(number)
    assert masked == number[:6] + "********" + number[-4:]
    assert f"{birth:%Y%m%d}" not in masked


def test_masking_short_or_odd_values_never_shows_them_whole():
    assert mask_id_number("110105491231002") == "110105******002"
    assert mask_id_number("12345") == "1***5"


@given(st.text(max_size=30))
def test_normalisation_is_idempotent_and_check_never_raises(text):
    once = normalize_id_number(text)
    assert normalize_id_number(once) == once
    check_id_number(text)
