"""The Python lock files: every dependency pinned with hashes, and in step with pyproject.toml.

scripts/install installs only from requirements(-dev).lock (pip --require-hashes), so two
installs of one commit get the same releases; scripts/lock refreshes them (docs/operations.md).
"""

from __future__ import annotations

import re
import subprocess
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[4]
LOCKS = {"requirements.lock": False, "requirements-dev.lock": True}


def _name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group(0)).lower()


def _pins(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    pins: dict[str, str] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        head = re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)", block)
        if head:
            assert "--hash=sha256:" in block, f"{lock}: {head.group(1)} has no hash"
            pins.setdefault(_name(head.group(1)), head.group(2))
    return pins


def test_locks_are_in_step_with_pyproject() -> None:
    result = subprocess.run(
        ["scripts/lock", "--check"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(("lock", "dev"), LOCKS.items())
def test_every_dependency_is_pinned_with_hashes(lock: str, dev: bool) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    wanted = [*project["project"]["dependencies"], *project["build-system"]["requires"]]
    if dev:
        wanted += project["project"]["optional-dependencies"]["dev"]
    pins = _pins(lock)
    missing = sorted({_name(r) for r in wanted} - set(pins))
    assert not missing, f"{lock} lacks {missing}: run scripts/lock"


def test_runtime_and_dev_locks_agree() -> None:
    runtime, dev = _pins("requirements.lock"), _pins("requirements-dev.lock")
    assert {n: v for n, v in runtime.items() if dev.get(n) != v} == {}
