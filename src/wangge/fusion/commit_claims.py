"""Who writes a batch: the claim, the heartbeat and the clean-up after a writer that died.

Why a module of its own: a commit (`committing.py`) holds the one writer slot of the household
file for minutes, in many transactions. Another process must be able to tell, without the
writer's help, whether the batch marked 导入中 still has a live writer (its process on this
host, or a heartbeat younger than `WANGGE_IMPORT_STALE_AFTER`), and otherwise delete what it
inserted (hidden rows, listed by their ``created`` change records) and put the batch back to
待确认. Only the process holding the claim's token may write or clean up; a writer whose batch
was taken over stops at its next heartbeat.
"""

from __future__ import annotations

import datetime
import os
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext

from wangge.access import audit
from wangge.core import hidden
from wangge.core.bulk import begin_write
from wangge.core.errors import ServiceError
from wangge.fusion.models import BatchStatus, ChangeRecord, ImportBatch


def this_host() -> str:
    return socket.gethostname()[:60]


def claim(batch: ImportBatch) -> str:
    token = f"{this_host()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    with transaction.atomic():
        begin_write()
        busy = ImportBatch.objects.filter(status=BatchStatus.COMMITTING).exclude(pk=batch.pk)
        other = busy.values_list("pk", flat=True).first()
        if other is not None:
            raise ServiceError(
                gettext("批次 %(other)s 正在导入，请等它完成后再导入批次 %(pk)s")
                % {"other": other, "pk": batch.pk}
            )
        claimed = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.STAGED).update(
            status=BatchStatus.COMMITTING, commit_owner=token, commit_heartbeat=timezone.now()
        )
        if claimed != 1:
            raise ServiceError(
                gettext("批次 %(pk)s 的状态刚刚改变，请刷新后再试") % {"pk": batch.pk}
            )
    batch.status = BatchStatus.COMMITTING
    batch.commit_owner = token
    return token


def beat(batch: ImportBatch, token: str) -> None:
    """Stamp the heartbeat; a writer whose batch was taken over stops here (its open chunk is
    rolled back with the exception)."""
    alive = ImportBatch.objects.filter(
        pk=batch.pk, status=BatchStatus.COMMITTING, commit_owner=token
    ).update(commit_heartbeat=timezone.now())
    if alive != 1:
        raise ServiceError(
            gettext("批次 %(pk)s 的导入已被另一个进程接手，本进程停止写入") % {"pk": batch.pk}
        )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def writer_is_dead(batch: ImportBatch) -> bool:
    """A committing batch whose writer process is gone (same host) or silent too long."""
    if batch.status != BatchStatus.COMMITTING:
        return False
    host, _, rest = batch.commit_owner.partition(":")
    pid = rest.partition(":")[0]
    if host == this_host() and pid.isdigit() and not _process_alive(int(pid)):
        return True
    stale = datetime.timedelta(seconds=settings.WANGGE_IMPORT_STALE_AFTER)
    return batch.commit_heartbeat is None or batch.commit_heartbeat < timezone.now() - stale


def recover_abandoned() -> list[int]:
    """Clean up every batch left 导入中 by a dead writer; returns their ids."""
    done = []
    for batch in ImportBatch.objects.filter(status=BatchStatus.COMMITTING):
        if writer_is_dead(batch):
            clean_up(batch, batch.commit_owner, recovered=True)
            done.append(batch.pk)
    return done


def hidden_owner(batch: ImportBatch) -> str:
    return f"import:{batch.pk}"


def delete_ids(model: type[models.Model], ids: list[int]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for i in range(0, len(ids), 5000):
            part = ids[i : i + 5000]
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN ({', '.join(['%s'] * len(part))})", part
            )


def clean_up(batch: ImportBatch, token: str, *, recovered: bool = False) -> None:
    """Delete what an unfinished commit inserted (hidden, so nobody saw it), newest first, a
    chunk per transaction, and put the batch back to 待确认. Only while `token` still owns it."""

    def owned() -> bool:
        return ImportBatch.objects.filter(
            pk=batch.pk, status=BatchStatus.COMMITTING, commit_owner=token
        ).exists()

    pause = settings.WANGGE_IMPORT_CHUNK_PAUSE_MS / 1000
    while True:
        change = (
            ChangeRecord.objects.filter(batch=batch, action="created")
            .order_by("-pk")
            .only("pk", "model", "object_ids")
            .first()
        )
        if change is None:
            break
        with transaction.atomic():
            begin_write()
            if not owned():
                return
            delete_ids(apps.get_model(change.model), list(change.object_ids))
            change.delete()
        time.sleep(pause)
    with transaction.atomic():
        begin_write()
        if not owned():
            return
        ChangeRecord.objects.filter(batch=batch).delete()
        hidden.publish(hidden_owner(batch))  # nothing of the owner is left to show
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=BatchStatus.STAGED, commit_owner="", commit_heartbeat=None
        )
        if recovered:
            audit.record(
                None,
                "import.recover",
                "fusion.importbatch",
                batch.pk,
                detail={"writer": token},
            )
    batch.status = BatchStatus.STAGED
    batch.commit_owner = ""


@contextmanager
def big_write_cache() -> Iterator[None]:
    """Each chunk updates several indexes per table; on SQLite a larger page cache for the
    length of the commit keeps those index pages in memory.

    And a later checkpoint: the indexes on names, blind indexes and origins take their keys
    in random order, so every chunk rewrites most of their leaf pages. With the default
    (a checkpoint once the write-ahead log passes 1,000 pages) every chunk's commit also
    copied those pages into the database file, and the next chunk's commit the same pages
    again: a third of a 1M-row commit's CPU. Checkpointing once the log passes 256 MiB copies
    a page once for the many chunks that changed it. Readers find pages in the log through
    its index (shared memory), so a longer log does not slow them down noticeably."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA wal_autocheckpoint")
        checkpoint = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size=-262144")  # 256 MiB
        cursor.execute("PRAGMA wal_autocheckpoint=65536")  # pages: 256 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(before)}")
            cursor.execute(f"PRAGMA wal_autocheckpoint={int(checkpoint)}")
