"""Pages take GET, HEAD and POST; any other method is 405 with `Allow`, whoever asks.

Most page views treat whatever is not a POST as a GET: DELETE, PUT, PATCH, OPTIONS or TRACE on
a case's page, the report form or the workbench answered 200 with the page (OWASP ASVS 14.5.1).
The API and the protocol endpoints keep their own answers (the API's 405 lists its methods)."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["DELETE", "PUT", "PATCH", "OPTIONS", "TRACE"])
def test_a_page_refuses_methods_it_does_not_use(sample: SampleDistrict, method: str) -> None:
    client = Client()
    client.force_login(sample.users["grid"])
    for path in ("/cases/new/", "/tasks/", "/cases/", "/report/", "/login/"):
        response = client.generic(method, path)
        assert response.status_code == 405, (path, response.status_code)
        assert response["Allow"] == "GET, HEAD, POST"


def test_pages_still_answer_get_head_and_post(sample: SampleDistrict) -> None:
    client = Client()
    client.force_login(sample.users["grid"])
    assert client.get("/tasks/").status_code == 200
    assert client.head("/tasks/").status_code == 200
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302


def test_the_api_keeps_its_own_405(sample: SampleDistrict) -> None:
    client = Client()
    client.force_login(sample.users["grid"])
    response = client.delete("/api/cases/categories")
    assert response.status_code == 405 and "message" in response.json()
    assert "DELETE" not in response["Allow"]
