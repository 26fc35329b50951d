"""`wangge worker`: one process that runs queued jobs and, in a thread beside them, the scheduler.

The queue itself is the configured django-tasks backend's: the database backend's worker loop
(django-tasks-db) or RQ's (django-tasks-rq). With the immediate backend jobs run inside the
request, so the process runs the scheduler alone.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from typing import Any

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

from wangge.jobs.models import WorkerBeat
from wangge.jobs.services import tick

logger = logging.getLogger("wangge.jobs")


def backend_kind() -> str:
    path = str(settings.TASKS.get("default", {}).get("BACKEND", ""))
    if "django_tasks_db" in path:
        return "database"
    if "django_tasks_rq" in path:
        return "redis"
    return "immediate"


class Scheduler:
    """Runs `services.tick` every ``interval`` seconds in a thread, and keeps this worker's
    heartbeat row fresh."""

    def __init__(self, name: str, interval: float = 2.0) -> None:
        self.name = name
        self.interval = interval
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="job-scheduler", daemon=True)
        self.started_at = timezone.now()

    def start(self) -> None:
        self.thread.start()

    def close(self) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=10)

    def beat(self) -> None:
        WorkerBeat.objects.update_or_create(
            name=self.name,
            defaults={
                "host": socket.gethostname()[:100],
                "pid": os.getpid(),
                "backend": backend_kind(),
                "started_at": self.started_at,
                "seen_at": timezone.now(),
            },
        )

    def run_once(self) -> dict[str, int]:
        self.beat()
        return tick()

    def _run(self) -> None:
        try:
            while not self.stop.is_set():
                close_old_connections()
                try:
                    done = self.run_once()
                    if any(done.values()):
                        logger.info("调度：%s", done)
                except Exception:  # a bad tick must not stop the schedule
                    logger.exception("后台任务调度出错")
                self.stop.wait(self.interval)
        finally:
            WorkerBeat.objects.filter(name=self.name).delete()
            connections.close_all()


def run(
    *,
    interval: float = 1.0,
    scheduler: bool = True,
    batch: bool = False,
    max_tasks: int | None = None,
) -> None:
    name = f"{socket.gethostname()[:40]}:{os.getpid()}"
    schedule = Scheduler(name) if scheduler else None
    if schedule is not None:
        schedule.start()
    try:
        kind = backend_kind()
        logger.warning("后台任务进程 %s 已启动（%s）", name, kind)
        if kind == "database":
            _run_database(name, interval, batch, max_tasks)
        elif kind == "redis":
            _run_redis(name, batch, max_tasks)
        elif not batch:
            threading.Event().wait()  # immediate: only the scheduler has work here
    finally:
        if schedule is not None:
            schedule.close()


def _run_database(name: str, interval: float, batch: bool, max_tasks: int | None) -> None:
    from django_tasks_db.management.commands.db_worker import Worker

    worker = Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=max_tasks,
        worker_id=name[:64],
        excluded_queue_names=[],
    )
    worker.configure_signals()
    worker.run()


def _run_redis(name: str, batch: bool, max_tasks: int | None) -> None:
    import django_rq
    from django_tasks_rq import Job as RQJob

    worker: Any = django_rq.get_worker("default", job_class=RQJob, name=name)
    worker.work(burst=batch, max_jobs=max_tasks, with_scheduler=True)
