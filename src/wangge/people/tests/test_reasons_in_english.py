"""Why an ID number, a phone, a birth date or a gender is refused reads in English for a user
who chose English, and exactly as before in Chinese: the rules give `Reason`s (their Chinese
text, plus the template `core.wording.say` translates)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.utils import translation

from wangge.core.wording import say
from wangge.people.idnumber import (
    birth_date_problem,
    check_id_number,
    gender_problem,
    make_id_number,
    region_doubt,
)
from wangge.people.phone import check_phone

TODAY = date(2026, 12, 1)
VALID = make_id_number("110105", date(1980, 5, 1), 12, "男")
CJK = re.compile(r"[\u3400-\u9fff]")

BAD_ID_NUMBERS = [
    "",
    1.1010519491231002e17,
    "1.10105E+17",
    "11010519491231002",
    "1101051949123100X1",
    "11010A194912310021",
    "11010519491231X",
    "990105194912310021",
    "911105194912310021",
    "110105194913310021",
    "110105299912310021",
    "110105187001010021",
    VALID[:17] + ("0" if VALID[17] != "0" else "1"),
    "000000000000000000",
    "123456789012345678",
]
BAD_PHONES = [
    "",
    "abc12",
    "12345",
    "1381234567",
    "12812345678",
    "14012345678",
    "13812345678转12",
    "+44 20 7946 0958",
    "4008123123",
    "010-1234567",
    "0999-1234567",
    "0101-12345678",
    "01012345678123456",
    "010-62345678转1234567",
    "1.38E+10",
]


def _chinese_left(text: str) -> list[str]:
    """Chinese in an English reason, apart from the genders 男/女 a value quotes."""
    return CJK.findall(text.replace("男", "").replace("女", ""))


def _reads_in_english(reason: str) -> None:
    """Said in English with no Chinese left, and in Chinese exactly as stored."""
    with translation.override("en"):
        english = say(reason)
    assert english and _chinese_left(english) == [], english
    with translation.override("zh-hans"):
        assert say(reason) == str(reason)


@pytest.mark.parametrize("raw", BAD_ID_NUMBERS)
def test_an_id_numbers_reason_reads_in_english(raw: str | float) -> None:
    check = check_id_number(raw, today=TODAY)
    assert not check.valid and check.reason
    _reads_in_english(check.reason)


@pytest.mark.parametrize("raw", BAD_PHONES)
def test_a_phones_reason_reads_in_english(raw: str) -> None:
    check = check_phone(raw)
    assert not check.valid and check.reason
    _reads_in_english(check.reason)


def test_the_chinese_words_are_unchanged() -> None:
    """What a Chinese user, a stored row error and the audit read stays word for word."""
    assert check_id_number("11010519491231002", today=TODAY).reason == (
        "长度应为18位（或15位旧号），实际为17位"
    )
    assert check_id_number("000000000000000000", today=TODAY).reason == (
        "占位号码，不代表任何人（全为0）"
    )
    assert check_phone("010-1234567").reason == "区号010的本地号码应为8位，实际为7位"
    assert check_phone("12345").reason == "号码位数不对：实际为5位"


def test_birth_date_gender_and_region_reasons_read_in_english() -> None:
    problems = [
        birth_date_problem(date(1979, 1, 1), today=TODAY, id_number=VALID),
        birth_date_problem(date(1870, 1, 1), today=TODAY),
        birth_date_problem(date(2999, 1, 1), today=TODAY),
        gender_problem("女", id_number=VALID, today=TODAY),
        gender_problem("其他"),
        region_doubt("110199", 1980, 2026),
    ]
    with translation.override("en"):
        said = [say(p) for p in problems]
    assert said[0] == "birth date “1979-01-01” does not match the ID number; the ID number wins"
    assert said[1] == "birth date “1870-01-01” is before 1900"
    assert said[3] == "gender “女” does not match the ID number; the ID number wins"
    assert all(_chinese_left(s) == [] or s == said[4] for s in said), said
