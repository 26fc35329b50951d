"""Deadline sweeps need no cron: `wangge serve` starts the worker, whose scheduler runs
`case-sweep`; an overdue case is escalated and the escalation's notification reaches the
district's webhook from a job — all in real processes, the webhook a real local HTTP server."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from wangge.jobs.tests.realstack import RealStack, real_stack, wait_for

SEED = """
import datetime
from django.utils import timezone
from wangge.core.testing import build_sample_district
from wangge.cases.testing import build_sample_cases
from wangge.cases.models import Case
sample = build_sample_district()
case = build_sample_cases(sample)['cases'][0]
Case.objects.filter(pk=case.pk).update(
    handle_deadline=timezone.now() - datetime.timedelta(days=30),
)
out = case.number
"""

STATE = """
from wangge.cases.models import Case
from wangge.jobs.models import Job
case = Case.objects.get(number={number!r})
out = {{
    'level': case.escalation_level,
    'sweeps': [j.status for j in Job.objects.filter(kind='case-sweep', schedule='case-sweep')],
    'notify': [[j.status, j.params.get('kind')] for j in Job.objects.filter(kind='notify')],
}}
"""


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[RealStack]:
    yield from real_stack(tmp_path)


@pytest.fixture
def gateway() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/sms", received
    server.shutdown()
    server.server_close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_the_deadline_sweep_on_its_schedule_and_notifies_from_a_job(
    stack: RealStack, gateway: tuple[str, list[dict[str, Any]]]
) -> None:
    url, received = gateway
    number = stack.python(SEED)
    assert stack.python(STATE.format(number=number))["level"] == 0
    serve = stack.start(
        "serve",
        "--port",
        str(_free_port()),
        "--workers",
        "1",
        "--threads",
        "2",
        WANGGE_JOBS_EVERY="case-sweep=2",
        WANGGE_NOTIFY_WEBHOOK_URL=url,
    )

    def escalated() -> dict[str, Any] | None:
        state = stack.python(STATE.format(number=number))
        ok = state["level"] > 0 and any(k == "escalated" for _, k in state["notify"])
        ok = ok and any(r["kind"] == "escalated" for r in received)
        return state if ok else None

    state = wait_for(escalated, 120, "the scheduled sweep's escalation and its notification")
    assert "succeeded" in state["sweeps"], stack.logs()
    sent = next(r for r in received if r["kind"] == "escalated")
    assert sent["case_number"] == number and "admin" in sent["usernames"]  # 30 days: district
    # two sweeps later the case is not escalated (nor notified) again
    wait_for(
        lambda: stack.python(STATE.format(number=number))["sweeps"].count("succeeded") >= 3,
        60,
        "more sweeps",
    )
    assert sum(r["kind"] == "escalated" and r["case_number"] == number for r in received) == 1
    serve.terminate()
    assert serve.wait(timeout=30) == 0, stack.logs()
