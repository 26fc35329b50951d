"""回头看: a deadline notice puts a re-inspection on the grid's workbench on its deadline day,
listing only the items ordered fixed; closing the last of them completes it; an overdue one is
escalated by the task sweep."""

from __future__ import annotations

import datetime

from django.utils import timezone

from wangge.inspections import notices, reinspection, services
from wangge.inspections.models import NoticeKind
from wangge.inspections.testing import photo
from wangge.tasks.models import Priority, TaskStatus


def _hazard(user, place, category, severity="general", text=""):
    return services.record_hazard(
        user, place, category=category, severity=severity, description=text, photos=[photo()]
    )


def test_a_deadline_notice_schedules_the_reinspection_with_only_its_items(sample, places):
    grid = sample.users["grid"]
    place = places.places[0]
    failed = [
        _hazard(grid, place, "partition", text="三楼隔出四间"),
        _hazard(grid, place, "ebike_charging", text="一楼楼道充电"),
    ]
    other = _hazard(grid, place, "clutter", text="不在本通知书里")
    notice = notices.issue_notice(
        grid, unit=places.unit, hazards=failed, kind=NoticeKind.DEADLINE, deadline_days=5
    )
    (task,) = reinspection.tasks_of(notice)
    assert task.region == place.grid and task.status == TaskStatus.OPEN
    assert task.due_date == timezone.localtime(notice.deadline).date()
    assert notice.number in task.title and place.name in task.title
    assert "三楼隔出四间" in task.note and "一楼楼道充电" in task.note
    assert "不在本通知书里" not in task.note and other.notice is None
    services.close_hazard(grid, failed[0], after_photos=[photo("after.png")])
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN  # one item still to fix
    services.close_hazard(grid, failed[1], after_photos=[photo("after.png")])
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.result_data["passed"] is True


def test_an_immediate_notice_is_rechecked_only_when_a_hazard_is_serious(sample, places):
    grid = sample.users["grid"]
    place = places.places[0]
    plain = notices.issue_notice(
        grid, unit=places.unit, hazards=[_hazard(grid, place, "clutter")], kind="immediate"
    )
    assert reinspection.tasks_of(plain) == []
    serious = notices.issue_notice(
        grid,
        unit=places.unit,
        hazards=[_hazard(grid, place, "fire_equipment", severity="serious")],
        kind="immediate",
    )
    (task,) = reinspection.tasks_of(serious)
    assert task.priority == Priority.HIGH and task.due_date > timezone.localdate()


def test_a_missed_deadline_is_escalated_by_the_task_sweep(sample, places):
    from wangge.tasks.services import sweep_overdue

    grid = sample.users["grid"]
    issued = timezone.now() - datetime.timedelta(days=30)
    notice = notices.issue_notice(
        grid,
        unit=places.unit,
        hazards=[_hazard(grid, places.places[0], "partition")],
        kind=NoticeKind.DEADLINE,
        deadline_days=3,
        issued_at=issued,
    )
    sweep_overdue()
    (task,) = reinspection.tasks_of(notice)
    assert task.escalation_level >= 1
