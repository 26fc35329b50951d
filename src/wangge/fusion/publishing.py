"""The last step of a commit: the changes to persons already stored, and the batch shown.

Why apart from the chunk writer (`committing.py`): everything before this step is hidden rows
in short transactions; this step is the one transaction users can see, the only one that
changes rows that were already there (newer values through `people.services.apply_person_values`,
moves, provenance replaced), and it keeps a before-image of each for undo. Its time grows with
the number of stored persons the batch changes, not with the batch.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, models, transaction
from django.utils import timezone

from wangge.access import audit
from wangge.core import hidden
from wangge.core.bulk import insert_rows, reserve_ids
from wangge.fusion.commit_claims import beat, delete_ids
from wangge.fusion.commit_rows import raw_row, relation
from wangge.fusion.models import BatchStatus, ChangeRecord, ImportBatch, ValueSource
from wangge.people.models import Person, Residence
from wangge.people.services import apply_person_values

if TYPE_CHECKING:
    import datetime

    from wangge.fusion.committing import CommitSummary

RESIDENCE_COLUMNS = ("id", "person_id", "household_id", "relation", "since", "until", "note")
VALUE_SOURCE_COLUMNS = ("id", "entity", "entity_id", "field", "record_id", "batch_id")


@dataclass
class MatchedPerson:
    """A person already stored whose rows are in the batch: changed only at publish."""

    pk: int
    values: dict[str, tuple[Any, int | None]]  # field → (value, source record id)
    grid_id: int | None
    latest: dict[str, Any] | None  # the newest row with a known household


class PublishSteps:
    """The publish step of `committing._Committer`, which holds the state named here."""

    actor: Any
    batch: ImportBatch
    token: str
    owner: str
    summary: CommitSummary
    today: datetime.date
    pause: float
    _last_commit: float
    updated: list[ChangeRecord]
    matched: list[MatchedPerson]
    household_of: dict[str, int]
    _publish_created: dict[type[models.Model], list[int]]

    def _created(self, model: type[models.Model], ids: list[int]) -> None:
        ChangeRecord.objects.create(
            batch=self.batch, model=model._meta.label_lower, action="created", object_ids=ids
        )

    def _publish(self) -> None:
        """Changes to stored persons, the hidden rows shown, the batch committed: one
        transaction, so users see the whole batch or none of it."""
        wait = self.pause - (time.monotonic() - self._last_commit)
        if wait > 0:
            time.sleep(wait)
        with transaction.atomic():
            beat(self.batch, self.token)
            self._update_matched()
            for model, ids in self._publish_created.items():
                self._created(model, ids)
            ChangeRecord.objects.bulk_create(self.updated, batch_size=2000)
            hidden.publish(self.owner)
            self.batch.status = BatchStatus.COMMITTED
            self.batch.committed_at = timezone.now()
            self.batch.commit_owner = ""
            self.batch.commit_heartbeat = None
            self.batch.summary = {**self.batch.summary, "commit": self.summary.__dict__}
            self.batch.save(
                update_fields=[
                    "status",
                    "committed_at",
                    "commit_owner",
                    "commit_heartbeat",
                    "summary",
                ]
            )
            audit.record(
                self.actor,
                "import.commit",
                "fusion.importbatch",
                self.batch.pk,
                channel=self.batch.channel,
                detail=self.summary.__dict__,
            )

    def _update_matched(self) -> None:
        if not self.matched:
            return
        persons: dict[int, Person] = {}
        pks = [m.pk for m in self.matched]
        for i in range(0, len(pks), 2000):
            persons.update(Person.objects.in_bulk(pks[i : i + 2000]))
        live = [m for m in self.matched if m.pk in persons]
        for m in live:
            self._update_person(persons[m.pk], m)
        self._residences(live, persons)
        self._value_sources(live)

    def _record(self, model: str, action: str, object_id: int, before: dict[str, Any]) -> None:
        """Keep the before-image of a row the batch changes or deletes, for undo."""
        self.updated.append(
            ChangeRecord(
                batch=self.batch, model=model, action=action, object_id=object_id, before=before
            )
        )

    def _update_person(self, person: Person, m: MatchedPerson) -> None:
        """Newer ledger values win over stored ones, except a stored ID number; through the one
        write path for persons, which checks the scope on the person as stored."""
        before = raw_row(person)
        changed = apply_person_values(
            self.actor,
            person,
            {fld: value for fld, (value, _record) in m.values.items()},
            grid_id=m.grid_id,
            channel=self.batch.channel,
            audited=False,  # the batch's audit entry, with before-images kept for undo
        )
        if changed:
            self._record("people.person", "updated", person.pk, before)
            self.summary.persons_updated += 1

    def _residences(self, matched: list[MatchedPerson], persons: dict[int, Person]) -> None:
        """Stored persons who moved: the current residence ends today, a new one starts. A
        person several clusters matched moves once, to the last one's address."""
        homes = list({m.pk: m for m in matched if m.latest is not None}.values())
        current: dict[int, Residence] = {}
        pks = [m.pk for m in homes]
        for i in range(0, len(pks), 5000):
            for residence in Residence.objects.filter(
                person_id__in=pks[i : i + 5000], until__isnull=True
            ):
                current[residence.person_id] = residence
        fresh: list[tuple[int, int, str, Any]] = []
        moved: list[tuple[int, int]] = []
        ended: list[int] = []  # current residences that end today
        for m in homes:
            assert m.latest is not None
            person = persons[m.pk]
            household_id = self.household_of[m.latest["address_code"]]
            now = current.get(m.pk)
            if now is not None and now.household_id == household_id:
                continue
            if now is not None:
                self._record("people.residence", "updated", now.pk, raw_row(now))
                ended.append(now.pk)
            fresh.append(
                (
                    m.pk,
                    household_id,
                    relation(m.latest["relation"]),
                    m.latest["record_date"] or None,
                )
            )
            if person.household_id != household_id:
                self._record(
                    "people.person", "updated", person.pk, {"household_id": person.household_id}
                )
                moved.append((household_id, person.pk))
        for i in range(0, len(ended), 5000):
            Residence.objects.filter(pk__in=ended[i : i + 5000]).update(until=self.today)
        ids = reserve_ids(Residence, len(fresh))
        insert_rows(
            Residence,
            RESIDENCE_COLUMNS,
            [(pk, *values, None, "") for pk, values in zip(ids, fresh, strict=True)],
        )
        table = connection.ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET household_id = %s WHERE id = %s", moved)
        if ids:
            self._publish_created[Residence] = ids
        self.summary.residences_created += len(fresh)

    def _value_sources(self, matched: list[MatchedPerson]) -> None:
        """The provenance of the stored persons' fields this batch sets: older entries are
        remembered for undo, then replaced. A person several clusters matched keeps, per field,
        the record of the last one (provenance is unique per person and field)."""
        record_of: dict[tuple[int, str], int] = {}
        for m in matched:
            for fld, (_, record) in m.values.items():
                if record:
                    record_of[(m.pk, fld)] = record
        fields_of: dict[int, set[str]] = defaultdict(set)
        for pk, fld in record_of:
            fields_of[pk].add(fld)
        pks = list(fields_of)
        replaced: list[int] = []
        for i in range(0, len(pks), 2000):
            for vs in ValueSource.objects.filter(entity="person", entity_id__in=pks[i : i + 2000]):
                if vs.field in fields_of[vs.entity_id]:
                    self._record("fusion.valuesource", "deleted", vs.pk, raw_row(vs))
                    replaced.append(vs.pk)
        delete_ids(ValueSource, replaced)  # nothing points at provenance: a plain DELETE
        rows = [
            ("person", pk, fld, record, self.batch.pk) for (pk, fld), record in record_of.items()
        ]
        ids = reserve_ids(ValueSource, len(rows))
        insert_rows(
            ValueSource,
            VALUE_SOURCE_COLUMNS,
            [(pk, *row) for pk, row in zip(ids, rows, strict=True)],
        )
