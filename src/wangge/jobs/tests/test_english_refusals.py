"""A staff member who chose English reads the jobs app's refusals in English."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict, english_client
from wangge.jobs.models import Job, JobStatus

pytestmark = pytest.mark.django_db


def _english(sample: SampleDistrict, username: str) -> Client:
    return english_client(sample.users[username])


def test_a_job_out_of_reach_is_not_found_in_english(sample: SampleDistrict) -> None:
    job = Job.objects.create(
        kind="case-sweep",
        label="街道的任务",
        user_id=sample.users["street"].pk,
        username="street",
        region_code=sample.street.code,
        status=JobStatus.SUCCEEDED,
    )
    answer = _english(sample, "grid").get(f"/api/jobs/{job.pk}")
    assert answer.status_code == 404
    assert answer.json()["message"] == "Background job not found, or outside what you may see"
    retried = _english(sample, "street").post(f"/api/jobs/{job.pk}/retry")
    assert retried.status_code == 400
    assert "only failed or interrupted jobs can be retried" in retried.json()["message"]
