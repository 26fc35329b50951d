"""`core.bounds.parse_record_id`, the one parser of record ids sent in forms and query strings
(the cases, tasks and inspections pages): an id, nothing, or a refusal in words, never a
value the ORM chokes on."""

from __future__ import annotations

import pytest

from wangge.core.bounds import MAX_ID, parse_record_id
from wangge.core.errors import ServiceError


@pytest.mark.parametrize(
    "text, number", [("1", 1), (" 42 ", 42), ("007", 7), (str(MAX_ID), MAX_ID)]
)
def test_ascii_digits_from_one_to_int64_are_an_id(text: str, number: int) -> None:
    assert parse_record_id(text) == number


@pytest.mark.parametrize("text", [None, "", "   "])
def test_nothing_sent_is_none(text: str | None) -> None:
    assert parse_record_id(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "-1",
        "0",
        "+5",
        "1e3",
        "1_000",
        "0x10",
        "1.0",
        "１２",  # full-width digits: int() reads 12
        "٣",  # Arabic-Indic three: int() reads 3
        "²",
        str(MAX_ID + 1),  # past int64: overflows the database driver
        "9" * 30,
        "9" * 5000,
        "\ud800",  # a lone surrogate: cannot be encoded as UTF-8
        "\x00",
    ],
)
def test_anything_else_is_refused_in_words(text: str) -> None:
    with pytest.raises(ServiceError) as refused:
        parse_record_id(text, "用户编号")
    message = refused.value.message
    assert refused.value.status == 400
    assert message.endswith("不是有效的用户编号")
    message.encode("utf-8")  # shown on a page: a lone surrogate must not make it unencodable
    assert len(message) < 60  # a 5000-character value is not echoed back


def test_the_refusal_names_the_text_it_was_sent() -> None:
    with pytest.raises(ServiceError, match="“abc”不是有效的编号"):
        parse_record_id("abc")
    with pytest.raises(ServiceError, match="“99999999999999999999…”"):
        parse_record_id("9" * 30)
