"""Append to the audit log, sequence it into a keyed hash chain, and verify it.

`record` is one INSERT into the audit store: no head row to lock and nothing in the main
database, so an audited read never waits behind a data write (on SQLite the main file's single
writer) nor behind another audited read (on PostgreSQL the old head row serialised them all).
`sequence_pending` (run by the scheduler, `wangge audit-sequence` and before every
`audit-verify`) numbers pending entries in arrival order, links each to the previous one with a
keyed SM3-HMAC and signs a checkpoint, like a Certificate-Transparency log merging its queue.

An entry recorded inside a data transaction is marked *open* and becomes *committed* when that
transaction commits. A rolled-back (or crashed) change leaves its entry open; after
`WANGGE_AUDIT_OPEN_GRACE` seconds the sequencer takes it in as *unconfirmed* rather than drop
it, so an attempted change is never silently missing from the log.

`batched()` groups the entries of one unit of work (a form submission: stored, applied field by
field): they are written in one INSERT when the block ends, inside the data transaction and so
still before it commits, and marked committed in one UPDATE after it. On PostgreSQL each commit
of the audit store waits for its WAL to reach the disk; a submission that wrote four entries
paid eight such waits, a batch pays two.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.utils import timezone

from wangge.audit.chain import GENESIS, ChainKeys
from wangge.audit.models import AuditCheckpoint, AuditEntry, Txn
from wangge.audit.routers import AUDIT_ALIAS

__all__ = ["ChainProblem", "batched", "record", "sequence_pending", "verify_chain"]

_PG_SEQUENCER_LOCK = 0x57474151  # one sequencer at a time; appenders never take it
ROLES_ATTR = _ROLES_ATTR = "_wangge_audit_roles"  # kept on the user object for the request


@cache
def _keys_for(hex_key: str) -> ChainKeys:
    return ChainKeys.from_master(bytes.fromhex(hex_key))


def chain_keys() -> ChainKeys:
    return _keys_for(settings.WANGGE_DATA_KEY)


def _roles_snapshot(user: Any) -> list[str]:
    """`role@region-code` for each of the user's roles now, kept on the user for the request."""
    cached = getattr(user, _ROLES_ATTR, None)
    if cached is None:
        from wangge.access.models import RoleAssignment

        pairs = RoleAssignment.objects.filter(user_id=user.pk).values_list("role", "region__code")
        cached = sorted(f"{role}@{code}" for role, code in pairs)
        if getattr(user, "is_superuser", False):
            cached.insert(0, "superuser")
        setattr(user, _ROLES_ATTR, cached)
    return list(cached)


def _in_data_transaction() -> bool:
    """Inside an atomic block of the main database that is not a test case's wrapper."""
    conn = connections[DEFAULT_DB_ALIAS]
    return conn.in_atomic_block and any(
        not getattr(block, "_from_testcase", False) for block in conn.atomic_blocks
    )


def _mark_committed(pk: int) -> None:
    AuditEntry.objects.filter(pk=pk, seq__isnull=True, txn=Txn.OPEN).update(txn=Txn.COMMITTED)


@dataclass
class _Batch:
    entries: list[AuditEntry] = field(default_factory=list)
    confirmed: list[AuditEntry] = field(default_factory=list)  # their data transaction committed

    def flush(self) -> None:
        if not self.entries:
            return
        AuditEntry.objects.using(AUDIT_ALIAS).bulk_create(self.entries)
        if any(entry.txn == Txn.OPEN for entry in self.entries):
            # registered after every entry's own callback, so it runs after them
            transaction.on_commit(self.mark, robust=True)

    def mark(self) -> None:
        pks = [entry.pk for entry in self.confirmed if entry.pk is not None]
        if pks:
            AuditEntry.objects.filter(pk__in=pks, seq__isnull=True, txn=Txn.OPEN).update(
                txn=Txn.COMMITTED
            )


_local = threading.local()


@contextmanager
def batched() -> Iterator[None]:
    """Write the entries recorded inside together when the block ends (also when it raises:
    an attempted change stays in the log). Open it inside the data transaction, so the entries
    reach the audit store before the data commits. An entry recorded in a savepoint that rolls
    back is not confirmed (it stays open, then unconfirmed), as with `record` alone. Nested
    blocks join the outermost one."""
    if getattr(_local, "batch", None) is not None:
        yield
        return
    batch = _Batch()
    _local.batch = batch
    try:
        yield
    finally:
        _local.batch = None
        batch.flush()


NUL_SHOWN = "\u2400"  # ␀, SYMBOL FOR NULL


def _storable(value: Any) -> Any:
    """The value with every NUL shown as ␀: PostgreSQL holds no NUL in text or JSON, and what
    is refused (a path, an id typed by the user) must still be recorded, not fail the request."""
    if isinstance(value, str):
        return value.replace("\x00", NUL_SHOWN)
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {_storable(k): _storable(v) for k, v in value.items()}
    return value


