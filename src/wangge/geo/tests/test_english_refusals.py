"""A staff member who chose English reads the geo app's refusals in English."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict, english_client

pytestmark = pytest.mark.django_db


def test_an_unknown_region_is_named_in_english(sample: SampleDistrict) -> None:
    client = english_client(sample.users["street"])
    answer = client.get("/api/regions/999999999999")
    assert answer.status_code == 404
    assert (
        answer.json()["message"] == "Region “999999999999” not found, or outside your jurisdiction"
    )
    chinese = Client()
    chinese.force_login(sample.users["street"])
    assert (
        chinese.get("/api/regions/999999999999").json()["message"]
        == "未找到区域“999999999999”，或不在您的管辖范围内"
    )
