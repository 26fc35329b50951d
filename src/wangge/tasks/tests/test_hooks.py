"""The first kinds of task come from other apps with one call each: an import's commit hands its
doubtful pairs, unmatched addresses and conflicting values back to the grids as verification
visits; a case dispatched to the grid's own post, or waiting to be checked on site, is a task
that closes when the case does."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from wangge.cases import services as cases
from wangge.cases.models import Case, CaseStatus, Category, Channel, Department, Responsibility
from wangge.cases.testing import build_sample_cases, grid_centre
from wangge.core.errors import ServiceError
from wangge.core.testing import SampleDistrict
from wangge.fusion.services import Upload, commit_batch, stage_batch
from wangge.people.idnumber import make_id_number
from wangge.tasks import services
from wangge.tasks.models import Task, TaskKind, TaskStatus


def ledger(sample: SampleDistrict) -> bytes:
    sun = make_id_number("110105", datetime.date(1980, 3, 3), 33, "男")
    li = make_id_number("110105", datetime.date(1975, 5, 5), 55, "女")
    rows = [
        "序号,姓名,身份证号码,联系电话,现居住地址",
        f"1,孙新三,{sun},13812340003,幸福路10号3号楼2单元302",
        "2,孙新三,,13812340009,幸福路10号3号楼2单元302",  # the same man? a held pair
        f"3,李新四,{li},13811110001,幸福路10号3号楼2单元301",
        f"4,李新四,{li},13822220002,幸福路10号3号楼2单元301",  # which phone is right?
        "5,周新五,,13812340005,火星路1号",  # matches no standard address
    ]
    return ("\n".join(rows) + "\n").encode()


@pytest.mark.django_db
def test_an_import_hands_its_doubts_back_to_the_grid_as_verification_visits(
    sample: SampleDistrict,
) -> None:
    office = sample.users["community"]
    batch = stage_batch(office, [Upload("幸福一村走访台账.csv", ledger(sample))])
    assert len(batch.summary["review"]) == 1  # left undecided: held back from the commit
    commit_batch(office, batch.pk)
    tasks = {t.kind: t for t in Task.objects.filter(batch=batch)}
    assert set(tasks) == {TaskKind.VERIFY_PAIR, TaskKind.LOCATE_ADDRESS, TaskKind.CONFIRM_VALUE}
    pair = tasks[TaskKind.VERIFY_PAIR]
    assert pair.region_id == sample.grids[0].pk
    assert pair.person is not None and pair.person.name == "孙新三"
    assert "第3行" in pair.title  # the held row, to be compared at the door
    value = tasks[TaskKind.CONFIRM_VALUE]
    assert value.person is not None and value.person.name == "李新四"
    assert value.region_id == sample.grids[0].pk and value.form_code == "verify_value"
    assert value.source_record is not None and value.source_record.row == 4  # the older phone
    where = tasks[TaskKind.LOCATE_ADDRESS]
    # no grid to send it to (the newcomer went to the district, fusion.HandOver): the
    # importing community goes to find the address itself
    assert where.region_id == sample.communities[0].pk and where.post == ""
    assert where.subject_ref.startswith("fusion.handover:")
    assert "火星路1号" in where.title
    grid = sample.users["grid"]
    assert set(Task.objects.visible_to(grid)) == {pair, value}


@pytest.mark.django_db
def test_the_verification_visits_are_a_job_of_their_own_made_once(
    sample: SampleDistrict, settings: Any
) -> None:
    """A 1M-row batch makes about 100,000 tasks: the commit queues them and returns; the
    job makes them once, and a retry (a worker that died after its write) makes none more."""
    from wangge.fusion.services import undo_batch
    from wangge.jobs.models import Job, JobStatus
    from wangge.jobs.runner import execute

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    office = sample.users["community"]
    batch = stage_batch(office, [Upload("幸福一村走访台账.csv", ledger(sample))])
    commit_batch(office, batch.pk)
    job = Job.objects.get(kind="import-tasks")
    assert job.status == JobStatus.QUEUED and job.params == {"batch_id": batch.pk}
    assert not Task.objects.filter(batch=batch).exists()  # the commit did not wait for them
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["message"] == "已生成核实任务 3 项"
    made = Task.objects.filter(batch=batch).count()
    assert made == 3
    assert services.tasks_for_committed_batch(office, batch.pk) is None
    assert Task.objects.filter(batch=batch).count() == made
    undo_batch(office, batch.pk)  # undone before its job ran: nothing to make
    assert services.tasks_for_committed_batch(office, batch.pk) is None


@pytest.fixture
def grid_post_case(sample: SampleDistrict) -> Case:
    """A case in grid 1 of 幸福一村, routed by the responsibility list to the grid worker post."""
    build_sample_cases(sample)
    Responsibility.objects.create(
        region=sample.communities[0],
        category=None,
        department=Department.objects.get(name="城管"),
        post="grid_worker",
    )
    lon, lat = grid_centre(sample, 0)
    return cases.submit_case(
        sample.users["admin"],
        channel=Channel.API,
        title="楼道堆物",
        description="三单元楼道堆满纸箱",
        category=Category.objects.get(code="0201"),
        lon=lon,
        lat=lat,
    )


@pytest.mark.django_db
def test_a_case_dispatched_to_the_grid_worker_is_a_task_until_it_is_verified(
    sample: SampleDistrict, grid_post_case: Case
) -> None:
    case = grid_post_case
    assert case.status == CaseStatus.DISPATCHED and case.post == "grid_worker"
    task = Task.objects.get(case=case)
    assert task.kind == TaskKind.CASE and task.status == TaskStatus.OPEN
    assert task.region_id == sample.grids[0].pk
    assert task.due_date == case.handle_deadline.astimezone().date()  # type: ignore[union-attr]
    grid = sample.users["grid"]
    assert list(Task.objects.visible_to(grid)) == [task]
    with pytest.raises(ServiceError, match="随案件"):
        services.complete_task(grid, task)
    handler = Department.objects.get(name="城管").memberships.get().user
    cases.sign_in(handler, case)
    cases.record_handling(handler, case, result="纸箱已清走")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.title.startswith("核查案件")
    cases.verify_case(grid, case, passed=True, note="楼道已通畅")
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_at is not None


@pytest.mark.django_db
def test_a_case_with_a_department_is_the_grids_task_only_while_it_waits_to_be_checked(
    sample: SampleDistrict,
) -> None:
    made: dict[str, Any] = build_sample_cases(sample)
    case = made["cases"][0]  # dispatched to 城管, no post
    assert not Task.objects.filter(case=case).exists()
    cases.record_handling(sample.users["chengguan"], case, result="已处理")
    task = Task.objects.get(case=case)
    assert task.status == TaskStatus.OPEN and task.region_id == sample.grids[0].pk
    cases.verify_case(sample.users["grid"], case, passed=False, note="夜里仍在施工")
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED  # back with 城管: nothing for the grid to do
    cases.record_handling(sample.users["chengguan"], case, result="已停工")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN  # the same task, open again


@pytest.mark.django_db
def test_cases_changed_in_bulk_get_their_tasks_at_the_next_sweep(
    sample: SampleDistrict, grid_post_case: Case
) -> None:
    Task.objects.all().delete()
    assert services.sweep_overdue().cases_synced >= 1
    assert Task.objects.get(case=grid_post_case).status == TaskStatus.OPEN
    Case.objects.filter(pk=grid_post_case.pk).update(status=CaseStatus.CLOSED)
    services.sweep_overdue()
    assert Task.objects.get(case=grid_post_case).status == TaskStatus.DONE
