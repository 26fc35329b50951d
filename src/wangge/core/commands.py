"""Shared shape of the all-or-nothing file loaders' commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.management.base import CommandError

from wangge.core.errors import ValidationFailed


def run_loader(load: Callable[[None, str], Any], path: str) -> Any:
    """Run a loader as the operator; turn a missing file or a refused batch into CommandError."""
    try:
        return load(None, path)
    except FileNotFoundError as exc:
        raise CommandError(f"找不到文件：{path}") from exc
    except ValidationFailed as exc:
        raise CommandError(exc.report()) from exc
