"""Notifications to handlers and residents through a pluggable sender.

The default sender writes to the log, so a fresh install works without any gateway. Setting
`WANGGE_NOTIFY_WEBHOOK_URL` switches to posting JSON to that URL, where the district's SMS or
WeChat gateway (or a small adapter in front of it) takes over. `WANGGE_NOTIFY_SENDER` may name
any other class with a `send(notification)` method. A failing gateway never fails the case
change that triggered it: the error is logged and the change stands.
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


def deliver(notifications: list[Notification]) -> None:
    sender = get_sender()
    for notification in notifications:
        try:
            sender.send(notification)
        except Exception:  # a gateway outage must not undo the case change
            logger.exception("通知发送失败：%s %s", notification.kind, notification.case_number)