def record(
    user: Any,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    *,
    channel: str = "web",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one pending entry to the audit store (committed there at once; inside
    `batched()`, when the batch ends)."""
    authenticated = user is not None and getattr(user, "is_authenticated", False)
    entry = AuditEntry(
        at=timezone.now(),
        user_id=user.pk if authenticated else None,
        username=user.get_username() if authenticated else "",
        user_roles=_roles_snapshot(user) if authenticated else [],
        action=action,
        object_type=object_type,
        object_id=_storable(str(object_id)) if object_id != "" else "",
        channel=channel,
        detail=_storable(json.loads(json.dumps(detail or {}, ensure_ascii=False, default=str))),
        txn=Txn.OPEN if _in_data_transaction() else Txn.NONE,
    )
    batch: _Batch | None = getattr(_local, "batch", None)
    if batch is not None:  # written when the batch ends; its id is known from then on
        batch.entries.append(entry)
        if entry.txn == Txn.OPEN:
            transaction.on_commit(partial(batch.confirmed.append, entry), robust=True)
        return entry
    entry.save(force_insert=True, using=AUDIT_ALIAS)
    if entry.txn == Txn.OPEN:
        transaction.on_commit(partial(_mark_committed, entry.pk), robust=True)
    return entry


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "at": entry.at.isoformat(),
        "user_id": entry.user_id,
        "username": entry.username,
        "user_roles": entry.user_roles,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "channel": entry.channel,
        "detail": entry.detail,
        "txn": entry.txn,
    }


def sequence_pending(*, grace: timedelta | None = None, batch: int = 2000) -> int:
    """Chain every pending entry that is ready; return how many were sequenced.

    Safe to call from any process at any time: one sequencer runs at once (the audit store's
    write lock on SQLite, an advisory lock on PostgreSQL), each batch is one short transaction
    with its own signed checkpoint, and the chain continues from the newest *checkpoint*, so
    entries cut off the end are not silently forgotten but show as a gap.
    """
    if grace is None:
        grace = timedelta(seconds=settings.WANGGE_AUDIT_OPEN_GRACE)
    keys = chain_keys()
    conn = connections[AUDIT_ALIAS]
    total = 0
    while True:
        cutoff = timezone.now() - grace
        with transaction.atomic(using=AUDIT_ALIAS):
            if conn.vendor == "postgresql":
                with conn.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_SEQUENCER_LOCK])
            head = AuditCheckpoint.objects.order_by("-seq").values_list("seq", "entry_hash")
            seq, prev = head.first() or (0, GENESIS)
            pending = AuditEntry.objects.filter(seq__isnull=True).filter(
                ~Q(txn=Txn.OPEN) | Q(at__lt=cutoff)
            )
            if conn.features.has_select_for_update:
                pending = pending.select_for_update()
            ready = list(pending.order_by("pk")[:batch])
            if not ready:
                return total
            for entry in ready:
                seq += 1
                entry.seq = seq
                if entry.txn == Txn.OPEN:
                    entry.txn = Txn.UNCONFIRMED
                entry.entry_hash = prev = keys.link(prev, seq, _content(entry))
            # One prepared UPDATE per entry: bulk_update's CASE over a whole batch costs more.
            table = conn.ops.quote_name(AuditEntry._meta.db_table)
            with conn.cursor() as cursor:
                cursor.executemany(
                    f"UPDATE {table} SET seq = %s, txn = %s, entry_hash = %s WHERE id = %s",
                    [(e.seq, e.txn, e.entry_hash, e.pk) for e in ready],
                )
            AuditCheckpoint.objects.create(
                seq=seq, entry_hash=prev, at=timezone.now(), signature=keys.sign(seq, prev)
            )
        total += len(ready)


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None  # the sequence number of the first altered or missing entry
    message: str


def latest_checkpoint() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-seq").first()


def verify_chain(
    anchors: Iterable[tuple[int, str]] = (), *, sequence: bool = True
) -> tuple[int, ChainProblem | None]:
    """Sequence what is ready, then walk the whole chain; return how many entries were checked
    and the first problem. `anchors` are (seq, hash) pairs kept outside the database (printed
    checkpoints): they also catch a log rewritten from some point on, or cut off together with
    its newest checkpoints."""
    if sequence:
        sequence_pending()
    keys = chain_keys()
    witnesses: dict[int, tuple[str, str]] = {}
    for checkpoint in AuditCheckpoint.objects.order_by("seq").iterator():
        if not keys.signature_ok(checkpoint.seq, checkpoint.entry_hash, checkpoint.signature):
            return 0, ChainProblem(
                checkpoint.seq, f"第{checkpoint.seq}条处的检查点签名无效：检查点被改动"
            )
        witnesses[checkpoint.seq] = (checkpoint.entry_hash, "检查点")
    for anchor_seq, anchor_hash in anchors:
        witnesses[anchor_seq] = (anchor_hash.lower(), "锚点")
    prev_hash, prev_seq, count = GENESIS, 0, 0
    entries = AuditEntry.objects.filter(seq__isnull=False).order_by("seq")
    for entry in entries.iterator(chunk_size=5000):
        count += 1
        assert entry.seq is not None
        if entry.seq != prev_seq + 1:
            gone = (
                f"第{prev_seq + 1}条"
                if entry.seq == prev_seq + 2
                else f"第{prev_seq + 1}至{entry.seq - 1}条"
            )
            return count, ChainProblem(
                prev_seq + 1, f"{gone}记录被删除：第{prev_seq}条之后直接是第{entry.seq}条"
            )
        if keys.link(prev_hash, entry.seq, _content(entry)) != entry.entry_hash:
            return count, ChainProblem(entry.seq, f"第{entry.seq}条记录的内容被改动：哈希不一致")
        witness = witnesses.get(entry.seq)
        if witness is not None and witness[0] != entry.entry_hash:
            return count, ChainProblem(
                entry.seq, f"第{entry.seq}条与{witness[1]}不符：该处及之前的记录被改写"
            )
        prev_hash, prev_seq = entry.entry_hash, entry.seq
    beyond = [seq for seq in witnesses if seq > prev_seq]
    if beyond:
        newest = max(beyond)
        return count, ChainProblem(
            prev_seq + 1,
            f"最新的记录被删除：{witnesses[newest][1]}记到第{newest}条，实际最后一条是第{prev_seq}条",
        )
    return count, None


def pending_count() -> int:
    return AuditEntry.objects.filter(seq__isnull=True).count()
