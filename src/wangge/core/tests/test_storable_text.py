"""A page's query or form field with a NUL character is a 400 that names the field, before any
view reads it.

PostgreSQL cannot hold a NUL in text: a NUL in a search box, a case list filter, a task's result
or a case's dispatch note reached the database and answered 500 there (SQLite stored it).
The REST API, Open311 and OpenRosa check their own inputs (core.api_support, cases.open311, the
XML parser); this is the pages' one guard.
"""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict
from wangge.tasks.models import TaskKind, TaskStatus
from wangge.tasks.services import create_task

pytestmark = pytest.mark.django_db


def _refused(answer: object, field: str) -> None:
    assert answer.status_code == 400, answer.content  # type: ignore[attr-defined]
    page = answer.content.decode()  # type: ignore[attr-defined]
    assert f"“{field}”" in page and "空字符" in page


@pytest.mark.parametrize(
    "url, field",
    [("/people/search/", "q"), ("/cases/", "status"), ("/cases/", "category")],
)
def test_a_nul_in_a_query_is_refused(sample: SampleDistrict, url: str, field: str) -> None:
    client = Client()
    client.force_login(sample.users["admin"])
    _refused(client.get(url, {field: "张\x00三"}), field)


def test_a_nul_in_a_form_field_is_refused_and_nothing_is_written(sample: SampleDistrict) -> None:
    client = Client()
    client.force_login(sample.users["grid"])
    task = create_task(None, kind=TaskKind.VISIT, household=sample.households[0])
    answer = client.post(
        f"/tasks/{task.pk}/",
        {"action": "complete", "result": "已走访\x00", "version": task.version},
    )
    _refused(answer, "result")
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and not task.result


def test_text_without_nul_goes_through(sample: SampleDistrict) -> None:
    client = Client()
    client.force_login(sample.users["grid"])
    task = create_task(None, kind=TaskKind.VISIT, household=sample.households[0])
    answer = client.post(
        f"/tasks/{task.pk}/",
        {"action": "complete", "result": "已走访 😀\u202e", "version": task.version},
    )
    assert answer.status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
