"""A leaner bulk insert for hotline batches: multi-row INSERT … RETURNING id, one per chunk.

Django's bulk_create spends most of a hotline batch preparing every value of every field
through the full field machinery (ten thousand rows × forty fields). Here only the values that
need the database adapter (datetimes, JSON, the encrypted phone) go through it; plain strings,
numbers and foreign-key ids are passed as they are. `pre_save` still runs for the fields that
compute their value (blind index, auto_now), so the rows are the same as bulk_create's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from wangge.access.fields import BlindIndexField, EncryptedTextField
from wangge.core.bulk import allocate_ids, copy_rows

_PREPARED = (models.DateTimeField, models.DateField, models.JSONField, EncryptedTextField)
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
            isinstance(f, BlindIndexField)
            or (
                isinstance(f, models.DateTimeField)
                and (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
            ),
            isinstance(f, _PREPARED),
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
        if isinstance(field, BlindIndexField) or getattr(field, "auto_now", False):
            value = field.pre_save(obj, True)
        else:
            value = getattr(obj, field.attname)
        if isinstance(field, _PREPARED) and value is not None:
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


def insert_values(model: type[models.Model], rows: Sequence[dict[str, Any]]) -> None:
    """INSERT plain rows (attname → value) without building model instances or reading ids back.

    For rows nobody needs as objects afterwards (a batch's timeline events): building twenty
    thousand model instances costs more than inserting them. Missing fields take their default.
    """
    if not rows:
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
        _copy_rows(model, fields, rows)
        return
    defaults = {f.attname: f.get_default() for f in fields}
    prepared = [isinstance(f, _PREPARED) for f in fields]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), CHUNK):
            chunk = rows[start : start + CHUNK]
            params: list[Any] = []
            for row in chunk:
                for field, prepare in zip(fields, prepared, strict=True):
                    value = row.get(field.attname, defaults[field.attname])
                    if prepare and value is not None:
                        value = field.get_db_prep_save(value, connection)
                    params.append(value)
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
    defaults = {f.attname: f.get_default() for f in fields}
    prepared = [isinstance(f, _PREPARED) for f in fields]

    def values() -> Any:
        for row in rows:
            out = []
            for field, prepare in zip(fields, prepared, strict=True):
                value = row.get(field.attname, defaults[field.attname])
                if prepare and value is not None:
                    value = field.get_db_prep_save(value, connection)
                out.append(value)
            yield out

    copy_rows(model._meta.db_table, [f.column for f in fields], values())
