"""Many tasks at once: a visit round over buildings, and the verification visits an import batch
leaves (doubtful pairs, unplaced newcomers, held values), made once the batch is committed."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access.models import AuditAction
from wangge.access.scoping import scope_for
from wangge.core.bulk import insert_values
from wangge.core.errors import Forbidden, ServiceError
from wangge.geo.models import Region, RegionLevel, StaffPost
from wangge.tasks.models import Priority, Task, TaskKind, TaskStatus
from wangge.tasks.services.common import (
    BULK,
    FORM_CODES,
    VERIFY_WORKING_DAYS,
    audit_task,
    due_date_in,
)

logger = logging.getLogger(__name__)


def _bulk(actor: Any, tasks: list[Task], channel: str, **detail: Any) -> list[Task]:
    Task.objects.bulk_create(tasks, batch_size=BULK)
    if tasks:
        audit_task(actor, AuditAction.CREATE, None, channel, count=len(tasks), **detail)
    return tasks


@transaction.atomic
def create_visit_round(
    actor: Any,
    *,
    building_ids: Sequence[int],
    due_in_working_days: int = 10,
    priority: int = Priority.NORMAL,
    form_code: str | None = None,
    note: str = "",
    channel: str = "web",
) -> list[Task]:
    """一轮走访: a visit task for every household of these buildings (one per household; one
    still open from an earlier round is kept, not doubled), for the grid worker post of each
    household's grid. Staff only, and only in their regions."""
    from wangge.addresses.models import Building
    from wangge.people.models import Household

    if not building_ids:
        raise ServiceError(_("请至少选择一栋楼"))
    if actor is not None and not scope_for(actor).is_staff:
        raise Forbidden(_("只有社区、街道工作人员可以安排走访轮次"))
    if priority not in Priority.values:
        raise ServiceError(_("优先级须为 1–4，收到“%(priority)s”") % {"priority": priority})
    buildings = Building.objects.filter(pk__in=list(building_ids))
    if actor is not None:
        allowed = set(
            Building.objects.changeable_by(actor)
            .filter(pk__in=list(building_ids))
            .values_list("pk", flat=True)
        )
        outside = set(buildings.values_list("pk", flat=True)) - allowed
        if outside:
            raise Forbidden(_("有 %(count)s 栋楼不在您的管辖范围内") % {"count": len(outside)})
    staff_regions = scope_for(actor).staff_region_ids if actor is not None else None
    due = due_date_in(due_in_working_days)
    busy = set(
        Task.objects.filter(
            kind=TaskKind.VISIT,
            status=TaskStatus.OPEN,
            household__room__building_id__in=list(building_ids),
        ).values_list("household_id", flat=True)
    )
    households = (
        Household.objects.filter(room__building_id__in=list(building_ids), grid__isnull=False)
        .exclude(pk__in=busy)
        .select_related("room__building")
        .order_by("room__building_id", "room__unit__name", "room__name", "pk")
    )
    form = FORM_CODES[TaskKind.VISIT] if form_code is None else form_code.strip()[:100]
    creator = actor if actor is not None and actor.is_authenticated else None
    tasks = []
    for household in households:
        if (
            staff_regions is not None
            and not scope_for(actor).unrestricted
            and household.grid_id not in staff_regions
        ):
            continue
        assert household.room is not None
        tasks.append(
            Task(
                kind=TaskKind.VISIT,
                title=f"入户走访：{household.room.label}"[:200],
                note=note.strip(),
                region_id=household.grid_id,
                post=StaffPost.GRID_WORKER,
                priority=priority,
                due_date=due,
                form_code=form,
                household=household,
                building_id=household.room.building_id,
                created_by=creator,
            )
        )
    return _bulk(actor, tasks, channel, event="visit_round", buildings=list(building_ids))


@dataclass
class BatchTasks:
    verify_pair: int = 0
    locate_address: int = 0
    confirm_value: int = 0
    unplaced: int = 0  # rows with no grid and no office to send them to


def _fallback_region(actor: Any) -> int | None:
    """Where a row that matched no address goes: the importing office's own region."""
    if actor is None:
        return None
    scope = scope_for(actor)
    if not scope.staff_roots:
        return None
    return Region.objects.filter(code=scope.staff_roots[0]).values_list("pk", flat=True).first()


