"""A staff member who chose English reads the access app's refusals in English.

The services build their messages at request time with gettext, so the words follow the
language the user chose with the 中文/English switch (the `django_language` cookie). Without
a choice they stay Chinese, as every other test here asserts."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict, english_client

pytestmark = pytest.mark.django_db


def _english(sample: SampleDistrict, username: str) -> Client:
    return english_client(sample.users[username])


def test_the_security_alerts_refuse_a_street_officer_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "street").get("/security/alerts/")
    assert answer.status_code == 403
    body = answer.content.decode()
    assert "Only district grid centre administrators can view security alerts" in body
    assert "只有区网格中心管理员" not in body


def test_an_alert_not_chosen_is_named_in_english(sample: SampleDistrict) -> None:
    answer = _english(sample, "admin").post("/security/alerts/", {"alert": "x"})
    assert answer.status_code == 400 and "Choose the alerts to handle" in answer.content.decode()


def test_without_a_choice_the_refusal_stays_chinese(sample: SampleDistrict) -> None:
    client = Client()
    client.force_login(sample.users["street"])
    answer = client.get("/security/alerts/")
    assert answer.status_code == 403
    assert "只有区网格中心管理员可以查看安全告警" in answer.content.decode()
