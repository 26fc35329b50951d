"""Ledger import as the platform does it: stage a batch, review it, commit it whole, undo it.

Staging runs the pure pipeline (read, map, normalise, link) and keeps the uploaded files and
the staged records encrypted in the data directory; nothing touches persons until commit.
Commit writes persons, households, residences and the provenance of every value in one
transaction, and records what it changed so undo can put back exactly the state before.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from wangge.access import audit
from wangge.access.fields import data_cipher
from wangge.access.models import Role
from wangge.access.scoping import scope_for
from wangge.addresses.matcher import RegistryRoom
from wangge.addresses.models import Room
from wangge.core.bulk import allocate_ids, db_now, insert_rows
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.fusion.fields import SheetMapping
from wangge.fusion.models import (
    BatchStatus,
    ChangeRecord,
    ImportBatch,
    MappingTemplate,
    SourceRecord,
    ValueSource,
)
from wangge.fusion.normalise import ACCEPTED, DOUBTFUL, REJECTED
from wangge.fusion.pipeline import FusionError, FusionResult, fuse_sheets, map_sheet, read_files
from wangge.fusion.readers import LedgerSheet, ReadLimits
from wangge.fusion.registry import Registry
from wangge.geo.models import Region, RegionLevel
from wangge.people.idnumber import mask_id_number
from wangge.people.models import Household, Person, Residence, ResidenceType
from wangge.people.phone import mask_phone

IMPORT_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_OFFICER})


def read_limits() -> ReadLimits:
    """Limits from settings (WANGGE_IMPORT_MAX_*), so an office can raise them deliberately."""
    defaults = ReadLimits()
    return ReadLimits(
        max_file_bytes=getattr(settings, "WANGGE_IMPORT_MAX_FILE_BYTES", defaults.max_file_bytes),
        max_uncompressed_bytes=getattr(
            settings, "WANGGE_IMPORT_MAX_UNCOMPRESSED_BYTES", defaults.max_uncompressed_bytes
        ),
        max_compression_ratio=getattr(
            settings, "WANGGE_IMPORT_MAX_COMPRESSION_RATIO", defaults.max_compression_ratio
        ),
        max_rows=getattr(settings, "WANGGE_IMPORT_MAX_ROWS", defaults.max_rows),
        max_cells=getattr(settings, "WANGGE_IMPORT_MAX_CELLS", defaults.max_cells),
    )


def require_importer(actor: Any) -> None:
    """Importing ledgers is office work: district, street and community staff (or the CLI)."""
    if actor is None or actor.is_superuser:
        return
    if not scope_for(actor).roles & IMPORT_ROLES:
        raise Forbidden("只有区、街道、社区工作人员可以导入台账")


def visible_batches(actor: Any) -> Any:
    require_importer(actor)
    batches = ImportBatch.objects.all()
    if actor is None or actor.is_superuser or Role.DISTRICT_ADMIN in scope_for(actor).roles:
        return batches
    return batches.filter(created_by=actor)


def get_batch(actor: Any, batch_id: int) -> ImportBatch:
    batch = visible_batches(actor).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(f"导入批次 {batch_id} 不存在或不在您的权限范围内")
    return batch


# -- registry -------------------------------------------------------------------------------


def platform_registry() -> Registry:
    """The stored registry, as the pure pipeline wants it (read once per batch)."""
    rows = Room.objects.values_list(
        "address_code",
        "building__community__code",
        "building__road",
        "building__number",
        "building__name",
        "unit__name",
        "name",
        "grid__code",
    )
    names = dict(Region.objects.filter(level=RegionLevel.COMMUNITY).values_list("code", "name"))
    return Registry.build(
        (
            (
                RegistryRoom(code, community, road, number, building or "", unit or "", room),
                grid or "",
            )
            for code, community, road, number, building, unit, room, grid in rows
        ),
        community_names=names,
    )


# -- staging --------------------------------------------------------------------------------


def _batch_dir(batch: ImportBatch) -> Path:
    path = Path(settings.DATA_DIR) / "imports" / f"batch-{batch.pk}"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _store(path: Path, data: bytes) -> None:
    path.write_bytes(data_cipher().encrypt_bytes(data))
    path.chmod(0o600)


def _load(path: Path) -> bytes:
    return data_cipher().decrypt_bytes(path.read_bytes())


@dataclass(frozen=True)
class Upload:
    name: str
    data: bytes


def stage_batch(
    actor: Any,
    uploads: Sequence[Upload],
    *,
    channel: str = "web",
    label: str = "",
    overrides: dict[str, dict[str, str]] | None = None,
    allow_rejects: bool = False,
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportBatch:
    """Read, map, check and link the uploaded ledgers; store the outcome for review.

    Raises ServiceError (nothing stored) when a file cannot be read or holds no person data.
    ``overrides`` maps 'file|sheet' to header → 'role:field'.
    """
    require_importer(actor)
    if not uploads:
        raise ServiceError("请选择要导入的台账文件")
    sheets = _read_uploads(uploads)
    result = _fuse(actor, sheets, overrides or {}, allow_rejects, progress)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            created_by=actor if actor is not None else None,
            channel=channel,
            label=label,
        )
        folder = _batch_dir(batch)
        for n, upload in enumerate(uploads):
            _store(folder / f"file-{n}.enc", upload.data)
        _save_result(batch, uploads, sheets, result, overrides or {})
        audit.record(
            actor,
            "import.stage",
            "fusion.importbatch",
            batch.pk,
            channel=channel,
            detail={"files": [u.name for u in uploads], "summary": batch.summary},
        )
    return batch


def restage_batch(
    actor: Any,
    batch_id: int,
    overrides: dict[str, dict[str, str]],
    *,
    allow_rejects: bool = False,
) -> ImportBatch:
    """Run the batch again with a corrected column mapping."""
    batch = get_batch(actor, batch_id)
    if batch.status != BatchStatus.STAGED:
        raise ServiceError("只有待确认的批次可以修改列对应")
    uploads = _uploads_of(batch)
    sheets = _read_uploads(uploads)
    result = _fuse(actor, sheets, overrides, allow_rejects, None)
    with transaction.atomic():
        batch.decisions = {}
        _save_result(batch, uploads, sheets, result, overrides)
        audit.record(actor, "import.remap", "fusion.importbatch", batch.pk)
    return batch


def _uploads_of(batch: ImportBatch) -> list[Upload]:
    folder = _batch_dir(batch)
    return [Upload(f["name"], _load(folder / f"file-{n}.enc")) for n, f in enumerate(batch.files)]


def _read_uploads(uploads: Sequence[Upload]) -> list[LedgerSheet]:
    try:
        return read_files(
            [u.name for u in uploads], limits=read_limits(), contents=[u.data for u in uploads]
        )
    except FusionError as exc:
        raise ServiceError("台账无法读取，整批未导入：" + "；".join(exc.problems)) from exc


def template_overrides(sheets: Sequence[LedgerSheet]) -> dict[str, dict[str, str]]:
    """Saved templates whose layout matches a sheet apply to it."""
    found: dict[str, dict[str, str]] = {}
    for sheet in sheets:
        signature = map_sheet(sheet).signature()
        template = MappingTemplate.objects.filter(signature=signature).order_by("-pk").first()
        if template is not None:
            found[f"{sheet.file_name}|{sheet.sheet_name}"] = dict(template.overrides)
    return found


def _fuse(
    actor: Any,
    sheets: list[LedgerSheet],
    overrides: dict[str, dict[str, str]],
    allow_rejects: bool,
    progress: Callable[[str, int, int], None] | None,
) -> FusionResult:
    merged = {**template_overrides(sheets), **overrides}
    keyed = {tuple(k.split("|", 1)): v for k, v in merged.items()}
    try:
        result = fuse_sheets(
            sheets,
            platform_registry(),
            overrides=keyed,  # type: ignore[arg-type]
            allow_rejects=allow_rejects,
            progress=progress,
            release=True,  # the registry is built per batch; the cells are not needed again
        )
    except FusionError as exc:
        raise ServiceError("台账无法导入，整批未导入：" + "；".join(exc.problems)) from exc
    return _outside_scope_rejected(actor, result)


def _outside_scope_rejected(actor: Any, result: FusionResult) -> FusionResult:
    """Rows placed in grids the importer does not cover are refused, not silently imported."""
    scope = scope_for(actor) if actor is not None else None
    if scope is None or scope.unrestricted or actor.is_superuser:
        return result
    allowed = set(Region.objects.filter(pk__in=scope.grid_ids).values_list("code", flat=True))
    records = result.records
    outside = (
        pl.col("grid_code").is_not_null()
        & ~pl.col("grid_code").is_in(list(allowed))
        & (pl.col("status") != REJECTED)
    )
    result.records = records.with_columns(
        pl.when(outside).then(pl.lit(REJECTED)).otherwise(pl.col("status")).alias("status"),
        pl.when(outside)
        .then(pl.concat_str([pl.lit("地址不在您的管辖范围内；"), pl.col("reason")]))
        .otherwise(pl.col("reason"))
        .alias("reason"),
    )
    return result


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _save_result(
    batch: ImportBatch,
    uploads: Sequence[Upload],
    sheets: Sequence[LedgerSheet],
    result: FusionResult,
    overrides: dict[str, dict[str, str]],
) -> None:
    reports = {(r.file_name, r.sheet_name): r for r in result.sheets}
    files = []
    for upload in uploads:
        file_sheets = []
        for sheet in sheets:
            if sheet.file_name != upload.name:
                continue
            report = reports.get((sheet.file_name, sheet.sheet_name))
            mapping = report.mapping if report else map_sheet(sheet)
            file_sheets.append(
                {
                    "name": sheet.sheet_name,
                    "header_rows": sheet.header_rows,
                    "rows": report.rows if report else sheet.frame.height,
                    "imported": report is not None,
                    "notes": list(sheet.notes),
                    "columns": _mapping_json(mapping),
                    "signature": mapping.signature(),
                }
            )
        files.append(
            {
                "name": upload.name,
                "sha256": _sha(upload.data),
                "size": len(upload.data),
                "sheets": file_sheets,
            }
        )
    batch.files = files
    batch.summary = {**result.summary(), "skipped": result.skipped}
    review = [
        {
            "rid": p.rid,
            "other_rid": p.other_rid,
            "score": round(p.score, 1),
            "evidence": p.explain(),
        }
        for p in result.review
    ]
    batch.summary["review"] = review
    folder = _batch_dir(batch)
    buffer = io.BytesIO()
    result.records.write_parquet(buffer)
    _store(folder / "records.parquet.enc", buffer.getvalue())
    batch.staged_file = "records.parquet.enc"
    batch.save()


def _mapping_json(mapping: SheetMapping) -> list[dict[str, Any]]:
    return [
        {
            "index": c.index,
            "header": c.header,
            "role": c.role,
            "field": c.field,
            "confidence": round(c.confidence, 2),
            "evidence": c.evidence,
        }
        for c in mapping.columns
    ]


def staged_records(batch: ImportBatch) -> pl.DataFrame:
    if not batch.staged_file:
        raise ServiceError("该批次没有暂存的数据")
    return pl.read_parquet(io.BytesIO(_load(_batch_dir(batch) / batch.staged_file)))


def save_template(actor: Any, batch_id: int, file_sheet: str, name: str) -> MappingTemplate:
    batch = get_batch(actor, batch_id)
    file_name, _, sheet_name = file_sheet.partition("|")
    for f in batch.files:
        for s in f["sheets"]:
            if f["name"] == file_name and s["name"] == sheet_name:
                template = MappingTemplate.objects.create(
                    name=name or f"{file_name}{sheet_name}",
                    signature=s["signature"],
                    overrides={c["header"]: f"{c['role']}:{c['field']}" for c in s["columns"]},
                    created_by=actor,
                )
                audit.record(actor, "import.template", "fusion.mappingtemplate", template.pk)
                return template
    raise NotFound(f"批次中没有工作表 {file_sheet}")


def decide_pair(actor: Any, batch_id: int, rid: int, decision: str) -> ImportBatch:
    """A reviewer's answer on a doubtful row: 'same' joins the suggested person, 'different'
    imports it as its own person."""
    if decision not in ("same", "different"):
        raise ServiceError("核实结果只能是“同一人”或“不是同一人”")
    batch = get_batch(actor, batch_id)
    if batch.status != BatchStatus.STAGED:
        raise ServiceError("该批次已不在待确认状态")
    if not any(p["rid"] == rid for p in batch.summary.get("review", [])):
        raise NotFound(f"批次中没有待核实的第 {rid + 1} 条记录")
    batch.decisions = {**batch.decisions, str(rid): decision}
    batch.save(update_fields=["decisions"])
    audit.record(actor, "import.review", "fusion.importbatch", batch.pk, detail={"rid": rid})
    return batch


def discard_batch(actor: Any, batch_id: int) -> ImportBatch:
    batch = get_batch(actor, batch_id)
    if batch.status != BatchStatus.STAGED:
        raise ServiceError("只有待确认的批次可以放弃")
    batch.status = BatchStatus.DISCARDED
    batch.save(update_fields=["status"])
    audit.record(actor, "import.discard", "fusion.importbatch", batch.pk)
    return batch


def rejected_rows_xlsx(actor: Any, batch_id: int) -> bytes:
    """The rejected and doubtful rows with a reason column, for the office to fix and resend."""
    from openpyxl import Workbook

    batch = get_batch(actor, batch_id)
    records = staged_records(batch).filter(pl.col("status") != ACCEPTED)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("未导入与待核实")
    sheet.append(["文件", "工作表", "行号", "姓名", "地址", "状态", "原因"])
    labels = {REJECTED: "拒绝", DOUBTFUL: "待核实"}
    for row in records.iter_rows(named=True):
        sheet.append(
            [
                row["source_file"],
                row["source_sheet"],
                row["source_row"],
                row["name"],
                row["address_text"] or "",
                labels.get(row["status"], row["status"]),
                row["reason"],
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit.record(actor, "import.export", "fusion.importbatch", batch.pk)  # action: 16 chars max
    return buffer.getvalue()


# -- commit ---------------------------------------------------------------------------------


@dataclass
class CommitSummary:
    persons_created: int = 0
    persons_updated: int = 0
    persons_matched: int = 0
    households_created: int = 0
    residences_created: int = 0
    rows_skipped: int = 0  # already imported by an earlier batch
    rows_held: int = 0  # doubtful and not decided


_PERSON_FIELDS = ("name", "id_number", "phone", "gender", "birth_date", "ethnicity")


def commit_batch(
    actor: Any,
    batch_id: int,
    *,
    progress: Callable[[str, int, int], None] | None = None,
) -> CommitSummary:
    batch = get_batch(actor, batch_id)
    if batch.status != BatchStatus.STAGED:
        raise ServiceError(f"批次 {batch.pk} 当前为“{batch.get_status_display()}”，不能再导入")
    records = staged_records(batch)
    with transaction.atomic():
        with _big_write_cache():
            summary = _Committer(actor, batch, records, progress).run()
        batch.status = BatchStatus.COMMITTED
        batch.committed_at = timezone.now()
        batch.summary = {**batch.summary, "commit": summary.__dict__}
        batch.save(update_fields=["status", "committed_at", "summary"])
        audit.record(
            actor,
            "import.commit",
            "fusion.importbatch",
            batch.pk,
            channel=batch.channel,
            detail=summary.__dict__,
        )
    return summary


_RESIDENCE_TYPES = {
    "户籍": ResidenceType.REGISTERED,
    "户籍人口": ResidenceType.REGISTERED,
    "常住": ResidenceType.REGISTERED,
    "流动": ResidenceType.FLOATING,
    "流动人口": ResidenceType.FLOATING,
    "暂住": ResidenceType.FLOATING,
    "租住": ResidenceType.FLOATING,
}


class _Committer:
    """One batch's writes; keeps the ids it creates and the rows it changes for undo."""

    def __init__(
        self,
        actor: Any,
        batch: ImportBatch,
        records: pl.DataFrame,
        progress: Callable[[str, int, int], None] | None,
    ) -> None:
        self.actor = actor
        self.batch = batch
        self.records = records
        self.progress = progress
        self.summary = CommitSummary()
        self.cipher = data_cipher()
        self.created: dict[str, list[int]] = defaultdict(list)
        self.updated: list[ChangeRecord] = []
        self._created_sets: dict[str, set[int]] = {}
        self._indexes: dict[str, str] = {}
        self.today = timezone.localdate()

    def run(self) -> CommitSummary:
        rows = self._rows_to_write()
        grid_ids = dict(Region.objects.filter(level=RegionLevel.GRID).values_list("code", "pk"))
        room_ids = self._room_ids(rows)
        persons = self._persons(rows, grid_ids)
        households = self._households(rows, room_ids, grid_ids)
        self._residences(rows, persons, households)
        self._sources(rows, persons, households, grid_ids)
        for model, ids in self.created.items():
            ChangeRecord.objects.create(
                batch=self.batch, model=model, action="created", object_ids=ids
            )
        ChangeRecord.objects.bulk_create(self.updated, batch_size=2000)
        return self.summary

    def _record(self, model: str, action: str, object_id: int, before: dict[str, Any]) -> None:
        """Keep the before-image of a row the batch changes or deletes, for undo."""
        self.updated.append(
            ChangeRecord(
                batch=self.batch, model=model, action=action, object_id=object_id, before=before
            )
        )

    # which rows -----------------------------------------------------------------------------

    def _rows_to_write(self) -> list[dict[str, Any]]:
        sha_of = {f["name"]: f["sha256"] for f in self.batch.files}
        decisions = {int(k): v for k, v in self.batch.decisions.items()}
        review = {p["rid"]: p["other_rid"] for p in self.batch.summary.get("review", [])}
        rows = self.records.filter(pl.col("status") != REJECTED).select(_COMMIT_COLUMNS).to_dicts()
        by_rid = {r["rid"]: r for r in rows}
        out = []
        already = self._already_imported(sha_of)
        for row in rows:
            row["file_sha256"] = sha_of.get(row["source_file"], "")
            if (row["file_sha256"], row["source_sheet"], row["source_row"]) in already:
                self.summary.rows_skipped += 1
                continue
            if row["status"] == DOUBTFUL:
                decision = decisions.get(row["rid"])
                if decision is None and row["rid"] in review:
                    self.summary.rows_held += 1
                    continue
                if decision == "same" and row["rid"] in review:
                    other = by_rid.get(review[row["rid"]])
                    if other is not None:
                        row["person_key"] = other["person_key"]
            out.append(row)
        return out

    def _already_imported(self, sha_of: dict[str, str]) -> set[tuple[str, str, int]]:
        live = SourceRecord.objects.filter(
            file_sha256__in=list(sha_of.values()), batch__status=BatchStatus.COMMITTED
        )
        return set(live.values_list("file_sha256", "sheet", "row"))

    def _room_ids(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        codes = sorted({r["address_code"] for r in rows if r["address_code"]})
        found: dict[str, int] = {}
        for i in range(0, len(codes), 5000):
            found.update(
                Room.objects.filter(address_code__in=codes[i : i + 5000]).values_list(
                    "address_code", "pk"
                )
            )
        return found

    # persons ---------------------------------------------------------------------------------

    def _persons(self, rows: list[dict[str, Any]], grid_ids: dict[str, int]) -> dict[str, Person]:
        by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in rows:
            by_key[row["person_key"]].append(row)
        existing = self._existing_persons(by_key)
        fresh: list[tuple[_NewPerson, dict[str, Any], str, int | None]] = []
        for key, group in by_key.items():
            group.sort(key=_recency)
            person = existing.get(key)
            values = _resolve(group)
            latest_room = next((r for r in reversed(group) if r["grid_code"]), None)
            grid_id = grid_ids.get(latest_room["grid_code"]) if latest_room else None
            if person is None:
                new = _NewPerson(0, None, values)
                fresh.append((new, values, _residence_type(group), grid_id))
                existing[key] = new  # type: ignore[assignment]
            else:
                self._update_person(person, values, grid_id)
                person._wangge_values = values  # type: ignore[attr-defined]
        ids = allocate_ids(Person, len(fresh))
        now = db_now()
        person_rows: list[tuple[Any, ...]] = []
        for pk, (new, values, residence_type, grid_id) in zip(ids, fresh, strict=True):
            new.pk = pk
            id_number = values.get("id_number", ("",))[0] or ""
            phone = values.get("phone", ("",))[0] or ""
            birth = values.get("birth_date", (None,))[0]
            person_rows.append(
                (
                    pk,
                    values["name"][0][:50],
                    self.cipher.encrypt(id_number) if id_number else "",
                    self._index(id_number),  # already normalised by the pipeline
                    values.get("gender", ("",))[0] or "",
                    birth or None,
                    self.cipher.encrypt(phone) if phone else "",
                    self._index(phone),
                    (values.get("ethnicity", ("",))[0] or "")[:20],
                    "",
                    residence_type,
                    grid_id,
                    None,
                    now,
                    now,
                )
            )
        insert_rows(Person, _PERSON_COLUMNS, person_rows)
        self.created["people.person"] += ids
        self.summary.persons_created += len(fresh)
        return existing

    def _existing_persons(self, by_key: dict[str, list[dict[str, Any]]]) -> dict[str, Person]:
        """Clusters that are people already in the platform: by ID number, else by name and
        phone/birth date, only when exactly one stored person fits."""
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
        # Without an ID number: same name and (same phone or same birth date), unambiguous.
        loose = {
            key: group
            for key, group in by_key.items()
            if key not in found and not any(r["id_number"] for r in group)
        }
        names = sorted({g[0]["name"] for g in loose.values()})
        candidates: dict[str, list[Person]] = defaultdict(list)
        for i in range(0, len(names), 2000):
            for person in Person.objects.filter(name__in=names[i : i + 2000]).only(
                "pk", "name", "phone_index", "birth_date", "id_number_index"
            ):
                candidates[person.name].append(person)
        for key, group in loose.items():
            phones = {self._index(r["phone"]) for r in group if r["phone"]}
            births = {r["birth_date"] for r in group if r["birth_date"]}
            fits = [
                p
                for p in candidates.get(group[0]["name"], [])
                if (p.phone_index and p.phone_index in phones)
                or (p.birth_date and p.birth_date.isoformat() in births)
            ]
            if len(fits) == 1:
                found[key] = Person.objects.get(pk=fits[0].pk)
        self.summary.persons_matched += len(found)
        return found

    def _update_person(self, person: Person, values: dict[str, Any], grid_id: int | None) -> None:
        """Newer ledger values win over stored ones, except a value marked verified."""
        before = _raw_row(person)
        changed = False
        for fld in _PERSON_FIELDS:
            if fld not in values:
                continue
            new = values[fld][0]
            current = getattr(person, fld)
            if fld == "birth_date":
                new = _date(new)
            if new in (None, "") or new == current:
                continue
            if fld == "id_number" and current:
                continue  # a stored valid number is never replaced by an import
            setattr(person, fld, new)
            changed = True
        if grid_id and person.grid_id != grid_id:
            person.grid_id = grid_id
            changed = True
        if changed:
            person.id_number_index = self.cipher.blind_index(_id_key(person.id_number))
            person.phone_index = self.cipher.blind_index(_phone_key(person.phone))
            person.save()
            self._record("people.person", "updated", person.pk, before)
            self.summary.persons_updated += 1

    # households and residences -------------------------------------------------------------------

    def _households(
        self, rows: list[dict[str, Any]], room_ids: dict[str, int], grid_ids: dict[str, int]
    ) -> dict[str, Household]:
        codes = {r["address_code"]: r["grid_code"] for r in rows if r["address_code"] in room_ids}
        existing: dict[str, Household] = {}
        by_room = {v: k for k, v in room_ids.items()}
        ids = list(by_room)
        for i in range(0, len(ids), 5000):
            for household in Household.objects.filter(room_id__in=ids[i : i + 5000]).order_by("pk"):
                existing.setdefault(by_room[household.room_id], household)
        fresh: list[tuple[str, str | None]] = [
            (code, grid) for code, grid in codes.items() if code not in existing
        ]
        ids = allocate_ids(Household, len(fresh))
        now = db_now()
        insert_rows(
            Household,
            (
                "id",
                "room_id",
                "grid_id",
                "head_id",
                "is_rental",
                "note",
                "created_at",
                "updated_at",
            ),
            [
                (pk, room_ids[code], grid_ids.get(grid or ""), None, False, "", now, now)
                for pk, (code, grid) in zip(ids, fresh, strict=True)
            ],
        )
        for pk, (code, _) in zip(ids, fresh, strict=True):
            existing[code] = _Ref(pk)  # type: ignore[assignment]
        self.created["people.household"] += ids
        self.summary.households_created += len(fresh)
        return existing

    def _residences(
        self,
        rows: list[dict[str, Any]],
        persons: dict[str, Person],
        households: dict[str, Household],
    ) -> None:
        latest: dict[str, dict[str, Any]] = {}
        for row in sorted(rows, key=_recency):
            if row["address_code"] in households:
                latest[row["person_key"]] = row
        person_ids = [persons[k].pk for k in latest]
        current: dict[int, Residence] = {}
        for i in range(0, len(person_ids), 5000):
            for residence in Residence.objects.filter(
                person_id__in=person_ids[i : i + 5000], until__isnull=True
            ):
                current[residence.person_id] = residence
        fresh: list[tuple[int, int, str, Any]] = []
        moved: list[tuple[int, int]] = []
        for key, row in latest.items():
            person = persons[key]
            household = households[row["address_code"]]
            now = current.get(person.pk)
            if now is not None and now.household_id == household.pk:
                continue
            if now is not None:
                self._record("people.residence", "updated", now.pk, _raw_row(now))
                Residence.objects.filter(pk=now.pk).update(until=self.today)
            fresh.append(
                (person.pk, household.pk, _relation(row["relation"]), row["record_date"] or None)
            )
            if person.household_id != household.pk:
                if person.pk not in self.created_ids("people.person"):
                    self._record(
                        "people.person", "updated", person.pk, {"household_id": person.household_id}
                    )
                person.household_id = household.pk
                moved.append((household.pk, person.pk))
        ids = allocate_ids(Residence, len(fresh))
        insert_rows(
            Residence,
            ("id", "person_id", "household_id", "relation", "since", "until", "note"),
            [(pk, *values, None, "") for pk, values in zip(ids, fresh, strict=True)],
        )
        table = connection.ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {table} SET household_id = %s WHERE id = %s", moved)
        self.created["people.residence"] += ids
        self.summary.residences_created += len(fresh)

    def _index(self, value: str) -> str:
        """Blind index of a normalised value, computed once per value (family phones and a
        person's several rows repeat them)."""
        found = self._indexes.get(value)
        if found is None:
            found = self._indexes[value] = self.cipher.blind_index(value)
        return found

    def created_ids(self, model: str) -> set[int]:
        if model not in self._created_sets:
            self._created_sets[model] = set(self.created[model])
        return self._created_sets[model]

    # provenance --------------------------------------------------------------------------------

    def _sources(
        self,
        rows: list[dict[str, Any]],
        persons: dict[str, Person],
        households: dict[str, Household],
        grid_ids: dict[str, int],
    ) -> None:
        ids = allocate_ids(SourceRecord, len(rows))
        index: dict[tuple[str, str, int], int] = {}
        values = []
        for pk, row in zip(ids, rows, strict=True):
            person = persons.get(row["person_key"])
            household = households.get(row["address_code"] or "")
            origin = (row["source_file"][:255], row["source_sheet"][:100], row["source_row"])
            index[origin] = pk
            values.append(
                (
                    pk,
                    self.batch.pk,
                    origin[0],
                    row["file_sha256"],
                    origin[1],
                    origin[2],
                    person.pk if person else None,
                    household.pk if household else None,
                    grid_ids.get(row["grid_code"] or ""),
                    row["name"][:50],
                    mask_id_number(row["id_number"]) if row["id_number"] else "",
                    self._index(row["id_number"] or ""),
                    mask_phone(row["phone"]) if row["phone"] else "",
                    self._index(row["phone"] or ""),
                    row["gender"] or "",
                    row["birth_date"] or None,
                    (row["address_text"] or "")[:300],
                    row["address_code"] or "",
                    row["record_date"] or None,
                    row["status"],
                    row["reason"] or "",
                )
            )
            if self.progress is not None and len(values) % 50_000 == 0:
                self.progress("commit", len(values), len(rows))
        insert_rows(SourceRecord, _SOURCE_COLUMNS, values)
        sources: list[tuple[str, int, str, int, int]] = []
        replaced: list[tuple[str, int, str]] = []
        for person in persons.values():
            person_values = getattr(person, "_wangge_values", None) or getattr(person, "values", {})
            for fld, (_, origin) in person_values.items():
                record_id = index.get(origin)
                if record_id is None:
                    continue
                replaced.append(("person", person.pk, fld))
                sources.append(("person", person.pk, fld, record_id, self.batch.pk))
        self._replace_value_sources(replaced)
        insert_rows(
            ValueSource,
            ("entity", "entity_id", "field", "record_id", "batch_id"),
            sources,
        )

    def _replace_value_sources(self, keys: list[tuple[str, int, str]]) -> None:
        """Older provenance of a field this batch now sets is remembered for undo, then dropped."""
        ids_by_entity: dict[int, set[str]] = defaultdict(set)
        for _, entity_id, fld in keys:
            ids_by_entity[entity_id].add(fld)
        created = self.created_ids("people.person")
        old_entities = [e for e in ids_by_entity if e not in created]
        for i in range(0, len(old_entities), 2000):
            chunk = old_entities[i : i + 2000]
            for vs in ValueSource.objects.filter(entity="person", entity_id__in=chunk):
                if vs.field in ids_by_entity[vs.entity_id]:
                    self._record("fusion.valuesource", "deleted", vs.pk, _raw_row(vs))
                    vs.delete()


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


@contextmanager
def _big_write_cache() -> Iterator[None]:
    """A batch of a million rows updates several indexes per table; on SQLite a larger page
    cache for the length of the commit keeps those index pages in memory."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size=-524288")  # 512 MiB
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size={int(before)}")


@dataclass
class _NewPerson:
    """A person this batch inserts: only what the later steps need, no model instance."""

    pk: int
    household_id: int | None
    values: dict[str, Any]


@dataclass
class _Ref:
    pk: int


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
_SOURCE_COLUMNS = tuple(f.column for f in SourceRecord._meta.concrete_fields)


def _recency(row: dict[str, Any]) -> tuple[str, int, int]:
    return (row["record_date"] or "", row["ledger"], row["source_row"])


def _resolve(group: list[dict[str, Any]]) -> dict[str, tuple[Any, tuple[str, str, int]]]:
    """Each field's value and the row it came from: valid beats missing, newer beats older,
    a full birth date beats a year."""
    values: dict[str, tuple[Any, tuple[str, str, int]]] = {}
    for row in group:  # oldest first, so later rows overwrite
        origin = (row["source_file"][:255], row["source_sheet"][:100], row["source_row"])
        for fld in _PERSON_FIELDS:
            value = row.get(fld)
            if value in (None, ""):
                continue
            if fld == "id_number" and "id_number" in values:
                continue  # the cluster's numbers agree; keep the first
            values[fld] = (value, origin)
    return values


def _raw_row(instance: Any) -> dict[str, Any]:
    """Column values as stored (ciphertexts stay encrypted), JSON-safe."""
    out: dict[str, Any] = {}
    for f in instance._meta.concrete_fields:
        if f.primary_key:
            continue
        value = getattr(instance, f.attname)
        if hasattr(f, "get_prep_value") and f.get_internal_type() == "TextField" and value:
            value = f.get_prep_value(value)
        if isinstance(value, datetime.datetime | datetime.date):
            value = value.isoformat()
        out[f.attname] = value
    return out


def _date(value: Any) -> datetime.date | None:
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


def _id_key(value: str) -> str:
    from wangge.people.identifiers import id_number_key

    return id_number_key(value) if value else ""


def _phone_key(value: str) -> str:
    from wangge.people.identifiers import phone_key

    return phone_key(value) if value else ""


def _residence_type(group: list[dict[str, Any]]) -> str:
    for row in reversed(group):
        found = _RESIDENCE_TYPES.get((row.get("residence_type") or "").strip())
        if found:
            return found
    return ResidenceType.REGISTERED


def _relation(text: str | None) -> str:
    from wangge.people.models import Relation

    value = (text or "").strip()
    for choice, label in Relation.choices:
        if value and (value in (label, choice)):
            return str(choice)
    aliases = {
        "本人": Relation.HEAD,
        "妻": Relation.SPOUSE,
        "夫": Relation.SPOUSE,
        "子": Relation.CHILD,
        "女": Relation.CHILD,
        "父": Relation.PARENT,
        "母": Relation.PARENT,
        "孙": Relation.GRANDCHILD,
        "租": Relation.TENANT,
    }
    for word, relation in aliases.items():
        if word in value:
            return str(relation)
    return str(Relation.OTHER)


# -- undo -----------------------------------------------------------------------------------


def undo_batch(actor: Any, batch_id: int) -> ImportBatch:
    """Put back exactly what the batch changed. Later batches that touched the same persons
    must be undone first, or their changes would be lost silently."""
    batch = get_batch(actor, batch_id)
    if batch.status != BatchStatus.COMMITTED:
        raise ServiceError(f"批次 {batch.pk} 当前为“{batch.get_status_display()}”，不能撤销")
    from django.apps import apps

    later = ImportBatch.objects.filter(
        status=BatchStatus.COMMITTED, committed_at__gt=batch.committed_at
    )
    touched = set(
        SourceRecord.objects.filter(batch=batch, person__isnull=False).values_list(
            "person_id", flat=True
        )
    )
    for other in later:
        overlap = SourceRecord.objects.filter(batch=other, person_id__in=list(touched)[:50000])
        if overlap.exists():
            raise ServiceError(f"之后的批次 {other.pk} 也修改了这些人员，请先撤销批次 {other.pk}")
    with transaction.atomic():
        changes = list(batch.changes.order_by("-pk"))
        for change in changes:
            if change.action == "updated":
                model = apps.get_model(change.model)
                model.objects.filter(pk=change.object_id).update(**change.before)
        ValueSource.objects.filter(batch=batch).delete()
        SourceRecord.objects.filter(batch=batch).delete()
        for change in changes:
            if change.action == "deleted":
                model = apps.get_model(change.model)
                model(pk=change.object_id, **change.before).save(force_insert=True)
        order = ("people.residence", "people.person", "people.household")
        for label in order:
            for change in changes:
                if change.action == "created" and change.model == label:
                    model = apps.get_model(label)
                    ids = change.object_ids
                    for i in range(0, len(ids), 5000):
                        if label == "people.household":
                            Person.objects.filter(household_id__in=ids[i : i + 5000]).update(
                                household=None
                            )
                        model.objects.filter(pk__in=ids[i : i + 5000]).delete()
        batch.changes.all().delete()
        batch.status = BatchStatus.UNDONE
        batch.undone_at = timezone.now()
        batch.save(update_fields=["status", "undone_at"])
        audit.record(actor, "import.undo", "fusion.importbatch", batch.pk)
    return batch


__all__ = [
    "CommitSummary",
    "Upload",
    "commit_batch",
    "decide_pair",
    "discard_batch",
    "get_batch",
    "platform_registry",
    "rejected_rows_xlsx",
    "restage_batch",
    "stage_batch",
    "undo_batch",
]
