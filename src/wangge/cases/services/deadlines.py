"""Time limits: the deadlines a dispatch sets, and the sweep that reminds before and escalates
after them (the `case-sweep` job).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wangge.access.models import Role
from wangge.cases import workdays
from wangge.cases.models import (
    Case,
    CaseStatus,
    Category,
    EventKind,
)
from wangge.cases.services.common import ACTIVE, DEFAULT_HANDLE_WORKING_DAYS, DEFAULT_RESPONSE_HOURS
from wangge.cases.services.notifications import (
    _department_usernames,
    _notify,
    _notify_department,
    _staff_usernames,
)
from wangge.cases.services.reads import overdue_q
from wangge.cases.services.writing import Conflict, _event, _write


def deadlines_for(category: Category | None, start: datetime.datetime) -> tuple[Any, Any]:
    hours = category.response_hours if category else DEFAULT_RESPONSE_HOURS
    days = category.handle_working_days if category else DEFAULT_HANDLE_WORKING_DAYS
    local = timezone.localtime(start)
    return start + datetime.timedelta(hours=hours), workdays.add_working_days(local, days)


@dataclass(frozen=True)
class SweepResult:
    reminded: int
    escalated: int


def remind_before() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "WANGGE_CASE_REMIND_HOURS", 24))


def escalation_level_due(case: Case, now: datetime.datetime) -> int:
    """0 on time; 1 (street office) once a deadline passed; 2 (district) a working day later."""
    deadlines = [case.handle_deadline]
    if case.status == CaseStatus.DISPATCHED:
        deadlines.append(case.sign_deadline)
    passed = [d for d in deadlines if d is not None and d < now]
    if not passed:
        return 0
    earliest = timezone.localtime(min(passed))
    late_days = workdays.working_days_between(earliest.date(), timezone.localdate(now))
    return 2 if late_days >= 1 else 1


def sweep_deadlines(now: datetime.datetime | None = None) -> SweepResult:
    """Remind handlers before a deadline, escalate a level up after it; run every few minutes.

    Each case is written with its version check, so a handler acting at the same moment wins
    and the sweep simply picks the case up on its next run.
    """
    now = now or timezone.now()
    reminded = escalated = 0
    soon = now + remind_before()
    due = Case.objects.filter(
        status__in=ACTIVE,
        reminded_at__isnull=True,
        handle_deadline__gte=now,
        handle_deadline__lte=soon,
    ).select_related("department")
    for case in due.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                _write(case, None, reminded_at=now)
                _event(
                    case,
                    EventKind.REMINDED,
                    None,
                    channel="system",
                    from_status=case.status,
                    to_status=case.status,
                    department_id=case.department_id,
                    note=f"办结时限 {timezone.localtime(case.handle_deadline):%Y-%m-%d %H:%M}",
                )
                _notify_department(
                    case,
                    "reminder",
                    f"案件即将到期（{timezone.localtime(case.handle_deadline):%m-%d %H:%M}）",
                )
            reminded += 1
        except Conflict:
            continue
    late = (
        Case.objects.filter(overdue_q(now))
        .filter(escalation_level__lt=2)
        .select_related("department")
    )
    for case in late.iterator(chunk_size=500):
        level = escalation_level_due(case, now)
        if level <= case.escalation_level:
            continue
        try:
            with transaction.atomic():
                _write(case, None, escalation_level=level)
                _event(
                    case,
                    EventKind.ESCALATED,
                    None,
                    channel="system",
                    from_status=case.status,
                    to_status=case.status,
                    department_id=case.department_id,
                    note="超期，已督办至" + ("区网格中心" if level == 2 else "街道"),
                    data={"level": level},
                )
                roles = [Role.DISTRICT_ADMIN] if level == 2 else [Role.STREET_OFFICER]
                _notify(
                    case,
                    "escalated",
                    f"案件超期未办结（{case.department.name if case.department else '未派遣'}），请督办",
                    _staff_usernames(case, roles) + _department_usernames(case.department_id),
                )
            escalated += 1
        except Conflict:
            continue
    return SweepResult(reminded, escalated)
