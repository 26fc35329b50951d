"""Limits every input is checked against before it reaches a query, a model or a clock.

A number one past int64 overflows the database driver, a date of year 1 or 9999 overflows the
conversion to UTC, a lone surrogate cannot be encoded as UTF-8 and a NUL byte is refused by
PostgreSQL: each of these used to surface as a 500. The API's types (`RecordId`, `PageNumber`,
`BoundedDate`, …) carry the limits, so they are checked while parsing, reported as a 422 with
the field's name, and written into the OpenAPI document; form fields and query strings go
through `parse_record_id`. Pure: no Django import at module level (a refused id is put in the
user's language by Django's gettext, imported when it refuses).
"""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

from pydantic import AfterValidator, Field

from wangge.core.errors import ServiceError

MAX_ID = 2**63 - 1  # the largest BIGINT on SQLite and PostgreSQL
MAX_PAGE = 1_000_000  # 50 rows a page: 50 million rows, more than any list holds
MAX_PAGE_SIZE = 1000
MIN_DATE = datetime.date(1900, 1, 1)
MAX_DATE = datetime.date(2100, 12, 31)

# Lone surrogates (not encodable as UTF-8) and NUL (refused by PostgreSQL in text).
_BAD_TEXT = re.compile("[\x00\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """What is wrong with this text for storage, in Chinese, or None if nothing."""
    match = _BAD_TEXT.search(value)
    if match is None:
        return None
    char = match.group()
    if char == "\x00":
        return f"第 {match.start() + 1} 个字符是空字符（NUL），不能保存"
    return f"第 {match.start() + 1} 个字符是孤立的代理码位（U+{ord(char):04X}），不是有效的 Unicode 文本"


def date_problem(value: datetime.date) -> str | None:
    """Chinese message if the date lies outside the supported years, else None."""
    day = value.date() if isinstance(value, datetime.datetime) else value
    if MIN_DATE <= day <= MAX_DATE:
        return None
    return f"日期 {value.isoformat()} 超出支持的范围（{MIN_DATE.year}—{MAX_DATE.year} 年）"


def _check_date(value: Any) -> Any:
    problem = date_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _check_text(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


RecordId = Annotated[int, Field(ge=1, le=MAX_ID, description="记录编号（1 至 2⁶³−1）")]
RowIndex = Annotated[int, Field(ge=0, le=MAX_ID, description="行号（0 至 2⁶³−1）")]
PageNumber = Annotated[int, Field(ge=1, le=MAX_PAGE)]
PageSize = Annotated[int, Field(ge=1, le=MAX_PAGE_SIZE)]
BoundedDate = Annotated[datetime.date, AfterValidator(_check_date)]
BoundedDateTime = Annotated[datetime.datetime, AfterValidator(_check_date)]
Text = Annotated[str, AfterValidator(_check_text)]


def parse_record_id(value: str | None, what: str | None = None) -> int | None:
    """A record id sent in a form field or a query string; None when nothing was sent.

    The one parser of ids from a request (form views look records up by ids a browser sends
    from a <select> or a hidden field). Only ASCII digits from 1 to 2⁶³−1 are an id: "abc",
    "-1", "0", "1e3", "１２" (full-width digits, which `int()` reads as 12), a lone surrogate
    or a number past int64 (which overflows the database driver) are refused with a
    `ServiceError` naming `what` (a 400 with the message), never handed to the ORM (a 500).
    The small positive numbers a form sends beside ids (a version, days, a priority) are read
    the same way; their own range is the service's to check.
    """
    text = (value or "").strip()
    if not text:
        return None
    if text.isascii() and text.isdecimal() and len(text) <= 19:
        number = int(text)
        if 1 <= number <= MAX_ID:
            return number
    from django.utils.translation import gettext as _

    shown = text[:20].encode("utf-8", "replace").decode("utf-8")  # a lone surrogate: "?"
    more = "…" if len(text) > 20 else ""
    raise ServiceError(
        _("“%(value)s”不是有效的%(what)s") % {"value": shown + more, "what": what or _("编号")}
    )


def walk_text(value: Any, where: str = "") -> tuple[str, str] | None:
    """The first string in a parsed JSON document that cannot be stored: (where, problem).

    Keys are checked too. Iterative over the document, so linear in its size.
    """
    stack: list[tuple[str, Any]] = [(where, value)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, str):
            problem = text_problem(item)
            if problem:
                return path or "body", problem
        elif isinstance(item, dict):
            for key, inner in item.items():
                problem = text_problem(str(key))
                if problem:
                    return f"{path}.{key!r}".lstrip("."), problem
                stack.append((f"{path}.{key}".lstrip("."), inner))
        elif isinstance(item, list):
            stack.extend((f"{path}[{i}]", inner) for i, inner in enumerate(item))
    return None
