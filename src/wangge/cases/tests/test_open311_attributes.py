"""Service attributes: which categories ask what, and how answers are checked (no database)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from wangge.cases.open311_attributes import (
    MANHOLE_STATE,
    TIME_OF_DAY,
    AnswerError,
    Attribute,
    attributes_for,
    check_answers,
)


def test_a_category_asks_its_own_questions_else_its_nearest_ancestors() -> None:
    assert attributes_for(["噪音扰民"])[0] is TIME_OF_DAY
    assert attributes_for(["装修噪音", "噪音扰民"])[0] is TIME_OF_DAY
    assert attributes_for(["井盖", "公用设施"]) == (MANHOLE_STATE,)
    assert attributes_for(["物业管理"]) == ()


def test_every_manhole_category_of_the_shipped_table_asks_about_the_cover() -> None:
    """docs/open311.md: 井盖 asks what is wrong with the cover. The shipped table names covers
    by owner (上水井盖 … 无主井盖) and the event 井盖缺失破损; none is called 井盖 itself."""
    table = Path(__file__).resolve().parents[1] / "data" / "categories.csv"
    with table.open(encoding="utf-8") as fh:
        names = [row["name"] for row in csv.DictReader(fh)]
    manholes = [name for name in names if "井盖" in name]
    assert "井盖缺失破损" in manholes and "燃气井盖" in manholes
    for name in manholes:
        assert attributes_for([name]) == (MANHOLE_STATE,), name
    assert attributes_for(["燃气管道", "公用设施类"]) == ()


def test_a_required_answer_must_be_given_and_be_one_of_the_keys() -> None:
    with pytest.raises(AnswerError, match=r"缺少必填的 attribute\[time_of_day\].*night（夜间"):
        check_answers([TIME_OF_DAY], {})
    with pytest.raises(AnswerError, match="“dawn”"):
        check_answers([TIME_OF_DAY], {"time_of_day": ["dawn"]})
    with pytest.raises(AnswerError, match="只能填一个值"):
        check_answers([TIME_OF_DAY], {"time_of_day": ["night", "day"]})
    assert check_answers([TIME_OF_DAY], {"time_of_day": [" night "], "uprn": ["9"]}) == {
        "time_of_day": {
            "name": "噪音通常在什么时段出现？",
            "value": "night",
            "text": "夜间（22:00—次日6:00）",
        }
    }
    assert check_answers([MANHOLE_STATE], {"manhole_state": [""]}) == {}  # optional, blank


def test_numbers_dates_lists_and_text_are_checked_by_their_datatype() -> None:
    depth = Attribute("depth", "深度（厘米）", datatype="number")
    seen = Attribute("seen", "发现时间", datatype="datetime")
    kinds = Attribute("kinds", "种类", datatype="multivaluelist", values=(("a", "甲"), ("b", "乙")))
    note = Attribute("note", "说明", datatype="text")
    assert check_answers([depth], {"depth": ["12.5"]})["depth"]["value"] == "12.5"
    for bad in ("deep", "nan", "inf"):
        with pytest.raises(AnswerError, match="数字"):
            check_answers([depth], {"depth": [bad]})
    assert check_answers([seen], {"seen": ["2025-03-01T22:30:00+08:00"]})["seen"]["text"]
    for bad in ("2025-02-30T00:00:00", "yesterday"):
        with pytest.raises(AnswerError, match="ISO 8601"):
            check_answers([seen], {"seen": [bad]})
    with pytest.raises(AnswerError, match="1900"):
        check_answers([seen], {"seen": ["9999-01-01T00:00:00"]})
    assert check_answers([kinds], {"kinds": ["a", "b"]})["kinds"] == {
        "name": "种类",
        "value": ["a", "b"],
        "text": "甲、乙",
    }
    with pytest.raises(AnswerError, match="500"):
        check_answers([note], {"note": ["字" * 501]})


def test_definitions_are_in_the_spec_shape() -> None:
    row = MANHOLE_STATE.spec_row(2)
    assert row["order"] == 2 and row["variable"] is True and row["required"] is False
    assert row["values"][0] == {"key": "missing", "name": "缺失"}
    assert "values" not in Attribute("x", "说明").spec_row(1)
