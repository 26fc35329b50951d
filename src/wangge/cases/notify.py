"""Notifications to handlers and residents through a pluggable sender.

The default sender writes to the log, so a fresh install works without any gateway. Setting
`WANGGE_NOTIFY_WEBHOOK_URL` switches to posting JSON to that URL, where the district's SMS or
WeChat gateway (or a small adapter in front of it) takes over. `WANGGE_NOTIFY_SENDER` may name
any other class with a `send(notification)` method.

Nothing is sent in the request (or transaction) that changed the case: `deliver` queues one
background job per notification (`notify`, see cases/jobs.py), and a worker sends it. A failing
gateway never fails the case change that triggered it: the job is retried with exponential
backoff (30 s, 1, 2, 4, 8, 16 min), then marked failed with its 重试 button. One job per
notification, so a retry never sends the others twice.
"""

from __future__ import annotations

import json
import logging
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("wangge.cases.notify")


@dataclass(frozen=True)
class Notification:
    kind: str  # dispatched | reminder | escalated | returned | handled | closed | reopened …
    case_number: str
    title: str
    message: str
    usernames: list[str] = field(default_factory=list)
    # Residents are reached by phone (SMS); only the gateway sees the number.
    phone: str = ""
    link: str = ""


class Sender(Protocol):
    def send(self, notification: Notification) -> None: ...


class LogSender:
    def send(self, notification: Notification) -> None:
        logger.info(
            "通知 %s %s → %s%s：%s",
            notification.kind,
            notification.case_number,
            ",".join(notification.usernames) or "-",
            " +居民" if notification.phone else "",
            notification.message,
        )


class WebhookSender:
    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url
        self.timeout = timeout

    def send(self, notification: Notification) -> None:
        body = json.dumps(asdict(notification), ensure_ascii=False).encode()
        request = urllib.request.Request(
            self.url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        with urllib.request.urlopen(request, timeout=self.timeout) as response:
            response.read()


class MemorySender:
    """Keeps what was sent; for tests and demos."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    def send(self, notification: Notification) -> None:
        self.sent.append(notification)


MEMORY_SENDER = MemorySender()


def get_sender() -> Sender:
    name = getattr(settings, "WANGGE_NOTIFY_SENDER", "")
    if name:
        target = import_string(name)
        sender: Sender = target() if isinstance(target, type) else target
        return sender
    url = getattr(settings, "WANGGE_NOTIFY_WEBHOOK_URL", "")
    if url:
        return WebhookSender(url)
    return LogSender()


# What each notification kind reads as in the jobs list (后台任务): people read 超期督办, not
# `escalated`. A kind missing here shows as itself rather than failing the case change.
KIND_LABELS = {
    "dispatched": "派遣",
    "reminder": "到期提醒",
    "escalated": "超期督办",
    "returned": "退单",
    "handled": "处置反馈",
    "verified": "核查通过",
    "verification_failed": "核查未通过",
    "dissatisfied": "居民不满意",
    "reopened": "重新办理",
    "commented": "反映人补充",
    "closed": "结案",
}


def job_label(notification: Notification) -> str:
    kind = KIND_LABELS.get(notification.kind, notification.kind)
    return f"发送通知（{kind}）· {notification.case_number}"


def deliver(notifications: list[Notification]) -> None:
    """Queue each notification for sending (called after the case change has committed)."""
    from wangge.jobs.services import enqueue

    for notification in notifications:
        try:
            enqueue(
                "notify",
                None,
                {"kind": notification.kind},
                label=job_label(notification),
                secret=asdict(notification),  # names, phones, titles: encrypted at rest
                region_code="",
            )
        except Exception:  # the jobs store down must not undo the case change either
            logger.exception("通知未能排队：%s %s", notification.kind, notification.case_number)


def send_now(notification: Notification) -> None:
    """Send one notification through the configured sender; raises when the gateway fails."""
    get_sender().send(notification)
