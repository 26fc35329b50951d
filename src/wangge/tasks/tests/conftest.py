"""Tasks tests: notifications kept in memory, imports committed without pauses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wangge.cases.notify import MEMORY_SENDER


@pytest.fixture(autouse=True)
def _quiet(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WANGGE_NOTIFY_SENDER = "wangge.cases.notify.MEMORY_SENDER"
    settings.WANGGE_IMPORT_CHUNK_PAUSE_MS = 0
    settings.WANGGE_HIDDEN_CHECK_MS = 0
    MEMORY_SENDER.sent.clear()
