"""A client's unparsable body is logged as one line, not a traceback; a server error keeps it."""

from __future__ import annotations

import io
import logging
import sys

import pytest
from django.test import Client

from wangge.core.logfilters import ClientErrorsWithoutTraceback


def _record(status: int) -> logging.LogRecord:
    try:
        raise ValueError("Invalid boundary in multipart: None")
    except ValueError:
        info = sys.exc_info()
    record = logging.LogRecord("django.request", logging.WARNING, "", 0, "Bad request", (), info)
    record.status_code = status
    return record


def test_a_client_error_loses_its_traceback_and_a_server_error_keeps_it() -> None:
    shown = ClientErrorsWithoutTraceback()
    client_error, server_error = _record(400), _record(500)
    assert shown.filter(client_error) and shown.filter(server_error)
    assert client_error.exc_info is None
    assert server_error.exc_info is not None


@pytest.mark.django_db
def test_a_multipart_body_without_boundary_is_one_line_in_the_log() -> None:
    console = logging.getLogger().handlers[0]
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.filters = list(console.filters)
    logging.getLogger("django.request").addHandler(handler)
    try:
        response = Client().post("/report/", data=b"--x\r\n", content_type="multipart/form-data")
    finally:
        logging.getLogger("django.request").removeHandler(handler)
    assert response.status_code == 400
    assert "Bad request" in stream.getvalue() and "Traceback" not in stream.getvalue()
