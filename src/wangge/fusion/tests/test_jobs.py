"""Staging, re-checking, committing and undoing run as background jobs: the pages answer at once,
follow the job's progress, and show its outcome; a retry after a worker died mid-way finishes
the work without doing it twice.

Here a job is left queued (no worker takes it) and then run by hand, the way a worker would.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from wangge.core.errors import ServiceError
from wangge.core.testing import SampleDistrict
from wangge.fusion import jobs as import_jobs
from wangge.fusion.models import BatchStatus, ImportBatch
from wangge.fusion.services import Upload
from wangge.fusion.tests.test_views import ledger_csv, officer
from wangge.jobs import services as job_services
from wangge.jobs.models import Job, JobStatus
from wangge.jobs.runner import execute
from wangge.people.models import Person

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def no_worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Jobs are recorded but nobody runs them until the test calls `execute`."""
    monkeypatch.setattr(job_services, "_hand_over", lambda job: None)
    yield


def _post_ledger(client: Client) -> str:
    data = io.BytesIO(ledger_csv())
    data.name = "幸福一村台账.csv"
    response = client.post("/imports/new/", {"ledgers": [data], "label": "测试"})
    assert response.status_code == 302
    return str(response["Location"])


def test_the_upload_page_answers_at_once_and_follows_staging_to_the_batch(
    sample: SampleDistrict, no_worker: None
) -> None:
    client = officer(sample)
    where = _post_ledger(client)
    assert where.startswith("/imports/new/?job=")
    assert not ImportBatch.objects.exists()  # nothing read yet: the worker does that
    job = Job.objects.get()
    assert job.kind == "import-stage" and job.status == JobStatus.QUEUED
    assert "幸福一村台账" not in job.label + str(job.params)  # file names stay encrypted
    page = client.get(where).content.decode()
    assert 'hx-trigger="every 1s"' in page and "follow=result" in page and "排队中" in page

    assert execute(str(job.pk)) == JobStatus.SUCCEEDED
    batch = ImportBatch.objects.get()
    assert batch.label == "测试" and batch.files[0]["name"] == "幸福一村台账.csv"
    part = client.get(f"/jobs/{job.pk}/?part=progress&follow=result", headers=HX)
    assert part["HX-Redirect"] == f"/imports/{batch.pk}/"
    assert "已检查，暂存为批次" in part.content.decode()
    assert client.get(where)["Location"] == f"/imports/{batch.pk}/"  # reloading goes on too
    pending = Path(settings.DATA_DIR) / "imports" / "pending" / job.params["upload"]
    assert not list(pending.glob("*.enc"))  # the kept upload is gone once staged


def test_a_file_that_cannot_be_read_fails_the_job_with_the_reason(
    sample: SampleDistrict, no_worker: None
) -> None:
    client = officer(sample)
    bad = io.BytesIO(b"PK\x03\x04x")
    bad.name = "坏.xlsx"
    where = client.post("/imports/new/", {"ledgers": [bad]})["Location"]
    job = Job.objects.get()
    assert execute(str(job.pk)) == JobStatus.FAILED
    page = client.get(where).content.decode()
    assert "整批未导入" in page and 'name="ledgers"' in page  # the reason, and the form again
    assert not ImportBatch.objects.exists()
    # the same file would be refused again: no 重试, but what to do instead
    job.refresh_from_db()
    assert job.permanent and job.remedy == "请修正台账文件后重新上传"
    assert 'value="retry"' not in page and "请修正台账文件后重新上传" in page


