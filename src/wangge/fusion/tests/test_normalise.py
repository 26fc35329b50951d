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
from wangge.fusion import row_addresses
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


def test_a_birth_date_after_today_or_before_1900_is_not_taken_and_says_why() -> None:
    # today is 2026-11-23 (`_normalise`); a month or a year counts from its first day
    out = _normalise(
        ["姓名", "出生日期", "电话"],
        [
            ["王伟", "2026-11-23", "13800000001"],
            ["李娜", "2026-11-24", "13800000002"],
            ["张三", "2026年12月", "13800000003"],
            ["赵四", "2090", "13800000004"],
            ["钱五", "1899-12-31", "13800000005"],
            ["孙六", "1900年1月1日", "13800000006"],
        ],
    )
    assert out.get_column("birth_date").to_list() == [
        "2026-11-23",
        None,
        None,
        None,
        None,
        "1900-01-01",
    ]
    assert out.get_column("birth_year").to_list() == [2026, None, None, None, None, 1900]
    assert out.get_column("reasons").to_list() == [
        "",
        "出生日期“2026-11-24”晚于今天，未导入",
        "出生日期“2026年12月”晚于今天，未导入",
        "出生日期“2090”晚于今天，未导入",
        "出生日期“1899-12-31”早于1900年，未导入",
        "",
    ]
    assert set(out.get_column("status")) == {"accepted"}  # the rest of each row counts


@pytest.mark.parametrize(
    "written", ["1895-03-01", "1895年3月", "1895", "1870-01-01", "1870年1月1日", "1870", "1066.5.1"]
)
def test_a_birth_date_before_1900_is_too_early_however_early(written: str) -> None:
    # 1870 was once 无法识别 while 1895 was too early: one rule, in the forms' words
    out = _normalise(["姓名", "出生日期", "电话"], [["钱五", written, "13800000005"]])
    assert out.get_column("birth_date").to_list() == [None]
    assert out.get_column("birth_year").to_list() == [None]
    assert out.get_column("reasons").to_list() == [f"出生日期“{written}”早于1900年，未导入"]


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
    monkeypatch.setattr(
        row_addresses, "HELPER_MIN_ADDRESSES", 1
    )  # the helper parses for the matcher
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


def test_a_placeholder_id_number_counts_as_no_number() -> None:
    out = _normalise(
        ["姓名", "身份证号", "电话"],
        [
            ["王伟", "000000000000000000", "13800000001"],
            ["李娜", "111111111111111111", "13800000002"],
            ["张三", "110105198005171230", "13800000003"],
        ],
    )
    assert out.get_column("id_number").to_list() == [None, None, None]
    # A typo can be repaired; a placeholder has nothing to repair.
    assert out.get_column("id_typed").to_list() == [None, None, "110105198005171230"]
    reasons = out.get_column("reasons").to_list()
    assert "身份证号为占位号码，不代表任何人（全为0），按未填写处理" in reasons[0]
    assert "全为同一数字" in reasons[1]
    assert out.get_column("status").to_list() == ["accepted"] * 3


def test_a_row_without_a_mobile_keeps_its_landline() -> None:
    out = _normalise(
        ["姓名", "手机", "座机"],
        [["王伟", "", "0371-65551234"], ["李娜", "13800000002", "0371-65551235"]],
    )
    assert out.get_column("phone").to_list() == ["0371-65551234", "13800000002"]


def test_a_two_digit_year_is_not_guessed_and_says_why() -> None:
    # 25-3-3 on a 独居老人 ledger may be 1925: no century is guessed.
    out = _normalise(
        ["姓名", "出生日期"], [["王伟", "80-5-3"], ["李娜", "25.03.03"], ["张三", "八零年"]]
    )
    assert out.get_column("birth_date").to_list() == [None, None, None]
    first, second, third = out.get_column("reasons").to_list()
    assert "出生日期“80-5-3”的年份只有两位，无法确定年代，请写四位年份" in first
    assert "出生日期“25.03.03”的年份只有两位" in second
    assert "出生日期“八零年”无法识别" in third


def test_a_second_phone_in_one_cell_is_said_not_imported() -> None:
    out = _normalise(
        ["姓名", "电话"],
        [["王伟", "138 0013 8001/0371-65551235"], ["李娜", "13800138002"]],
    )
    assert out.get_column("phone").to_list() == ["13800138001", "13800138002"]
    first, second = out.get_column("reasons").to_list()
    assert "电话一格有多个号码，已导入“13800138001”，“0371-65551235”未导入" in first
    assert not second
    assert out.get_column("status").to_list() == ["accepted", "accepted"]


def test_an_excel_error_value_is_said_as_a_failed_formula() -> None:
    # "#N/A" in the ID column is a lookup that found nothing, not a number with an illegal
    # character "#": the row counts as without a number and says the formula failed.
    out = _normalise(
        ["姓名", "身份证号", "电话"],
        [["王伟", "#N/A", "#REF!"], ["李娜", "11010519491231002X", " #VALUE! "]],
    )
    assert out.get_column("id_number").to_list() == [None, "11010519491231002X"]
    assert out.get_column("phone").to_list() == [None, None]
    first, second = out.get_column("reasons").to_list()
    assert "身份证号是公式错误值“#N/A”（公式出错），按未填写处理" in first
    assert "电话是公式错误值“#REF!”（公式出错），按未填写处理" in first
    assert "电话是公式错误值“#VALUE!”（公式出错），按未填写处理" in second


def test_a_numbered_libreoffice_error_is_said_as_a_failed_formula_too() -> None:
    out = _normalise(["姓名", "身份证号", "电话"], [["王伟", "Err:502", "13800138000"]])
    assert out.get_column("id_number").to_list() == [None]
    assert "身份证号是公式错误值“Err:502”（公式出错），按未填写处理" in out["reasons"][0]


def test_a_region_code_gb_t_2260_never_had_makes_the_row_doubtful_not_rejected() -> None:
    def number(region: str, year: int) -> str:
        from wangge.people.idnumber import check_digit

        first17 = f"{region}{year}0101002"
        return first17 + check_digit(first17)

    out = _normalise(
        ["姓名", "身份证号", "电话"],
        [
            ["王伟", number("460028", 1995), "13800000001"],  # 临高县, 1988-2002
            ["李娜", number("110199", 1990), "13800000002"],  # never a code
            ["张三", number("460028", 2005), "13800000003"],  # retired before the birth
        ],
    )
    assert out.get_column("id_number").to_list() == [
        number("460028", 1995),
        number("110199", 1990),
        number("460028", 2005),
    ]
    assert out.get_column("status").to_list() == ["accepted", "doubtful", "doubtful"]
    reasons = out.get_column("reasons").to_list()
    assert reasons[0] == ""
    assert reasons[1] == "身份证号的地区码110199不在GB/T 2260（1980年以来各版）中，请核实"
    assert "2002年已撤销，早于出生年份2005" in reasons[2]


def test_every_row_of_a_ledger_of_heads_is_the_head_of_its_household() -> None:
    headers = ["户主姓名", "身份证号码"]
    frame = pl.DataFrame(
        {"户主姓名": ["王建国"], "身份证号码": ["110105195003121234"]}
    ).with_columns(pl.Series("_source_row", [3]))
    mapping = map_columns(headers, [["王建国"], ["110105195003121234"]])
    raw = raw_frame(frame, mapping, source_file="低保户.xlsx", source_sheet="", ledger=0)
    assert raw.get_column("name").to_list() == ["王建国"]
    assert raw.get_column("relation").to_list() == ["户主"]
