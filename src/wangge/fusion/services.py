"""Ledger import as the platform does it: stage a batch, review it, commit it whole, undo it.

Staging runs the pure pipeline (read, map, normalise, link) and keeps the uploaded files and
the staged records encrypted in the data directory; nothing touches persons until commit.
Commit (`committing.py`) writes persons, households, residences and the provenance of every
value in short transactions nobody sees until the batch is committed, and records what it
changed so undo can put back exactly the state before.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from wangge.access import audit
from wangge.access.fields import data_cipher
from wangge.access.models import Role
from wangge.access.scoping import Right, allows, require, scope_for, visible_to
from wangge.addresses.matcher import RegistryRoom
from wangge.addresses.models import Room
from wangge.core.bulk import begin_write
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.reasons import Reason, joined
from wangge.fusion.fields import SheetMapping
from wangge.fusion.models import (
    BatchStatus,
    HandOverStatus,
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
from wangge.people.models import Person

IMPORT_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_OFFICER})

# What to do instead of retrying a job whose ledger file was refused for its content.
FIX_THE_FILE = gettext_noop("请修正台账文件后重新上传")  # stored on the job, said where shown


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


# Why someone who reads a batch may not act on it (a street officer, a community's batch).
NOT_YOUR_BATCH = "只有上传该批次的单位和区网格中心可以处理该批次，上级单位只能查看"


def require_importer(actor: Any) -> None:
    """Importing ledgers is office work: district, street and community staff (or the CLI)."""
    if actor is None or actor.is_superuser:
        return
    if not scope_for(actor).roles & IMPORT_ROLES:
        raise Forbidden(gettext("只有区、街道、社区工作人员可以导入台账"))


def office_of(actor: Any) -> Region | None:
    """The office a batch the actor uploads belongs to: the region of their staff role (the
    outermost, if they hold several). None for the command line and superusers: the district's."""
    if actor is None or actor.is_superuser:
        return None
    roots = scope_for(actor).staff_roots
    return Region.objects.filter(code=roots[0]).first() if roots else None


def visible_batches(actor: Any) -> Any:
    """The batches of the offices the actor works in and those below them (`access.scoping`,
    policy `fusion.importbatch`): a street officer reads its communities' batches."""
    require_importer(actor)
    batches = ImportBatch.objects.all()
    return batches if actor is None else visible_to(actor, batches)


def get_batch(
    actor: Any, batch_id: int, right: Right = Right.VIEW, *, channel: str = "web"
) -> ImportBatch:
    """A batch the actor may read; with `right=CHANGE` also one they may act on (review,
    re-map, commit, discard, undo: the batch's own office and the district), else `Forbidden`
    with the refusal in the audit log. A batch they may not read does not exist for them."""
    batch = visible_batches(actor).select_related("region").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound(
            gettext("导入批次 %(batch_id)s 不存在或不在您的权限范围内") % {"batch_id": batch_id}
        )
    if right != Right.VIEW:
        require(actor, batch, right, message=NOT_YOUR_BATCH, channel=channel)
    return batch


def require_batch_office(actor: Any, region: Region | None, *, channel: str = "web") -> None:
    """Refuse (403, logged) unless the actor may act on a batch of the office `region` (None:
    the district's): that office and the district grid centre, not an office over it. For
    work that makes a batch before one exists (retrying a staging job, which runs as its
    starter and so makes a batch of the starter's office)."""
    require(
        actor, ImportBatch(region=region), Right.CHANGE, message=NOT_YOUR_BATCH, channel=channel
    )


