"""Normalisation reads dates and ages the way ledgers write them."""

from __future__ import annotations

import datetime

import polars as pl

from wangge.fusion.fields import map_columns
from wangge.fusion.normalise import Normaliser, normalise_sheet


def _normalise(headers: list[str], rows: list[list[str]]) -> pl.DataFrame:
    frame = pl.DataFrame(
        {h: [r[i] for r in rows] for i, h in enumerate(headers)}
        | {"_source_row": list(range(2, len(rows) + 2))}
    )
    mapping = map_columns(headers, [[r[i] for r in rows] for i in range(len(headers))])
    return normalise_sheet(
        frame,
        mapping,
        Normaliser(None, today=datetime.date(2026, 11, 23)),
        source_file="a.csv",
        source_sheet="",
        ledger=0,
    )


def test_birth_columns_give_a_date_only_when_the_day_is_written() -> None:
    out = _normalise(
        ["姓名", "出生日期", "电话"],
        [
            ["王伟", "1990年5月18日", "13800000001"],
            ["李娜", "1985.3", "13800000002"],
            ["张三", "1970", "13800000003"],
            ["赵四", "某年", "13800000004"],
        ],
    )
    assert out.get_column("birth_date").to_list() == ["1990-05-18", None, None, None]
    assert out.get_column("birth_year").to_list() == [1990, 1985, 1970, None]
    assert "无法识别" in out.get_column("reasons").to_list()[3]


def test_an_age_counts_back_from_the_row_s_own_date() -> None:
    out = _normalise(
        ["姓名", "年龄", "登记日期", "电话"],
        [["王伟", "80岁", "2020-06-01 09:30:00", "13800000001"], ["李娜", "70", "", "13800000002"]],
    )
    assert out.get_column("birth_year").to_list() == [1940, 1956]
    assert out.get_column("record_date").to_list() == ["2020-06-01", None]
