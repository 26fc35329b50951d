from __future__ import annotations

import datetime
from typing import Any

from django import template

from wangge.cases.metrics import percent

register = template.Library()


@register.filter
def rate(value: float | None) -> str:
    return percent(value)


@register.filter
def late(case: Any, now: datetime.datetime) -> bool:
    """Whether an open case is past its handling (or, not yet signed in, its sign-in) deadline."""
    if case.status not in ("dispatched", "in_progress"):
        return False
    if case.handle_deadline and case.handle_deadline < now:
        return True
    return bool(case.status == "dispatched" and case.sign_deadline and case.sign_deadline < now)