def may_change_batch(actor: Any, batch: ImportBatch) -> bool:
    """Whether the actor may act on a batch they read (the pages offer the actions only then)."""
    return actor is None or allows(actor, batch, Right.CHANGE)


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
        raise ServiceError(gettext("请选择要导入的台账文件"))
    sheets = _read_uploads(uploads)
    result = _fuse(actor, sheets, overrides or {}, allow_rejects, progress)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            created_by=actor if actor is not None else None,
            region=office_of(actor),
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
    progress: Callable[[str, int, int], None] | None = None,
) -> ImportBatch:
    """Run the batch again with a corrected column mapping."""
    batch = get_batch(actor, batch_id, Right.CHANGE)
    if batch.status != BatchStatus.STAGED:
        raise ServiceError(gettext("只有待确认的批次可以修改列对应"))
    uploads = _uploads_of(batch)
    sheets = _read_uploads(uploads)
    result = _fuse(actor, sheets, overrides, allow_rejects, progress)
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
        raise ServiceError(
            # a Reason, not gettext: the job that meets it keeps it and says it to each reader
            Reason("台账无法读取，整批未导入：%(problems)s", problems=joined(exc.problems)),
            permanent=True,  # the same file is read the same way: a retry cannot help
            remedy=FIX_THE_FILE,
        ) from exc


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
        raise ServiceError(
            # a Reason, not gettext: the job that meets it keeps it and says it to each reader
            Reason("台账无法导入，整批未导入：%(problems)s", problems=joined(exc.problems)),
            permanent=True,
            remedy=FIX_THE_FILE,
        ) from exc
    return _outside_scope_rejected(actor, result)


