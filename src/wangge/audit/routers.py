"""Send the audit log, sessions and the database cache to the `audit` store.

These are the small writes that every request may make (an audit entry per read, a session, a
rate-limit counter). On SQLite one writer at a time holds the whole file, so if they lived in the
main file every person page and log-in would wait behind an import's commit. In their own store
they wait for nothing the data side does. When the audit alias is the same PostgreSQL database
as the main one (its own connection only), every table may be migrated through either alias.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from wangge.core.migrating import is_migrating

AUDIT_ALIAS = "audit"
# django_cache is the app label Django's DatabaseCache gives its table; axes, when installed,
# writes an attempt row on log-ins, so it goes with the sessions.
AUDIT_APPS = frozenset({"audit", "sessions", "django_cache", "axes"})


def _shared() -> bool:
    return bool(getattr(settings, "WANGGE_AUDIT_SHARES_DEFAULT", False))


class AuditRouter:
    def _alias(self, model: Any) -> str | None:
        if model._meta.app_label not in AUDIT_APPS or (_shared() and is_migrating()):
            return None
        return AUDIT_ALIAS

    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        return self._alias(model)

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return self._alias(model)

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        one = obj1._meta.app_label in AUDIT_APPS
        two = obj2._meta.app_label in AUDIT_APPS
        return None if one == two else False

    def allow_migrate(
        self, db: str, app_label: str, model_name: str | None = None, **hints: Any
    ) -> bool | None:
        if _shared():
            return None
        if app_label in AUDIT_APPS:
            return db == AUDIT_ALIAS
        # Nothing else goes into the audit store; other stores are their routers' business.
        return False if db == AUDIT_ALIAS else None
