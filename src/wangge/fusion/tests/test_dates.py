"""Dates in the forms offices type them, and nothing that is not a date."""

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from wangge.fusion.dates import ANY_WRITTEN_YEAR, ParsedDate, parse_date_text


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2020-05-18", "2020-05-18"),
        ("2020/5/18", "2020-05-18"),
        ("2020.5.18", "2020-05-18"),
        ("20200518", "2020-05-18"),
        ("2020年5月18日", "2020-05-18"),
        ("2020年5月18号", "2020-05-18"),
        ("2020 年 5 月 18 日", "2020-05-18"),
        ("2020年5月", "2020-05"),
        ("2020.5", "2020-05"),
        ("2020-5", "2020-05"),
        ("2020/05", "2020-05"),
        ("202005", "2020-05"),
        ("18/05/2020", "2020-05-18"),
        ("２０２０－０５－１８", "2020-05-18"),
        ("２０２０年５月１８日", "2020-05-18"),
        ("二〇二〇年五月十八日", "2020-05-18"),
        ("一九九〇年十二月三十一日", "1990-12-31"),
        ("二〇二〇年五月", "2020-05"),
        ("1990年", "1990"),
        ("2020-05-18 12:30:00", "2020-05-18"),
        ("  2020-05-18\u3000", "2020-05-18"),
    ],
)
def test_common_forms(text: str, iso: str) -> None:
    parsed = parse_date_text(text)
    assert parsed is not None
    assert parsed.iso() == iso


@pytest.mark.parametrize(
    "text",
    ["", "2020-02-30", "2019-02-29", "2020-13-01", "1879-01-01", "2101-01-01", "05/06/2020",
     "张三", "13812345678", "1203", "43969", "2020年13月", "二〇二〇年十三月"],
)  # fmt: skip
def test_rejects_impossible_or_ambiguous(text: str) -> None:
    assert parse_date_text(text) is None


def test_precision() -> None:
    assert parse_date_text("2020-05-18") == ParsedDate(2020, 5, 18)
    assert parse_date_text("2020-05-18").precision == "day"  # type: ignore[union-attr]
    assert parse_date_text("2020.5").precision == "month"  # type: ignore[union-attr]
    assert parse_date_text("1990年").precision == "year"  # type: ignore[union-attr]


def test_excel_serial_only_when_asked() -> None:
    assert parse_date_text("43969") is None
    assert parse_date_text("43969", excel_serial=True) == ParsedDate(2020, 5, 18)
    assert parse_date_text("59", excel_serial=True) == ParsedDate(1900, 2, 28)
    assert parse_date_text("60", excel_serial=True) is None  # Excel's fictitious 1900-02-29
    assert parse_date_text("61", excel_serial=True) == ParsedDate(1900, 3, 1)


_CN = "〇一二三四五六七八九"


def _cn_small(n: int) -> str:
    tens, ones = divmod(n, 10)
    return ("" if tens == 0 else ("十" if tens == 1 else _CN[tens] + "十")) + (
        _CN[ones] if ones else ""
    )


FORMATS = [
    lambda d: d.isoformat(),
    lambda d: f"{d.year}/{d.month}/{d.day}",
    lambda d: f"{d.year}.{d.month}.{d.day}",
    lambda d: d.strftime("%Y%m%d"),
    lambda d: f"{d.year}年{d.month}月{d.day}日",
    lambda d: d.isoformat().translate(str.maketrans("0123456789-", "０１２３４５６７８９－")),
    lambda d: (
        "".join(_CN[int(c)] for c in str(d.year)) + f"年{_cn_small(d.month)}月{_cn_small(d.day)}日"
    ),
    lambda d: f"{d.day:02d}/{d.month:02d}/{d.year}" if d.day > 12 else d.isoformat(),
    lambda d: f"{d.isoformat()} 08:00",
]

dates = st.dates(min_value=datetime.date(1880, 1, 1), max_value=datetime.date(2100, 12, 31))


@given(dates, st.sampled_from(range(len(FORMATS))))
def test_round_trip_every_format(day: datetime.date, form: int) -> None:
    parsed = parse_date_text(FORMATS[form](day))
    assert parsed is not None and parsed.as_date() == day


@given(dates)
def test_round_trip_month_forms(day: datetime.date) -> None:
    for text in (
        f"{day.year}年{day.month}月",
        f"{day.year}.{day.month}",
        f"{day.year}{day.month:02d}",
    ):
        assert parse_date_text(text) == ParsedDate(day.year, day.month)


@given(dates)
def test_round_trip_excel_serial(day: datetime.date) -> None:
    serial = (day - datetime.date(1899, 12, 30)).days
    if day >= datetime.date(1900, 3, 1):
        assert parse_date_text(str(serial), excel_serial=True) == ParsedDate(
            day.year, day.month, day.day
        )


@given(st.text(max_size=30))
def test_never_raises(text: str) -> None:
    parsed = parse_date_text(text)
    assert parsed is None or 1880 <= parsed.year <= 2100


def test_a_year_before_1880_is_a_date_only_where_the_caller_reads_any_year() -> None:
    # a birth column reads it, so that the birth-date rule can say it is too early
    assert parse_date_text("1870-01-01") is None
    assert parse_date_text("1870-01-01", earliest_year=ANY_WRITTEN_YEAR) == ParsedDate(1870, 1, 1)
    assert parse_date_text("1870年1月", earliest_year=ANY_WRITTEN_YEAR) == ParsedDate(1870, 1)
