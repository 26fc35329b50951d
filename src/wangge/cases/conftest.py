"""Fixtures for the cases app: the sample district plus departments, rules and one case a grid."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wangge.cases.notify import MEMORY_SENDER
from wangge.cases.testing import build_sample_cases
from wangge.core.testing import SampleDistrict


@pytest.fixture(autouse=True)
def _media_and_notifications(settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WANGGE_NOTIFY_SENDER = "wangge.cases.notify.MEMORY_SENDER"
    MEMORY_SENDER.sent.clear()
    return MEMORY_SENDER


@pytest.fixture
def cases(sample: SampleDistrict) -> dict[str, Any]:
    return build_sample_cases(sample)
