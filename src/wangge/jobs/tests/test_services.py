"""Jobs run through the task API (immediate backend here): progress, outcome, retries with
backoff, dead workers, the schedule, and who sees and retries what."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from wangge.core.errors import NotFound, ServiceError
from wangge.core.testing import SampleDistrict
from wangge.jobs import selectors, services
from wangge.jobs.models import Job, JobStatus, ScheduleState
from wangge.jobs.registry import KINDS, job
from wangge.jobs.runner import JobContext

pytestmark = pytest.mark.django_db

CALLS: list[dict[str, Any]] = []


@pytest.fixture(autouse=True)
def _test_kinds() -> Iterator[None]:
    before = dict(KINDS)
    CALLS.clear()

    @job("test-count", "测试：数数")
    def count(ctx: JobContext, upto: int) -> dict[str, Any]:
        for n in range(upto):
            ctx.progress(n + 1, upto, "数数")
        CALLS.append({"actor": ctx.actor, "upto": upto, "secret": ctx.secret})
        return {"message": f"数到了 {upto}", "upto": upto}

    @job("test-refuse", "测试：拒绝")
    def refuse(ctx: JobContext) -> None:
        raise ServiceError("第 3 行的身份证号校验位不对")

    @job("test-invalid", "测试：文件不对")
    def invalid(ctx: JobContext) -> None:
        raise ServiceError("不是可识别的表格文件", permanent=True, remedy="请修正文件后重新上传")

    @job("test-flaky", "测试：不稳定的网关", retries=2, backoff=10)
    def flaky(ctx: JobContext, fail_times: int) -> dict[str, Any]:
        CALLS.append({"attempt": ctx.job.attempts})
        if ctx.job.attempts <= fail_times:
            raise ConnectionError("gateway down")
        return {"message": "已送达"}

    yield
    KINDS.clear()
    KINDS.update(before)


def test_a_job_runs_reports_progress_and_keeps_its_result(sample: SampleDistrict) -> None:
    street = sample.users["street"]
    done = services.enqueue("test-count", street, {"upto": 5}, secret={"phone": "13800000000"})
    assert done.status == JobStatus.SUCCEEDED
    assert (done.done, done.total, done.stage) == (5, 5, "数数")
    assert done.result == {"message": "数到了 5", "upto": 5}
    assert done.username == "street" and done.region_code == sample.street.code
    assert done.attempts == 1 and done.started_at and done.finished_at and done.task_id
    assert CALLS[0]["actor"] == street and CALLS[0]["secret"] == {"phone": "13800000000"}
    # the encrypted arguments are not readable in the store
    from django.db import connections

    with connections["jobs"].cursor() as cursor:
        cursor.execute("SELECT secret FROM jobs_job WHERE id = %s", [done.pk.hex])
        row = cursor.fetchone() or [""]
        if not row[0]:  # PostgreSQL stores uuids natively
            cursor.execute("SELECT secret FROM jobs_job WHERE id = %s", [str(done.pk)])
            row = cursor.fetchone()
    assert "13800000000" not in row[0] and row[0]


def test_a_refusal_is_the_users_message_and_is_not_retried(sample: SampleDistrict) -> None:
    failed = services.enqueue("test-refuse", sample.users["street"])
    assert failed.status == JobStatus.FAILED
    assert failed.error == "第 3 行的身份证号校验位不对"
    assert failed.attempts == 1 and failed.retryable


def test_a_permanent_refusal_is_recorded_as_such_and_offers_what_to_do_instead(
    sample: SampleDistrict,
) -> None:
    """A refusal the input itself causes (a file that is not a spreadsheet) would come back on
    every retry: the job says so, with the remedy, and a retry is refused with it."""
    street = sample.users["street"]
    failed = services.enqueue("test-invalid", street)
    assert failed.status == JobStatus.FAILED and failed.error == "不是可识别的表格文件"
    assert failed.permanent and failed.remedy == "请修正文件后重新上传"
    assert not failed.retryable
    with pytest.raises(ServiceError) as refused:
        services.retry(street, failed.pk)
    assert "重试也不会改变" in refused.value.message
    assert "请修正文件后重新上传" in refused.value.message
    assert Job.objects.get(pk=failed.pk).attempts == 1  # not run again
    # a refusal of the moment stays retryable, as does a failure the runner did not expect
    transient = services.enqueue("test-refuse", street)
    assert not transient.permanent and transient.retryable and transient.remedy == ""


def test_a_permanent_refusal_without_a_remedy_still_says_what_to_do(
    sample: SampleDistrict,
) -> None:
    from wangge.core.errors import ValidationFailed

    @job("test-validation", "测试：整批校验")
    def validation(ctx: JobContext) -> None:
        raise ValidationFailed("地址库有 2 处错误，整批未导入", [])

    failed = services.enqueue("test-validation", sample.users["street"])
    assert failed.permanent and not failed.retryable
    assert failed.remedy == "请修正文件后重新上传"  # ValidationFailed's own


def test_errors_are_retried_with_exponential_backoff(sample: SampleDistrict) -> None:
    first = services.enqueue("test-flaky", None, {"fail_times": 2})
    assert first.status == JobStatus.WAITING and first.attempts == 1
    assert "10 秒后自动重试" in first.error
    start = first.run_after
    assert start is not None
    # not yet due: nothing happens
    assert services.release_due(start - timedelta(seconds=1)) == 0
    assert services.release_due(start) == 1
    second = Job.objects.get(pk=first.pk)
    assert second.status == JobStatus.WAITING and second.attempts == 2
    assert second.run_after is not None
    delay = (second.run_after - timezone.now()).total_seconds()
    assert 15 < delay <= 20  # doubled: 20 s after the second failure
    services.release_due(second.run_after)
    third = Job.objects.get(pk=first.pk)
    assert third.status == JobStatus.SUCCEEDED and third.attempts == 3
    assert third.result == {"message": "已送达"}
    assert [c["attempt"] for c in CALLS] == [1, 2, 3]


def test_when_retries_run_out_the_job_fails_and_can_be_retried_by_hand(
    sample: SampleDistrict,
) -> None:
    admin = sample.users["admin"]
    job_ = services.enqueue("test-flaky", admin, {"fail_times": 5})
    for _ in range(2):
        job_.refresh_from_db()
        assert job_.run_after is not None
        services.release_due(job_.run_after)
    job_.refresh_from_db()
    assert job_.status == JobStatus.FAILED and job_.attempts == 3
    assert "ConnectionError" in job_.error and "可重试" in job_.error
    Job.objects.filter(pk=job_.pk).update(params={"fail_times": 3})
    again = services.retry(admin, job_.pk)
    assert again.status == JobStatus.SUCCEEDED and again.attempts == 4
    with pytest.raises(ServiceError, match="只有失败或中断的任务可以重试"):
        services.retry(admin, job_.pk)


def test_a_running_job_whose_heartbeat_stopped_is_declared_dead(
    sample: SampleDistrict, settings: Any
) -> None:
    settings.WANGGE_JOBS_DEAD_AFTER = 30
    street = sample.users["street"]
    now = timezone.now()
    stuck = Job.objects.create(
        kind="test-count",
        label="卡住的任务",
        params={"upto": 2},
        user_id=street.pk,
        username="street",
        region_code=sample.street.code,
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=now - timedelta(minutes=5),
        heartbeat_at=now - timedelta(seconds=31),
    )
    alive = Job.objects.create(
        kind="test-count",
        label="还活着的任务",
        params={"upto": 2},
        status=JobStatus.RUNNING,
        attempts=1,
        started_at=now - timedelta(minutes=5),
        heartbeat_at=now - timedelta(seconds=5),
    )
    assert services.reap_dead(now) == 1
    stuck.refresh_from_db()
    alive.refresh_from_db()
    assert stuck.status == JobStatus.DEAD and "中途停止" in stuck.error and stuck.retryable
    assert alive.status == JobStatus.RUNNING
    retried = services.retry(street, stuck.pk)
    assert retried.status == JobStatus.SUCCEEDED and retried.attempts == 2


def test_periodic_jobs_start_once_per_interval(settings: Any) -> None:
    settings.WANGGE_JOBS_EVERY = {
        "case-sweep": 600,
        "audit-sequence": 0,
        "exports-expire": 0,
        "task-sweep": 0,
        "suggester-retrain": 0,
    }
    now = timezone.now()
    started = services.run_schedules(now)
    assert [j.kind for j in started] == ["case-sweep"]
    assert started[0].status == JobStatus.SUCCEEDED
    assert started[0].result["message"] == "到期提醒 0 件，超期督办 0 件"
    assert started[0].user_id is None and started[0].schedule == "case-sweep"
    assert services.run_schedules(now + timedelta(seconds=599)) == []
    assert len(services.run_schedules(now + timedelta(seconds=600))) == 1
    state = ScheduleState.objects.get(name="case-sweep")
    assert state.next_run_at == now + timedelta(seconds=1200)
    # a second scheduler that read the same state cannot start the same run again
    stale = state.next_run_at
    assert ScheduleState.objects.filter(name="case-sweep", next_run_at=stale).update(
        next_run_at=stale + timedelta(seconds=600)
    )
    assert services.run_schedules(now + timedelta(seconds=1200)) == []


def test_who_sees_and_retries_a_job(sample: SampleDistrict) -> None:
    street, community, grid = (sample.users[r] for r in ("street", "community", "grid"))
    admin, police = sample.users["admin"], sample.users["police"]
    mine = services.enqueue("test-refuse", grid)  # a grid worker's own job, in their grid
    system = services.enqueue("case-sweep", None)
    assert selectors.get_job(grid, mine.pk) == mine
    for staff in (community, street, admin):  # office staff over the grid see it
        assert selectors.get_job(staff, mine.pk) == mine
    with pytest.raises(NotFound):
        selectors.get_job(police, mine.pk)  # a department handler is not office staff
    other_grid = services.enqueue("test-refuse", street, region_code=sample.grids[-1].code)
    with pytest.raises(NotFound):
        selectors.get_job(grid, other_grid.pk)
    assert set(selectors.visible_jobs(admin)) >= {mine, system, other_grid}
    assert system not in set(selectors.visible_jobs(street))
    with pytest.raises(NotFound):
        selectors.get_job(grid, "not-a-uuid")
    # the grid worker retries their own; the community office may too; police cannot see it
    assert services.retry(grid, mine.pk).status == JobStatus.FAILED
    assert services.retry(community, mine.pk).attempts == 3
    with pytest.raises(NotFound):
        services.retry(police, mine.pk)
