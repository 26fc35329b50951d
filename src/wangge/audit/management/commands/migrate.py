"""`migrate` without `--database` migrates every store: the audit store first, then the others.

Aliases that are only second connections to the main database (PostgreSQL) are migrated through
the main alias. The audit store goes first because the main database's migration that retires the old in-table
audit log copies its entries into the audit store.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import DEFAULT_DB_ALIAS

from wangge.audit.routers import AUDIT_ALIAS
from wangge.core.migrating import migrating


class Command(DjangoMigrate):
    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(database=None)

    def get_check_kwargs(self, options: dict[str, Any]) -> Any:
        kwargs: Any = super().get_check_kwargs(options)
        return {
            **kwargs,
            "databases": [options["database"]]
            if options.get("database")
            else list(settings.DATABASES),
        }

    def handle(self, *args: Any, **options: Any) -> None:
        if options.get("database"):
            with migrating():
                super().handle(*args, **options)
            return
        for alias in _stores():
            if options["verbosity"] >= 1:
                self.stdout.write(self.style.MIGRATE_HEADING(f"Database “{alias}”:"))
            with migrating():
                super().handle(*args, **{**options, "database": alias})


def _stores(databases: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """Every alias that is a database of its own: the audit store first (when separate), then
    the main one, then the others. An alias that is a second connection to the main database
    (PostgreSQL) is left out: migrating through it would record every migration as applied in
    the shared history while its router skipped the tables that belong to the main alias."""

    found_all = settings.DATABASES if databases is None else databases

    def place(alias: str) -> tuple[str, ...]:
        found = found_all[alias]
        return tuple(str(found.get(key, "")) for key in ("ENGINE", "HOST", "PORT", "NAME"))

    main = place(DEFAULT_DB_ALIAS)
    separate = [a for a in found_all if a == DEFAULT_DB_ALIAS or place(a) != main]
    return sorted(separate, key=lambda a: (a != AUDIT_ALIAS, a != DEFAULT_DB_ALIAS))
