"""GB 11643 citizen ID numbers: what counts as valid, what is repaired, how it is masked."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.core.bounds import MIN_DATE
from wangge.people.idnumber import (
    EARLIEST_TYPED_BIRTH,
    birth_date_problem,
    check_digit,
    check_id_number,
    gender_problem,
    is_valid_id_number,
    make_id_number,
    mask_id_number,
    normalize_id_number,
    repair_candidates,
    upgrade_15_to_18,
)

TODAY = datetime.date(2026, 1, 1)
PUBLISHED = "11010519491231002X"

births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31))
regions = st.sampled_from(["110105", "410102", "130102", "370102", "510104", "650102", "810000"])
genders = st.sampled_from(["男", "女"])
valid_numbers = st.builds(make_id_number, regions, births, st.integers(0, 999), genders)
id_alphabet = st.sampled_from(list("0123456789X"))


def reference_repairs(number: str) -> list[str]:
    """Brute force over every one-character change and adjacent swap: the definition."""
    found = set()
    for i in range(18):
        for ch in "0123456789X":
            found.add(number[:i] + ch + number[i + 1 :])
    for i in range(17):
        found.add(number[:i] + number[i + 1] + number[i] + number[i + 2 :])
    found.discard(number)
    return sorted(c for c in found if is_valid_id_number(c, today=TODAY))


# --- well-known examples -------------------------------------------------------


def test_a_published_example_is_valid_with_its_derived_facts():
    check = check_id_number(PUBLISHED)
    assert check.valid and check.reason is None
    assert check.normalized == PUBLISHED
    assert check.birth_date == datetime.date(1949, 12, 31)
    assert check.gender == "女"
    assert check.region_code == "110105"
    assert not check.upgraded_from_15


def test_check_digit_follows_mod_11_2():
    assert check_digit("11010519491231002") == "X"
    assert check_digit("44052418800101001") == "4"


def test_check_digit_refuses_anything_but_seventeen_digits():
    for bad in ["1101051949123100", "1101051949123100X", "１１０１０５１９４９１２３１００２"]:
        with pytest.raises(ValueError):
            check_digit(bad)


def test_fifteen_digit_numbers_upgrade_to_eighteen():
    assert upgrade_15_to_18("110105491231002") == PUBLISHED
    check = check_id_number("110105491231002")
    assert check.valid and check.upgraded_from_15
    assert check.normalized == PUBLISHED
    assert check.birth_date == datetime.date(1949, 12, 31)


def test_upgrade_refuses_non_fifteen_digit_input():
    with pytest.raises(ValueError):
        upgrade_15_to_18("11010549123100")


def test_gender_is_the_parity_of_the_seventeenth_digit():
    male = make_id_number("110105", datetime.date(1980, 5, 6), 13, "男")
    female = make_id_number("110105", datetime.date(1980, 5, 6), 13, "女")
    assert int(male[16]) % 2 == 1 and check_id_number(male).gender == "男"
    assert int(female[16]) % 2 == 0 and check_id_number(female).gender == "女"


def test_hong_kong_macau_taiwan_residence_permits_are_accepted():
    for region in ("810000", "820000", "830000"):
        assert is_valid_id_number(make_id_number(region, datetime.date(1990, 1, 1), 5, "女"))


# --- normalisation -------------------------------------------------------------


def test_normalisation_cleans_what_ledgers_do_to_numbers():
    assert normalize_id_number(" 110105 1949 1231 002x ") == PUBLISHED
    assert normalize_id_number("１１０１０５１９４９１２３１００２Ｘ") == PUBLISHED
    assert normalize_id_number("１１０１０５１９４９１２３１００２ｘ") == PUBLISHED
    assert normalize_id_number("110105-19491231-002X") == PUBLISHED
    assert normalize_id_number("110105—19491231\u3000002X") == PUBLISHED
    assert normalize_id_number("'11010519491231002X") == PUBLISHED
    assert normalize_id_number("11010519491231002×") == PUBLISHED
    assert normalize_id_number("\ufeff11010519491231002X\u200b") == PUBLISHED
    assert normalize_id_number("110105491231002.0") == "110105491231002"
    assert normalize_id_number(110105491231002.0) == "110105491231002"
    assert normalize_id_number(110105491231002) == "110105491231002"
    assert normalize_id_number(None) == ""
    assert normalize_id_number("   ") == ""


def test_normalised_spellings_validate_like_the_canonical_one():
    for spelling in [
        " 110105 1949 1231 002x ",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105-19491231-002X",
    ]:
        assert check_id_number(spelling).normalized == PUBLISHED


@given(st.text(max_size=30))
def test_normalisation_is_idempotent_and_check_never_raises(text):
    once = normalize_id_number(text)
    assert normalize_id_number(once) == once
    check_id_number(text)
    repair_candidates(text)
    mask_id_number(text)


@given(st.lists(st.sampled_from(list("0123456789xX -　１２ｘ")), max_size=22).map("".join))
def test_normalisation_is_idempotent_on_id_like_text(text):
    once = normalize_id_number(text)
    assert normalize_id_number(once) == once


# --- reasons -------------------------------------------------------------------


def test_each_kind_of_invalid_number_says_why_in_chinese():
    cases = {
        "110105194912310021": "校验位错误：应为 X，实际为 1",
        "11010519491331002X": "出生日期无效：19491331",
        "1101051949123100": "长度应为18位（或15位旧号），实际为16位",
        "99010519491231002X": "行政区划代码无效：前两位 99 不是省级代码",
        "1101O519491231002X": "含非法字符：O",
        "110105X9491231002X": "含非法字符：X 只能出现在最后一位",
        "11010549123100X": "含非法字符：15位旧号不能含 X",
        "1.10105E+17": "数字被Excel转成科学计数法，后几位已丢失",
        "": "身份证号为空",
    }
    for raw, reason in cases.items():
        check = check_id_number(raw, today=TODAY)
        assert not check.valid and check.normalized is None
        assert check.reason == reason, raw


def test_invalid_numbers_expose_no_decoded_facts():
    check = check_id_number("110105194912310021")
    assert (check.birth_date, check.gender, check.region_code) == (None, None, None)


def test_region_codes_follow_gb_t_2260_with_its_history():
    def number(region: str, year: int) -> str:
        first17 = f"{region}{year}0101002"
        return first17 + check_digit(first17)

    # Hainan's 4600xx (digits 3-4 are 00): 460028 临高县, in force 1988-2002.
    for year in (1960, 1995, 2002):
        check = check_id_number(number("460028", year), today=TODAY)
        assert check.valid and check.doubt is None
    # Retired before the person was born: nobody can have been given it. Valid, but doubtful.
    late = check_id_number(number("460028", 2005), today=TODAY)
    assert late.valid
    assert late.doubt == "地区码460028（临高县）2002年已撤销，早于出生年份2005，请核实"
    # A code the table never held: doubtful, not rejected.
    never = check_id_number(number("110199", 1990), today=TODAY)
    assert never.valid and never.doubt == "地区码110199不在GB/T 2260（1980年以来各版）中，请核实"
    # A code renamed over time passes under any of its names (110105 朝阳区; 110103 崇文区
    # until 2010).
    assert check_id_number(number("110103", 2009), today=TODAY).doubt is None
    assert check_id_number(number("110103", 2011), today=TODAY).doubt is not None
    # The province-level code is in the table (python-stdnum and id-validator accept it too).
    assert check_id_number(number("110000", 1949), today=TODAY).doubt is None
    # The "91 = 国外" of copied validation scripts is not a province: rejected.
    assert "前两位 91" in (check_id_number(number("910105", 1949)).reason or "")


def test_foreign_permanent_residence_numbers_are_told_apart():
    number = "91115619800101011"  # 9 + issuing province 11 + nationality 156 ...
    reason = check_id_number(number + check_digit(number)).reason or ""
    assert "外国人永久居留身份证" in reason


def test_birth_dates_must_be_real_and_in_range():
    def with_birth(yyyymmdd: str) -> str:
        first17 = f"110105{yyyymmdd}002"
        return first17 + check_digit(first17)

    assert is_valid_id_number(with_birth("20000229"), today=TODAY)
    assert check_id_number(with_birth("19000229")).reason == "出生日期无效：19000229"
    assert check_id_number(with_birth("18791231")).reason == "出生日期无效：18791231 早于1880年"
    assert is_valid_id_number(with_birth("18800101"), today=TODAY)
    future = check_id_number(with_birth("20260102"), today=TODAY)
    assert future.reason == "出生日期无效：20260102 晚于今天"
    assert is_valid_id_number(with_birth("20260101"), today=TODAY)


def test_birth_in_the_future_is_rejected():
    future = make_id_number("110105", datetime.date(2030, 1, 1), 1, "男")
    assert not check_id_number(future, today=datetime.date(2026, 1, 1)).valid


def test_an_eighteen_digit_number_stored_as_an_excel_float_has_lost_digits():
    check = check_id_number(110105194912310021.0)
    assert not check.valid
    assert "Excel" in (check.reason or "")


# --- construction --------------------------------------------------------------


@settings(max_examples=200)
@given(regions, births, st.integers(0, 999), genders)
def test_made_numbers_are_valid_and_carry_their_gender_and_birth(region, birth, seq, gender):
    number = make_id_number(region, birth, seq, gender)
    check = check_id_number(number, today=TODAY)
    assert check.valid
    assert check.normalized == number
    assert check.gender == gender
    assert check.birth_date == birth
    assert check.region_code == region


def test_make_id_number_accepts_english_genders_and_keeps_the_sequence():
    birth = datetime.date(1990, 1, 1)
    assert make_id_number("110105", birth, 101, "M") == make_id_number("110105", birth, 101, "男")
    assert make_id_number("110105", birth, 100, "female")[14:17] == "100"
    assert make_id_number("110105", birth, 100, "男")[14:17] == "101"


@pytest.mark.parametrize(
    ("region", "sequence", "gender"),
    [("11010", 1, "男"), ("990105", 1, "男"), ("110105", 1000, "男"), ("110105", 1, "未知")],
)
def test_make_id_number_refuses_what_cannot_be_valid(region, sequence, gender):
    with pytest.raises(ValueError):
        make_id_number(region, datetime.date(1990, 1, 1), sequence, gender)


@given(
    st.sampled_from(["110105", "410102", "440524"]),
    st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(1999, 12, 31)),
    st.integers(0, 999),
)
def test_every_upgraded_fifteen_digit_number_is_valid(region, birth, seq):
    id15 = f"{region}{birth:%y%m%d}{seq:03d}"
    upgraded = upgrade_15_to_18(id15)
    assert is_valid_id_number(upgraded, today=TODAY)
    assert check_id_number(id15, today=TODAY).normalized == upgraded


# --- repair --------------------------------------------------------------------


@settings(max_examples=150)
@given(valid_numbers, st.integers(0, 17), id_alphabet)
def test_any_single_wrong_character_is_detected_and_repairable(number, pos, ch):
    corrupted = number[:pos] + ch + number[pos + 1 :]
    if corrupted == number:
        return
    # MOD 11-2 catches every single substitution, so this is never silently valid.
    assert not is_valid_id_number(corrupted, today=TODAY)
    assert number in repair_candidates(corrupted, today=TODAY)


@settings(max_examples=100)
@given(valid_numbers, st.integers(0, 16))
def test_an_adjacent_swap_is_repairable(number, pos):
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2 :]
    if swapped == number:
        return
    if pos < 16:
        # Adjacent weights differ mod 11, so swaps inside the body are always caught.
        assert not is_valid_id_number(swapped, today=TODAY)
    if not is_valid_id_number(swapped, today=TODAY):
        assert number in repair_candidates(swapped, today=TODAY)


def test_a_known_swap_is_repaired():
    swapped = PUBLISHED[:10] + PUBLISHED[11] + PUBLISHED[10] + PUBLISHED[12:]
    assert not is_valid_id_number(swapped)
    assert PUBLISHED in repair_candidates(swapped)


@settings(max_examples=60)
@given(valid_numbers, st.integers(0, 17), id_alphabet)
def test_repair_candidates_are_exactly_the_brute_force_set(number, pos, ch):
    corrupted = number[:pos] + ch + number[pos + 1 :]
    if corrupted != number:
        assert repair_candidates(corrupted, today=TODAY) == reference_repairs(corrupted)


def test_repair_of_a_wrong_check_digit_lists_each_one_edit_fix_once():
    candidates = repair_candidates("110105194912310021", today=TODAY)
    assert PUBLISHED in candidates
    assert candidates == sorted(set(candidates))
    assert candidates == reference_repairs("110105194912310021")
    assert all(is_valid_id_number(c, today=TODAY) for c in candidates)


def test_a_letter_typed_for_a_digit_is_repaired_in_place():
    assert repair_candidates("1101O519491231002X", today=TODAY) == ["11010519491231002X"]


def test_nothing_is_offered_when_there_is_nothing_to_repair():
    assert repair_candidates(PUBLISHED) == []
    assert repair_candidates("110105491231002") == []  # 15 digits: no check digit to use
    assert repair_candidates("1101051949123100") == []
    assert repair_candidates("") == []


# --- masking -------------------------------------------------------------------


@given(valid_numbers)
def test_masks_hide_birth_date_and_check_digit(number):
    masked = mask_id_number(number)
    assert masked == number[:6] + "********" + number[14:17] + "*"
    assert number not in masked and number[6:14] not in masked


@given(valid_numbers)
def test_a_mask_and_a_birth_year_leave_every_day_of_the_year(number):
    """The page shows the birth year (or age): every day of that year completes the mask to a
    valid number, so nothing but exact searches (limited, alerted) tells which one is real."""
    masked = mask_id_number(number)
    year = int(number[6:10])
    candidates = [
        first17 + check_digit(first17)
        for day in range(366)
        if (born := datetime.date(year, 1, 1) + datetime.timedelta(days=day)).year == year
        for first17 in [masked[:6] + f"{born:%Y%m%d}" + masked[14:17]]
    ]
    assert number in candidates
    assert len({mask_id_number(c) for c in candidates}) == 1  # all look the same
    assert len(candidates) >= 365


def test_masking_normalises_first_so_spacing_cannot_leak_digits():
    assert mask_id_number(" 110105 1949 1231 002x ") == "110105********002*"


def test_masking_short_or_odd_values_never_shows_them_whole():
    assert mask_id_number("110105491231002") == "110105******00*"
    assert mask_id_number("12345") == "1***5"
    assert mask_id_number("12") == "**"
    assert mask_id_number("1") == "*"
    assert mask_id_number("") == ""


@given(st.text(min_size=1, max_size=25))
def test_a_mask_always_hides_at_least_one_character(text):
    normalized = normalize_id_number(text)
    masked = mask_id_number(text)
    assert len(masked) == len(normalized)
    revealed = [i for i, ch in enumerate(masked) if ch != "*"]
    assert all(masked[i] == normalized[i] for i in revealed)
    if normalized:
        assert len(revealed) < len(normalized)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("000000000000000000", "全为0"),
        ("111111111111111111", "全为同一数字"),
        ("99999999999999999X", "全为同一数字"),
        ("123456789012345678", "连续数字"),
        ("987654321098765432", "连续数字"),
        ("121212121212121212", "只含两种数字"),
        ("123412341234123412", "数字循环重复"),
        ("110105000000000000", "地区码之后全为0"),
        ("000000", "全为0"),
    ],
)
def test_placeholder_numbers_are_named_as_such(value: str, kind: str) -> None:
    check = check_id_number(value)
    assert not check.valid
    assert check.reason == f"占位号码，不代表任何人（{kind}）"


def test_a_valid_number_is_never_a_placeholder() -> None:
    # Two distinct digits only, yet a real number: validity is decided first.
    number = "220202200002200200"  # 吉林市昌邑区, born 2000-02-20
    assert set(number) == {"0", "2"}
    assert check_id_number(number).valid
    assert (check_id_number("110105198005171230").reason or "").startswith("校验位错误")


@pytest.mark.parametrize(
    ("born", "problem"),
    [
        (TODAY, None),
        (datetime.date(1900, 1, 1), None),
        (TODAY + datetime.timedelta(days=1), "出生日期“2026-01-02”晚于今天"),
        (datetime.date(9999, 12, 31), "出生日期“9999-12-31”晚于今天"),
        (datetime.date(1899, 12, 31), "出生日期“1899-12-31”早于1900年"),
        (datetime.date(1895, 3, 1), "出生日期“1895-03-01”早于1900年"),
        (datetime.date(1870, 1, 1), "出生日期“1870-01-01”早于1900年"),  # before 1880 too
        (datetime.date(1, 1, 1), "出生日期“0001-01-01”早于1900年"),
    ],
)
def test_a_typed_birth_date_lies_between_1900_and_today(born, problem):
    assert birth_date_problem(born, today=TODAY) == problem
    # an invalid or placeholder number says nothing about the day
    assert birth_date_problem(born, today=TODAY, id_number="110105199001011234") == problem


def test_a_valid_id_number_fixes_the_birth_date():
    number = make_id_number("110105", datetime.date(1890, 6, 1), 7, "女")
    assert birth_date_problem(datetime.date(1890, 6, 1), today=TODAY, id_number=number) is None
    assert (
        birth_date_problem(datetime.date(1990, 6, 1), today=TODAY, id_number=number)
        == "出生日期“1990-06-01”与身份证号不符，以身份证号为准"
    )


def test_typed_birth_dates_start_where_every_typed_date_does():
    assert EARLIEST_TYPED_BIRTH == MIN_DATE


def test_a_valid_id_number_fixes_the_gender_by_its_17th_digit():
    man = make_id_number("110105", datetime.date(1980, 5, 17), 123, "男")
    woman = make_id_number("110105", datetime.date(1980, 5, 17), 124, "女")
    assert int(man[16]) % 2 == 1 and int(woman[16]) % 2 == 0
    assert gender_problem("男", id_number=man) is None
    assert gender_problem("女", id_number=woman) is None
    # the words of the ledger import for the same contradiction (fusion.normalise)
    assert gender_problem("女", id_number=man) == "性别“女”与身份证号不符，以身份证号为准"
    assert gender_problem("男", id_number=woman) == "性别“男”与身份证号不符，以身份证号为准"


def test_without_a_valid_number_any_gender_goes_and_only_genders_are_genders():
    assert gender_problem("女") is None
    assert gender_problem("女", id_number="110105199001011234") is None  # check digit wrong
    assert gender_problem("未知") == "性别“未知”无效，应为男或女"
    assert gender_problem("") == "性别“”无效，应为男或女"
