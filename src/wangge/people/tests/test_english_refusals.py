"""A staff member who chose English reads the people app's refusals in English, on the pages
and in the API (the language follows the `django_language` cookie, never the browser)."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict, english_client

pytestmark = pytest.mark.django_db


def _english(sample: SampleDistrict, username: str) -> Client:
    return english_client(sample.users[username])


def test_a_person_out_of_reach_is_not_found_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "police").get(f"/api/persons/{sample.persons[0].pk}")
    assert answer.status_code == 404
    assert answer.json()["message"] == "Person not found, or outside your jurisdiction"


def test_a_household_out_of_reach_is_not_found_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "police").get(f"/api/households/{sample.households[0].pk}")
    assert answer.status_code == 404
    assert answer.json()["message"] == "Household not found, or outside your jurisdiction"


def test_the_browser_language_alone_changes_nothing(sample: SampleDistrict) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(sample.users["police"])
    answer = client.get(f"/api/persons/{sample.persons[0].pk}")
    assert answer.json()["message"] == "未找到该人员，或不在您的管辖范围内"
