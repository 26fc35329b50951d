"""Schemathesis against /api/openapi.json: no input gets a 5xx, as a grid worker and as a
district admin.

Every operation of the document is called with generated parameters and bodies (valid and
invalid ones, boundary numbers and dates, odd text) on the sample district with its cases, in
the test's transaction. Any 5xx fails; so does an error answer that is not JSON with a
`message`. `WANGGE_FUZZ_EXAMPLES` sets the number of examples per operation and role (default
12: the whole run stays within a couple of minutes on two cores).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from wangge.access.services import create_api_token
from wangge.cases.testing import build_sample_cases
from wangge.core.testing import SampleDistrict

EXAMPLES = int(os.environ.get("WANGGE_FUZZ_EXAMPLES", "12"))

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # The test runs in one transaction; Django would close that connection after each request
    # (as its own test client also prevents).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


# The document is read through the application itself, as a client would read it.
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())


@pytest.fixture(params=["grid", "admin"])
def token(request: Any, sample: SampleDistrict, settings: Any, tmp_path: Any) -> str:
    """An API token of a grid worker (one grid) or of the district admin (everything)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WANGGE_NOTIFY_SENDER = "wangge.cases.notify.MEMORY_SENDER"
    build_sample_cases(sample)
    return create_api_token(None, sample.users[request.param], f"fuzz {request.param}")


def error_is_json_with_message(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    headers = {k.lower(): v for k, v in response.headers.items()}
    content_type = headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered as {content_type!r}"
    )
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("message"), str), body
    return None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_input_gets_a_server_error(case: Any, token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        checks=[not_a_server_error, error_is_json_with_message],
    )
