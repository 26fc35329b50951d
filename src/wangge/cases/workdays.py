"""Deadlines in Chinese working days: weekends off, statutory holidays off, 调休 Saturdays on.

The calendar comes from `chinese_calendar`, which ships the State Council's schedule only for
the years it knows (up to 2026 in the pinned release) and raises for later dates. For such a
year we count Monday–Friday as working days and say so (`calendar_known`), rather than refuse to
set a deadline: a deadline a few holidays early is better than none. Pure logic, no Django.
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import chinese_calendar

__all__ = ["add_working_days", "calendar_known", "is_workday", "working_days_between"]


@lru_cache(maxsize=4096)
def _official(day: datetime.date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def calendar_known(day: datetime.date) -> bool:
    """Whether the official holiday schedule covers this date's year."""
    return _official(day) is not None


def is_workday(day: datetime.date) -> bool:
    official = _official(day)
    return day.weekday() < 5 if official is None else official


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """The moment `days` working days after `start`, at the same time of day.

    A start on a rest day counts from 00:00 of the next working day, so a case dispatched on a
    Saturday with one working day is due at 24:00 Monday (00:00 Tuesday), not Sunday.
    """
    if days <= 0:
        return start
    moment = start
    if not is_workday(moment.date()):
        day = moment.date()
        while not is_workday(day):
            day += datetime.timedelta(days=1)
        moment = datetime.datetime.combine(day, datetime.time(), tzinfo=start.tzinfo)
    day = moment.date()
    remaining = days
    while remaining:
        day += datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return datetime.datetime.combine(day, moment.timetz())


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start
    while day < end:
        day += datetime.timedelta(days=1)
        count += is_workday(day)
    return count
