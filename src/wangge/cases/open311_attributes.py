"""Open311 service attributes: the extra questions a service asks (`metadata=true`).

A service's definition (`GET services/{code}.{fmt}`) lists its attributes in the spec's shape;
a client answers them on POST as `attribute[code]=key` (`attribute[code][]=…` for a
multivaluelist). The questions belong to a category *name* and hold for its subcategories too,
so 噪音扰民's time of day is asked for 装修噪音, 广场舞噪音, … whatever code the category table
gives them. Pure: no Django import, so the rules are tested on their own.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

MAX_TEXT = 500
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


@dataclass(frozen=True)
class Attribute:
    code: str
    description: str
    datatype: str = "string"
    required: bool = False
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = field(default=())

    def spec_row(self, order: int) -> dict[str, Any]:
        """The attribute as GeoReport v2 writes it in a service definition."""
        row: dict[str, Any] = {
            "variable": True,
            "code": self.code,
            "datatype": self.datatype,
            "required": self.required,
            "datatype_description": self.datatype_description,
            "order": order,
            "description": self.description,
        }
        if self.values:
            row["values"] = [{"key": key, "name": name} for key, name in self.values]
        return row


TIME_OF_DAY = Attribute(
    code="time_of_day",
    description="噪音通常在什么时段出现？",
    datatype="singlevaluelist",
    required=True,
    datatype_description="选一项",
    values=(
        ("night", "夜间（22:00—次日6:00）"),
        ("midday", "午休时间（12:00—14:00）"),
        ("day", "白天其他时间"),
        ("all_day", "全天不断"),
    ),
)
RECURRING = Attribute(
    code="recurring",
    description="是否反复出现？",
    datatype="singlevaluelist",
    required=False,
    values=(("once", "偶尔一次"), ("often", "经常出现"), ("daily", "每天都有")),
)
NOISE_SOURCE = Attribute(
    code="noise_source",
    description="噪音来源（如装修、商铺音响、设备）",
    datatype="string",
    required=False,
    datatype_description=f"不超过 {MAX_TEXT} 字",
)
MANHOLE_STATE = Attribute(
    code="manhole_state",
    description="井盖是什么情况？",
    datatype="singlevaluelist",
    required=False,
    values=(("missing", "缺失"), ("broken", "破损"), ("displaced", "移位或不平")),
)

# Category name → its questions (also asked for every subcategory of that name).
BY_CATEGORY_NAME: dict[str, tuple[Attribute, ...]] = {
    "噪音扰民": (TIME_OF_DAY, RECURRING, NOISE_SOURCE),
    "井盖": (MANHOLE_STATE,),
}
# A word in a category's name → its questions. The shipped table (GB/T 30428.2) has no
# category called 井盖: it names each cover by its owner (上水井盖, 燃气井盖, … 无主井盖) and
# the event 井盖缺失破损, so an exact name alone never asked the manhole question.
BY_NAME_PART: dict[str, tuple[Attribute, ...]] = {
    "井盖": (MANHOLE_STATE,),
}


def attributes_for(names: Iterable[str]) -> tuple[Attribute, ...]:
    """The questions of the first of `names` (a category, then its ancestors) that has any:
    by its exact name, else by a word its name contains."""
    for name in names:
        found = BY_CATEGORY_NAME.get(name) or next(
            (asks for part, asks in BY_NAME_PART.items() if part in name), ()
        )
        if found:
            return found
    return ()


class AnswerError(ValueError):
    """An answer that does not fit its question; the message says which and why, in Chinese."""


def _label(attribute: Attribute) -> str:
    return f"attribute[{attribute.code}]（{attribute.description}）"


def _choices(attribute: Attribute) -> str:
    return "、".join(f"{key}（{name}）" for key, name in attribute.values)


def _one(attribute: Attribute, raw: str) -> tuple[str, str]:
    """(stored value, readable text) for one answer."""
    value = raw.strip()
    if attribute.datatype in {"singlevaluelist", "multivaluelist"}:
        names = dict(attribute.values)
        if value not in names:
            raise AnswerError(
                f"{_label(attribute)}不能是“{value[:50]}”，可选：{_choices(attribute)}"
            )
        return value, names[value]
    if attribute.datatype == "number":
        try:
            number = float(value)
        except ValueError:
            raise AnswerError(f"{_label(attribute)}须是数字，收到“{value[:50]}”") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise AnswerError(f"{_label(attribute)}须是有限的数字")
        return value, value
    if attribute.datatype == "datetime":
        try:
            when = datetime.datetime.fromisoformat(value)
        except ValueError:
            raise AnswerError(
                f"{_label(attribute)}须是 ISO 8601 时间（如 2025-03-01T22:30:00+08:00）"
            ) from None
        if not 1900 <= when.year <= 2100:
            raise AnswerError(f"{_label(attribute)}的年份须在 1900—2100 之间")
        return value, value
    if len(value) > MAX_TEXT:
        raise AnswerError(f"{_label(attribute)}超过 {MAX_TEXT} 字（{len(value)} 字）")
    return value, value


def check_answers(
    attributes: Sequence[Attribute], answers: Mapping[str, Sequence[str]]
) -> dict[str, dict[str, Any]]:
    """Validate the answers (code → posted values) against the questions.

    Returns what a case stores: {code: {"name", "value", "text"}}; a multivaluelist keeps lists.
    Answers to codes the service does not ask (FixMyStreet sends some of its own, e.g. uprn)
    are ignored. Raises AnswerError for a missing required answer or one that does not fit.
    """
    stored: dict[str, dict[str, Any]] = {}
    for attribute in attributes:
        raw = [v for v in answers.get(attribute.code, ()) if v.strip()]
        if not raw:
            if attribute.required:
                hint = f"，可选：{_choices(attribute)}" if attribute.values else ""
                raise AnswerError(f"缺少必填的 {_label(attribute)}{hint}")
            continue
        if attribute.datatype == "multivaluelist":
            pairs = [_one(attribute, v) for v in raw]
            stored[attribute.code] = {
                "name": attribute.description,
                "value": [v for v, _ in pairs],
                "text": "、".join(t for _, t in pairs),
            }
        else:
            if len(raw) > 1:
                raise AnswerError(f"{_label(attribute)}只能填一个值")
            value, text = _one(attribute, raw[0])
            stored[attribute.code] = {"name": attribute.description, "value": value, "text": text}
    return stored