def tasks_from_batch(actor: Any, batch: Any) -> BatchTasks:
    """An import's verification visits, handed back to the grids and communities that must
    check them: a doubtful pair (two rows that may be one person), an address that matched no
    standard address, a value that conflicts with the household file (ID number or phone).

    One task per person (or per row, for a row with no person) and kind; the committed batch
    is the actor's, checked when it was committed, so no further scope check here."""
    from wangge.fusion.normalise import DOUBTFUL, REJECTED

    records = batch.records.all()
    fallback = _fallback_region(actor)
    counts = BatchTasks()
    # attname → value rows, not Task objects: a million-row import makes a hundred thousand
    # tasks, and building and saving them as model instances took most of a minute
    tasks: list[dict[str, Any]] = []
    seen: set[tuple[str, int | str]] = set()
    creator = actor if actor is not None and actor.is_authenticated else None
    due = due_date_in(VERIFY_WORKING_DAYS)
    now = timezone.now()

    labels = {kind: str(TaskKind(kind).label) for kind in FORM_CODES}
    creator_id = creator.pk if creator is not None else None

    def add(kind: str, row: dict[str, Any], what: str) -> None:
        key: tuple[str, int | str] = (kind, row["person_id"] or f"r{row['pk']}")
        if key in seen:
            return
        seen.add(key)
        region_id = row["grid_id"] or row["person__grid_id"] or fallback
        if region_id is None:
            counts.unplaced += 1
            return
        where = f"{row['file_name']}{'［' + row['sheet'] + '］' if row['sheet'] else ''}第{row['row']}行"
        grid_level = region_id in grids
        tasks.append(
            {
                "kind": kind,
                "title": f"{labels[kind]}：{what}（{where}）"[:200],
                "region_id": region_id,
                "post": StaffPost.GRID_WORKER if grid_level else "",
                "priority": Priority.NORMAL,
                "due_date": due,
                "form_code": FORM_CODES[kind],
                "person_id": row["person_id"],
                "household_id": row["household_id"],
                "source_record_id": row["pk"],
                "batch_id": batch.pk,
                "created_by_id": creator_id,
                "created_at": now,
            }
        )
        setattr(counts, kind, getattr(counts, kind) + 1)

    fields = (
        "pk",
        "person_id",
        "household_id",
        "grid_id",
        "person__grid_id",
        "file_name",
        "sheet",
        "row",
        "address_text",
    )
    doubtful = list(records.filter(status=DOUBTFUL).values(*fields))
    unmatched = list(
        records.exclude(status=REJECTED)
        .filter(address_code="")
        .exclude(address_text="")
        .values(*fields)
    )
    conflicting = list(
        records.filter(person__isnull=False)
        .exclude(status=REJECTED)
        .filter(
            (~Q(id_number_index="") & ~Q(id_number_index=F("person__id_number_index")))
            | (~Q(phone_index="") & ~Q(phone_index=F("person__phone_index")))
        )
        .values(*fields)
    )
    region_ids = {
        r["grid_id"] or r["person__grid_id"] for r in [*doubtful, *unmatched, *conflicting]
    } | {fallback}
    grids = set(
        Region.objects.filter(
            pk__in=[r for r in region_ids if r], level=RegionLevel.GRID
        ).values_list("pk", flat=True)
    )
    for row in doubtful:
        add(TaskKind.VERIFY_PAIR, row, "与已有人员可能是同一人")
    for row, held_name, held_where in _held_pairs(batch, fields):
        add(TaskKind.VERIFY_PAIR, row, f"与{held_where}的“{held_name}”是否同一人")
    for row in unmatched:
        add(TaskKind.LOCATE_ADDRESS, row, row["address_text"][:60])
    for row in conflicting:
        add(TaskKind.CONFIRM_VALUE, row, "身份证号或电话与户籍档案不一致")
    _unplaced_newcomers(batch, fallback, due, creator_id, now, tasks, counts)
    with transaction.atomic():
        insert_values(Task, tasks)  # the one bulk-write path (core.bulk)
        if tasks:
            audit_task(
                actor,
                AuditAction.CREATE,
                None,
                getattr(batch, "channel", "web"),
                count=len(tasks),
                event="from_batch",
                batch=batch.pk,
            )
    return counts


def _unplaced_newcomers(
    batch: Any,
    fallback: int | None,
    due: datetime.date,
    creator_id: int | None,
    now: datetime.datetime,
    tasks: list[dict[str, Any]],
    counts: BatchTasks,
) -> None:
    """A new resident whose address matched nothing was handed to the district (only it adds
    unplaced persons, fusion.HandOver); the importing office still goes to find the address."""
    from wangge.fusion.models import HandOver

    for handover in HandOver.objects.filter(batch=batch, person__isnull=True).order_by("pk"):
        if fallback is None:
            counts.unplaced += 1
            continue
        address = str(handover.values.get("address_text") or "")[:60]
        tasks.append(
            {
                "kind": TaskKind.LOCATE_ADDRESS,
                "title": f"核实地址：{address or '（无地址）'}（{handover.origin[:80]}）"[:200],
                "region_id": fallback,
                "post": "",
                "due_date": due,
                "form_code": FORM_CODES[TaskKind.LOCATE_ADDRESS],
                "batch_id": batch.pk,
                "subject_ref": f"fusion.handover:{handover.pk}",
                "created_by_id": creator_id,
                "created_at": now,
            }
        )
        counts.locate_address += 1


