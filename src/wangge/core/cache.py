"""Django's database cache with a counter that holds across processes.

Rate limits (django-ratelimit) and other counters call `cache.add(key, 1)` and then
`cache.incr(key)`. Django's `DatabaseCache.incr` is a `get` followed by a `set`: two workers
that read 4 at the same moment both write 5, so a limit of 5 lets through as many requests as
there are workers racing. Here `incr` reads the row under a lock (`SELECT … FOR UPDATE` on
PostgreSQL; on SQLite every transaction already starts with `BEGIN IMMEDIATE`, the settings'
`transaction_mode`, which takes the database's write lock) and writes the new value in the same
transaction, and `add` locks an expired row before replacing it, so two workers never both
"add" the first hit of a window.
"""

from __future__ import annotations

import base64
import pickle
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router, transaction
from django.utils.timezone import now as tz_now


class AtomicDatabaseCache(DatabaseCache):
    _table: str  # set by BaseDatabaseCache.__init__ (the stubs do not declare it)

    def _locked_row(self, key: str) -> tuple[str, Any, bool] | None:
        """(db alias, value, live) of the key's row, locked until the transaction ends."""
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {quote('value')}, {quote('expires')} FROM {quote(self._table)} "
                f"WHERE {quote('cache_key')} = %s{lock}",
                [key],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        expression = models.Expression(output_field=models.DateTimeField())
        expires = row[1]
        for converter in connection.ops.get_db_converters(
            expression
        ) + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return db, connection.ops.process_clob(row[0]), expires >= tz_now()

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        made = self.make_and_validate_key(key, version=version)
        with transaction.atomic(using=router.db_for_write(self.cache_model_class)):
            row = self._locked_row(made)
            if row is not None and row[2]:
                return False
            return bool(self._base_set("add", made, value, timeout))  # type: ignore[attr-defined]

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> Any:
        made = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        with transaction.atomic(using=db):
            row = self._locked_row(made)
            if row is None or not row[2]:
                raise ValueError(f"Key '{key}' not found")
            value = pickle.loads(base64.b64decode(row[1].encode())) + delta
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {quote(self._table)} SET {quote('value')} = %s "
                    f"WHERE {quote('cache_key')} = %s",
                    [encoded, made],
                )
        return value
