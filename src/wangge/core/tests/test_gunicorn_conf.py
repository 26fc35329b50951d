"""`wangge serve`'s gunicorn takes the long request lines of Open311 status polls, and no longer.

FixMyStreet puts every open report's id in one GET; gunicorn's default refuses a request line
over 4,094 bytes (about 237 ids) with an HTML 400 before Django sees it. The test starts a real
gunicorn with the settings `serve` passes and an app that echoes the query's length.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from wangge.core import gunicorn_conf
from wangge.core.management.commands import serve


def echo_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = str(len(environ.get("QUERY_STRING", ""))).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    env = os.environ | {"PYTHONPATH": src}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:wangge.core.gunicorn_conf",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "wangge.core.tests.test_gunicorn_conf:echo_app",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/open311/v2/requests.xml"
    try:
        for _ in range(100):
            try:
                requests.get(url, timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_starts_gunicorn_with_these_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[list[str]] = []

    def popen(args: list[str], **kwargs: Any) -> Any:
        started.append(args)
        return None

    monkeypatch.setattr(serve.subprocess, "Popen", popen)
    monkeypatch.setattr(serve, "call_command", lambda *a, **k: None)
    monkeypatch.setattr(serve, "supervise", lambda children: 0)
    with pytest.raises(SystemExit):
        serve.Command().handle(host="127.0.0.1", port=8000, workers=1, threads=1, no_worker=True)
    [gunicorn] = started
    assert gunicorn[gunicorn.index("--config") + 1] == "python:wangge.core.gunicorn_conf"
    assert gunicorn_conf.limit_request_line == 256 * 1024


def test_a_poll_of_ten_thousand_ids_gets_through(server: str) -> None:
    ids = ",".join(f"2025{i:010d}" for i in range(10_000))
    response = requests.get(server, params={"service_request_id": ids}, timeout=30)
    assert response.status_code == 200
    assert int(response.text) > 100_000  # far past the 4,094 and 8,190 bytes of gunicorn


def test_a_request_line_past_the_limit_is_refused(server: str) -> None:
    response = requests.get(server, params={"x": "1" * (300 * 1024)}, timeout=30)
    assert response.status_code == 400  # gunicorn refuses it before reading more
