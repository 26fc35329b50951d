"""`wangge worker`: run queued background jobs and the scheduler (one process)."""

from __future__ import annotations

import logging
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wangge.jobs import worker


class Command(BaseCommand):
    help = "运行后台任务进程：执行排队的任务（导入、通知、导出……），并按计划启动定时任务（案件时限检查等）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="队列为空时每隔几秒查看一次，默认1秒"
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="只执行任务，不启动定时任务（多机部署时其余进程用）",
        )
        parser.add_argument("--batch", action="store_true", help="执行完排队的任务后退出")
        parser.add_argument("--max-tasks", type=int, default=None, help="执行这么多个任务后退出")

    def handle(self, *args: Any, **options: Any) -> None:
        log = logging.getLogger("wangge.jobs")
        if not log.handlers and options["verbosity"] >= 1:
            handler = logging.StreamHandler(self.stderr)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
            log.addHandler(handler)
            log.setLevel(logging.INFO)
            log.propagate = False
        worker.run(
            interval=options["interval"],
            scheduler=not options["no_scheduler"],
            batch=options["batch"],
            max_tasks=options["max_tasks"],
        )
