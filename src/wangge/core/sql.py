"""Hot statements as server-side prepared statements on PostgreSQL.

Django binds parameters on the client, so PostgreSQL parses and plans every statement anew;
for the few statements every API call or report runs (token lookup, audit head, intake rights)
planning cost more server CPU than executing (0.7 ms for the token join). Here they go through
a psycopg cursor with server-side binding and `prepare=True`: planned once per connection.
Same connection and transaction as the ORM; elsewhere (SQLite) a plain cursor.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection


def fetch(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Run one statement (`%s` placeholders) and return its rows."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return list(cursor.fetchall()) if cursor.description else []
    import psycopg

    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        return list(cursor.fetchall()) if cursor.description else []


def fetch_one(sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
    rows = fetch(sql, params)
    return rows[0] if rows else None
