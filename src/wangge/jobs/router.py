"""Send the jobs store's tables (wangge.jobs, django_tasks_db) to the `jobs` database alias.

On SQLite that alias is a file of its own (`wangge migrate` migrates every store). On PostgreSQL
it is a second connection to the same database, and its tables are migrated through `default`.
Listed before the audit router, which would otherwise let every app into this store.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from wangge.core.migrating import is_migrating

JOBS_DB = "jobs"
JOBS_APPS = frozenset({"jobs", "django_tasks_database"})  # django_tasks_db's label


def jobs_store_is_separate() -> bool:
    """True on SQLite, where the jobs store is a file of its own (settings.py).

    Decided by the engine, not by comparing names: while the test runner creates the test
    databases the two aliases' names differ for a moment even where they are one database.
    """
    jobs = settings.DATABASES.get(JOBS_DB)
    return jobs is not None and str(jobs["ENGINE"]).endswith("sqlite3")


class JobsRouter:
    def _alias(self, model: Any) -> str | None:
        if model._meta.app_label in JOBS_APPS and JOBS_DB in settings.DATABASES:
            # while migrating, a shared store's queries go through the alias being migrated
            # (wangge.core.migrating: django_tasks_db's data migrations query its model)
            if is_migrating() and not jobs_store_is_separate():
                return None
            return JOBS_DB
        return None

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return self._alias(model)

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return self._alias(model)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        """Jobs tables only in the jobs store (through `default` where that is the same
        database); nothing else there. Other stores are other routers' business."""
        if JOBS_DB not in settings.DATABASES:
            return None
        if not jobs_store_is_separate():
            if db == JOBS_DB:
                return False
            return db == DEFAULT_DB_ALIAS if app_label in JOBS_APPS else None
        if app_label in JOBS_APPS:
            return db == JOBS_DB
        return False if db == JOBS_DB else None
