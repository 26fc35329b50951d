"""Exports are built by a job and downloaded from it: by the user who asked only, audited,
encrypted at rest, refused and deleted once expired."""

from __future__ import annotations

import datetime
import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from wangge.audit.models import AuditEntry
from wangge.cases.jobs import start_metrics_export
from wangge.core.errors import ServiceError
from wangge.core.testing import SampleDistrict
from wangge.jobs.exports import remove_expired
from wangge.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _client(sample: SampleDistrict, role: str) -> Client:
    client = Client()
    client.force_login(sample.users[role])
    return client


def _export(sample: SampleDistrict) -> Job:
    job = start_metrics_export(sample.users["street"], group="community", start=None, end=None)
    assert job.status == JobStatus.SUCCEEDED, job.error
    return job


def _file(job: Job) -> Path:
    return Path(settings.DATA_DIR) / "exports" / f"{job.pk}.enc"


def test_the_starter_downloads_the_file_and_the_download_is_audited(
    sample: SampleDistrict,
) -> None:
    job = _export(sample)
    assert job.result["download"] == f"/jobs/{job.pk}/download" == job.result_url
    assert job.finished_at is not None
    assert job.download_until == job.finished_at + timedelta(hours=24)
    stored = _file(job).read_bytes()
    assert not stored.startswith(b"PK")  # not the workbook itself: encrypted
    response = _client(sample, "street").get(job.result_url)
    assert response.status_code == 200 and response.content.startswith(b"PK")
    assert "attachment" in response["Content-Disposition"]
    entry = AuditEntry.objects.filter(action="export", object_id=str(job.pk)).get()
    assert entry.username == "street" and entry.detail["file"].endswith(".xlsx")


def test_nobody_else_downloads_it_not_even_who_may_see_the_job(sample: SampleDistrict) -> None:
    job = _export(sample)
    admin = _client(sample, "admin")
    assert admin.get(f"/jobs/{job.pk}/").status_code == 200  # the district sees the job
    refused = admin.get(job.result_url)
    assert refused.status_code == 403 and "只能由发起导出的人下载" in refused.content.decode()
    assert _client(sample, "community").get(job.result_url).status_code == 404
    api = admin.get(f"/api/jobs/{job.pk}/download")
    assert api.status_code == 403 and "发起导出的人" in api.json()["message"]
    assert AuditEntry.objects.filter(action="denied", detail__path=job.result_url).exists()
    assert not AuditEntry.objects.filter(action="export", object_id=str(job.pk)).exists()


def test_an_expired_export_is_refused_and_deleted(sample: SampleDistrict, settings) -> None:
    job = _export(sample)
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(hours=25))
    page = _client(sample, "street").get(f"/jobs/{job.pk}/").content.decode()
    assert "下载文件" in page  # the page still says what it was; the file is gone
    response = _client(sample, "street").get(job.result_url)
    assert response.status_code == 410 and "已过期" in response.content.decode()
    assert not _file(job).exists()
    settings.WANGGE_EXPORT_KEEP_HOURS = 48  # a longer keep does not bring it back
    assert _client(sample, "street").get(job.result_url).status_code == 410


def test_the_hourly_sweep_removes_expired_files_and_abandoned_uploads(
    sample: SampleDistrict,
) -> None:
    kept, expired = _export(sample), _export(sample)
    Job.objects.filter(pk=expired.pk).update(finished_at=timezone.now() - timedelta(days=2))
    abandoned = Path(settings.DATA_DIR) / "imports" / "pending" / ("ab" * 16)
    abandoned.mkdir(parents=True)
    (abandoned / "file-0.enc").write_bytes(b"x")
    old = (timezone.now() - timedelta(days=8)).timestamp()
    os.utime(abandoned, (old, old))
    assert remove_expired() == {"exports": 1, "pending": 1}
    assert _file(kept).exists() and not _file(expired).exists() and not abandoned.exists()


def test_a_wrong_group_or_date_range_is_refused_before_queueing(sample: SampleDistrict) -> None:
    street = sample.users["street"]
    with pytest.raises(ServiceError, match="不支持按"):
        start_metrics_export(street, group="planet", start=None, end=None)
    with pytest.raises(ServiceError, match="结束日期早于开始日期"):
        day = datetime.date(2026, 1, 2)
        start_metrics_export(street, group="street", start=day, end=day - timedelta(days=1))
    assert not Job.objects.exists()
