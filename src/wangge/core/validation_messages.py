"""Pydantic's validation errors in Chinese, for the API's 422 answers.

A clerk's script or a department's integrator reads the `message` of an error; pydantic words
its own in English ("Input should be a valid integer"). The common error types are said here in
Chinese with their limits; a type not listed keeps pydantic's words, and the machine-readable
`type` stays beside it. Plain Python (no Django), so it is tested on its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_PLAIN: dict[str, str] = {
    "missing": "缺少此项",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数，不能带小数",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "list_type": "应为数组",
    "dict_type": "应为对象",
    "model_type": "应为对象",
    "model_attributes_type": "应为对象",
    "date_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_parsing": "应为日期，格式 YYYY-MM-DD",
    "date_from_datetime_inexact": "应为日期，不能带时间",
    "date_type": "应为日期，格式 YYYY-MM-DD",
    "datetime_parsing": "应为日期时间，如 2026-12-06T09:30:00+08:00",
    "datetime_from_date_parsing": "应为日期时间，如 2026-12-06T09:30:00+08:00",
    "datetime_type": "应为日期时间，如 2026-12-06T09:30:00+08:00",
    "time_parsing": "应为时间，如 09:30",
    "uuid_parsing": "应为 UUID",
    "uuid_type": "应为 UUID",
    "json_invalid": "不是有效的 JSON",
    "extra_forbidden": "不接受此字段",
    "none_required": "此项应为空",
}

_WITH_LIMIT: dict[str, str] = {
    "string_too_long": "最多 {max_length} 个字符",
    "string_too_short": "至少 {min_length} 个字符",
    "too_long": "最多 {max_length} 项",
    "too_short": "至少 {min_length} 项",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应不小于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}",
    "string_pattern_mismatch": "格式不符合要求",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
}


def message_zh(error: Mapping[str, Any]) -> str:
    """One pydantic error (`ValidationError.errors()` item) as a Chinese sentence."""
    kind = str(error.get("type", ""))
    if kind in _PLAIN:
        return _PLAIN[kind]
    template = _WITH_LIMIT.get(kind)
    if template is not None:
        try:
            return template.format(**(error.get("ctx") or {}))
        except (KeyError, IndexError, ValueError):
            pass
    text = str(error.get("msg", ""))
    if kind == "value_error" and text.startswith("Value error, "):
        return text.removeprefix("Value error, ")  # our own validators speak Chinese already
    return text
