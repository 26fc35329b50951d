"""Phone numbers as ledgers write them: prefixes, separators, full-width digits, Excel damage."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.people.phone import check_phone, mask_phone

# Prefixes whose whole range is allocated to an operator (140-144, 154, 179… are not).
ALLOCATED = [*map(str, range(130, 140)), "150", "151", "152", "153", "155", "156", "157", "158"]
ALLOCATED += ["159", "166", "173", "177", "180", "181", "186", "187", "188", "189", "198", "199"]
mobiles = st.builds(
    str.__add__, st.sampled_from(ALLOCATED), st.from_regex(r"[0-9]{8}", fullmatch=True)
)
# An 8-digit local number never starts with 0 or 1 (8 and 9 also open service ranges: 800…).
locals8 = st.from_regex(r"[2-7][0-9]{7}", fullmatch=True)
areas = st.sampled_from(["010", "021", "029", "0371", "0755", "0571"])  # 8-digit local numbers
areas7 = st.sampled_from(["0991", "0912", "0931"])  # areas that still have 7-digit numbers


# --- mobiles -------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "+86 138-1234-5678",
        "+8613812345678",
        "0086 13812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "138 1234 5678",
        "(138)1234-5678",
        13812345678,
        13812345678.0,
        "13812345678.0",
        "013812345678",
        "手机：13812345678（本人）",
        "Tel: 13812345678",
        "(+86) 138 1234 5678",
        "（+86）13812345678",
        "[+86]13812345678",
        "tel:+86-138-1234-5678",
        "TEL:13812345678",
        "\ufeff13812345678\u200b",
    ],
)
def test_mobile_numbers_lose_country_code_separators_and_labels(raw):
    check = check_phone(raw)
    assert check.valid and check.kind == "mobile" and check.normalized == "13812345678", raw
    assert check.reason is None and check.others == ()


@settings(max_examples=100)
@given(
    mobiles,
    st.sampled_from(["", "+86", "+86 ", "0086", "86"]),
    st.sampled_from(["", " ", "-"]),
    st.booleans(),
)
def test_every_spelling_of_a_mobile_normalises_to_the_same_eleven_digits(
    number, prefix, sep, full_width
):
    text = prefix + number[:3] + sep + number[3:7] + sep + number[7:]
    if full_width:
        text = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789+-"})
    check = check_phone(text)
    assert (check.normalized, check.kind) == (number, "mobile")


# --- fixed lines ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("(010)62345678", "010-62345678"),
        ("（010）62345678", "010-62345678"),
        ("010-62345678", "010-62345678"),
        ("01062345678", "010-62345678"),
        ("010 6234 5678", "010-62345678"),
        ("+86 10 6234 5678", "010-62345678"),
        ("+86-371-66123456", "0371-66123456"),
        ("0371-66123456", "0371-66123456"),
        ("0991-6612345", "0991-6612345"),
        ("0991 6612 345", "0991-6612345"),
        ("(+86) 10 6234 5678", "010-62345678"),
        ("62345678", "62345678"),
        ("6612345", "6612345"),
        ("010-62345678转123", "010-62345678-123"),
        ("010-62345678 分机 123", "010-62345678-123"),
        ("010-62345678 ext. 12", "010-62345678-12"),
        ("010-62345678-123", "010-62345678-123"),
        ("62345678转8", "62345678-8"),
        ("6234-5678", "62345678"),
        ("0371-6612-3456", "0371-66123456"),
        ("0991-6612345-6", "0991-6612345-6"),
        ("2000000-0", "2000000-0"),
        ("010-6234567-8", "010-62345678"),
    ],
)
def test_fixed_lines_keep_their_area_code_and_extension(raw, normalized):
    check = check_phone(raw)
    assert check.valid and check.kind == "landline"
    assert check.normalized == normalized


@given(areas, locals8, st.sampled_from(["{a}-{n}", "({a}){n}", "{a} {n}", "{a}{n}"]))
def test_every_spelling_of_a_fixed_line_normalises_to_area_hyphen_local(area, local, template):
    check = check_phone(template.format(a=area, n=local))
    assert check.normalized == f"{area}-{local}"


extensions = st.one_of(st.just(""), st.from_regex(r"-[0-9]{1,6}", fullmatch=True))
fixed_lines = st.one_of(
    st.builds(lambda a, n, e: f"{a}-{n}{e}", areas, locals8, extensions),
    st.builds(
        lambda a, n, e: f"{a}-{n}{e}",
        areas7,
        st.from_regex(r"[2-7][0-9]{6}", fullmatch=True),
        extensions,
    ),
    st.builds(lambda n, e: n + e, locals8, extensions),
)


@given(st.one_of(mobiles, fixed_lines))
def test_normalised_numbers_are_fixed_points(number):
    """The canonical form reads back as itself, so blind-index keys are stable."""
    assert check_phone(number).normalized == number


# --- several numbers in one cell -----------------------------------------------


def test_several_numbers_in_one_cell_prefer_the_mobile():
    check = check_phone("010-62345678/13912345678")
    assert check.normalized == "13912345678"
    assert check.others == ("010-62345678",)


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678/13987654321",
        "13812345678、13987654321",
        "13812345678，13987654321",
        "13812345678；13987654321",
        "13812345678 13987654321",
        "13812345678或13987654321",
    ],
)
def test_the_first_mobile_wins_and_the_rest_are_kept(raw):
    check = check_phone(raw)
    assert check.normalized == "13812345678"
    assert check.others == ("13987654321",)


def test_the_same_number_twice_is_not_an_other_number():
    assert check_phone("13812345678/138-1234-5678").others == ()


def test_a_broken_number_next_to_a_good_one_does_not_spoil_the_cell():
    check = check_phone("1381234567/010-62345678")
    assert check.valid and check.normalized == "010-62345678" and check.others == ()


# --- reasons -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1.38123E+10", "数字被Excel转成科学计数法，后几位已丢失"),
        ("1.38123e+10", "数字被Excel转成科学计数法，后几位已丢失"),
        ("1E9999", "数字被Excel转成科学计数法，后几位已丢失"),
        ("1381234567", "手机号应为11位，实际为10位"),
        ("138123456789", "手机号应为11位，实际为12位"),
        ("12812345678", "手机号号段无效：第二位应为3-9，实际为2"),
        ("13812345678转1", "手机号不能带分机号"),
        ("4008123456", "400/800开头的是企业客服号码，不是个人电话"),
        ("010-6234567", "区号010的本地号码应为8位，实际为7位"),
        ("0371-0612345", "本地号码不能以0或1开头"),
        ("0371-66123", "本地号码应为7-8位，实际为5位"),
        ("14012345678", "手机号段140未分配，不是在用的手机号码"),
        ("15412345678", "手机号段154未分配，不是在用的手机号码"),
        ("17912345678", "手机号段179未分配，不是在用的手机号码"),
        ("0371-6612345", "区号0371的本地号码应为8位，实际为7位"),
        ("0991-66123456", "区号0991的本地号码应为7位，实际为8位"),
        ("0300-2345678", "区号0300不存在"),
        ("01312345678", "区号无效：013"),
        ("+852 91234567", "不支持境外号码（国家代码不是86）"),
        ("00852 91234567", "不支持境外号码（国家代码不是86）"),
        ("12345", "号码位数不对：实际为5位"),
        ("138abc45678", "含非法字符：a"),
        ("", "电话号码为空"),
        ("无", "电话号码为空"),
        (None, "电话号码为空"),
        (float("nan"), "电话号码为空"),
    ],
)
def test_broken_numbers_say_why(raw, reason):
    check = check_phone(raw)
    assert not check.valid and check.normalized is None and check.kind is None
    assert check.reason == reason


def test_scientific_notation_is_undone_when_no_digit_was_lost():
    assert check_phone("1.3812345678E+10").normalized == "13812345678"


# --- masking -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138******78"),
        ("+86 138 1234 5678", "138******78"),
        ("010-62345678", "010-******78"),
        ("010-62345678-123", "010-******78"),
        ("0991-6612345", "0991-*****45"),
        ("62345678", "******78"),
        ("010-62345678/13912345678", "139******78/010-******78"),
        ("abc123", "****23"),
        ("12", "**"),
        ("", ""),
    ],
)
def test_masks(raw, masked):
    assert mask_phone(raw) == masked


@given(mobiles)
def test_every_mobile_is_accepted_and_masked_leaving_a_million_candidates(number):
    """Six hidden digits: a million numbers share each mask, far beyond what the exact-phone
    search limit lets anyone try."""
    assert check_phone(number).normalized == number
    masked = mask_phone(number)
    assert masked == number[:3] + "******" + number[9:]
    assert masked.count("*") == 6


@given(areas, locals8)
def test_fixed_line_masks_hide_the_local_number_but_its_last_two(area, local):
    assert mask_phone(f"{area}-{local}") == f"{area}-******{local[-2:]}"


@given(st.text(max_size=40))
def test_check_and_mask_never_raise_and_a_mask_never_shows_the_full_input(text):
    check = check_phone(text)
    assert check.valid == (check.normalized is not None)
    masked = mask_phone(text)
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) >= 3:
        assert digits not in masked
