"""The jobs pages and API: progress that htmx polls until the job ends, and the retry button."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict
from wangge.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _job(sample: SampleDistrict, **fields: Any) -> Job:
    street = sample.users["street"]
    defaults: dict[str, Any] = {
        "kind": "case-sweep",
        "label": "街道的任务",
        "user_id": street.pk,
        "username": "street",
        "region_code": sample.street.code,
    }
    return Job.objects.create(**{**defaults, **fields})


def _client(sample: SampleDistrict, role: str) -> Client:
    client = Client()
    client.force_login(sample.users[role])
    return client


def test_a_running_job_page_polls_and_a_finished_one_stops(sample: SampleDistrict) -> None:
    running = _job(sample, status=JobStatus.RUNNING, stage="写入数据库", done=40, total=80)
    client = _client(sample, "street")
    page = client.get(f"/jobs/{running.pk}/").content.decode()
    assert 'hx-trigger="every 1s"' in page and "写入数据库" in page and "40 / 80（50%）" in page
    assert "没有运行中的后台任务进程" not in page  # only a queued job waits for one
    part = client.get(f"/jobs/{running.pk}/?part=progress", headers={"HX-Request": "true"})
    assert part.content.decode().startswith('<div class="job-progress"')
    Job.objects.filter(pk=running.pk).update(
        status=JobStatus.SUCCEEDED, result={"message": "新增 3 人"}, result_url="/imports/1/"
    )
    done = client.get(f"/jobs/{running.pk}/?part=progress", headers={"HX-Request": "true"})
    body = done.content.decode()
    assert "hx-trigger" not in body and "新增 3 人" in body and 'href="/imports/1/"' in body


def test_a_queued_job_without_a_worker_says_why_it_waits(sample: SampleDistrict) -> None:
    queued = _job(sample, status=JobStatus.QUEUED)
    page = _client(sample, "street").get(f"/jobs/{queued.pk}/").content.decode()
    assert "没有运行中的后台任务进程" in page


def test_the_retry_button_reruns_a_failed_job(sample: SampleDistrict) -> None:
    failed = _job(sample, status=JobStatus.FAILED, error="网关超时", attempts=1)
    client = _client(sample, "street")
    assert "重试" in client.get(f"/jobs/{failed.pk}/").content.decode()
    response = client.post(f"/jobs/{failed.pk}/", {"action": "retry"})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.status == JobStatus.SUCCEEDED and failed.attempts == 2
    again = client.post(f"/jobs/{failed.pk}/", {"action": "retry"}, follow=True)
    assert "只有失败或中断的任务可以重试" in again.content.decode()
    # someone outside the job's region cannot even see it
    assert (
        _client(sample, "grid").post(f"/jobs/{failed.pk}/", {"action": "retry"}).status_code == 404
    )


def test_a_permanent_failure_offers_no_retry_but_what_to_do_instead(
    sample: SampleDistrict,
) -> None:
    failed = _job(
        sample,
        status=JobStatus.FAILED,
        error="台账无法读取，整批未导入：“户籍.xlsx”不是可识别的表格文件",
        permanent=True,
        remedy="请修正台账文件后重新上传",
        attempts=1,
    )
    client = _client(sample, "street")
    page = client.get(f"/jobs/{failed.pk}/").content.decode()
    assert 'value="retry"' not in page
    assert "重试不会改变结果" in page and "请修正台账文件后重新上传" in page
    # a hand-made POST is refused with the same advice, and nothing runs
    again = client.post(f"/jobs/{failed.pk}/", {"action": "retry"}, follow=True)
    assert "请修正台账文件后重新上传" in again.content.decode()
    failed.refresh_from_db()
    assert failed.status == JobStatus.FAILED and failed.attempts == 1
    body = client.get(f"/api/jobs/{failed.pk}").json()
    assert body["permanent"] is True and body["retryable"] is False
    assert body["remedy"] == "请修正台账文件后重新上传"
    refused = client.post(f"/api/jobs/{failed.pk}/retry")
    assert refused.status_code == 400 and "请修正台账文件后重新上传" in refused.json()["message"]


def test_the_list_shows_own_and_regional_jobs(sample: SampleDistrict) -> None:
    _job(sample, label="街道导入任务", status=JobStatus.SUCCEEDED)
    assert "街道导入任务" in _client(sample, "admin").get("/jobs/").content.decode()
    assert "街道导入任务" in _client(sample, "street").get("/jobs/").content.decode()
    assert "街道导入任务" not in _client(sample, "grid").get("/jobs/").content.decode()


def test_the_api_reports_progress_and_retries(sample: SampleDistrict) -> None:
    failed = _job(sample, status=JobStatus.DEAD, error="进程停止", attempts=1, total=10, done=4)
    client = _client(sample, "street")
    body = client.get(f"/api/jobs/{failed.pk}").json()
    assert body["status"] == "dead" and body["status_label"] == "已中断"
    assert (body["done"], body["total"], body["percent"]) == (4, 10, 40)
    assert body["id"] == str(failed.pk) and body["started_by"] == "street"
    retried = client.post(f"/api/jobs/{failed.pk}/retry").json()
    assert retried["status"] == "succeeded" and retried["attempts"] == 2
    refused = client.post(f"/api/jobs/{failed.pk}/retry")
    assert refused.status_code == 400 and "只有失败或中断" in refused.json()["message"]
    assert client.get("/api/jobs/nonsense").status_code == 404
    assert [j["id"] for j in client.get("/api/jobs/").json()] == [str(failed.pk)]