def test_a_staging_refused_for_any_reason_is_not_offered_a_retry_its_files_are_gone(
    sample: SampleDistrict, no_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A staging job's kept upload is removed when it is refused (nothing to keep), so even a
    refusal of the moment cannot be retried: the page asks for the files again."""
    from wangge.fusion import services as fusion_services

    job = import_jobs.start_stage(sample.users["community"], _uploads(), channel="web")

    def busy(*args: object, **kwargs: object) -> None:
        raise ServiceError("另一个导入正在进行，请稍后再试")

    monkeypatch.setattr(fusion_services, "stage_batch", busy)
    assert execute(str(job.pk)) == JobStatus.FAILED
    job.refresh_from_db()
    assert job.permanent and not job.retryable and job.remedy == "请重新上传台账文件"


def test_commit_runs_in_the_background_and_the_batch_page_follows_it(
    sample: SampleDistrict, no_worker: None
) -> None:
    client = officer(sample)
    staging = import_jobs.start_stage(sample.users["community"], _uploads(), channel="web")
    execute(str(staging.pk))  # as a worker would
    batch = Job.objects.get(pk=staging.pk).result["batch_id"]
    before = Person.objects.count()
    response = client.post(f"/imports/{batch}/", {"action": "commit"})
    assert response["Location"] == f"/imports/{batch}/"
    page = client.get(f"/imports/{batch}/").content.decode()
    assert "已交给后台执行" in page and f"确认导入批次 {batch}" in page
    assert 'id="commit"' not in page and "follow=refresh" in page  # no second commit meanwhile
    assert Person.objects.count() == before  # not yet: a worker has not taken it

    again = client.post(f"/imports/{batch}/", {"action": "commit"}, follow=True)
    assert "正在执行" in again.content.decode()
    assert Job.objects.filter(kind="import-commit").count() == 1

    job = Job.objects.get(kind="import-commit")
    assert execute(str(job.pk)) == JobStatus.SUCCEEDED
    assert ImportBatch.objects.get(pk=batch).status == BatchStatus.COMMITTED
    assert Person.objects.count() > before
    part = client.get(f"/jobs/{job.pk}/?part=progress&follow=refresh", headers=HX)
    assert part["HX-Refresh"] == "true"
    page = client.get(f"/imports/{batch}/").content.decode()
    assert "已导入：新增" in page and 'id="undo"' in page and "hx-trigger" not in page


def test_a_retry_after_the_worker_died_past_the_commit_reports_it_once(
    sample: SampleDistrict, no_worker: None
) -> None:
    community = sample.users["community"]
    batch_id = _staged(sample)
    job = import_jobs.start_commit(community, batch_id)
    execute(str(job.pk))
    created = Person.objects.count()
    # As if the worker had been killed after the commit but before the job's last write:
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DEAD, result={})
    retried = job_services.retry(community, job.pk)
    assert execute(str(retried.pk)) == JobStatus.SUCCEEDED
    retried.refresh_from_db()
    assert "已导入：新增" in retried.result["message"] and retried.attempts == 2
    assert Person.objects.count() == created  # nothing written twice


def test_a_staging_retry_after_the_batch_was_stored_does_not_stage_it_again(
    sample: SampleDistrict, no_worker: None
) -> None:
    community = sample.users["community"]
    job = import_jobs.start_stage(community, _uploads(), channel="api")
    execute(str(job.pk))
    Job.objects.filter(pk=job.pk).update(status=JobStatus.DEAD)
    assert execute(str(job_services.retry(community, job.pk).pk)) == JobStatus.SUCCEEDED
    assert ImportBatch.objects.count() == 1


def test_undo_and_remap_are_jobs_too_and_refuse_the_wrong_state(
    sample: SampleDistrict, no_worker: None
) -> None:
    community = sample.users["community"]
    batch_id = _staged(sample)
    with pytest.raises(ServiceError, match="不能撤销"):
        import_jobs.start_undo(community, batch_id)
    remap = import_jobs.start_remap(
        community, batch_id, {"幸福一村台账.csv|": {"联系人电话": "resident:phone"}}
    )
    assert execute(str(remap.pk)) == JobStatus.SUCCEEDED
    commit = import_jobs.start_commit(community, batch_id)
    execute(str(commit.pk))
    with pytest.raises(ServiceError, match="只有待确认的批次"):
        import_jobs.start_remap(community, batch_id, {})
    undo = import_jobs.start_undo(community, batch_id)
    assert execute(str(undo.pk)) == JobStatus.SUCCEEDED
    assert ImportBatch.objects.get(pk=batch_id).status == BatchStatus.UNDONE
    undo.refresh_from_db()
    assert undo.result_url == f"/imports/{batch_id}/" and undo.stage == "撤销"


def test_a_grid_worker_cannot_start_an_import_job(sample: SampleDistrict) -> None:
    with pytest.raises(ServiceError, match="只有区、街道、社区工作人员"):
        import_jobs.start_stage(sample.users["grid"], _uploads(), channel="web")
    assert not Job.objects.exists()


def _uploads() -> list[Upload]:
    return [Upload("幸福一村台账.csv", ledger_csv())]


def _staged(sample: SampleDistrict) -> int:
    staging = import_jobs.start_stage(sample.users["community"], _uploads(), channel="web")
    execute(str(staging.pk))
    return int(Job.objects.get(pk=staging.pk).result["batch_id"])