def _held_pairs(batch: Any, fields: tuple[str, ...]) -> list[tuple[dict[str, Any], str, str]]:
    """The grey-zone pairs nobody decided (their rows were held back from the commit): the
    row that was imported, with the name and place of the held one, for a visit to settle."""
    review = batch.summary.get("review", []) if isinstance(batch.summary, dict) else []
    held = {p["rid"]: p["other_rid"] for p in review if str(p["rid"]) not in batch.decisions}
    if not held:
        return []
    import polars as pl

    from wangge.fusion.models import SourceRecord
    from wangge.fusion.services import staged_records

    columns = ("rid", "source_file", "source_sheet", "source_row", "name")
    frame = staged_records(batch, columns=columns).filter(
        pl.col("rid").is_in([*held, *held.values()])
    )
    rows = {r["rid"]: r for r in frame.to_dicts()}
    sha_of = {f["name"]: f["sha256"] for f in batch.files}

    def origin(row: dict[str, Any]) -> tuple[str, str, int]:
        return (
            sha_of.get(row["source_file"], ""),
            (row["source_sheet"] or "")[:100],
            row["source_row"],
        )

    # by the file's digest, which is indexed; the file name is not, and a search by it read the
    # whole batch once per pair (minutes at a million rows). Not by the batch in SQL: SQLite
    # (no statistics) then chose the batch's index and read all its rows per query; rows of
    # other batches with the same file are left out here. Many rows of one sheet per query,
    # not one query per pair (a thousand held pairs took seconds).
    wanted: dict[tuple[str, str], set[int]] = {}
    for other in held.values():
        if other in rows:
            sha, sheet, number = origin(rows[other])
            wanted.setdefault((sha, sheet), set()).add(number)
    found: dict[tuple[str, str, int], dict[str, Any]] = {}
    for (sha, sheet), numbers in wanted.items():
        ordered = sorted(numbers)
        for i in range(0, len(ordered), 500):
            for record in (
                SourceRecord.objects.filter(
                    file_sha256=sha, sheet=sheet, row__in=ordered[i : i + 500]
                )
                # of a file uploaded twice (same digest), the first by name wins, as before
                .order_by("-file_name", "-pk")
                .values(*fields, "batch_id")
            ):
                if record.pop("batch_id") == batch.pk:
                    found[(sha, sheet, record["row"])] = record
    out = []
    for rid, other in held.items():
        mine, theirs = rows.get(rid), rows.get(other)
        if mine is None or theirs is None:
            continue
        imported = found.get(origin(theirs))
        if imported is None:
            continue
        sheet = f"［{mine['source_sheet']}］" if mine["source_sheet"] else ""
        out.append(
            (imported, mine["name"] or "", f"{mine['source_file']}{sheet}第{mine['source_row']}行")
        )
    return out


def tasks_after_commit(actor: Any, batch: Any) -> None:
    """The import's hook: the verification tasks are a job of their own (`import-tasks`),
    queued once the batch is committed. A 1M-row batch makes about 100,000 tasks in several
    seconds that the commit itself need not wait for, and a failure there must never undo a
    commit that succeeded: it is logged, not raised (the batch page still lists the rows to
    check, and the job page offers a retry)."""
    from wangge.jobs.services import enqueue
    from wangge.tasks.jobs import BATCH_TASKS

    try:
        enqueue(BATCH_TASKS, actor, {"batch_id": batch.pk})
    except Exception:
        logger.exception("批次 %s 的核实任务未能排队", getattr(batch, "pk", "?"))


def tasks_for_committed_batch(actor: Any, batch_id: int) -> BatchTasks | None:
    """The `import-tasks` job: a batch's verification tasks, once. None when there is nothing
    to do: the batch was undone before the job ran, or an earlier attempt already made them
    (a worker that died after its transaction committed)."""
    from wangge.fusion.models import BatchStatus, ImportBatch

    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.status != BatchStatus.COMMITTED:
        return None
    if Task.objects.filter(batch_id=batch_id).exists():
        return None
    return tasks_from_batch(actor, batch)
