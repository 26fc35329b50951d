"""What goes over the wire under gunicorn: requests through the WSGI application as gunicorn
calls it (`wangge.wsgi`), not Django's test client, which takes the body off a HEAD answer
itself and always sends a Content-Length.

HEAD answers carry no content (RFC 9110 §9.3.2): what the application returns is what goes on
the wire. A
HEAD answer with content desynchronises a kept-alive connection: the client reads the stray
bytes as the status line of its next answer. ODK Collect's first request before a submission
is an unauthenticated HEAD /openrosa/submission (OpenRosa Form Submission API), answered 401.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from wangge.core.testing import PASSWORD
from wangge.forms.auth import forget_all
from wangge.forms.models import Submission
from wangge.forms.tests.openrosa_client import OpenRosaClient, fill
from wangge.forms.tests.test_openrosa import fetch_all
from wangge.wsgi import application

pytestmark = pytest.mark.django_db(transaction=True)


def wsgi(
    method: str,
    path: str,
    auth: tuple[str, str] | None = None,
    body: bytes = b"",
    extra: dict[str, Any] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(),
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update(extra or {})
    if auth:
        environ["HTTP_AUTHORIZATION"] = (
            "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        )
    started: dict[str, Any] = {}

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None, /
    ) -> Callable[[bytes], object]:
        started["status"] = int(status.split()[0])
        started["headers"] = dict(headers)
        return lambda _data: None

    result = application(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        getattr(result, "close", lambda: None)()
    return started["status"], started["headers"], body


@pytest.fixture(autouse=True)
def _fresh_credentials():
    forget_all()
    yield
    forget_all()


@pytest.mark.parametrize(
    ("path", "auth", "status"),
    [
        ("/openrosa/submission", None, 401),  # Collect's first HEAD: the challenge
        ("/openrosa/submission", ("grid", PASSWORD), 204),
        ("/openrosa/formList", ("grid", PASSWORD), 200),
        ("/open311/v2/services.xml", None, 200),
        ("/open311/v2/services/NOPE.json", None, 404),
        ("/report/", None, 405),
    ],
)
def test_a_head_answer_has_the_get_status_and_headers_and_no_content(
    sample: Any, path: str, auth: tuple[str, str] | None, status: int
) -> None:
    got, headers, body = wsgi("HEAD", path, auth)
    assert got == status
    assert body == b""
    if path.startswith("/openrosa/"):
        assert headers["X-OpenRosa-Version"] == "1.0"


def test_get_still_has_its_content(sample: Any) -> None:
    status, _headers, body = wsgi("GET", "/open311/v2/services.xml")
    assert status == 200 and body.startswith(b"<?xml")


@pytest.mark.sqlite_file  # its fixture's form is not seen by the handler's PG session yet
def test_a_chunked_submission_is_received(sample: Any) -> None:
    # OpenRosa Form Submission API, Channel: "The server MUST support HTTP 1.1 chunked transfer
    # encoding for receiving the POST content." gunicorn decodes the chunks and marks the input
    # as ending with the body (wsgi.input_terminated); there is no Content-Length.
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    xform, media = fetch_all(rosa, "verify_pair")
    xml, _attachments = fill(xform, media, instance_id="uuid:chunked-1")
    body = (
        b"--b0undary\r\n"
        b'Content-Disposition: form-data; name="xml_submission_file"; filename="s.xml"\r\n'
        b"Content-Type: text/xml\r\n\r\n" + xml + b"\r\n--b0undary--\r\n"
    )
    chunked = {
        "CONTENT_TYPE": "multipart/form-data; boundary=b0undary",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "HTTP_X_OPENROSA_VERSION": "1.0",
        "wsgi.input_terminated": True,
    }
    status, headers, answer = wsgi(
        "POST", "/openrosa/submission", ("grid", PASSWORD), body, chunked
    )
    assert status == 201, answer
    assert headers["X-OpenRosa-Version"] == "1.0"
    assert Submission.objects.filter(instance_id="uuid:chunked-1").exists()


def test_a_chunked_body_over_the_cap_is_a_413(sample: Any, settings: Any) -> None:
    settings.WANGGE_ANONYMOUS_MAX_BODY_BYTES = 1000
    chunked = {
        "CONTENT_TYPE": "multipart/form-data; boundary=b0undary",
        "HTTP_TRANSFER_ENCODING": "chunked",
        "wsgi.input_terminated": True,
    }
    status, _headers, _answer = wsgi("POST", "/openrosa/submission", None, b"x" * 5000, chunked)
    assert status == 413
