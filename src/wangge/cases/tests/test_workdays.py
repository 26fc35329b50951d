"""Deadlines count Chinese working days: holidays off, 调休 make-up Saturdays on."""

import datetime

from wangge.cases.workdays import (
    add_working_days,
    calendar_known,
    is_workday,
    working_days_between,
)

TZ = datetime.timezone(datetime.timedelta(hours=8))


def at(y, m, d, h=10):
    return datetime.datetime(y, m, d, h, 0, tzinfo=TZ)


def test_national_day_week_is_skipped():
    # 2025: 1–8 October off; Saturday 11 October is a make-up working day.
    assert not is_workday(datetime.date(2025, 10, 3))
    assert is_workday(datetime.date(2025, 10, 11))
    # Dispatched Tuesday 30 Sept, 2 working days: 9 Oct (Thu), not 2 Oct.
    assert add_working_days(at(2025, 9, 30), 2) == at(2025, 10, 10)


def test_weekend_start_counts_from_monday_morning():
    # Saturday 2026-11-21, one working day: due at the end of Monday (00:00 Tuesday).
    assert add_working_days(at(2026, 11, 21, 15), 1) == datetime.datetime(
        2026, 11, 24, 0, 0, tzinfo=TZ
    )


def test_same_time_of_day_on_the_nth_working_day():
    assert add_working_days(at(2026, 11, 23, 9), 3) == at(2026, 11, 26, 9)  # Mon → Thu
    assert add_working_days(at(2026, 11, 27, 9), 1) == at(2026, 11, 30, 9)  # Fri → Mon


def test_years_without_official_calendar_fall_back_to_weekdays():
    assert not calendar_known(datetime.date(2027, 1, 4))
    assert calendar_known(datetime.date(2026, 1, 5))
    assert is_workday(datetime.date(2027, 1, 1))  # a Friday; the holiday is unknown here
    assert not is_workday(datetime.date(2027, 1, 2))
    assert add_working_days(at(2026, 12, 31), 2) == at(2027, 1, 4)


def test_working_days_between():
    assert working_days_between(datetime.date(2026, 11, 23), datetime.date(2026, 11, 30)) == 5
    assert working_days_between(datetime.date(2026, 11, 30), datetime.date(2026, 11, 23)) == -5
