"""The small API apps use to declare background work.

An app writes, in its own ``jobs.py`` (found at start-up like ``admin.py``)::

    @job("case-sweep", "案件时限检查", every=600)
    def sweep(ctx: JobContext) -> dict: ...

and starts one with ``enqueue("case-sweep", actor, params)``. The handler receives a
`JobContext` (progress, the acting user) and the params as keyword arguments; what it returns
(a JSON-able dict) is the job's result. A `ServiceError` it raises is the user's message and is
not retried; any other exception is retried up to ``retries`` times with exponential backoff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from wangge.jobs.runner import JobContext

Handler = Callable[..., dict[str, Any] | None]
# Raises (Forbidden, NotFound) unless the user may retry this job of the kind: a job that acts
# on a record as its starter is retried only by someone who may act on the record too.
RetryCheck = Callable[[Any, Any], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    label: str
    handler: Handler
    retries: int = 0
    backoff: float = 30.0  # seconds before the first retry; doubles each time
    every: int | None = None  # seconds, for periodic jobs started by the scheduler
    may_retry: RetryCheck | None = None

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        return self.backoff * 2 ** max(0, attempt - 1)


KINDS: dict[str, JobKind] = {}


def job(
    name: str,
    label: str,
    *,
    retries: int = 0,
    backoff: float = 30.0,
    every: int | None = None,
    may_retry: RetryCheck | None = None,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the job kind ``name`` (the first argument is the context).

    ``may_retry(user, job)`` raises when ``user`` may not retry such a job (see `RetryCheck`).
    """

    def register(handler: Handler) -> Handler:
        KINDS[name] = JobKind(name, label, handler, retries, backoff, every, may_retry)
        return handler

    return register


def every(name: str, seconds: int, label: str, handler: Callable[[JobContext], Any]) -> None:
    """Register a periodic job from an existing function (no decorator at hand)."""
    KINDS[name] = JobKind(name, label, handler, every=seconds)


def get_kind(name: str) -> JobKind:
    try:
        return KINDS[name]
    except KeyError:
        from wangge.core.errors import ServiceError

        raise ServiceError(_("未知的后台任务类型“%(name)s”") % {"name": name[:40]}) from None


def periodic() -> list[JobKind]:
    from django.conf import settings

    overrides: dict[str, int] = getattr(settings, "WANGGE_JOBS_EVERY", {})
    out = []
    for kind in KINDS.values():
        seconds = overrides.get(kind.name, kind.every)
        if seconds:
            out.append(
                JobKind(kind.name, kind.label, kind.handler, kind.retries, kind.backoff, seconds)
            )
    return out
