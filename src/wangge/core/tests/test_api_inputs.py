"""Each input that used to give a 500 (issue 13, "Why" 4), and the error answers under /api/.

The fuzz test (test_api_fuzz) explores; these pin the cases found by hand and by schemathesis,
so that each one is named and fails on its own if it comes back.
"""

from __future__ import annotations

import json
import typing
from typing import Any

import pytest
from django.test import Client

from wangge.access.services import create_api_token
from wangge.cases.models import Case
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(sample: SampleDistrict) -> Client:
    token = create_api_token(None, sample.users["admin"], "inputs")
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    message = response.json()["message"]
    assert isinstance(message, str) and message
    return str(message)


@pytest.mark.parametrize(
    "url",
    [
        "/api/persons?page=9223372036854775807",
        "/api/households?page=99999999999999999999",
        "/api/cases/?page=9223372036854775807",
        "/api/persons?page=0",
        "/api/persons/9223372036854775808",
        "/api/households/-1",
        "/api/rooms?building_id=99999999999999999999",
        "/api/imports/9223372036854775808/rows",
        "/api/imports/1/rows?page=9223372036854775807",
    ],
)
def test_numbers_out_of_range_are_422(api: Client, url: str) -> None:
    _error(api.get(url), 422)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31"])
def test_metric_dates_out_of_range_are_422(api: Client, day: str) -> None:
    message = _error(api.get(f"/api/cases/metrics?start={day}"), 422)
    assert "超出支持的范围" in message
    _error(api.get(f"/api/cases/metrics?end={day}"), 422)


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00", "9999-12-31T23:59:59+08:00"])
def test_hotline_created_at_out_of_range_is_422(api: Client, when: str) -> None:
    body = {"orders": [{"external_id": "R1", "created_at": when, "title": "噪音"}]}
    response = api.post("/api/cases/hotline", body, content_type="application/json")
    assert "超出支持的范围" in _error(response, 422)
    assert not Case.objects.filter(external_id="R1").exists()


@pytest.mark.parametrize(
    "raw",
    [
        '{"title": "\\ud800 井盖丢失"}',
        '{"title": "井盖", "description": "a\\u0000b"}',
        '{"title": "井盖", "\\udfff": 1}',
    ],
)
def test_text_that_cannot_be_stored_is_422_and_names_the_field(api: Client, raw: str) -> None:
    before = Case.objects.count()
    response = api.post("/api/cases/", raw, content_type="application/json")
    message = _error(response, 422)
    assert "title" in message or "description" in message or "U+DFFF" in message
    assert Case.objects.count() == before


@pytest.mark.parametrize("raw", ['"hello world"', "[1, 2]", "42", "null", "true"])
def test_a_body_that_is_not_an_object_creates_nothing(api: Client, raw: str) -> None:
    before = Case.objects.count()
    message = _error(api.post("/api/cases/", raw, content_type="application/json"), 422)
    assert "JSON 对象" in message
    assert Case.objects.count() == before


@pytest.mark.parametrize("raw", ["{", '{"title": NaN}', '{"lon": 1e999, "title": "x"}'])
def test_broken_json_is_refused(api: Client, raw: str) -> None:
    response = api.post("/api/cases/", raw, content_type="application/json")
    assert response.status_code in (400, 422)
    _error(response, response.status_code)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        (b"notjson", "第 1 行第 1 列有误"),
        (b'{\n  "title": "x",\n  oops}', "第 3 行第 3 列有误"),
        (b'{"title": "\xff"}', "不是 UTF-8 编码：第 12 个字节"),
        (b'{"n": ' + b"9" * 5000 + b"}", "数字位数过多"),
    ],
)
def test_a_body_that_is_not_json_says_where_in_chinese(api: Client, raw: bytes, says: str) -> None:
    """The decoder's English ("Expecting value: line 1 column 1") does not reach the answer."""
    message = _error(api.post("/api/cases/", raw, content_type="application/json"), 400)
    assert says in message
    assert "Expecting" not in message and "codec" not in message and "digits" not in message


def test_query_text_with_nul_is_422(api: Client) -> None:
    _error(api.get("/api/search?q=%00abc"), 422)


def test_405_is_json_and_keeps_allow(api: Client) -> None:
    response = api.put("/api/persons")
    message = _error(response, 405)
    assert "GET" in response["Allow"] and "PUT" in message


def test_unknown_path_is_json_404(api: Client) -> None:
    assert "/api/nope" in _error(api.get("/api/nope"), 404)


