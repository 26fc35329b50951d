"""A staff member who chose English reads the import's refusals in English, on the pages and
in the API; a ledger reader's own reasons (pure code, no Django) stay as it wrote them."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict, english_client

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
