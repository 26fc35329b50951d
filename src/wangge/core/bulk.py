"""The one bulk-write path: many rows in fast, for the demo-sized and million-row writers.

Django's bulk_create prepares every value through the field machinery, which costs more than
the database itself at a million rows (ten thousand hotline cases × forty fields, a million
imported persons). Two ways in, one module:

* rows already in database form (ciphertexts, ISO dates, ids) with keys allocated up front:
  `allocate_ids`, `reserve_ids`, `insert_rows` (COPY on PostgreSQL, one executemany per table
  on SQLite) — the import's commit;
* model objects or attname → value dicts, of which only the values that need the database
  adapter (datetimes, JSON, encrypted or redacted text) go through it: `insert_returning_ids`,
  `insert_one`, `insert_values` — case intake. `pre_save` still runs for the fields that compute
  their value (blind index, auto_now), so the rows are the same as bulk_create's.

Callers hold the transaction; keys come from the sequence on PostgreSQL and from MAX(id) under
SQLite's write lock (the embedded database has one writer).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models, transaction


def allocate_ids(model: type[models.Model], count: int) -> list[int]:
    if count == 0:
        return []
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, pk.column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT COALESCE(MAX({connection.ops.quote_name(pk.column)}), 0) "
            f"FROM {connection.ops.quote_name(table)}"
        )
        start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))


def begin_write() -> None:
    """On SQLite, take the write lock at once, at the start of the caller's transaction.

    A transaction that reads first and writes afterwards fails at once with "database is
    locked" (SQLITE_BUSY_SNAPSHOT: no busy wait helps) when another connection wrote in
    between. Web requests write (sessions, rate-limit counters) while an import commits, so
    the commit's short transactions that read before they write (reserving keys, claiming or
    cleaning up a batch) take the lock first; a 1M-row commit with pages being served failed
    after its last chunk this way. A no-op UPDATE takes the lock without changing anything.
    """
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sqlite_sequence SET seq = seq WHERE 0")


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """Primary keys no other writer will take, without holding the write lock afterwards.

    On SQLite the tables' keys are AUTOINCREMENT, so moving `sqlite_sequence` on reserves a
    range (a short transaction of its own, or part of the caller's); on PostgreSQL the
    sequence does it. A chunked import builds its rows outside the lock with these keys.
    """
    if count == 0:
        return []
    if connection.vendor == "postgresql":
        return allocate_ids(model, count)
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    quote = connection.ops.quote_name
    with transaction.atomic(), connection.cursor() as cursor:
        begin_write()
        cursor.execute(f"SELECT COALESCE(MAX({quote(pk.column)}), 0) FROM {quote(table)}")
        top = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        start = max(top, int(row[0]) if row else 0) + 1
        if row is None:
            cursor.execute(
                "INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)",
                [table, start + count - 1],
            )
        else:
            cursor.execute(
                "UPDATE sqlite_sequence SET seq = %s WHERE name = %s", [start + count - 1, table]
            )
    return list(range(start, start + count))


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL's COPY: the server takes rows several times faster than one INSERT each."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        with raw.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def insert_rows(
    model: type[models.Model],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    chunk: int = 20_000,
) -> None:
    """INSERT rows whose values are already in database form, in `columns` order."""
    if not rows:
        return
    if connection.vendor == "postgresql":
        copy_rows(model._meta.db_table, columns, rows)
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} "
        f"({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(rows), chunk):
            cursor.executemany(sql, rows[start : start + chunk])


def db_now() -> Any:
    from django.utils import timezone

    return connection.ops.adapt_datetimefield_value(timezone.now())


# ------------------------------------------------------- model objects and attname rows


def _needs_adapter(field: Any) -> bool:
    """Does the value need the database adapter? Dates and JSON do, and so do fields that change
    the value on its way to the database (encrypted, redacted: `access.fields` marks them with
    `bulk_prepare = True`, so core need not know them)."""
    return isinstance(field, (models.DateTimeField, models.DateField, models.JSONField)) or getattr(
        field, "bulk_prepare", False
    )


def _computed_on_save(field: Any) -> bool:
    """Is the value computed by `pre_save` from others (a blind index: `computed_on_save`)?"""
    return bool(getattr(field, "computed_on_save", False))


CHUNK = 500
COPY_FROM = 50  # rows; a single report's case and events go in as one plain INSERT each


def _execute(
    cursor: Any, head: str, row: str, params: list[Any], width: int, returning: str = ""
) -> list[Any]:
    """One chunk: a multi-row VALUES (SQLite, or a few rows); on PostgreSQL psycopg's pipelined executemany
    of a one-row statement (parsing a statement with ten thousand placeholders costs psycopg
    more than the insert itself). Returns the RETURNING values in row order."""
    rows = [params[i : i + width] for i in range(0, len(params), width)]
    if connection.vendor == "postgresql" and len(rows) > 10:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        raw.executemany(head + row + returning, rows, returning=bool(returning))
        if not returning:
            return []
        ids = []
        while True:
            ids.append(raw.fetchone()[0])
            if not raw.nextset():
                break
        return ids
    cursor.execute(head + ", ".join([row] * len(rows)) + returning, params)
    return [r[0] for r in cursor.fetchall()] if returning else []


_Plan = list[tuple[Any, bool, bool]]  # field, computed by pre_save, prepared by the adapter


def _plan(fields: Sequence[Any]) -> _Plan:
    """Per field, worked out once per batch: is its value computed by `pre_save` (blind
    index, auto_now/auto_now_add), and does it need the database adapter?"""
    return [
        (
            f,
            _computed_on_save(f)
            or (
                isinstance(f, models.DateTimeField)
                and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
            ),
            _needs_adapter(f),
        )
        for f in fields
    ]


def _values(obj: models.Model, plan: _Plan) -> list[Any]:
    """The object's column values as bulk_create would send them."""
    out = []
    for field, compute, prepare in plan:
        value = field.pre_save(obj, True) if compute else getattr(obj, field.attname)
        if prepare and value is not None:
            value = field.get_db_prep_save(value, connection)
        out.append(value)
    return out


def insert_returning_ids(objects: Sequence[models.Model]) -> None:
    """INSERT `objects` (all of one model, pk unset) and set their primary keys."""
    if not objects:
        return
    meta = type(objects[0])._meta
    if connection.vendor == "postgresql" and len(objects) >= COPY_FROM:
        _copy_objects(objects)
        return
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    plan = _plan(fields)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    pk = quote(meta.pk.column) if meta.pk is not None else "id"
    with connection.cursor() as cursor:
        for start in range(0, len(objects), CHUNK):
            chunk = objects[start : start + CHUNK]
            params: list[Any] = []
            for obj in chunk:
                params.extend(_values(obj, plan))
            ids = _execute(
                cursor,
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ",
                row,
                params,
                len(fields),
                returning=f" RETURNING {pk}",
            )
            for obj, new_id in zip(chunk, ids, strict=True):
                obj.pk = new_id
                obj._state.adding = False
                obj._state.db = connection.alias


def insert_one(obj: models.Model, computed_in_sql: dict[str, tuple[str, list[Any]]]) -> None:
    """INSERT one object whose fields named in `computed_in_sql` (attname → SQL expression and
    its parameters) the database computes; reads the primary key and those values back.

    A single report takes its receipt number from the day's sequence inside its INSERT this
    way, one round trip fewer."""
    meta = type(obj)._meta
    assert meta.pk is not None
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    marks: list[str] = []
    params: list[Any] = []
    for field in fields:
        if field.attname in computed_in_sql:
            sql, extra = computed_in_sql[field.attname]
            marks.append(f"({sql})")
            params.extend(extra)
            continue
        if _computed_on_save(field) or getattr(field, "auto_now", False):
            value = field.pre_save(obj, True)
        else:
            value = getattr(obj, field.attname)
        if _needs_adapter(field) and value is not None:
            value = field.get_db_prep_save(value, connection)
        marks.append("%s")
        params.append(value)
    by_attname = {f.attname: f.column for f in meta.concrete_fields}
    back = [meta.pk.attname, *computed_in_sql]
    returning = ", ".join(quote(by_attname[name]) for name in back)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in fields)}) "
            f"VALUES ({', '.join(marks)}) RETURNING {returning}",
            params,
        )
        for name, value in zip(back, cursor.fetchone(), strict=True):
            setattr(obj, name, value)
    obj._state.adding = False
    obj._state.db = connection.alias


