"""Commit a staged import batch in short transactions that nobody sees until it is committed.

Why: on SQLite the data file has one writer. A million-row ledger committed in one transaction
held the write lock for two minutes, and the public report page, case intake and log-ins waited
behind it until they failed. So the commit runs in three steps:

1. *claim*: the batch becomes 导入中 with this process as its writer (host, pid, token) and a
   heartbeat; only one batch is committed at a time (two would create the same persons twice).
2. *chunks*: whole persons at a time (every row of a person in one chunk), sized to hold the
   lock about `WANGGE_IMPORT_CHUNK_LOCK_MS`, with `WANGGE_IMPORT_CHUNK_PAUSE_MS` between them.
   Each chunk inserts new persons, households, residences, the ledger rows, their provenance
   and hand-overs, all *hidden* (`core.hidden`), and records the ids it inserted (the
   ``created`` change records) in the same transaction. Keys are reserved beforehand
   (`core.bulk.reserve_ids`), so the rows are built outside the lock.
3. *publish*: one transaction makes the changes to persons already stored (newer values,
   moves, provenance replaced; before-images kept for undo), shows the hidden rows and marks
   the batch committed with its audit entry.

A commit killed anywhere (kill -9 included) leaves users the database as it was: hidden rows
only, or a rolled-back publish. The next `commit_batch` of any batch sees the writer is dead
(its process is gone, or its heartbeat is older than `WANGGE_IMPORT_STALE_AFTER`), deletes the
hidden rows by the recorded ids, puts the batch back to 待确认 and, for this batch, commits it
again from the start. `recover_abandoned` does the clean-up alone.

The steps live in their own modules: the claim, heartbeat and clean-up in `commit_claims.py`,
the rules for a person's rows in `commit_rows.py`, the publish step in `publishing.py`, and what
a row keeps of its ID number and phone (sealed at staging) in `sealing.py`.

The time to publish grows with the number of persons *already stored* whose values the batch
changes (each goes through the one write path, `people.services.apply_person_values`); a
ledger of new residents publishes in milliseconds.
"""

from __future__ import annotations

import bisect
import json
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from wangge.access.fields import data_cipher
from wangge.access.scoping import Right
from wangge.addresses.models import Room
from wangge.core import hidden
from wangge.core.bulk import db_now, insert_rows, reserve_ids
from wangge.core.errors import ServiceError
from wangge.fusion.commit_claims import (
    beat,
    big_write_cache,
    claim,
    clean_up,
    hidden_owner,
    recover_abandoned,
)
from wangge.fusion.commit_rows import (
    relation,
    residence_type,
    resolve,
    where_written,
)
from wangge.fusion.models import (
    BatchStatus,
    ChangeRecord,
    HandOver,
    ImportBatch,
    SourceRecord,
    ValueSource,
)
from wangge.fusion.normalise import DOUBTFUL, REJECTED
from wangge.fusion.publishing import RESIDENCE_COLUMNS, MatchedPerson, PublishSteps
from wangge.fusion.sealing import SEALED_COLUMNS, seal_rows
from wangge.geo.models import Region, RegionLevel
from wangge.people.models import Household, Person, Residence
from wangge.people.services import may_change, may_place

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass
class CommitSummary:
    persons_created: int = 0
    persons_updated: int = 0
    persons_matched: int = 0
    households_created: int = 0
    residences_created: int = 0
    rows_skipped: int = 0  # already imported by an earlier batch
    rows_held: int = 0  # doubtful and not decided
    # persons the importer may not change (or place): handed to their holders, never said whom
    handed_over: int = 0


_SECRET_FIELDS = ("id_number", "phone")  # stored encrypted on the person, in this order
# models a commit inserts into; each has core.hidden's PublishedManager as default manager
_HIDDEN_MODELS: tuple[type[models.Model], ...] = (
    Household,
    Person,
    Residence,
    SourceRecord,
    ValueSource,
    HandOver,
)


