"""Notifications leave through the configured sender; the webhook is tested against a real
HTTP server on a local port, and a dead gateway never undoes the case change."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from wangge.cases import services
from wangge.cases.models import CaseStatus
from wangge.cases.notify import LogSender, WebhookSender, get_sender

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
    sample, cases, settings, django_capture_on_commit_callbacks, caplog
):
    settings.WANGGE_NOTIFY_SENDER = ""
    settings.WANGGE_NOTIFY_WEBHOOK_URL = "http://127.0.0.1:9/nothing-listens-here"
    case = cases["cases"][0]
    with django_capture_on_commit_callbacks(execute=True):
        services.return_case(sample.users["chengguan"], case, reason="不属城管职责")
    case.refresh_from_db()
    assert case.status == CaseStatus.NEW
    assert "通知发送失败" in caplog.text
