"""A real `wangge worker` process (database backend): it takes queued jobs, runs the schedule,
stops cleanly; `wangge serve` starts web and worker together and stops both."""

from __future__ import annotations

import signal
import socket
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from wangge.jobs.tests.realstack import RealStack, real_stack, wait_for


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[RealStack]:
    yield from real_stack(tmp_path)


STATUS = (
    "from wangge.jobs.models import Job, WorkerBeat\n"
    "out = {'jobs': [[str(j.pk), j.kind, j.status, j.schedule] for j in Job.objects.order_by('created_at')],"
    " 'workers': WorkerBeat.objects.count()}"
)


def test_a_worker_runs_queued_jobs_and_the_schedule(stack: RealStack) -> None:
    queued = stack.python(
        "from wangge.jobs.services import enqueue\n"
        "j = enqueue('case-sweep', None)\nout = [str(j.pk), j.status]"
    )
    assert queued[1] == "queued"  # nobody has run it yet
    worker = stack.start("worker", "--interval", "0.2", WANGGE_JOBS_EVERY="case-sweep=2")

    def settled() -> dict | None:
        state = stack.python(STATUS)
        by_id = {j[0]: j for j in state["jobs"]}
        scheduled = [j for j in state["jobs"] if j[3] == "case-sweep" and j[2] == "succeeded"]
        ok = by_id[queued[0]][2] == "succeeded" and len(scheduled) >= 2
        return state if ok else None

    state = wait_for(settled, 90, "the queued job and two scheduled sweeps")
    assert state["workers"] == 1, stack.logs()
    worker.send_signal(signal.SIGTERM)
    assert worker.wait(timeout=20) == 0, stack.logs()
    assert stack.python(STATUS)["workers"] == 0  # it said goodbye


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_starts_web_and_worker_and_stops_both(stack: RealStack) -> None:
    port = _free_port()
    serve = stack.start("serve", "--port", str(port), "--workers", "1", "--threads", "2")

    def healthy() -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    wait_for(healthy, 60, "the web server")
    wait_for(lambda: stack.python(STATUS)["workers"] == 1, 60, "the worker's heartbeat")
    job = stack.python(
        "from wangge.jobs.services import enqueue\nout = str(enqueue('case-sweep', None).pk)"
    )
    wait_for(
        lambda: any(j[0] == job and j[2] == "succeeded" for j in stack.python(STATUS)["jobs"]),
        60,
        "the job run by serve's worker",
    )
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(timeout=30) == 0, stack.logs()
    assert not healthy()
    assert stack.python(STATUS)["workers"] == 0