def commit_batch(actor: Any, batch_id: int, *, progress: Progress | None = None) -> CommitSummary:
    """Write a staged batch into the household file: all of it or, as users see it, nothing.

    `progress("commit", rows written, rows to write)` follows every chunk. Raises
    ServiceError when the batch is not 待确认 or another batch is being committed. A batch
    left 导入中 by a writer that died is cleaned up first and committed again."""
    from wangge.fusion.services import get_batch, staged_records

    batch = get_batch(actor, batch_id, Right.CHANGE)
    recover_abandoned()
    batch.refresh_from_db()
    if batch.status == BatchStatus.COMMITTING:
        raise ServiceError(gettext("批次 %(pk)s 正在导入中，请稍后刷新查看结果") % {"pk": batch.pk})
    if batch.status != BatchStatus.STAGED:
        raise ServiceError(
            gettext("批次 %(pk)s 当前为“%(status)s”，不能再导入")
            % {"pk": batch.pk, "status": batch.get_status_display()}
        )
    token = claim(batch)
    try:
        with big_write_cache():
            # the staged frame is handed over, not kept here: the committer drops it once it
            # has selected the columns it writes
            records = staged_records(batch, columns=(*_COMMIT_COLUMNS, *SEALED_COLUMNS))
            summary = _Committer(actor, batch, records, progress, token).run()
    except BaseException:
        try:
            clean_up(batch, token)
        except Exception:  # the writer counts as dead later and the next commit cleans up
            logger.exception("批次 %s 导入失败后清理未完成", batch.pk)
        raise
    from wangge.tasks.services import tasks_after_commit

    tasks_after_commit(actor, batch)  # queues the grids' verification visits (wangge.tasks)
    return summary


# -- the writer -----------------------------------------------------------------------------


_COMMIT_COLUMNS = (
    "rid",
    "source_file",
    "source_sheet",
    "source_row",
    "ledger",
    "person_key",
    "name",
    "id_number",
    "phone",
    "gender",
    "birth_date",
    "ethnicity",
    "relation",
    "residence_type",
    "address_text",
    "address_code",
    "grid_code",
    "record_date",
    "status",
    "reason",
)
# what the per-person rules read of each row (the source rows are built from the frame)
_PERSON_RULE_COLUMNS = tuple(
    c for c in _COMMIT_COLUMNS if c not in ("rid", "ledger", "status", "reason")
)
_PERSON_COLUMNS = (
    "id",
    "name",
    "id_number",
    "id_number_index",
    "gender",
    "birth_date",
    "phone",
    "phone_index",
    "ethnicity",
    "registered_residence",
    "residence_type",
    "grid_id",
    "household_id",
    "created_at",
    "updated_at",
)
_HOUSEHOLD_COLUMNS = (
    "id",
    "room_id",
    "grid_id",
    "head_id",
    "is_rental",
    "note",
    "created_at",
    "updated_at",
)


def _source_columns() -> tuple[str, ...]:
    return tuple(f.column for f in SourceRecord._meta.concrete_fields)


@dataclass
class _Chunk:
    """What one transaction inserts: model → (columns, rows)."""

    rows: dict[type[models.Model], tuple[tuple[str, ...], list[tuple[Any, ...]]]] = field(
        default_factory=dict
    )


