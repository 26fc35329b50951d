"""Every change to a task: created, assigned, completed, cancelled, escalated.

Every app makes its tasks here (`create_task`, or the bulk helpers for an import batch and a
visit round), so that scope, due dates in working days, audit and escalation are decided once.
Each function takes the acting user (`None` is the system: the command line, a scheduled job,
another app's hook that has checked its own actor), checks the scope through `wangge.access`,
writes in one transaction and leaves an audit entry.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from wangge.access import audit
from wangge.access.models import AuditAction
from wangge.access.scoping import Right, allows, get_visible, refuse, require, scope_for
from wangge.cases.workdays import add_working_days, is_workday
from wangge.core.bulk import insert_values
from wangge.core.errors import Forbidden, ServiceError
from wangge.geo.models import Region, RegionLevel, StaffPost
from wangge.tasks.models import Priority, Task, TaskKind, TaskStatus

logger = logging.getLogger(__name__)

# The form each kind of task asks for (the XLSForm form_id the forms app serves).
FORM_CODES: dict[str, str] = {
    TaskKind.VISIT: "household_visit",
    TaskKind.VERIFY_PAIR: "verify_pair",
    TaskKind.LOCATE_ADDRESS: "verify_address",
    TaskKind.CONFIRM_VALUE: "verify_value",
}
VERIFY_WORKING_DAYS = 5  # an import's verification visits
CASE_VERIFY_WORKING_DAYS = 1  # a handled case checked on site
GRID_POSTS = (StaffPost.GRID_WORKER, StaffPost.GRID_LEADER)
# One answer for a task id that does not exist and one the user may not see (`get_task`).
TASK_NOT_FOUND = "未找到该任务，或不在您的工作范围内"
_BULK = 2000


def due_date_in(working_days: int, now: datetime.datetime | None = None) -> datetime.date:
    """The date `working_days` Chinese working days from now (0: today, or the next working
    day when today is a rest day)."""
    moment = timezone.localtime(now or timezone.now())
    if working_days <= 0:
        day = moment.date()
        while not is_workday(day):
            day += datetime.timedelta(days=1)
        return day
    return add_working_days(moment, working_days).date()


def _region_of(
    region: Region | None,
    household: Any,
    person: Any,
    building: Any,
    case: Any,
    source_record: Any,
) -> int | None:
    if region is not None:
        return region.pk
    for subject in (household, person, building, source_record):
        if subject is not None and getattr(subject, "grid_id", None):
            return int(subject.grid_id)
    if case is not None:
        return case.grid_id or case.community_id or case.region_id
    return None


def _covers(user: Any, region_id: int) -> bool:
    """Whether `user` works in `region_id` (a role over it or above it)."""
    scope = scope_for(user)
    return scope.unrestricted or region_id in scope.region_ids


def _check_assignee(assignee: Any, region_id: int) -> None:
    if assignee is None:
        return
    if not getattr(assignee, "is_active", False) or not _covers(assignee, region_id):
        name = assignee.get_username() if hasattr(assignee, "get_username") else "该用户"
        raise ServiceError(f"{name}不在该任务所在区域工作，不能承办")


def _default_title(kind: str, household: Any, building: Any, case: Any) -> str:
    label = TaskKind(kind).label if kind in TaskKind.values else kind
    if case is not None:
        return f"{case.number} {case.title}"[:200]
    if household is not None and household.room_id:
        return f"{label}：{household.room.label}"[:200]
    if building is not None:
        return f"{label}：{building.label}"[:200]
    return str(label)


def _audit(actor: Any, action: str, task: Task | None, channel: str, **detail: Any) -> None:
    audit.record(
        actor,
        action,
        "tasks.task",
        task.pk if task is not None else "",
        channel=channel,
        detail=detail,
    )


@transaction.atomic
def create_task(
    actor: Any,
    *,
    kind: str,
    region: Region | None = None,
    title: str = "",
    post: str = StaffPost.GRID_WORKER,
    assignee: Any = None,
    due_in_working_days: int | None = None,
    due_date: datetime.date | None = None,
    priority: int = Priority.NORMAL,
    form_code: str | None = None,
    household: Any = None,
    person: Any = None,
    building: Any = None,
    case: Any = None,
    source_record: Any = None,
    batch: Any = None,
    subject_ref: str = "",
    note: str = "",
    channel: str = "web",
) -> Task:
    """One task in `region` (or the subject's grid) for `assignee` or whoever holds `post`.

    Staff create tasks for anyone in their regions; a grid worker only for themselves or their
    grid's post (a visit they plan). The due date is `due_date`, or `due_in_working_days`
    working days from today (default 5)."""
    region_id = _region_of(region, household, person, building, case, source_record)
    if region_id is None:
        raise ServiceError("任务须有所属区域（网格或社区）：对象未落到任何网格时请指定区域")
    if kind not in TaskKind.values:
        raise ServiceError(f"未知的任务类型“{str(kind)[:30]}”")
    if priority not in Priority.values:
        raise ServiceError(f"优先级须为 1–4，收到“{priority}”")
    if post and post not in StaffPost.values:
        raise ServiceError(f"未知的岗位“{str(post)[:30]}”")
    if building is None and household is not None and household.room_id:
        building = household.room.building
    task = Task(
        kind=kind,
        title=(title.strip() or _default_title(kind, household, building, case))[:200],
        note=note.strip(),
        region_id=region_id,
        post=post or "",
        assignee=assignee,
        priority=priority,
        due_date=due_date or due_date_in(5 if due_in_working_days is None else due_in_working_days),
        form_code=FORM_CODES.get(kind, "") if form_code is None else form_code.strip()[:100],
        household=household,
        person=person,
        building=building,
        case=case,
        source_record=source_record,
        batch=batch,
        subject_ref=subject_ref[:100],
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    if actor is not None and not allows(actor, task, Right.DISPATCH):
        own = assignee is None or assignee.pk == actor.pk
        if not (own and allows(actor, task, Right.CHANGE)):
            refuse(actor, task, Right.DISPATCH, message="只能在自己工作的网格内给自己创建任务")
    _check_assignee(assignee, region_id)
    task.save()
    _audit(actor, AuditAction.CREATE, task, channel, kind=kind, region=region_id)
    return task


def get_task(actor: Any, task_id: int, *, channel: str = "web") -> Task:
    """One task the actor may see, with what the pages show of it. A task outside their scope
    is answered as one that does not exist (`get_visible`: task ids are sequential), the
    refusal audited."""
    task: Task = get_visible(
        actor,
        Task.objects.select_related(
            "region", "assignee", "building", "household__room__building", "case"
        ),
        task_id,
        message=TASK_NOT_FOUND,
        channel=channel,
    )
    return task


class StaleTask(ServiceError):
    """Someone changed the task since the caller read it (409, like cases)."""

    status = 409


def _write(task: Task, version: int | None, **changes: Any) -> None:
    """Save `changes` unless someone else changed the task since `version` was read."""
    expected = task.version if version is None else version
    updated = Task.objects.filter(pk=task.pk, version=expected).update(
        **changes, version=F("version") + 1
    )
    if not updated:
        raise StaleTask(f"任务“{task.title}”已被他人修改，请刷新后再试")
    for name, value in changes.items():
        setattr(task, name, value)
    task.version = expected + 1


def _require_open(task: Task, doing: str) -> None:
    if task.status != TaskStatus.OPEN:
        raise ServiceError(f"任务“{task.title}”{task.get_status_display()}，不能{doing}")


@transaction.atomic
def complete_task(
    actor: Any,
    task: Task,
    *,
    result: str = "",
    result_data: dict[str, Any] | None = None,
    version: int | None = None,
    channel: str = "web",
) -> Task:
    """完成: the assignee (or, unassigned, whoever holds the post there; or the office over it)
    records the result. A case's task completes with the case, not here."""
    require(actor, task, Right.CHANGE, message="该任务不在您的工作范围内", channel=channel)
    if (
        actor is not None
        and task.assignee_id is not None
        and task.assignee_id != actor.pk
        and not allows(actor, task, Right.DISPATCH)
    ):
        refuse(actor, task, Right.CHANGE, message="该任务已分派给他人", channel=channel)
    _require_open(task, "完成")
    if task.kind == TaskKind.CASE:
        raise ServiceError("案件任务随案件办理自动完成，请在案件页面处理")
    _write(
        task,
        version,
        status=TaskStatus.DONE,
        result=result.strip()[:2000],
        result_data=result_data or {},
        completed_at=timezone.now(),
        completed_by=actor if actor is not None else None,
    )
    _audit(actor, AuditAction.UPDATE, task, channel, event="completed")
    return task


def complete_task_for(
    actor: Any, *, task_id: int, result: str = "", result_data: dict[str, Any] | None = None
) -> Task:
    """For the forms app: a submission that names `?task=<id>` completes that task."""
    task = get_task(actor, task_id, channel="form")
    return complete_task(actor, task, result=result, result_data=result_data, channel="form")


@transaction.atomic
def assign_task(
    actor: Any, task: Task, assignee: Any, *, version: int | None = None, channel: str = "web"
) -> Task:
    """分派 / 改派: the office over the task gives it to one user (None: back to the post)."""
    require(actor, task, Right.DISPATCH, message="只有上级社区、街道可以分派任务", channel=channel)
    _require_open(task, "分派")
    _check_assignee(assignee, task.region_id)
    before = task.assignee_id
    _write(task, version, assignee=assignee)
    _audit(
        actor,
        AuditAction.UPDATE,
        task,
        channel,
        event="assigned",
        before=before,
        after=assignee.pk if assignee is not None else None,
    )
    return task


@transaction.atomic
def cancel_task(
    actor: Any, task: Task, *, reason: str, version: int | None = None, channel: str = "web"
) -> Task:
    require(actor, task, Right.DISPATCH, message="只有上级社区、街道可以取消任务", channel=channel)
    _require_open(task, "取消")
    if not reason.strip():
        raise ServiceError("请填写取消原因")
    _write(task, version, status=TaskStatus.CANCELLED, result=reason.strip()[:2000])
    _audit(actor, AuditAction.UPDATE, task, channel, event="cancelled")
    return task


# -- many at once: visit rounds, an import's verification visits ----------------------------


def _bulk(actor: Any, tasks: list[Task], channel: str, **detail: Any) -> list[Task]:
    Task.objects.bulk_create(tasks, batch_size=_BULK)
    if tasks:
        _audit(actor, AuditAction.CREATE, None, channel, count=len(tasks), **detail)
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
        raise ServiceError("请至少选择一栋楼")
    if actor is not None and not scope_for(actor).is_staff:
        raise Forbidden("只有社区、街道工作人员可以安排走访轮次")
    if priority not in Priority.values:
        raise ServiceError(f"优先级须为 1–4，收到“{priority}”")
    buildings = Building.objects.filter(pk__in=list(building_ids))
    if actor is not None:
        allowed = set(
            Building.objects.changeable_by(actor)
            .filter(pk__in=list(building_ids))
            .values_list("pk", flat=True)
        )
        outside = set(buildings.values_list("pk", flat=True)) - allowed
        if outside:
            raise Forbidden(f"有 {len(outside)} 栋楼不在您的管辖范围内")
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
            _audit(
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


# -- cases -----------------------------------------------------------------------------------


def _case_wants_task(case: Any) -> bool:
    """A case is the grid's work while it is dispatched to the grid's own post, and while it
    waits to be checked on site (待核查), which grid workers do."""
    from wangge.cases.models import CaseStatus

    if case.status == CaseStatus.HANDLED:
        return True
    return case.post in GRID_POSTS and case.status in (
        CaseStatus.DISPATCHED,
        CaseStatus.IN_PROGRESS,
    )


def _case_region(case: Any) -> int | None:
    return case.grid_id or case.community_id or case.region_id


def _case_due(case: Any) -> datetime.date:
    from wangge.cases.models import CaseStatus

    if case.status != CaseStatus.HANDLED and case.handle_deadline is not None:
        return timezone.localtime(case.handle_deadline).date()
    return due_date_in(CASE_VERIFY_WORKING_DAYS)


def sync_case_task(case: Any) -> Task | None:
    """Keep the case's task in step with the case (called by the cases app on every change):
    open while the grid has something to do, done when the case is verified or closed,
    cancelled when the case went elsewhere. The case service has checked its actor."""
    from wangge.cases.models import CaseStatus

    task = Task.objects.filter(case_id=case.pk).first()
    wants = _case_wants_task(case) and _case_region(case) is not None
    verifying = case.status == CaseStatus.HANDLED
    title = f"{'核查' if verifying else '办理'}案件 {case.number}：{case.title}"[:200]
    if wants:
        region_id = _case_region(case)
        fields = {
            "status": TaskStatus.OPEN,
            "title": title,
            "region_id": region_id,
            "due_date": _case_due(case),
            "completed_at": None,
            "completed_by": None,
        }
        if task is None:
            return Task.objects.create(
                kind=TaskKind.CASE,
                post=StaffPost.GRID_WORKER,
                case_id=case.pk,
                priority=Priority.HIGH,
                **fields,
            )
        if any(getattr(task, k) != v for k, v in fields.items()):
            if task.region_id != region_id or task.status != TaskStatus.OPEN:
                fields["assignee"] = None
                fields["escalation_level"] = 0
            Task.objects.filter(pk=task.pk).update(**fields, version=F("version") + 1)
        return task
    if task is not None and task.status == TaskStatus.OPEN:
        done = case.status in (CaseStatus.VERIFIED, CaseStatus.CLOSED)
        Task.objects.filter(pk=task.pk).update(
            status=TaskStatus.DONE if done else TaskStatus.CANCELLED,
            completed_at=timezone.now() if done else None,
            result=f"案件{case.get_status_display()}",
            version=F("version") + 1,
        )
    return task


def case_changed(case: Any) -> None:
    """The cases app's hook (after each state change, inside its transaction)."""
    sync_case_task(case)


def reconcile_case_tasks(limit: int = 5000) -> int:
    """Cases changed in bulk (hotline intake, imports) get their tasks at the next sweep."""
    from wangge.cases.models import Case, CaseStatus

    wanting = (
        Case.objects.filter(
            Q(status=CaseStatus.HANDLED)
            | Q(
                post__in=list(GRID_POSTS),
                status__in=[CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS],
            )
        )
        .exclude(tasks__status=TaskStatus.OPEN)
        .order_by("pk")[:limit]
    )
    stale = Case.objects.filter(
        pk__in=Task.objects.filter(kind=TaskKind.CASE, status=TaskStatus.OPEN).values("case_id")
    ).exclude(
        Q(status=CaseStatus.HANDLED)
        | Q(
            post__in=list(GRID_POSTS),
            status__in=[CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS],
        )
    )[:limit]
    changed = 0
    for case in [*wanting, *stale]:
        with transaction.atomic():
            sync_case_task(case)
        changed += 1
    return changed


# -- escalation ------------------------------------------------------------------------------


@dataclass
class SweepResult:
    escalated: int = 0  # to the level above (community for a grid's task)
    escalated_twice: int = 0  # two levels above (street)
    cases_synced: int = 0


def working_days_back(today: datetime.date, days: int) -> datetime.date:
    """The date `days` working days before `today`."""
    day = today
    remaining = days
    while remaining > 0:
        day -= datetime.timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def sweep_overdue(now: datetime.datetime | None = None) -> SweepResult:
    """督办: an open task past its date goes to the level above at once (the community sees it
    among its grid's overdue work), and two levels above once it is
    WANGGE_TASK_ESCALATE_DAYS working days late. Run by the `task-sweep` job."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    result = SweepResult()
    with transaction.atomic():
        result.escalated = Task.objects.filter(
            status=TaskStatus.OPEN, due_date__lt=today, escalation_level=0
        ).update(escalation_level=1, escalated_at=now)
        late = working_days_back(today, settings.WANGGE_TASK_ESCALATE_DAYS)
        result.escalated_twice = Task.objects.filter(
            status=TaskStatus.OPEN, due_date__lt=late, escalation_level__lt=2
        ).update(escalation_level=2, escalated_at=now)
        if result.escalated or result.escalated_twice:
            _audit(
                None,
                AuditAction.UPDATE,
                None,
                "job",
                event="escalated",
                once=result.escalated,
                twice=result.escalated_twice,
            )
    result.cases_synced = reconcile_case_tasks()
    return result


def escalated_to(task: Task) -> Region | None:
    """The region a late task has been reported to (its region's ancestor at the level)."""
    if task.escalation_level <= 0:
        return None
    chain = task.region.ancestors()
    return chain[-task.escalation_level] if len(chain) >= task.escalation_level else None


def users_for_post(region_id: int) -> Iterable[Any]:
    """Users who work in a region as grid workers (for the assign picker)."""
    from django.contrib.auth import get_user_model

    from wangge.access.models import Role

    region = Region.objects.get(pk=region_id)
    codes = [region.code[:n] for n in range(1, len(region.code) + 1)]
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            role_assignments__role=Role.GRID_WORKER,
            role_assignments__region__code__in=codes,
        )
        .distinct()
        .order_by("username")
    )
