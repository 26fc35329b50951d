"""Commits in these tests neither pause between chunks nor wait for other processes' readers
(one process: its own reads see what it hides at once, `core.hidden.forget`)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _commit_without_pauses(settings: pytest.FixtureRequest) -> None:
    settings.WANGGE_IMPORT_CHUNK_PAUSE_MS = 0  # type: ignore[attr-defined]
    settings.WANGGE_HIDDEN_CHECK_MS = 0  # type: ignore[attr-defined]
