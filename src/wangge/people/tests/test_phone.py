"""Phone numbers as ledgers write them: prefixes, separators, full-width digits, Excel damage."""

from hypothesis import given
from hypothesis import strategies as st

from wangge.people.phone import check_phone, mask_phone


def test_mobile_numbers_lose_country_code_and_separators():
    for raw in [
        "13812345678",
        "+86 138-1234-5678",
        "0086 13812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "138 1234 5678",
        13812345678.0,
        "13812345678.0",
    ]:
        check = check_phone(raw)
        assert check.valid and check.kind == "mobile" and check.normalized == "13812345678", raw


def test_fixed_lines_keep_their_area_code():
    assert check_phone("(010)62345678").normalized == "010-62345678"
    assert check_phone("010-62345678").normalized == "010-62345678"
    assert check_phone("0371-66123456").normalized == "0371-66123456"
    assert check_phone("62345678").normalized == "62345678"
    assert check_phone("010-62345678转123").normalized == "010-62345678-123"


def test_several_numbers_in_one_cell_prefer_the_mobile():
    check = check_phone("010-62345678/13912345678")
    assert check.normalized == "13912345678"
    assert check.others == ("010-62345678",)


def test_broken_numbers_say_why():
    assert "科学计数法" in (check_phone("1.38123E+10").reason or "")
    assert "11位" in (check_phone("1381234567").reason or "")
    assert "号段" in (check_phone("12812345678").reason or "")
    assert not check_phone("").valid
    assert not check_phone(None).valid


def test_masks():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-62345678") == "010-****5678"
    assert mask_phone("62345678") == "******78"


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_every_mobile_is_accepted_and_masked_without_its_middle(number):
    assert check_phone(number).normalized == number
    masked = mask_phone(number)
    assert number[3:7] not in masked[3:7]
    assert masked.count("*") == 4


@given(st.text(max_size=40))
def test_check_never_raises(text):
    check_phone(text)
