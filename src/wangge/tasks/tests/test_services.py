"""Tasks as the grid sees them: who may see, do, assign and create which task; due dates in
working days; escalation of late tasks; the first kinds (visit rounds, an import's verification
visits, cases dispatched to the grid)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from wangge.access.models import AuditEntry
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.testing import SampleDistrict
from wangge.geo.models import StaffPost
from wangge.tasks import services
from wangge.tasks.models import Task, TaskKind, TaskStatus


def visit(sample: SampleDistrict, grid: int = 0, **kwargs: Any) -> Task:
    return services.create_task(
        None, kind=TaskKind.VISIT, household=sample.households[grid * 2], **kwargs
    )


@pytest.mark.django_db
def test_a_task_for_a_household_lands_in_its_grid_and_building_with_the_visit_form(
    sample: SampleDistrict,
) -> None:
    task = visit(sample)
    assert task.region_id == sample.grids[0].pk
    assert task.building_id == sample.buildings[0].pk  # the workbench groups by it
    assert task.form_code == "household_visit"
    assert task.post == StaffPost.GRID_WORKER and task.assignee is None
    assert task.status == TaskStatus.OPEN
    assert "幸福路10号3号楼2单元301室" in task.title


@pytest.mark.django_db
def test_the_due_date_counts_chinese_working_days() -> None:
    # Friday 2025-09-26 + 1 working day: Sunday 28 September is a 调休 working day.
    friday = timezone.make_aware(datetime.datetime(2025, 9, 26, 10))
    assert services.due_date_in(1, friday) == datetime.date(2025, 9, 28)
    # National Day week: from 30 September, 1 working day is 9 October (8 days off, 11 Oct on)
    eve = timezone.make_aware(datetime.datetime(2025, 9, 30, 10))
    assert services.due_date_in(1, eve) == datetime.date(2025, 10, 9)


@pytest.mark.django_db
def test_a_grid_worker_never_sees_or_completes_another_grids_tasks(
    sample: SampleDistrict,
) -> None:
    grid = sample.users["grid"]  # grid worker of grid 0
    mine, theirs = visit(sample, 0), visit(sample, 1)
    assert set(Task.objects.visible_to(grid)) == {mine}
    with pytest.raises(NotFound, match="未找到该任务"):  # as if it did not exist
        services.get_task(grid, theirs.pk)
    with pytest.raises(Forbidden):
        services.complete_task(grid, theirs, result="到访")
    theirs.refresh_from_db()
    assert theirs.status == TaskStatus.OPEN
    assert AuditEntry.objects.filter(
        user_id=grid.pk, action="refused", object_type="tasks.task", object_id=str(theirs.pk)
    ).exists()
    services.complete_task(grid, mine, result="户内 2 人，无变化", result_data={"present": 2})
    mine.refresh_from_db()
    assert mine.status == TaskStatus.DONE and mine.completed_by == grid
    assert mine.completed_at is not None and mine.result_data == {"present": 2}


@pytest.mark.django_db
def test_offices_see_their_subtree_and_a_department_handler_sees_no_tasks(
    sample: SampleDistrict,
) -> None:
    tasks = [visit(sample, g) for g in range(4)]
    assert set(Task.objects.visible_to(sample.users["community"])) == set(tasks[:2])
    assert set(Task.objects.visible_to(sample.users["street"])) == set(tasks)
    assert not Task.objects.visible_to(sample.users["police"]).exists()
    assert not Task.objects.visible_to(sample.users["nobody"]).exists()


@pytest.mark.django_db
def test_assign_and_reassign_by_the_office_only_to_someone_working_there(
    sample: SampleDistrict, django_user_model: Any
) -> None:
    from wangge.access.models import Role
    from wangge.access.services import assign_role

    task = visit(sample, 0)
    second = django_user_model.objects.create_user(username="grid2", password="x-pass-123")
    assign_role(None, second, Role.GRID_WORKER, sample.grids[0])
    other_grid = django_user_model.objects.create_user(username="grid3", password="x-pass-123")
    assign_role(None, other_grid, Role.GRID_WORKER, sample.grids[1])
    with pytest.raises(Forbidden):
        services.assign_task(sample.users["grid"], task, second)
    with pytest.raises(ServiceError, match="不在该任务所在区域"):
        services.assign_task(sample.users["community"], task, other_grid)
    services.assign_task(sample.users["community"], task, sample.users["grid"])
    services.assign_task(sample.users["community"], task, second)  # 改派
    task.refresh_from_db()
    assert task.assignee == second and task.version == 3
    # assigned to someone else: the first grid worker may no longer complete it
    with pytest.raises(Forbidden, match="已分派给他人"):
        services.complete_task(sample.users["grid"], task)
    services.complete_task(second, task)


@pytest.mark.django_db
def test_a_stale_version_is_refused_not_overwritten(sample: SampleDistrict) -> None:
    task = visit(sample)
    services.assign_task(sample.users["community"], task, sample.users["grid"])
    with pytest.raises(ServiceError, match="已被他人修改"):
        services.complete_task(sample.users["grid"], task, version=1)


@pytest.mark.django_db
def test_a_grid_worker_plans_their_own_visits_but_not_for_others(sample: SampleDistrict) -> None:
    grid = sample.users["grid"]
    services.create_task(grid, kind=TaskKind.VISIT, household=sample.households[0])
    with pytest.raises(Forbidden):
        services.create_task(grid, kind=TaskKind.VISIT, household=sample.households[2])
    with pytest.raises(ServiceError, match="所属区域"):
        services.create_task(sample.users["street"], kind=TaskKind.OTHER, title="无处可去")


@pytest.mark.django_db
def test_cancel_needs_the_office_and_a_reason(sample: SampleDistrict) -> None:
    task = visit(sample)
    with pytest.raises(Forbidden):
        services.cancel_task(sample.users["grid"], task, reason="不做了")
    with pytest.raises(ServiceError, match="取消原因"):
        services.cancel_task(sample.users["community"], task, reason=" ")
    services.cancel_task(sample.users["community"], task, reason="住户已搬离")
    with pytest.raises(ServiceError, match="已取消"):
        services.complete_task(sample.users["grid"], task)


@pytest.mark.django_db
def test_a_visit_round_makes_one_task_per_household_and_never_doubles_an_open_one(
    sample: SampleDistrict,
) -> None:
    community = sample.users["community"]
    ids = [sample.buildings[0].pk, sample.buildings[1].pk]
    made = services.create_visit_round(community, building_ids=ids, due_in_working_days=3)
    assert len(made) == 4
    assert {t.region_id for t in made} == {sample.grids[0].pk, sample.grids[1].pk}
    assert services.create_visit_round(community, building_ids=ids) == []
    with pytest.raises(Forbidden, match="不在您的管辖范围"):
        services.create_visit_round(community, building_ids=[sample.buildings[2].pk])
    with pytest.raises(Forbidden):
        services.create_visit_round(sample.users["grid"], building_ids=ids[:1])


@pytest.mark.django_db
def test_late_tasks_go_one_level_up_at_once_and_two_after_the_grace(
    sample: SampleDistrict, settings: Any
) -> None:
    settings.WANGGE_TASK_ESCALATE_DAYS = 3
    monday = timezone.make_aware(datetime.datetime(2025, 11, 17, 9))  # an ordinary week
    on_time = visit(sample, 0, due_date=datetime.date(2025, 11, 17))
    late = visit(sample, 1, due_date=datetime.date(2025, 11, 14))  # last Friday
    very_late = visit(sample, 2, due_date=datetime.date(2025, 11, 10))  # 5 working days ago
    done = visit(sample, 3, due_date=datetime.date(2025, 11, 1))
    services.complete_task(None, done)
    result = services.sweep_overdue(monday)
    assert (result.escalated, result.escalated_twice) == (2, 1)
    levels = dict(Task.objects.values_list("pk", "escalation_level"))
    assert levels == {on_time.pk: 0, late.pk: 1, very_late.pk: 2, done.pk: 0}
    late.refresh_from_db()
    assert services.escalated_to(late) == sample.communities[0]
    very_late.refresh_from_db()
    assert services.escalated_to(very_late) == sample.street
    # the sweep is idempotent: nothing new on the next run
    again = services.sweep_overdue(monday)
    assert (again.escalated, again.escalated_twice) == (0, 0)


@pytest.mark.django_db
def test_the_sweep_is_a_scheduled_job() -> None:
    from wangge.jobs.registry import periodic

    assert "task-sweep" in {kind.name for kind in periodic()}
