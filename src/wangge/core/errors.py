"""Errors that services raise and views/API turn into messages users can act on."""

from __future__ import annotations

from dataclasses import dataclass

from wangge.core.reasons import Reason


class ServiceError(Exception):
    """A refusal with a message for the user (Chinese first).

    `permanent`: the same request would be refused again whatever happens meanwhile — the input
    itself is wrong (a file that is not a spreadsheet, a ledger whose rows fail validation) —
    as opposed to a refusal of the moment (a batch busy with another job, a role not yet
    granted, a server too busy). A background job failed with a permanent refusal offers no
    重试 (`wangge.jobs`); `remedy` says what to do instead (请修正文件后重新上传)."""

    status = 400
    permanent = False
    remedy = ""

    def __init__(
        self, message: object, *, permanent: bool | None = None, remedy: str | None = None
    ):
        # A str, or a message made at import time (Django's gettext_lazy, which this module
        # does not import: it is pure) put in words here, in the language of the request
        # that meets the refusal. A `Reason` stays one (its text is the Chinese), so a
        # background job keeps its template and says it in each reader's language.
        message = message if isinstance(message, Reason) else str(message)
        super().__init__(message)
        self.message = message
        if permanent is not None:
            self.permanent = permanent
        if remedy is not None:
            self.remedy = remedy


class NotFound(ServiceError):
    status = 404


class Forbidden(ServiceError):
    status = 403


class RateLimited(ServiceError):
    status = 429


class Busy(ServiceError):
    """The server is doing as much of this work as it allows at once: try again shortly."""

    status = 503


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input file: where (row / feature code) and what."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}" if self.where else self.message


class ValidationFailed(ServiceError):
    """A whole batch refused; nothing was stored. Carries every problem found, not just the first.
    Permanent: the same file is refused again."""

    permanent = True
    remedy = "请修正文件后重新上传"

    def __init__(self, summary: str, problems: list[Problem]):
        super().__init__(summary)
        self.problems = problems

    def report(self, limit: int = 50) -> str:
        lines = [self.message]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  … 另有 {len(self.problems) - limit} 个问题")
        return "\n".join(lines)
