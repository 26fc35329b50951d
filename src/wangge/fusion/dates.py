"""Dates as offices type them: 2020-05-18, 2020/5/18, 20200518, 2020年5月18日, 二〇二〇年五月, 2020.5.

Pure Python, no Django. A ledger's date is evidence (birth dates link people), so a partial
date keeps its precision instead of being padded to the 1st, and anything impossible is None
rather than a guess.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

MIN_YEAR, MAX_YEAR = 1880, 2100
# The first year a birth column is read from: a birth date before 1900 is read as written so
# that `people.idnumber.birth_too_early` can say so, however early (1870 as 1895), instead of
# calling it unreadable. Other dates keep MIN_YEAR.
ANY_WRITTEN_YEAR = 1000

_FULLWIDTH = str.maketrans("０１２３４５６７８９／－．：　年月日", "0123456789/-.: 年月日")
_CN_DIGITS = {
    "〇": 0, "○": 0, "零": 0, "Ｏ": 0, "O": 0, "o": 0,
    "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip


@dataclass(frozen=True)
class ParsedDate:
    year: int
    month: int | None = None
    day: int | None = None

    @property
    def precision(self) -> str:
        """'day', 'month' or 'year'."""
        if self.day is not None:
            return "day"
        if self.month is not None:
            return "month"
        return "year"

    def iso(self) -> str:
        """'2020-05-18', '2020-05' or '2020' as precise as the source was."""
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"

    def as_date(self) -> datetime.date | None:
        if self.month is None or self.day is None:
            return None
        return datetime.date(self.year, self.month, self.day)


def _valid(
    year: int, month: int | None, day: int | None, earliest: int = MIN_YEAR
) -> ParsedDate | None:
    if not earliest <= year <= MAX_YEAR:
        return None
    if month is None:
        return ParsedDate(year) if day is None else None
    if not 1 <= month <= 12:
        return None
    if day is None:
        return ParsedDate(year, month)
    try:
        datetime.date(year, month, day)
    except ValueError:
        return None
    return ParsedDate(year, month, day)


def _cn_number(text: str) -> int | None:
    """二〇二〇 → 2020 (digit by digit), 十八 → 18, 二十 → 20, 十 → 10."""
    if not text:
        return None
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        t = _CN_DIGITS.get(tens, -1) if tens else 1
        o = _CN_DIGITS.get(ones, -1) if ones else 0
        if t < 0 or o < 0:
            return None
        return t * 10 + o
    value = 0
    for ch in text:
        digit = _CN_DIGITS.get(ch)
        if digit is None:
            return None
        value = value * 10 + digit
    return value


_CN_DATE = re.compile(
    r"^([〇○零Ｏ一二三四五六七八九]{4})年(?:([一二三四五六七八九十]{1,3})月"
    r"(?:([一二三四五六七八九十]{1,3})[日号]?)?)?$"
)
_YMD_SEP = re.compile(r"^(\d{4})\s*([-/.])\s*(\d{1,2})(?:\s*\2\s*(\d{1,2}))?$")
_YMD_CN = re.compile(r"^(\d{4})\s*年(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*[日号]?)?)?$")
_DMY = re.compile(r"^(\d{1,2})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{4})$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})?$")
# A time after the date ("2020-05-18 12:30:00", "2020-05-18T12:30") does not change the date.
_TIME_TAIL = re.compile(r"(?:[ T]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$")


def parse_date_text(
    text: str, *, excel_serial: bool = False, earliest_year: int = MIN_YEAR
) -> ParsedDate | None:
    """The date a clerk meant, or None when the text is no date or an impossible one.

    Day-first (18/05/2020) is accepted only when it cannot be month-first (the day is > 12) or
    when both readings give the same date; 05/06/2020 is ambiguous and gives None.
    `excel_serial` reads a bare number like '43969' as Excel's day number (1900 system), which
    only makes sense for a column already known to hold dates. A year before `earliest_year`
    is no date (a birth column passes ANY_WRITTEN_YEAR).
    """
    if not text:
        return None
    s = text.strip().translate(_FULLWIDTH).strip()
    s = _TIME_TAIL.sub("", s).strip()
    if not s:
        return None
    match = _CN_DATE.match(s)
    if match:
        year = _cn_number(match.group(1))
        month = _cn_number(match.group(2)) if match.group(2) else None
        day = _cn_number(match.group(3)) if match.group(3) else None
        if year is None or (match.group(2) and month is None) or (match.group(3) and day is None):
            return None
        return _valid(year, month, day, earliest_year)
    match = _YMD_CN.match(s)
    if match:
        return _valid(
            int(match.group(1)), _int(match.group(2)), _int(match.group(3)), earliest_year
        )
    match = _YMD_SEP.match(s)
    if match:
        return _valid(int(match.group(1)), int(match.group(3)), _int(match.group(4)), earliest_year)
    match = _DMY.match(s)
    if match:
        first, second, year = int(match.group(1)), int(match.group(3)), int(match.group(4))
        day_first = _valid(year, second, first, earliest_year)
        month_first = _valid(year, first, second, earliest_year)
        if day_first and month_first and day_first != month_first:
            return None
        return day_first or month_first
    if s.isdigit():
        if excel_serial and 1 <= len(s) <= 5:
            return _from_serial(int(s))
        match = _COMPACT.match(s)
        if match:
            return _valid(
                int(match.group(1)), int(match.group(2)), _int(match.group(3)), earliest_year
            )
        if len(s) == 4:
            return None  # a bare 4-digit number is too often not a year (房号 1203)
    return None


def _int(text: str | None) -> int | None:
    return int(text) if text else None


def _from_serial(serial: int) -> ParsedDate | None:
    if serial < 1 or serial == 60:  # 60 is Excel's fictitious 1900-02-29
        return None
    base = datetime.date(1899, 12, 31) if serial < 60 else datetime.date(1899, 12, 30)
    day = base + datetime.timedelta(days=serial)
    return _valid(day.year, day.month, day.day)