def _outside_scope_rejected(actor: Any, result: FusionResult) -> FusionResult:
    """Rows placed in grids the importer does not cover are refused, not silently imported."""
    scope = scope_for(actor) if actor is not None else None
    if scope is None or scope.unrestricted or actor.is_superuser:
        return result
    allowed = set(
        Region.objects.filter(pk__in=scope.writable_grid_ids).values_list("code", flat=True)
    )
    records = result.records
    outside = (
        pl.col("grid_code").is_not_null()
        & ~pl.col("grid_code").is_in(list(allowed))
        & (pl.col("status") != REJECTED)
    )
    result.records = records.with_columns(
        pl.when(outside).then(pl.lit(REJECTED)).otherwise(pl.col("status")).alias("status"),
        pl.when(outside)
        .then(
            pl.concat_str(
                [pl.lit("地址不在您的管辖范围内"), pl.col("reason").replace("", None)],
                separator="；",
                ignore_nulls=True,
            )
        )
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
                    "notes": list(report.notes if report else sheet.notes),
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
    # what each source record will store of its row, sealed now, not in the commit
    seal_rows(result.records).write_parquet(buffer)
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


def staged_records(batch: ImportBatch, columns: Sequence[str] | None = None) -> pl.DataFrame:
    """The staged rows; only `columns` (those the file has) when given. By default every
    column but the sealed ones (`SEALED_COLUMNS`: ciphertexts and hashes, a third of a 1M-row
    frame), which only the commit reads; the batch's pages, exports and tasks need not hold
    them."""
    if not batch.staged_file:
        raise ServiceError(gettext("该批次没有暂存的数据"))
    data = io.BytesIO(_load(_batch_dir(batch) / batch.staged_file))
    present = list(pl.read_parquet_schema(data))
    data.seek(0)
    wanted = [c for c in present if c not in SEALED_COLUMNS] if columns is None else columns
    return pl.read_parquet(data, columns=[c for c in wanted if c in present])


def save_template(actor: Any, batch_id: int, file_sheet: str, name: str) -> MappingTemplate:
    batch = get_batch(actor, batch_id, Right.CHANGE)
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
    raise NotFound(gettext("批次中没有工作表 %(file_sheet)s") % {"file_sheet": file_sheet})


def decide_pair(actor: Any, batch_id: int, rid: int, decision: str) -> ImportBatch:
    """A reviewer's answer on a doubtful row: 'same' joins the suggested person, 'different'
    imports it as its own person."""
    if decision not in ("same", "different"):
        raise ServiceError(gettext("核实结果只能是“同一人”或“不是同一人”"))
    batch = get_batch(actor, batch_id, Right.CHANGE)
    if batch.status != BatchStatus.STAGED:
        raise ServiceError(gettext("该批次已不在待确认状态"))
    if not any(p["rid"] == rid for p in batch.summary.get("review", [])):
        raise NotFound(gettext("批次中没有待核实的第 %(number)s 条记录") % {"number": rid + 1})
    batch.decisions = {**batch.decisions, str(rid): decision}
    batch.save(update_fields=["decisions"])
    audit.record(actor, "import.review", "fusion.importbatch", batch.pk, detail={"rid": rid})
    return batch


def discard_batch(actor: Any, batch_id: int) -> ImportBatch:
    batch = get_batch(actor, batch_id, Right.CHANGE)
    if batch.status != BatchStatus.STAGED:
        raise ServiceError(gettext("只有待确认的批次可以放弃"))
    batch.status = BatchStatus.DISCARDED
    batch.save(update_fields=["status"])
    audit.record(actor, "import.discard", "fusion.importbatch", batch.pk)
    return batch


def rejected_rows_xlsx(actor: Any, batch_id: int) -> bytes:
    """The rejected and doubtful rows with a reason column, for the office to fix and resend."""
    from openpyxl import Workbook

    from wangge.core.tabular import export_cell

    batch = get_batch(actor, batch_id)
    records = staged_records(batch).filter(pl.col("status") != ACCEPTED)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("未导入与待核实")
    sheet.append(["文件", "工作表", "行号", "姓名", "地址", "状态", "原因"])
    labels = {REJECTED: "拒绝", DOUBTFUL: "待核实"}
    for row in records.iter_rows(named=True):
        values = [
            row["source_file"],
            row["source_sheet"],
            row["source_row"],
            row["name"],
            row["address_text"] or "",
            labels.get(row["status"], row["status"]),
            row["reason"],
        ]
        # cells come from uploaded ledgers: never a formula in the office's Excel
        sheet.append([export_cell(v) for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit.record(actor, "import.export", "fusion.importbatch", batch.pk)  # action: 16 chars max
    return buffer.getvalue()


# -- commit: in chunks nobody sees until the batch is committed (fusion.committing) ------------

from wangge.fusion.commit_claims import recover_abandoned  # noqa: E402
from wangge.fusion.committing import CommitSummary, commit_batch  # noqa: E402
from wangge.fusion.sealing import SEALED_COLUMNS, seal_rows  # noqa: E402

# -- undo -----------------------------------------------------------------------------------


def undo_batch(actor: Any, batch_id: int) -> ImportBatch:
    """Put back exactly what the batch changed. Later batches that touched the same persons
    must be undone first, or their changes would be lost silently."""
    batch = get_batch(actor, batch_id, Right.CHANGE)
    if batch.status != BatchStatus.COMMITTED:
        raise ServiceError(
            gettext("批次 %(pk)s 当前为“%(status)s”，不能撤销")
            % {"pk": batch.pk, "status": batch.get_status_display()}
        )
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
            raise ServiceError(
                gettext("之后的批次 %(batch)s 也修改了这些人员，请先撤销批次 %(batch)s")
                % {"batch": other.pk}
            )
    with transaction.atomic():
        begin_write()  # reads first, then writes: take SQLite's lock now (core.bulk)
        changes = list(batch.changes.order_by("-pk"))
        for change in changes:
            if change.action == "updated":
                model = apps.get_model(change.model)
                model.objects.filter(pk=change.object_id).update(**change.before)
        # `.only("pk")`: the deletion collector loads the rows it deletes (to follow their
        # relations), and loading every column decrypted each ID number, phone and sealed row
        ValueSource.objects.filter(batch=batch).only("pk").delete()
        SourceRecord.objects.filter(batch=batch).only("pk").delete()
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
                        model.objects.filter(pk__in=ids[i : i + 5000]).only("pk").delete()
        batch.changes.all().delete()
        batch.handovers.filter(status=HandOverStatus.PENDING).update(
            status=HandOverStatus.WITHDRAWN, decided_at=timezone.now()
        )
        batch.status = BatchStatus.UNDONE
        batch.undone_at = timezone.now()
        batch.save(update_fields=["status", "undone_at"])
        audit.record(actor, "import.undo", "fusion.importbatch", batch.pk)
    return batch


__all__ = [
    "CommitSummary",
    "Upload",
    "commit_batch",
    "recover_abandoned",
    "decide_pair",
    "discard_batch",
    "get_batch",
    "may_change_batch",
    "office_of",
    "platform_registry",
    "rejected_rows_xlsx",
    "restage_batch",
    "stage_batch",
    "undo_batch",
]
