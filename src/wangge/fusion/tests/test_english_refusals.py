"""A staff member who chose English reads the import's refusals in English, on the pages and
in the API, including why a ledger file could not be read: the staging job keeps that reason
with its template (`Job.error_reason`) and says it to each reader in their language."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wangge.core.testing import SampleDistrict, english_client
from wangge.fusion.tests.test_views import ledger_csv, officer
from wangge.jobs.models import Job

pytestmark = pytest.mark.django_db


def _english(sample: SampleDistrict, username: str) -> Client:
    return english_client(sample.users[username])


def test_a_batch_out_of_reach_is_not_found_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "community").get("/imports/999999/")
    assert answer.status_code == 404
    body = answer.content.decode()
    assert "Import batch 999999 does not exist or is outside what you may see" in body


def test_a_hand_over_out_of_reach_is_not_found_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "community").get("/api/imports/handovers/999999")
    assert answer.status_code == 404
    expected = "Hand-over 999999 does not exist or is outside your jurisdiction"
    assert answer.json()["message"] == expected


def test_a_grid_worker_may_not_import_and_is_told_in_english(sample: SampleDistrict) -> None:
    upload = _english(sample, "grid").post("/imports/new/", {})
    assert upload.status_code == 403
    assert "Only district, street or community staff can import ledgers" in upload.content.decode()


def _unreadable(client: Client) -> str:
    files = [
        SimpleUploadedFile("一网格.csv", ledger_csv(), content_type="text/csv"),
        SimpleUploadedFile("二网格.xlsx", b"", content_type="application/octet-stream"),
    ]
    response = client.post("/imports/new/", {"ledgers": files})
    assert response.status_code == 400
    return response.content.decode()


def test_why_a_ledger_cannot_be_read_is_said_in_english(sample: SampleDistrict) -> None:
    page = _unreadable(_english(sample, "community"))
    assert "The ledger cannot be read; nothing was imported: 二网格.xlsx: the file is empty" in page
    assert "文件是空的" not in page and "整批未导入" not in page
    job = Job.objects.get()
    assert job.error == "台账无法读取，整批未导入：二网格.xlsx：文件是空的"  # stored as today
    english = _english(sample, "community")
    shown = english.get(f"/jobs/{job.pk}/").content.decode()
    assert "二网格.xlsx: the file is empty" in shown
    # the remedy too, after an English colon
    assert "outcome</strong>: correct the ledger file and upload it again" in shown
    answer = english.get(f"/api/jobs/{job.pk}").json()
    assert answer["error"].endswith("二网格.xlsx: the file is empty")
    assert answer["remedy"] == "correct the ledger file and upload it again"


def test_the_same_job_reads_in_chinese_to_a_chinese_reader(sample: SampleDistrict) -> None:
    page = _unreadable(officer(sample))
    assert "台账无法读取，整批未导入：二网格.xlsx：文件是空的" in page
    job = Job.objects.get()
    chinese = officer(sample)
    assert "二网格.xlsx：文件是空的" in chinese.get(f"/jobs/{job.pk}/").content.decode()
    answer = chinese.get(f"/api/jobs/{job.pk}").json()
    assert answer["error"] == "台账无法读取，整批未导入：二网格.xlsx：文件是空的"
    assert answer["remedy"] == "请修正台账文件后重新上传"