def test_oversized_body_is_json_413(api: Client, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = json.dumps({"title": "x" * 4096})
    message = _error(api.post("/api/cases/", body, content_type="application/json"), 413)
    assert "过大" in message


def test_session_post_without_csrf_is_json_403(sample: SampleDistrict) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sample.users["admin"])
    response = browser.post("/api/cases/", {"title": "x"}, content_type="application/json")
    assert "CSRF" in _error(response, 403)


@pytest.mark.parametrize("multipart", [True, False])
def test_a_form_body_to_a_json_endpoint_in_a_browser_session_is_400(
    sample: SampleDistrict, multipart: bool
) -> None:
    """The session's CSRF check reads a form body's fields (request.POST), which consumes a
    multipart stream before the JSON parser looks at the body: that was a 500 for any web
    page or script posting a form to /api/."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sample.users["admin"])
    browser.cookies["csrftoken"] = "a" * 32
    before = Case.objects.count()
    if multipart:
        response = browser.post("/api/cases/", {"title": "x"}, HTTP_X_CSRFTOKEN="a" * 32)
    else:
        response = browser.post(
            "/api/cases/",
            "--zz\r\nbroken",
            content_type="multipart/form-data; boundary=zz",
            HTTP_X_CSRFTOKEN="a" * 32,
        )
    message = _error(response, 400)
    assert "JSON" in message and "multipart/form-data" in message
    assert Case.objects.count() == before


def test_openapi_has_each_status_once_and_lists_errors(client: Client) -> None:
    raw = client.get("/api/openapi.json").content

    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [k for k, _ in pairs]
        assert len(keys) == len(set(keys)), f"duplicated keys: {keys}"
        return dict(pairs)

    document = json.loads(raw, object_pairs_hook=no_duplicates)
    assert document["components"]["schemas"]["Error"]["required"] == ["message"]
    xlsx = document["paths"]["/api/jobs/{job_id}/download"]["get"]["responses"]
    assert set(xlsx["200"]["content"]) == {
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            # 404 too where no path parameter: an unknown region in a query (`/api/places?
            # region=…`) or unit in a body (`POST /api/notices/blocks`) is answered 404.
            assert {"400", "401", "403", "404", "422"} <= codes, (method, path, codes)
    page = document["paths"]["/api/persons"]["get"]["parameters"]
    assert {p["name"]: p["schema"].get("maximum") for p in page}["page"] == 1_000_000


def test_each_schema_name_in_the_document_is_one_class() -> None:
    """ninja files each model under its class name: two apps' `BatchOut` were one component,
    and `GET /api/imports/` was documented with the hotline's batch (schemathesis found it)."""
    from pydantic import BaseModel

    from wangge.api import api

    classes: dict[str, set[type]] = {}

    def walk(annotation: Any) -> None:
        for arg in typing.get_args(annotation):
            walk(arg)
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return
        if annotation.__module__.startswith("wangge."):
            if annotation in classes.get(annotation.__name__, set()):
                return
            classes.setdefault(annotation.__name__, set()).add(annotation)
        for field in annotation.model_fields.values():
            walk(field.annotation)

    for _prefix, router in api._routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in (operation.response_models or {}).values():
                    walk(model)
                for model in operation.models:
                    if model.__name__ in ("BodyParams", "FormParams", "FileParams"):
                        walk(model)
    shared = {name: sorted(c.__module__ for c in found) for name, found in classes.items()}
    assert {name: mods for name, mods in shared.items() if len(mods) > 1} == {}


def test_a_refused_body_is_named_in_the_language_the_user_chose(sample: SampleDistrict) -> None:
    """The body checks answer in the user's language: English for one who chose it (the
    `django_language` cookie), Chinese otherwise (above)."""
    client = Client()
    client.force_login(sample.users["admin"])
    client.cookies["django_language"] = "en"
    message = _error(client.post("/api/cases/", '"hello"', content_type="application/json"), 422)
    assert message == "The request body must be a JSON object ({…}); it was a string"


def test_an_error_answer_without_words_of_its_own_is_in_the_chosen_language(
    sample: SampleDistrict,
) -> None:
    """The error middleware stands outside the language middleware, so the words it supplies
    (an unknown path, a method not allowed) are put in the language the request chose."""
    client = Client()
    client.force_login(sample.users["admin"])
    client.cookies["django_language"] = "en"
    assert _error(client.get("/api/nope"), 404) == "No such endpoint: /api/nope"
    assert _error(client.delete("/api/cases/"), 405).startswith(
        "This path does not allow this method (DELETE)"
    )
    chinese = Client()
    chinese.force_login(sample.users["admin"])
    assert _error(chinese.get("/api/nope"), 404) == "接口不存在：/api/nope"
