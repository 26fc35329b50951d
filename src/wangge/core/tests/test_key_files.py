"""The keys in the data directory: created once, even when several processes start together."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

READ_KEYS = """
import sys, time
start = float(sys.argv[1])
while time.time() < start:
    time.sleep(0.001)
from django.conf import settings
print(settings.SECRET_KEY, settings.WANGGE_DATA_KEY)
"""


def test_processes_starting_together_on_a_fresh_directory_share_one_key(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wangge.settings"}
    env["WANGGE_DATA_DIR"] = str(tmp_path)
    env.pop("WANGGE_SECRET_KEY", None)
    env.pop("WANGGE_DATA_KEY", None)
    start = time.time() + 2  # every process waits for the same instant, then reads settings
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", READ_KEYS, str(start)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    keys = set()
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        keys.add(out.strip())
    assert len(keys) == 1
    secret, data = keys.pop().split()
    assert len(secret) == len(data) == 64
    assert (tmp_path / "secret.key").read_text() == secret
    assert (tmp_path / "data.key").read_text() == data
    assert sorted(p.name for p in tmp_path.iterdir() if "key" in p.name) == [
        "data.key",
        "secret.key",
    ]  # no drafts left behind
    assert (tmp_path / "data.key").stat().st_mode & 0o777 == 0o600


def test_a_key_already_in_the_directory_is_kept(tmp_path: Path) -> None:
    (tmp_path / "secret.key").write_text("a" * 64)
    (tmp_path / "data.key").write_text("b" * 64 + "\n")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "wangge.settings"}
    env["WANGGE_DATA_DIR"] = str(tmp_path)
    env.pop("WANGGE_SECRET_KEY", None)
    env.pop("WANGGE_DATA_KEY", None)
    out = subprocess.run(
        [sys.executable, "-c", READ_KEYS, "0"], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["a" * 64, "b" * 64]
