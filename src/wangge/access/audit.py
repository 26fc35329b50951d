"""Append-only audit log with an SM3 hash chain.

Each entry's hash covers the previous entry's hash and its own content, and `AuditHead` holds the
newest hash, so editing an entry, deleting one in the middle or cutting off the tail is found by
`verify_chain` (the `wangge audit-verify` command).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from wangge.access.crypto import sm3_hex
from wangge.access.models import AuditAction, AuditEntry, AuditHead
from wangge.core import sql

__all__ = ["AuditAction", "record", "verify_chain"]

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x57414E47  # "WANG": serialises appends across PostgreSQL connections


def _content(entry: AuditEntry) -> str:
    return json.dumps(
        {
            "at": entry.at.isoformat(),
            "user": entry.user_id,
            "username": entry.username,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "channel": entry.channel,
            "detail": entry.detail,
        },
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )


def entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    return sm3_hex(f"{prev_hash}|{_content(entry)}".encode())


def record(
    user: Any,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    *,
    channel: str = "web",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry; joins the caller's transaction so a rolled-back change leaves no entry."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    entry = AuditEntry(
        at=timezone.now(),
        user=user if authenticated else None,
        username=(user.get_username() if authenticated else ""),
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id != "" else "",
        channel=channel,
        detail=json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str)),
    )
    # Inside the caller's transaction no savepoint is needed: a failure here fails it anyway.
    # Plain SQL for the head: this runs for every change anywhere in the platform.
    head_table = connection.ops.quote_name(AuditHead._meta.db_table)
    for_update = " FOR UPDATE" if connection.features.has_select_for_update else ""
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        # The head row's lock serialises appends (FOR UPDATE re-reads the newest head). Only
        # while there is no head yet do appenders queue on the advisory lock, so that one of
        # them creates it and the others then lock it.
        head_sql = f"SELECT last_hash FROM {head_table} WHERE id = 1{for_update}"
        row = sql.fetch_one(head_sql)  # prepared: planned once per connection
        if row is None:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])
            cursor.execute(f"SELECT last_hash FROM {head_table} WHERE id = 1{for_update}")
            row = cursor.fetchone()
            if row is None:
                AuditHead.objects.create(pk=1, last_id=0, last_hash=GENESIS)
                row = (GENESIS,)
        entry.prev_hash = row[0] or GENESIS
        entry.entry_hash = entry_hash(entry.prev_hash, entry)
        if connection.vendor == "postgresql":  # entry and head in one statement
            fields = [f for f in AuditEntry._meta.concrete_fields if not f.primary_key]
            quote = connection.ops.quote_name
            columns = ", ".join(quote(f.column) for f in fields)
            marks = ", ".join(["%s"] * len(fields))
            values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in fields]
            appended = sql.fetch_one(
                f"WITH e AS (INSERT INTO {quote(AuditEntry._meta.db_table)} ({columns}) "
                f"VALUES ({marks}) RETURNING id) "
                f"UPDATE {head_table} SET last_id = (SELECT id FROM e), last_hash = %s "
                "WHERE id = 1 RETURNING last_id",
                [*values, entry.entry_hash],
            )
            assert appended is not None
            entry.pk = appended[0]
            entry._state.adding = False
        else:
            entry.save(force_insert=True)
            cursor.execute(
                f"UPDATE {head_table} SET last_id = %s, last_hash = %s WHERE id = 1",
                [entry.pk, entry.entry_hash],
            )
    return entry


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    message: str


def _entries() -> Iterator[AuditEntry]:
    return AuditEntry.objects.order_by("pk").iterator(chunk_size=5000)


def verify_chain() -> tuple[int, ChainProblem | None]:
    """Walk the whole log; return how many entries were checked and the first problem."""
    prev_hash = GENESIS
    prev_id = 0
    count = 0
    for entry in _entries():
        count += 1
        if entry.prev_hash != prev_hash:
            return count, ChainProblem(
                entry.pk,
                f"第{entry.pk}条之前的记录被删除或改动（上一条编号 {prev_id}）：链接哈希不一致",
            )
        if entry_hash(prev_hash, entry) != entry.entry_hash:
            return count, ChainProblem(entry.pk, f"第{entry.pk}条记录的内容被改动：哈希不一致")
        prev_hash, prev_id = entry.entry_hash, entry.pk
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_id != prev_id or head.last_hash != prev_hash):
        return count, ChainProblem(
            prev_id or None,
            f"最新的记录被删除：链头指向第{head.last_id}条，实际最后一条是第{prev_id}条",
        )
    return count, None