class _Preparer:
    """An attname → value row in database form, `fields` order. A field's default is prepared
    once per batch, and so is a date or time repeated from row to row (a batch's tasks share
    their due date and creation time): a hundred thousand rows prepared value by value spent
    more in the field machinery than in the database."""

    def __init__(self, fields: Sequence[Any]) -> None:
        self.fields = [(f, f.attname, _needs_adapter(f)) for f in fields]
        self.defaults = {f.attname: self._prepare(f, f.get_default()) for f in fields}
        self.memo: dict[tuple[str, Any], Any] = {}

    @staticmethod
    def _prepare(field: Any, value: Any) -> Any:
        if value is not None and _needs_adapter(field):
            return field.get_db_prep_save(value, connection)
        return value

    def __call__(self, row: dict[str, Any]) -> list[Any]:
        out = []
        for field, name, prepare in self.fields:
            if name not in row:
                out.append(self.defaults[name])
                continue
            value = row[name]
            if prepare and value is not None:
                if isinstance(value, datetime.date):  # datetimes too: immutable, hashable
                    key = (name, value)
                    found = self.memo.get(key)
                    if found is None:
                        found = self.memo[key] = field.get_db_prep_save(value, connection)
                    value = found
                else:
                    value = field.get_db_prep_save(value, connection)
            out.append(value)
        return out


def insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT plain rows (attname → value) without building model instances or reading ids back.

    For rows nobody needs as objects afterwards (a batch's timeline events): building twenty
    thousand model instances costs more than inserting them. Missing fields take their default,
    computed once per call (so no per-row default such as a fresh UUID: pass those in the rows).
    """
    if not rows:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        _copy_rows(model, fields, rows)
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    prepare = _Preparer(fields)
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            params: list[Any] = []
            for row in chunk:
                params.extend(prepare(row))
            _execute(
                cursor,
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ",
                row_sql,
                params,
                len(fields),
            )


# PostgreSQL: COPY. The server takes COPY rows several times faster than one INSERT each
# (no statement per row), which matters once a batch is tens of thousands of rows. Primary keys
# are drawn from the table's identity sequence first, so the objects learn their ids without
# RETURNING; like any sequence value, those of a batch that rolls back are not reused.


def _copy_objects(objects: Sequence[models.Model]) -> None:
    meta = type(objects[0])._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    plan = _plan(fields)
    ids = allocate_ids(type(objects[0]), len(objects))

    def rows() -> Any:
        for obj, new_id in zip(objects, ids, strict=True):
            yield [new_id, *_values(obj, plan)]

    assert meta.pk is not None
    copy_rows(meta.db_table, [meta.pk.column] + [f.column for f in fields], rows())
    for obj, new_id in zip(objects, ids, strict=True):
        obj.pk = new_id
        obj._state.adding = False
        obj._state.db = connection.alias


def _copy_rows(
    model: type[models.Model], fields: list[Any], rows: Sequence[dict[str, Any]]
) -> None:
    prepare = _Preparer(fields)
    copy_rows(model._meta.db_table, [f.column for f in fields], (prepare(row) for row in rows))
