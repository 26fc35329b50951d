"""Normalisation reads dates and ages the way ledgers write them, and finds rooms with or
without a helper process."""

from __future__ import annotations

import datetime
from concurrent.futures import Executor, Future
from concurrent.futures.process import BrokenProcessPool
from typing import Any

import polars as pl
import pytest

from wangge.addresses.matcher import RegistryRoom
from wangge.fusion import normalise
from wangge.fusion.fields import map_columns
from wangge.fusion.normalise import Normaliser, normalise_frame, normalise_sheet, raw_frame
from wangge.fusion.registry import Registry


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


class _DeadHelper(Executor):
    """A second process that died (killed for memory, say): a broken pool, found out when
    work is handed over or when its answer is asked for."""

    def __init__(self, *, on_submit: bool) -> None:
        self.on_submit = on_submit

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        if self.on_submit:
            raise BrokenProcessPool("the helper died")
        future: Future[Any] = Future()
        future.set_exception(BrokenProcessPool("the helper died"))
        return future


@pytest.mark.parametrize("on_submit", [False, True])
def test_addresses_are_looked_up_here_when_the_helper_process_died(
    monkeypatch: pytest.MonkeyPatch, on_submit: bool
) -> None:
    monkeypatch.setattr(normalise, "HELPER_MIN_ADDRESSES", 1)  # the helper parses for the matcher
    registry = Registry.build(
        (RegistryRoom(code, "C1", "幸福路", "10", "3", "2", room), "G1")
        for code, room in (("R301", "301"), ("R302", "302"))
    )
    headers = ["姓名", "住址"]
    rows = [
        ["王伟", "幸福路10号3号楼2单元301室"],
        ["李娜", "幸福路十号三号楼二单元302"],
        ["张三", "幸服路10号3号楼2单元301室"],  # a misspelt road: for the matcher
    ]
    frame = pl.DataFrame(
        {h: [r[i] for r in rows] for i, h in enumerate(headers)} | {"_source_row": [2, 3, 4]}
    )
    mapping = map_columns(headers, [[r[i] for r in rows] for i in range(len(headers))])
    raw = raw_frame(frame, mapping, source_file="a.csv", source_sheet="", ledger=0)
    today = datetime.date(2026, 11, 23)

    def codes(helper: Executor | None) -> list[str | None]:
        records = normalise_frame(raw, Normaliser(registry, today=today), helper=helper)
        return records.get_column("address_code").to_list()

    assert codes(_DeadHelper(on_submit=on_submit)) == codes(None) == ["R301", "R302", "R301"]
