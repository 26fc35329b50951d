"""Notifications leave through the configured sender, from a background job per notification;
the webhook is tested against a real HTTP server on a local port that fails before it answers,
and a dead gateway never undoes the case change."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.utils import timezone

from wangge.cases import services
from wangge.cases.jobs import NOTIFY_BACKOFF
from wangge.cases.models import CaseStatus
from wangge.cases.notify import LogSender, WebhookSender, get_sender
from wangge.jobs.models import Job, JobStatus
from wangge.jobs.runner import execute
from wangge.jobs.services import tick

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers["Content-Length"])
            received.append(
                {
                    "path": self.path,
                    "content_type": self.headers["Content-Type"],
                    "body": json.loads(self.rfile.read(length).decode("utf-8")),
                }
            )
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", received
    server.shutdown()
    server.server_close()


def test_default_sender_logs_and_setting_switches_to_webhook(settings):
    settings.WANGGE_NOTIFY_SENDER = ""
    settings.WANGGE_NOTIFY_WEBHOOK_URL = ""
    assert isinstance(get_sender(), LogSender)
    settings.WANGGE_NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/hook"
    assert isinstance(get_sender(), WebhookSender)


def test_webhook_receives_dispatch_and_rating_link(
    sample, cases, settings, receiver, django_capture_on_commit_callbacks
):
    url, received = receiver
    settings.WANGGE_NOTIFY_SENDER = ""
    settings.WANGGE_NOTIFY_WEBHOOK_URL = url
    case = cases["cases"][0]
    with django_capture_on_commit_callbacks(execute=True):
        services.transfer_case(
            sample.users["street"], case, department=cases["departments"]["派出所"], reason="治安"
        )
        services.record_handling(sample.users["police"], case, result="已劝离")
        services.verify_case(sample.users["grid"], case, passed=True)
    kinds = [r["body"]["kind"] for r in received]
    assert kinds == ["dispatched", "handled", "verified"]
    dispatched, handled, verified = (r["body"] for r in received)
    assert received[0]["path"] == "/hook"
    assert received[0]["content_type"] == "application/json; charset=utf-8"
    assert dispatched["usernames"] == ["police"] and dispatched["case_number"] == case.number
    assert handled["usernames"] == ["grid"]
    assert verified["phone"] == "13700000000"
    assert verified["link"] == f"/cases/rate/{case.rating_token}/"


def test_dead_gateway_does_not_undo_the_change(
    sample, cases, settings, django_capture_on_commit_callbacks
):
    settings.WANGGE_NOTIFY_SENDER = ""
    settings.WANGGE_NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens-here"
    case = cases["cases"][0]
    with django_capture_on_commit_callbacks(execute=True):
        services.return_case(sample.users["chengguan"], case, reason="不属城管职责")
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    job = Job.objects.get(kind="notify")
    assert job.status == JobStatus.WAITING and "自动重试" in job.error


@pytest.fixture
def flaky_gateway() -> Iterator[tuple[str, list[int]]]:
    """A gateway that answers 503 twice, then 204; records each attempt's status."""
    answers: list[int] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            status = 503 if len(answers) < 2 else 204
            answers.append(status)
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/hook", answers
    server.shutdown()
    server.server_close()


def test_a_failing_gateway_is_retried_with_backoff_until_it_answers(
    sample, cases, settings, flaky_gateway, django_capture_on_commit_callbacks
):
    url, answers = flaky_gateway
    settings.WANGGE_NOTIFY_SENDER = ""
    settings.WANGGE_NOTIFY_WEBHOOK_URL = url
    case = cases["cases"][0]
    with django_capture_on_commit_callbacks(execute=True):
        services.return_case(sample.users["chengguan"], case, reason="不属城管职责")
    job = Job.objects.get(kind="notify")
    assert answers == [503] and job.status == JobStatus.WAITING
    assert job.run_after is not None
    first_wait = job.run_after - timezone.now()
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=NOTIFY_BACKOFF)

    assert tick(timezone.now())["released"] == 0  # not before its time
    tick(job.run_after + timedelta(seconds=1))
    job.refresh_from_db()
    assert answers == [503, 503] and job.status == JobStatus.WAITING
    assert job.run_after is not None
    second_wait = job.run_after - timezone.now()
    assert second_wait > timedelta(seconds=NOTIFY_BACKOFF + 20)  # doubled: 60 s

    tick(job.run_after + timedelta(seconds=1))
    job.refresh_from_db()
    assert answers == [503, 503, 204]
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 3 and job.error == ""
    assert case.number in job.result["message"]
    # the phone and the title are in the job's encrypted arguments, not in its params
    assert job.params == {"kind": "returned"}


def test_nothing_is_sent_until_a_worker_runs_the_job(
    sample, cases, settings, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    from wangge.jobs import services as job_services

    url, received = receiver
    settings.WANGGE_NOTIFY_SENDER = ""
    settings.WANGGE_NOTIFY_WEBHOOK_URL = url
    monkeypatch.setattr(job_services, "_hand_over", lambda job: None)  # no worker yet
    with django_capture_on_commit_callbacks(execute=True):
        services.return_case(sample.users["chengguan"], cases["cases"][0], reason="不属城管职责")
    job = Job.objects.get(kind="notify")
    assert job.status == JobStatus.QUEUED and received == []
    assert execute(str(job.pk)) == JobStatus.SUCCEEDED
    assert [r["body"]["kind"] for r in received] == ["returned"]


def test_the_jobs_list_names_a_notification_in_chinese(
    sample, cases, settings, django_capture_on_commit_callbacks, monkeypatch
):
    """后台任务 reads 发送通知（退单）and the case number, not the kind's code `returned`; so
    does the finished job's result (已发送（退单，…）)."""
    from wangge.jobs import services as job_services

    settings.WANGGE_NOTIFY_SENDER = ""
    monkeypatch.setattr(job_services, "_hand_over", lambda job: None)
    case = cases["cases"][0]
    with django_capture_on_commit_callbacks(execute=True):
        services.return_case(sample.users["chengguan"], case, reason="不属城管职责")
    job = Job.objects.get(kind="notify")
    assert job.label == f"发送通知（退单）· {case.number}"
    assert execute(str(job.pk)) == JobStatus.SUCCEEDED
    job.refresh_from_db()
    assert job.result["message"] == f"已发送（退单，案件 {case.number}）"


def test_every_notification_kind_has_a_label():
    """Each kind the case services send (a string literal beside `_notify…(case,`) is named."""
    import re
    from pathlib import Path

    from wangge.cases.notify import KIND_LABELS

    source = "\n".join(
        p.read_text(encoding="utf-8") for p in (Path(services.__file__).parent).glob("*.py")
    )
    kinds = set(re.findall(r'_notify(?:_department)?\(\s*case,\s*"(\w+)"', source))
    kinds |= set(re.findall(r'kind="(\w+)"', source))
    assert kinds and "escalated" in kinds
    assert kinds <= set(KIND_LABELS), sorted(kinds - set(KIND_LABELS))
