"""What every concern of the case loop shares: default time limits, public channels, who the actor is."""

from __future__ import annotations

import secrets
from typing import Any

from wangge.cases.models import (
    CaseStatus,
    Channel,
)

DEFAULT_RESPONSE_HOURS = 2
DEFAULT_HANDLE_WORKING_DAYS = 5
PUBLIC_CHANNELS = {Channel.RESIDENT_WEB, Channel.OPEN311}
ACTIVE = (CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _actor_name(actor: Any) -> str:
    return actor.get_username() if _is_user(actor) else ""


def _audit_channel(channel: str) -> str:
    return {"grid_worker": "web", "resident_web": "web"}.get(channel, channel)


def _token() -> str:
    return secrets.token_urlsafe(18)
