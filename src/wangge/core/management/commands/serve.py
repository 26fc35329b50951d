"""`wangge serve`: gunicorn in front of the project (static files by WhiteNoise) and, beside
it, the background-job worker with its scheduler, started and stopped together.

A small supervisor rather than an exec: imports, notifications and deadline sweeps run in the
worker, so a server without it would take work it never does. If either child ends, the other
is stopped and `serve` exits with the child's status, so systemd (or whoever started it)
restarts the pair; Ctrl+C or SIGTERM stops both.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

# Seconds a child gets to stop after SIGTERM before it is killed.
STOP_TIMEOUT = 15


class Command(BaseCommand):
    help = "启动生产级Web服务（gunicorn + WhiteNoise）和后台任务进程（导入、通知、定时任务）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1)))
        parser.add_argument("--threads", type=int, default=4)
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="不启动后台任务进程（后台任务进程在别的机器上运行时）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("compile_translations", verbosity=0)
        bind = f"{options['host']}:{options['port']}"
        gunicorn = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:wangge.core.gunicorn_conf",  # the request-line limit (Open311 status polls)
            "wangge.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(options["workers"]),
            "--threads",
            str(options["threads"]),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
        ]
        worker = [sys.executable, "-m", "wangge", "worker"]
        children = {"gunicorn": subprocess.Popen(gunicorn)}
        if not options["no_worker"]:
            children["worker"] = subprocess.Popen(worker)
        self.stdout.write(f"网格平台已启动：http://{bind}/  （Ctrl+C 停止）")
        if not options["no_worker"]:
            self.stdout.write("后台任务进程已启动（导入、通知、导出、定时任务）")
        sys.stdout.flush()
        code = supervise(children)
        sys.exit(code)


def supervise(children: dict[str, subprocess.Popen[bytes]]) -> int:
    """Wait until a child ends or we are asked to stop; then stop them all. Returns the exit
    status: the first child's that ended on its own, else 0."""
    stopping: list[int] = []

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    code = 0
    try:
        while not stopping:
            ended = [(name, p.returncode) for name, p in children.items() if p.poll() is not None]
            if ended:
                name, code = ended[0]
                sys.stderr.write(f"{name} 已退出（{code}），正在停止其余进程\n")
                code = code or 1
                break
            time.sleep(0.2)
    finally:
        for process in children.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in children.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for s, handler in previous.items():
            signal.signal(s, handler)
    return code
