"""Import over the API, as a department's system pushes its ledger: same rules as the pages."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from openpyxl import load_workbook

from wangge.access.services import create_api_token
from wangge.core.testing import SampleDistrict
from wangge.fusion.models import BatchStatus, ImportBatch
from wangge.fusion.tests.test_views import ID_ZHAO, ledger_csv
from wangge.people.models import Person

pytestmark = pytest.mark.django_db


def _file(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def api_client(sample: SampleDistrict, role: str = "community") -> Client:
    client = Client()
    client.force_login(sample.users[role])
    return client


def finished(client: Client, response: Any, headers: dict[str, str] | None = None) -> dict:
    """A 202 answer's job, polled at its Location until it ends (jobs run at once here)."""
    assert response.status_code == 202, response.content
    job = response.json()
    assert response["Location"] == f"/api/jobs/{job['id']}"
    polled = client.get(response["Location"], headers=headers).json()
    assert polled["status"] == "succeeded", polled
    return dict(polled)


def stage(client: Client, headers: dict[str, str] | None = None) -> dict:
    response = client.post(
        "/api/imports/",
        {"files": [_file(ledger_csv(), "台账.csv")], "label": "推送"},
        headers=headers,
    )
    job = finished(client, response, headers)
    assert job["kind"] == "import-stage" and job["result_url"].startswith("/imports/")
    batch = client.get(f"/api/imports/{job['result']['batch_id']}", headers=headers)
    return dict(batch.json())


def test_push_stage_review_commit_undo(sample: SampleDistrict):
    client = api_client(sample)
    batch = stage(client)
    assert batch["status"] == "staged" and batch["channel"] == "api"
    assert batch["summary"]["rows"] == 7 and batch["summary"]["rejected"] == 1
    sheet = batch["sheets"][0]
    assert sheet["key"] == "台账.csv|" and sheet["header_rows"] == [1]
    assert {c["header"] for c in sheet["columns"]} >= {"姓名", "联系人电话"}

    listing = client.get("/api/imports/").json()
    assert [b["id"] for b in listing] == [batch["id"]]

    rows = client.get(f"/api/imports/{batch['id']}/rows", {"status": "rejected"}).json()
    assert rows["count"] == 1 and "姓名为空" in rows["items"][0]["reason"]
    assert ID_ZHAO not in str(client.get(f"/api/imports/{batch['id']}/rows?status=all").json())

    job = finished(
        client,
        client.post(
            f"/api/imports/{batch['id']}/mapping",
            {"overrides": {"台账.csv|": {"联系人电话": "resident:phone"}}},
            content_type="application/json",
        ),
    )
    assert job["kind"] == "import-remap" and job["result"]["batch_id"] == batch["id"]
    remapped = client.get(f"/api/imports/{batch['id']}").json()
    phone = next(c for c in remapped["sheets"][0]["columns"] if c["header"] == "联系人电话")
    assert phone["role"] == "resident"

    pair = remapped["review"][0]
    decided = client.post(
        f"/api/imports/{batch['id']}/review/{pair['rid']}",
        {"decision": "different"},
        content_type="application/json",
    ).json()
    assert decided["review"][0]["decision"] == "different"

    before = Person.objects.count()
    committed = finished(client, client.post(f"/api/imports/{batch['id']}/commit"))["result"]
    assert client.get(f"/api/imports/{batch['id']}").json()["status"] == "committed"
    assert committed["persons_created"] == 6  # 孙新三 twice, decided different
    assert "新增 6 人" in committed["message"]
    assert Person.objects.count() == before + 6

    finished(client, client.post(f"/api/imports/{batch['id']}/undo"))
    undone = client.get(f"/api/imports/{batch['id']}").json()
    assert undone["status"] == "undone" and Person.objects.count() == before


def test_token_auth_works_for_departments(sample: SampleDistrict):
    secret = create_api_token(None, sample.users["street"], "民政局推送")
    batch = stage(Client(), {"Authorization": f"Bearer {secret}"})
    assert ImportBatch.objects.get(pk=batch["id"]).created_by == sample.users["street"]


def test_errors_are_json_messages_in_chinese(sample: SampleDistrict):
    client = api_client(sample)
    response = client.post("/api/imports/", {"files": [_file(b"PK\x03\x04x", "坏.xlsx")]})
    assert response.status_code == 202  # read by the job, which says what is wrong
    job = client.get(response["Location"]).json()
    assert job["status"] == "failed" and "整批未导入" in job["error"]
    assert not ImportBatch.objects.exists()
    batch = stage(client)
    response = client.post(
        f"/api/imports/{batch['id']}/review/0",
        {"decision": "maybe"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "同一人" in response.json()["message"]
    client.post(f"/api/imports/{batch['id']}/discard")
    response = client.post(f"/api/imports/{batch['id']}/commit")
    assert response.status_code == 400 and "不能再导入" in response.json()["message"]
    assert ImportBatch.objects.get(pk=batch["id"]).status == BatchStatus.DISCARDED


def test_rejected_rows_download(sample: SampleDistrict):
    client = api_client(sample)
    batch = stage(client)
    job = finished(client, client.post(f"/api/imports/{batch['id']}/rejected-export"))
    assert job["result"]["filename"] == f"batch-{batch['id']}-rejected.xlsx"
    response = client.get(f"/api/jobs/{job['id']}/download")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][-1] == "原因" and len(rows) == 1 + 1 + 1  # the rejected and the doubtful row


def test_without_import_role_403(sample: SampleDistrict):
    batch = stage(api_client(sample))
    client = api_client(sample, "grid")
    assert client.get("/api/imports/").status_code == 403
    assert client.get(f"/api/imports/{batch['id']}").status_code == 403
    response = client.post("/api/imports/", {"files": [_file(ledger_csv(), "x.csv")]})
    assert response.status_code == 403 and "只有" in response.json()["message"]
    # the street office over the community reads it (who else does not: test_batch_scope.py)
    assert api_client(sample, "street").get(f"/api/imports/{batch['id']}").status_code == 200
