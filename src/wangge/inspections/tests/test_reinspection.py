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


def test_the_reinspection_is_a_task_kind_of_its_own_and_opens_its_screen(sample, places):
    from wangge.tasks import selectors
    from wangge.tasks.models import TaskKind

    grid = sample.users["grid"]
    notice = notices.issue_notice(
        grid,
        unit=places.unit,
        hazards=[_hazard(grid, places.places[0], "partition")],
        kind=NoticeKind.DEADLINE,
        deadline_days=5,
    )
    (task,) = reinspection.tasks_of(notice)
    assert task.kind == TaskKind.REINSPECTION and task.get_kind_display() == "回头看"
    assert selectors.fill_url(task) == f"/inspections/rechecks/{task.pk}/"
    (row,) = selectors.rows(type(task).objects.filter(pk=task.pk))
    assert row.open_url == f"/inspections/rechecks/{task.pk}/"
    assert row.get_kind_display == "回头看"


def test_the_migration_converts_the_old_other_tasks_of_a_notice(sample, places):
    import importlib

    from django.apps import apps

    from wangge.tasks.models import Task, TaskKind
    from wangge.tasks.services import create_task

    migration = importlib.import_module("wangge.tasks.migrations.0003_reinspection_kind")
    old = create_task(
        None,
        kind=TaskKind.OTHER,
        region=sample.grids[0],
        title="回头看：旧任务",
        subject_ref="inspections.notice:7",
    )
    unrelated = create_task(None, kind=TaskKind.OTHER, region=sample.grids[0], title="其他")
    migration.to_reinspection(apps, None)
    assert Task.objects.get(pk=old.pk).kind == TaskKind.REINSPECTION
    assert Task.objects.get(pk=unrelated.pk).kind == TaskKind.OTHER
    migration.to_other(apps, None)
    assert Task.objects.get(pk=old.pk).kind == TaskKind.OTHER


def test_counts_tell_reinspections_due_and_done_on_time(sample, places):
    from wangge.inspections.counts import counts
    from wangge.tasks.models import TaskStatus

    grid = sample.users["grid"]
    made = []
    for text in ("按时", "逾期完成", "未做"):
        notice = notices.issue_notice(
            grid,
            unit=places.unit,
            hazards=[_hazard(grid, places.places[0], "partition", text=text)],
            kind=NoticeKind.DEADLINE,
            deadline_days=5,
        )
        (task,) = reinspection.tasks_of(notice)
        made.append(task)
    today = timezone.localdate()
    on_time, late, undone = made
    for task, due in (
        (on_time, today),
        (late, today - datetime.timedelta(days=2)),
        (undone, today),
    ):
        task.due_date = due
        task.save(update_fields=["due_date"])
    for task in (on_time, late):
        task.status = TaskStatus.DONE
        task.completed_at = timezone.now()
        task.save(update_fields=["status", "completed_at"])
    result = counts(sample.users["street"], level="grid")
    assert (result.total.rechecks, result.total.rechecks_on_time) == (3, 1)
    (row,) = [r for r in result.rows if r.code == sample.grids[0].code]
    assert (row.rechecks, row.rechecks_on_time) == (3, 1)
    # outside the period (due before it started) it is not counted
    before = counts(
        sample.users["street"],
        start=today - datetime.timedelta(days=30),
        end=today - datetime.timedelta(days=3),
    )
    assert before.total.rechecks == 0
    # a department sees no tasks, so no re-inspections
    assert counts(sample.users["police"]).total.rechecks == 0
