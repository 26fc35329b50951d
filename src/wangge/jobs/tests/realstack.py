"""A real installation for tests that need real processes: its own data directory (SQLite
files) or its own PostgreSQL database, migrated by `wangge migrate`, with `wangge worker` or
`wangge serve` started as child processes and Python run inside it through `wangge shell`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

WANGGE = [sys.executable, "-m", "wangge"]


class RealStack:
    def __init__(self, data_dir: Path, database_url: str = "") -> None:
        self.data_dir = data_dir
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "PYTEST_", "WANGGE_"))
        }
        self.env.update(
            {
                "WANGGE_DATA_DIR": str(data_dir),
                "WANGGE_JOBS_BACKEND": "database",
                "WANGGE_JOBS_DEAD_AFTER": "3",
                "PYTHONUNBUFFERED": "1",
            }
        )
        if database_url:
            self.env["WANGGE_DATABASE_URL"] = database_url
        self.processes: list[subprocess.Popen[bytes]] = []

    def run(self, *args: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [*WANGGE, *args], env=self.env, capture_output=True, timeout=timeout, check=False
        )
        if done.returncode != 0:
            raise AssertionError(f"wangge {' '.join(args)}: {done.stderr.decode()[-3000:]}")
        return done.stdout.decode()

    def python(self, code: str, timeout: float = 300) -> Any:
        """Run ``code`` inside the installation; it sets ``out`` to a JSON-able answer."""
        wrapped = code + "\nimport json as _j; print('@@' + _j.dumps(out, default=str))"
        text = self.run("shell", "-v", "0", "-c", wrapped, timeout=timeout)
        line = [x for x in text.splitlines() if x.startswith("@@")][-1]
        return json.loads(line[2:])

    def start(self, *args: str, **env: str) -> subprocess.Popen[bytes]:
        log = open(self.data_dir / f"{args[0]}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [*WANGGE, *args], env={**self.env, **env}, stdout=log, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.data_dir.glob("*.log"))

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(check: Callable[[], Any], timeout: float = 60, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        time.sleep(0.2)


def real_stack(tmp_path: Path) -> Iterator[RealStack]:
    """A fresh installation: SQLite in tmp_path, or a new PostgreSQL database when the tests
    run against PostgreSQL (WANGGE_DATABASE_URL), dropped afterwards."""
    url = os.environ.get("WANGGE_DATABASE_URL", "")
    name = ""
    if url.startswith("postgres"):
        import psycopg

        base, _, _db = url.rpartition("/")
        name = f"wangge_real_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{base}/{name}"
    stack = RealStack(tmp_path, url if name else "")
    try:
        stack.run("migrate", "-v", "0")
        yield stack
    finally:
        stack.stop_all()
        if name:
            import psycopg

            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
