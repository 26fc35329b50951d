"""Errors that services raise and views/API turn into messages users can act on."""

from __future__ import annotations

from dataclasses import dataclass


class ServiceError(Exception):
    """A refusal with a message for the user (Chinese first)."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
    """A whole batch refused; nothing was stored. Carries every problem found, not just the first."""

    def __init__(self, summary: str, problems: list[Problem]):
        super().__init__(summary)
        self.problems = problems

    def report(self, limit: int = 50) -> str:
        lines = [self.message]
        lines += [f"  - {p}" for p in self.problems[:limit]]
        if len(self.problems) > limit:
            lines.append(f"  … 另有 {len(self.problems) - limit} 个问题")
        return "\n".join(lines)
