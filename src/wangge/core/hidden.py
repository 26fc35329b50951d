"""Rows written in many short transactions that nobody sees until the writer publishes them.

A ledger import of a million rows on SQLite cannot hold the one write lock for the whole
commit: the public report page, case intake and log-ins would wait behind it. So the commit
writes in chunks of a few hundred milliseconds each, and every row it inserts is *hidden*
until the batch is marked committed: the default manager of each model a long write inserts
into (`PublishedManager`) leaves out the primary keys listed in `HiddenRows`, and publishing
is deleting the owner's `HiddenRows` in the same transaction that marks the batch committed.
A writer killed halfway leaves only hidden rows (users see the database as before), which a
retry deletes by the ids it recorded.

Steady state costs nothing: the predicate is added to the SQL only while some rows of that
table are hidden. Whether any are is asked once per `WANGGE_HIDDEN_CHECK_MS` per process and
database, so a writer *announces* a table first and waits twice that long before its first
insert (`announce`): every reader has by then noticed, and from then on its predicate is part
of the same statement as its read (one snapshot, no race).

Django's base manager (forward foreign keys, `refresh_from_db`, `save`) does not filter: a
hidden row is only ever pointed at by other hidden rows, and the writer saves through it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.db.models import BooleanField, Exists, Expression, OuterRef

# database alias → (monotonic time of the check, tables with hidden rows)
_seen: dict[str, tuple[float, frozenset[str]]] = {}


def _ttl() -> float:
    return max(0, int(getattr(settings, "WANGGE_HIDDEN_CHECK_MS", 500))) / 1000


def hidden_tables(connection: Any) -> frozenset[str]:
    """Tables with hidden rows, as this process last saw them (at most the TTL ago)."""
    now = time.monotonic()
    seen = _seen.get(connection.alias)
    if seen is not None and now - seen[0] < _ttl():
        return seen[1]
    from wangge.core.models import HiddenRows

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT table_name FROM {connection.ops.quote_name(HiddenRows._meta.db_table)}"
        )
        tables = frozenset(row[0] for row in cursor.fetchall())
    _seen[connection.alias] = (now, tables)
    return tables


def forget() -> None:
    """This process's writer changed `HiddenRows`: its own reads ask again."""
    _seen.clear()


class Published(Expression):
    """True for the rows of `table` that no unfinished write hides.

    The `NOT EXISTS (… HiddenRows …)` subquery is built only when the statement is compiled
    and the table has hidden rows: building and resolving it on every queryset cost about
    2.5 ms of CPU per read (a submission's apply reads households and persons several times)
    for a predicate that is almost always `1 = 1`. It is resolved then against the query being
    compiled, so it refers to that query's own alias of the table."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, table: str) -> None:
        super().__init__()
        self.table = table

    def get_source_expressions(self) -> list[Any]:
        return []

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        pass

    def resolve_expression(
        self,
        query: Any = None,
        allow_joins: bool = True,
        reuse: Any = None,
        summarize: bool = False,
        for_save: bool = False,
    ) -> Any:
        return self.copy()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        if self.table not in hidden_tables(connection):
            return "1 = 1", []
        from wangge.core.models import HiddenRows

        hidden = HiddenRows.objects.filter(
            table_name=self.table, low__lte=OuterRef("pk"), high__gte=OuterRef("pk")
        )
        inner = (~Exists(hidden)).resolve_expression(compiler.query)
        sql, params = compiler.compile(inner)
        return sql, list(params)


class PublishedManager(models.Manager[Any]):
    """The default manager of a model long writes insert into: hidden rows left out."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(Published(self.model._meta.db_table))


def runs(ids: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted ids as (low, high) runs of consecutive numbers."""
    out: list[tuple[int, int]] = []
    for pk in sorted(ids):
        if out and pk == out[-1][1] + 1:
            out[-1] = (out[-1][0], pk)
        else:
            out.append((pk, pk))
    return out


def announce(owner: str, tables: Iterable[str]) -> None:
    """Say that `owner` is about to insert hidden rows into `tables`, then wait until every
    process's memo of `hidden_tables` has expired, so no reader misses the first rows."""
    from wangge.core.models import HiddenRows

    with transaction.atomic():
        HiddenRows.objects.bulk_create(
            HiddenRows(owner=owner, table_name=table, low=0, high=-1) for table in tables
        )
    forget()
    time.sleep(2 * _ttl())


def hide(owner: str, table: str, ids: Iterable[int]) -> None:
    """Hide these rows (call in the transaction that inserts them)."""
    from wangge.core.models import HiddenRows

    HiddenRows.objects.bulk_create(
        HiddenRows(owner=owner, table_name=table, low=low, high=high) for low, high in runs(ids)
    )
    forget()


def publish(owner: str) -> None:
    """Show every row `owner` hid (call in the transaction that marks its work done)."""
    from wangge.core.models import HiddenRows

    HiddenRows.objects.filter(owner=owner).delete()
    forget()
