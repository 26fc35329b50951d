"""A staff member who chose English reads the forms app's refusals in English; what a
submission's application stores stays in the source language, whoever sent it."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict, english_client

pytestmark = pytest.mark.django_db


def _english(sample: SampleDistrict, username: str) -> Client:
    return english_client(sample.users[username])


def test_a_conflict_out_of_reach_is_not_found_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "community").post("/forms/conflicts/999999/", {"action": "accept"})
    assert answer.status_code == 404
    assert "Conflict not found, or outside your jurisdiction" in answer.content.decode()


def test_an_unknown_action_is_named_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "community").post("/forms/conflicts/1/", {"action": "burn"})
    assert answer.status_code == 400 and "Unknown action “burn”" in answer.content.decode()


def test_an_upload_without_a_file_is_refused_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "admin").post("/forms/", {}, follow=True)
    assert "Choose an XLSForm file (.xlsx)" in answer.content.decode()