class _Committer(PublishSteps):
    """One batch's chunks and its publish; keeps the before-images of what it changes."""

    chunk_rows = 2000  # ledger rows in the first chunk; later ones follow the lock time

    def __init__(
        self,
        actor: Any,
        batch: ImportBatch,
        records: pl.DataFrame,
        progress: Progress | None,
        token: str,
    ) -> None:
        self.actor = actor
        self.batch = batch
        self.records = records
        self.progress = progress
        self.token = token
        self.owner = hidden_owner(batch)
        self.summary = CommitSummary()
        self.cipher = data_cipher()
        self.today = timezone.localdate()
        self.updated: list[ChangeRecord] = []
        self.matched: list[MatchedPerson] = []
        self.household_of: dict[str, int] = {}  # address code → household (stored or new)
        # per-chunk memos (a person's rows, all in one chunk, repeat the same values); cleared
        # after each chunk so the commit's memory does not grow with the batch
        self._indexes: dict[str, str] = {}
        self._placeable: dict[int | None, bool] = {}
        self._handovers: list[HandOver] = []
        self._last_commit = 0.0
        self.lock_target = settings.WANGGE_IMPORT_CHUNK_LOCK_MS / 1000
        self.pause = settings.WANGGE_IMPORT_CHUNK_PAUSE_MS / 1000
        self.grid_ids: dict[str, int] = {}
        self.source_columns = _source_columns()
        self._publish_created: dict[type[models.Model], list[int]] = {}
        self.sealed = pl.DataFrame()  # SEALED_COLUMNS of the staged rows, by position
        self.sha_of = {f["name"]: f["sha256"] for f in batch.files}  # file name → digest
        self.stored_max = 0  # the newest person stored before this commit
        self.households_stored = True  # any household stored before this commit

    def run(self) -> CommitSummary:
        hidden.announce(self.owner, [m._meta.db_table for m in _HIDDEN_MODELS])
        self.stored_max = Person._base_manager.aggregate(top=Max("pk"))["top"] or 0
        self.households_stored = Household._base_manager.exists()
        frame = self._frame()
        total = frame.height
        self.grid_ids = dict(
            Region.objects.filter(level=RegionLevel.GRID).values_list("code", "pk")
        )
        done = 0
        if self.progress is not None:
            self.progress("commit", 0, total)
        for part in self._chunks(frame):
            self._write_chunk(part)
            self._indexes.clear()
            done += part.height
            if self.progress is not None:
                self.progress("commit", done, total)
        del frame
        self._publish()
        return self.summary

    # which rows ---------------------------------------------------------------------------

    def _frame(self) -> pl.DataFrame:
        """The rows to write, each person's rows together, oldest first."""
        # the columns written, chosen before anything is copied (the staged frame has half
        # as many again), and the staged frame let go of at once
        records, self.records = self.records, pl.DataFrame()
        if not set(SEALED_COLUMNS) <= set(records.columns):  # staged before they were kept
            records = seal_rows(records, self.cipher)
        # The sealed values and hashes stay where they were read, never copied by the filter
        # and sort below (a third of the frame's bytes: the peak went over 2 GB); each row
        # carries its position (`_at`) to fetch them chunk by chunk.
        self.sealed = records.select(SEALED_COLUMNS)
        staged = records.select(*_COMMIT_COLUMNS).with_row_index("_at")
        del records
        # Which rows, in which order, is decided on their keys alone; the rows are then copied
        # once, in that order (a copy per filter and another for the sort took the peak near
        # 2 GB). The file digest is looked up per chunk, not kept as 64 characters per row.
        casts = (pl.col("source_sheet").cast(pl.Utf8), pl.col("source_row").cast(pl.Int64))
        frame = staged.lazy().filter(pl.col("status") != REJECTED).with_columns(*casts)

        def count(rows: pl.LazyFrame) -> int:
            return int(rows.select(pl.len()).collect().item())

        decisions = {int(k): v for k, v in self.batch.decisions.items()}
        review = {p["rid"]: p["other_rid"] for p in self.batch.summary.get("review", [])}
        same = {rid: other for rid, other in review.items() if decisions.get(rid) == "same"}
        other_keys: dict[int, str] = {}
        if same:
            found = (
                frame.filter(pl.col("rid").is_in(list(same.values())))
                .select("rid", "person_key")
                .collect()
            )
            keys = dict(zip(found["rid"].to_list(), found["person_key"].to_list(), strict=True))
            other_keys = {rid: keys[o] for rid, o in same.items() if o in keys}
        already = self._already_imported(list(self.sha_of.values()))
        if already.height:
            names = pl.DataFrame(
                {"source_file": list(self.sha_of), "file_sha256": list(self.sha_of.values())}
            )
            by_name = already.join(names, on="file_sha256").drop("file_sha256")
            before = count(frame)
            frame = frame.join(
                by_name.lazy(), on=["source_file", "source_sheet", "source_row"], how="anti"
            )
            self.summary.rows_skipped = before - count(frame)
        doubtful = pl.col("status") == DOUBTFUL
        held = [rid for rid in review if rid not in decisions]
        if held:
            is_held = doubtful & pl.col("rid").is_in(held)
            self.summary.rows_held = count(frame.filter(is_held))
            frame = frame.filter(~is_held)
        person_key = pl.col("person_key")
        if other_keys:
            joins = doubtful & pl.col("rid").is_in(list(other_keys))
            person_key = (
                pl.when(joins)
                .then(pl.col("rid").replace_strict(other_keys, default=None, return_dtype=pl.Utf8))
                .otherwise(pl.col("person_key"))
                .alias("person_key")
            )
        order = pl.col("record_date").cast(pl.Utf8).fill_null("").alias("_order")
        positions = (
            frame.select("_at", person_key, order, "ledger", "source_row")
            .sort(["person_key", "_order", "ledger", "source_row"], maintain_order=True)
            .collect()["_at"]
        )
        return staged.select(pl.all().gather(positions)).with_columns(*casts, person_key)

    def _already_imported(self, shas: list[str]) -> pl.DataFrame:
        live = SourceRecord.objects.filter(
            file_sha256__in=shas, batch__status=BatchStatus.COMMITTED
        ).values_list("file_sha256", "sheet", "row")
        return pl.DataFrame(
            list(live.iterator(chunk_size=20_000)),
            schema={"file_sha256": pl.Utf8, "source_sheet": pl.Utf8, "source_row": pl.Int64},
            orient="row",
        )

    def _chunks(self, frame: pl.DataFrame) -> Iterator[pl.DataFrame]:
        """Slices of whole persons, about `chunk_rows` rows each (adapted to the lock time)."""
        if frame.height == 0:
            return
        keys = frame["person_key"]
        starts = keys.ne_missing(keys.shift(1)).fill_null(True).arg_true().to_list()
        starts.append(frame.height)
        i = 0
        while starts[i] < frame.height:
            j = bisect.bisect_left(starts, starts[i] + self.chunk_rows, lo=i + 1)
            j = min(j, len(starts) - 1)
            yield frame.slice(starts[i], starts[j] - starts[i])
            i = j

    # one chunk ----------------------------------------------------------------------------

    def _write_chunk(self, part: pl.DataFrame) -> None:
        # as dicts only the columns the per-person rules read (the source rows are built from
        # the frame itself): a dict per row of every column was a tenth of the chunk's Python
        rows = part.select(_PERSON_RULE_COLUMNS).to_dicts()
        by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_key[row["person_key"]].append(row)
        existing = self._existing_persons(by_key)
        new: list[tuple[list[dict[str, Any]], dict[str, Any], int | None]] = []
        matched: list[tuple[str, Person, list[dict[str, Any]], dict[str, Any], int | None]] = []
        handed: set[str] = set()
        for key, group in by_key.items():
            values = resolve(group)
            grid_id = None  # the grid of the newest row with one
            for row in reversed(group):
                if row["grid_code"]:
                    grid_id = self.grid_ids.get(row["grid_code"])
                    break
            person = existing.get(key)
            # The scope is checked on the target: the stored person the rows matched (wherever
            # the rows' address points), or the grid a new person would be placed in.
            if (person is not None and not may_change(self.actor, person)) or (
                person is None and not self._may_place(grid_id)
            ):
                self._hand_over(person, group, values)
                handed.add(key)
            elif person is None:
                new.append((group, values, grid_id))
            else:
                matched.append((key, person, group, values, grid_id))
        if handed:  # nothing of a handed-over row is written: no household, no provenance
            rows = [r for r in rows if r["person_key"] not in handed]
            part = part.filter(~pl.col("person_key").is_in(list(handed)))
        households = self._households(rows)
        # the newest row of each person whose address has a household (stored, made by an
        # earlier chunk, or made by this one); looked up in both, not copied into one set: the
        # copy of every household so far, once per chunk, grew with the batch (O(n²))
        made = {code for code, _, _ in households}
        stored = self.household_of
        latest: dict[str, dict[str, Any]] = {}
        for row in rows:
            code = row["address_code"]
            if code in stored or code in made:
                latest[row["person_key"]] = row
        with_home = [g for g, _, _ in new if g[0]["person_key"] in latest]
        with transaction.atomic():
            ids = {
                Household: reserve_ids(Household, len(households)),
                Person: reserve_ids(Person, len(new)),
                Residence: reserve_ids(Residence, len(with_home)),
                SourceRecord: reserve_ids(SourceRecord, len(rows)),
            }
        chunk = _Chunk()
        now = db_now()
        household_rows = []
        for pk, (code, room_id, grid_id) in zip(ids[Household], households, strict=True):
            self.household_of[code] = pk
            household_rows.append((pk, room_id, grid_id, None, False, "", now, now))
        chunk.rows[Household] = (_HOUSEHOLD_COLUMNS, household_rows)
        person_of: dict[str, int] = {}
        person_rows = []
        secrets = iter(
            self.cipher.encrypt_many(
                [values.get(f, ("",))[0] or "" for _, values, _ in new for f in _SECRET_FIELDS]
            )
        )
        for pk, (group, values, grid_id) in zip(ids[Person], new, strict=True):
            key = group[0]["person_key"]
            person_of[key] = pk
            home = latest.get(key)
            sealed = (next(secrets), next(secrets))
            person_rows.append(
                self._person_row(pk, values, sealed, residence_type(group), grid_id, home, now)
            )
        chunk.rows[Person] = (_PERSON_COLUMNS, person_rows)
        residence_rows = []
        for pk, group in zip(ids[Residence], with_home, strict=True):
            key = group[0]["person_key"]
            home = latest[key]
            residence_rows.append(
                (
                    pk,
                    person_of[key],
                    self.household_of[home["address_code"]],
                    relation(home["relation"]),
                    home["record_date"] or None,
                    None,
                    "",
                )
            )
        chunk.rows[Residence] = (RESIDENCE_COLUMNS, residence_rows)
        for key, person, _, _, _ in matched:
            person_of[key] = person.pk
        chunk.rows[SourceRecord] = (
            self.source_columns,
            self._source_rows(part, ids[SourceRecord], person_of),
        )
        # No `ValueSource` for a person this batch creates: each of its values came from the
        # newest of its rows that says it, which the person page reads from the source rows
        # (`selectors.person_provenance`). Writing them was 2.5 million rows at 1M ledger
        # rows, a seventh of the commit; a stored person the batch changes keeps them
        # (`_value_sources`, replaced at publish with before-images for undo).
        record_of: dict[int, int] = {}  # id() of a row dict → its source record
        if matched:
            record_of = {id(row): pk for pk, row in zip(ids[SourceRecord], rows, strict=True)}
        for key, person, _, values, grid_id in matched:
            home = latest.get(key)
            self.matched.append(
                MatchedPerson(
                    person.pk,
                    {f: (v, record_of.get(id(row))) for f, (v, row) in values.items()},
                    grid_id,
                    None
                    if home is None
                    else {
                        "address_code": home["address_code"],
                        "relation": home["relation"],
                        "record_date": home["record_date"],
                    },
                )
            )
        self.summary.persons_matched += len(matched)
        self.summary.persons_created += len(new)
        self.summary.households_created += len(households)
        self.summary.residences_created += len(with_home)
        self._write(chunk)

    def _write(self, chunk: _Chunk) -> None:
        """One short transaction: the chunk's rows, hidden, and their ids for clean-up/undo."""
        wait = self.pause - (time.monotonic() - self._last_commit)
        if wait > 0:
            time.sleep(wait)
        started = time.monotonic()
        # Foreign keys are not checked row by row here (about 7 s of a 1M-row commit's 52 s
        # of writing): every key a chunk writes is one this commit reserved and inserted
        # in this or an earlier chunk, or a grid, room or person read before. SQLite cannot
        # switch the check inside a transaction, so it is switched around it (PostgreSQL
        # loads by COPY and keeps its checks).
        with connection.constraint_checks_disabled(), transaction.atomic():
            beat(self.batch, self.token)
            for model, (columns, rows) in chunk.rows.items():
                if not rows:
                    continue
                ids = [row[0] for row in rows]
                hidden.hide(self.owner, model._meta.db_table, ids)
                insert_rows(model, columns, rows)
                self._created(model, ids)
            if self._handovers:
                made = HandOver.objects.bulk_create(self._handovers, batch_size=1000)
                ids = [h.pk for h in made]
                hidden.hide(self.owner, HandOver._meta.db_table, ids)
                self._created(HandOver, ids)
                self._handovers = []
        self._last_commit = time.monotonic()
        took = self._last_commit - started
        written = sum(len(r) for _, r in chunk.rows.values())
        if written and took > 0:  # the next chunk sized to the lock time aimed at
            scale = min(2.0, max(0.5, self.lock_target / took))
            floor = min(200, type(self).chunk_rows)
            self.chunk_rows = int(min(50_000, max(floor, self.chunk_rows * scale)))

    def _may_place(self, grid_id: int | None) -> bool:
        """`may_place` once per grid of the batch, not once per new person."""
        found = self._placeable.get(grid_id)
        if found is None:
            found = self._placeable[grid_id] = may_place(self.actor, grid_id)
        return found

    def _person_row(
        self,
        pk: int,
        values: dict[str, Any],
        secrets: tuple[str, str],  # the ID number and phone, encrypted
        residence_type: str,
        grid_id: int | None,
        home: dict[str, Any] | None,
        now: Any,
    ) -> tuple[Any, ...]:
        id_number = values.get("id_number", ("",))[0] or ""
        phone = values.get("phone", ("",))[0] or ""
        birth = values.get("birth_date", (None,))[0]
        return (
            pk,
            values["name"][0][:50],
            secrets[0],
            self._index(id_number),  # already normalised by the pipeline
            values.get("gender", ("",))[0] or "",
            birth or None,
            secrets[1],
            self._index(phone),
            (values.get("ethnicity", ("",))[0] or "")[:20],
            "",
            residence_type,
            grid_id,
            self.household_of[home["address_code"]] if home is not None else None,
            now,
            now,
        )

    def _source_rows(
        self, part: pl.DataFrame, ids: list[int], person_of: dict[str, int]
    ) -> list[tuple[Any, ...]]:
        """The chunk's `SourceRecord` rows in database form, column by column: the keys looked
        up once per distinct value of the chunk; the sealed values and blind indexes were
        computed when the batch was staged (`seal_rows`)."""

        def distinct(column: str) -> list[str]:
            return [v for v in part[column].unique().to_list() if v]

        def mapped(column: str, mapping: dict[str, Any], dtype: Any) -> pl.Expr:
            return (
                pl.col(column)
                .fill_null("")
                .replace_strict(mapping, default=None, return_dtype=dtype)
            )

        codes = [c for c in distinct("address_code") if c in self.household_of]
        grids = [g for g in distinct("grid_code") if g in self.grid_ids]
        keys = [k for k in distinct("person_key") if k in person_of]
        text = pl.col
        columns: dict[str, pl.Expr] = {
            "id": text("_id"),
            "batch_id": pl.lit(self.batch.pk, dtype=pl.Int64),
            "file_name": text("source_file").str.slice(0, 255),
            "file_sha256": mapped("source_file", self.sha_of, pl.Utf8).fill_null(""),
            "sheet": text("source_sheet").str.slice(0, 100),
            "row": text("source_row"),
            "person_id": mapped("person_key", {k: person_of[k] for k in keys}, pl.Int64),
            "household_id": mapped(
                "address_code", {c: self.household_of[c] for c in codes}, pl.Int64
            ),
            "grid_id": mapped("grid_code", {g: self.grid_ids[g] for g in grids}, pl.Int64),
            "name": text("name").fill_null("").str.slice(0, 50),
            "id_number_index": text("id_number_index").fill_null(""),
            "phone_index": text("phone_index").fill_null(""),
            "sealed": text("sealed").fill_null(""),
            "gender": text("gender").fill_null(""),
            "address_text": text("address_text").fill_null("").str.slice(0, 300),
            "address_code": text("address_code").fill_null(""),
            "record_date": pl.when(text("record_date") == "")
            .then(None)
            .otherwise(text("record_date")),
            "status": text("status"),
            "reason": text("reason").fill_null(""),
        }
        part = part.with_columns(
            pl.Series("_id", ids, dtype=pl.Int64),
            *self.sealed[part["_at"]].get_columns(),  # the rows' own, fetched by position
        )
        return part.select(columns[c].alias(c) for c in self.source_columns).rows()

    def _index(self, value: str) -> str:
        """Blind index of a normalised value, computed once per value (family phones and a
        person's several rows repeat them)."""
        found = self._indexes.get(value)
        if found is None:
            found = self._indexes[value] = self.cipher.blind_index(value)
        return found

    # persons already stored -----------------------------------------------------------------

    def _existing_persons(self, by_key: dict[str, list[dict[str, Any]]]) -> dict[str, Person]:
        """Clusters that are people already in the platform: by ID number, else by name and
        phone/birth date, only when exactly one stored person fits. Rows this batch inserted
        are hidden, so a cluster never matches a person created by the same batch."""
        if not self.stored_max:  # a first import: nobody stored to match, by number or name
            return {}
        wanted: dict[str, str] = {}
        for key, group in by_key.items():
            number = next((r["id_number"] for r in group if r["id_number"]), None)
            if number:
                wanted[self._index(number)] = key
        found: dict[str, Person] = {}
        indexes = list(wanted)
        for i in range(0, len(indexes), 2000):
            for person in Person.objects.filter(id_number_index__in=indexes[i : i + 2000]):
                found[wanted[person.id_number_index]] = person
        loose = {
            key: group
            for key, group in by_key.items()
            if key not in found and not any(r["id_number"] for r in group)
        }
        names = sorted({g[0]["name"] for g in loose.values()})
        # Indexed by (name, phone) and (name, birth date), so a batch of many clusters that
        # share a name with many stored persons is looked up, not compared pairwise.
        by_phone: dict[tuple[str, str], list[int]] = defaultdict(list)
        by_birth: dict[tuple[str, str], list[int]] = defaultdict(list)
        # Only persons stored before the commit began (`pk <= stored_max`): a common name is
        # shared by many of the persons this batch inserts, which are hidden but would still
        # be read and filtered out, more with every chunk (at 1M rows, 86 % of the commit).
        # The name index carries the key, so the bound cuts the index range itself.
        for i in range(0, len(names), 2000):
            for pk, name, phone_index, birth in Person.objects.filter(
                pk__lte=self.stored_max, name__in=names[i : i + 2000]
            ).values_list("pk", "name", "phone_index", "birth_date"):
                if phone_index:
                    by_phone[(name, phone_index)].append(pk)
                if birth:
                    by_birth[(name, birth.isoformat())].append(pk)
        fitting: dict[str, int] = {}
        for key, group in loose.items():
            name = group[0]["name"]
            phones = {self._index(r["phone"]) for r in group if r["phone"]}
            births = {r["birth_date"] for r in group if r["birth_date"]}
            fits: set[int] = set()
            for hits in [by_phone.get((name, p), []) for p in phones] + [
                by_birth.get((name, b), []) for b in births
            ]:
                fits.update(hits[:2])  # two are enough to know it is ambiguous
                if len(fits) > 1:
                    break
            if len(fits) == 1:
                fitting[key] = fits.pop()
        if fitting:
            stored = Person.objects.in_bulk(list(set(fitting.values())))
            found.update({k: stored[pk] for k, pk in fitting.items() if pk in stored})
        return found

    def _hand_over(
        self, person: Person | None, group: list[dict[str, Any]], values: dict[str, Any]
    ) -> None:
        """Rows about a person the importer may not change become an item for the person's
        holders (the district for a person nobody in scope could place)."""
        latest = group[-1]
        payload = {fld: value for fld, (value, _row) in values.items()}
        payload["address_text"] = latest.get("address_text") or ""
        payload["residence_type"] = residence_type(group)
        where = "；".join(where_written(r) for r in group[:5])
        self._handovers.append(
            HandOver(
                batch=self.batch,
                person=person,
                created_by=self.actor,
                origin=where[:400],
                payload=json.dumps(payload, ensure_ascii=False, default=str),
            )
        )
        self.summary.handed_over += 1

    def _households(self, rows: list[dict[str, Any]]) -> list[tuple[str, int, int | None]]:
        """The households this chunk's addresses need that neither exist nor were made by an
        earlier chunk: (address code, room id, grid id)."""
        codes = {
            r["address_code"]: r["grid_code"]
            for r in rows
            if r["address_code"] and r["address_code"] not in self.household_of
        }
        if not codes:
            return []
        room_ids: dict[str, int] = {}
        wanted = sorted(codes)
        for i in range(0, len(wanted), 5000):
            room_ids.update(
                Room.objects.filter(address_code__in=wanted[i : i + 5000]).values_list(
                    "address_code", "pk"
                )
            )
        by_room = {v: k for k, v in room_ids.items()}
        # a first import finds no household stored: those it made are in household_of
        rooms = list(by_room) if self.households_stored else []
        for i in range(0, len(rooms), 5000):
            for pk, room_id in (
                Household.objects.filter(room_id__in=rooms[i : i + 5000])
                .order_by("pk")
                .values_list("pk", "room_id")
            ):
                self.household_of.setdefault(by_room[room_id], pk)
        return [
            (code, room_ids[code], self.grid_ids.get(codes[code] or ""))
            for code in wanted
            if code in room_ids and code not in self.household_of
        ]

    # publish ----------------------------------------------------------------------------------
