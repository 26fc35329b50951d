"""The case loop as plain functions: every state change checks the actor, writes the case with
an optimistic version check, appends a CaseEvent, records an audit entry and queues notifications
for after the commit.

Functions take the acting user first; `actor=None` is the machine (the deadline sweep) or an
anonymous resident on a public channel (resident_web, open311), for which the caller has already
checked the receipt token or API key.
"""

from __future__ import annotations

import contextlib
import datetime
import importlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.models import Role, RoleAssignment
from wangge.access.scoping import require_district_admin
from wangge.cases import reference, workdays
from wangge.cases.bulk import insert_one, insert_returning_ids, insert_values
from wangge.cases.hotline import WorkOrder, parse_work_orders
from wangge.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CasePhoto,
    CaseQuerySet,
    CaseStatus,
    Category,
    CategoryKind,
    Channel,
    Department,
    DepartmentMembership,
    EventKind,
    HotlineBatch,
    PhotoStage,
    Rating,
    Responsibility,
)
from wangge.cases.notify import Notification, deliver
from wangge.cases.scoping import case_scope, intake_rights
from wangge.core.errors import Forbidden, NotFound, Problem, ServiceError, ValidationFailed
from wangge.core.tabular import TabularError, read_sheets
from wangge.geo.models import Region, RegionLevel
from wangge.geo.pointindex import GridIndex

DEFAULT_RESPONSE_HOURS = 2
DEFAULT_HANDLE_WORKING_DAYS = 5
MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024
PUBLIC_CHANNELS = {Channel.RESIDENT_WEB, Channel.OPEN311}
ACTIVE = (CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS)


class Conflict(ServiceError):
    """Someone else changed the case after the actor loaded it; nothing was written."""

    status = 409


# --------------------------------------------------------------------------- reads


def visible_cases(user: Any) -> CaseQuerySet:
    return Case.objects.visible_to(user)


def list_cases(
    user: Any,
    *,
    status: str = "",
    category: str = "",
    region: str = "",
    department: int | None = None,
    overdue: bool = False,
    channel: str = "web",
) -> CaseQuerySet:
    """The user's cases, newest first, filtered; the list itself is audited (PIPL)."""
    queryset = visible_cases(user).select_related(
        "category", "region", "community", "grid", "department"
    )
    if status == "open":
        queryset = queryset.open()
    elif status:
        queryset = queryset.filter(status=status)
    if category:
        # Resolved to ids first: an OR across the category join kept PostgreSQL from using the
        # case table's composite indexes.
        categories = Category.objects.filter(Q(code=category) | Q(parent__code=category))
        queryset = queryset.filter(category_id__in=sorted(categories.values_list("pk", flat=True)))
    if region:
        regions = Region.objects.subtree(region).values_list("pk", flat=True)
        queryset = queryset.filter(region_id__in=sorted(regions))
    if department:
        queryset = queryset.filter(department_id=department)
    if overdue:
        queryset = queryset.filter(overdue_q(timezone.now()))
    audit.record(
        user,
        AuditAction.LIST,
        "case",
        "",
        channel=channel,
        detail={"status": status, "category": category, "region": region, "overdue": overdue},
    )
    return queryset


COUNT_CAP = 10_000


def count_cases(queryset: Any, cap: int | None = None) -> int:
    """How many cases match, counted up to `cap + 1` (shown as “10,000+”).

    An exact COUNT over hundreds of thousands of matching rows costs hundreds of milliseconds at
    a million cases; nobody pages that far, they narrow the filters.
    """
    cap = COUNT_CAP if cap is None else cap
    return queryset.order_by().values("pk")[: cap + 1].count()


def overdue_q(now: datetime.datetime) -> Q:
    return Q(status__in=ACTIVE) & (
        Q(handle_deadline__lt=now) | Q(status=CaseStatus.DISPATCHED, sign_deadline__lt=now)
    )


def shows_reporter_phone(user: Any, case: Case) -> bool:
    """The full number goes to the handlers of the department the case is dispatched to only."""
    scope = case_scope(user)
    return case.status != CaseStatus.CLOSED and (
        scope.unrestricted
        or (case.department_id is not None and case.department_id in scope.department_ids)
    )


def reporter_phone_for(user: Any, case: Case) -> str:
    return case.reporter_phone if shows_reporter_phone(user, case) else case.reporter_phone_masked


def get_case(user: Any, case_id: int, *, channel: str = "web") -> Case:
    case = (
        visible_cases(user)
        .select_related(
            "category", "region", "street", "community", "grid", "department", "handler"
        )
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound("未找到该案件，或不在您的管辖范围内")
    detail = {"reporter_phone": "shown"} if shows_reporter_phone(user, case) else {}
    audit.record(user, AuditAction.VIEW, "case", case.pk, channel=channel, detail=detail)
    return case


def case_by_token(token: str) -> Case:
    """The case a resident's rating link points to (the token is the only credential)."""
    case = (
        Case.objects.select_related("category", "department")
        .filter(rating_token=token)
        .exclude(rating_token="")
        .first()
        if len(token) >= 16
        else None
    )
    if case is None:
        raise NotFound("链接无效或已过期")
    return case


def timeline(case: Case) -> list[CaseEvent]:
    return list(case.events.select_related("department").prefetch_related("photos"))


def get_photo(user: Any, photo_id: int) -> CasePhoto:
    photo = CasePhoto.objects.select_related("case").filter(pk=photo_id).first()
    if photo is None or not visible_cases(user).filter(pk=photo.case_id).exists():
        raise NotFound("未找到该照片，或不在您的管辖范围内")
    audit.record(user, AuditAction.VIEW, "case_photo", photo.pk, detail={"case": photo.case_id})
    return photo


def departments_for(case: Case) -> QuerySet[Department]:
    """Departments a case may go to: unrestricted ones and those serving its region."""
    query = Q(region__isnull=True)
    if case.region_id and case.region is not None:
        codes = [case.region.code[:n] for n in range(1, len(case.region.code) + 1)]
        query |= Q(region__code__in=codes)
    return Department.objects.filter(query).order_by("code")


# ------------------------------------------------------------------ categories


def suggest_categories(text: str, k: int = 3) -> list[tuple[Category, float]]:
    """Categories proposed from the text by the shipped classifier (empty if none installed)."""
    if not text.strip():
        return []
    try:
        module = importlib.import_module("wangge.cases.suggester")
        suggestions = module.default_suggester().suggest(text, k=k)
    except (ImportError, FileNotFoundError, AttributeError):
        return []
    codes = [s.code for s in suggestions]
    by_code = {c.code: c for c in Category.objects.filter(code__in=codes, active=True)}
    return [(by_code[s.code], float(s.score)) for s in suggestions if s.code in by_code]


def resolve_category(text: str) -> Category | None:
    text = text.strip()
    if not text:
        return None
    return (
        Category.objects.filter(Q(code=text) | Q(name=text), active=True)
        .order_by("-parent_id")
        .first()
    )


# ------------------------------------------------------------- location, routing


def grid_index() -> tuple[GridIndex, dict[str, int]]:
    """Point → grid index over every grid with a boundary (cached per process, see reference)."""
    ref = _reference()
    return ref.index, ref.grid_ids


def _load_reference(token: str) -> reference.Reference:
    rows = list(
        Region.objects.filter(level=RegionLevel.GRID)
        .exclude(boundary="")
        .values_list("pk", "code", "boundary")
    )
    index = GridIndex([(code, shapely.from_geojson(b)) for _pk, code, b in rows])
    return reference.Reference(
        token=token,
        tree=RegionTree.load(),
        router=CaseRouter(),
        index=index,
        grid_ids={code: pk for pk, code, _b in rows},
        services={
            c.code: c for c in Category.objects.filter(active=True).exclude(children__active=True)
        },
        members=_load_members(),
    )


def _load_members() -> dict[int, list[str]]:
    members: dict[int, list[str]] = {}
    for department, username in DepartmentMembership.objects.order_by("user__username").values_list(
        "department_id", "user__username"
    ):
        members.setdefault(department, []).append(username)
    return members


def _reference() -> reference.Reference:
    return reference.get(_load_reference)


def service_category(code: str) -> Category | None:
    """The active leaf category with this code (an Open311 service), from the cached table.

    The instance is shared by the process: read it, never change it."""
    found: Category | None = _reference().services.get(code)
    return found


@dataclass
class RegionTree:
    """All regions in memory (thousands at most): ancestors without a query per case."""

    by_id: dict[int, tuple[str, str, str, int | None]]  # id → code, name, level, parent
    by_code: dict[str, int]

    @classmethod
    def load(cls) -> RegionTree:
        by_id: dict[int, tuple[str, str, str, int | None]] = {
            pk: (code, name, level, parent)
            for pk, code, name, level, parent in Region.objects.values_list(
                "pk", "code", "name", "level", "parent_id"
            )
        }
        return cls(by_id, {v[0]: k for k, v in by_id.items()})

    def chain(self, region_id: int | None) -> list[int]:
        """The region and its ancestors, deepest first."""
        out: list[int] = []
        while region_id is not None and region_id in self.by_id:
            out.append(region_id)
            region_id = self.by_id[region_id][3]
        return out

    def level_ids(self, region_id: int | None) -> dict[str, int]:
        return {self.by_id[pk][2]: pk for pk in self.chain(region_id)}

    def find_named(self, name: str, level: str, under: int | None = None) -> int | None:
        for pk, (code, region_name, region_level, _p) in self.by_id.items():
            if (
                region_name == name
                and region_level == level
                and (under is None or code.startswith(self.by_id[under][0]))
            ):
                return pk
        return None


@dataclass
class CategoryInfo:
    id: int
    code: str
    name: str
    parent_id: int | None
    department: str
    response_hours: int
    handle_working_days: int


class CaseRouter:
    """The responsibility table and category defaults, loaded once, for one or many cases."""

    def __init__(self) -> None:
        self.rules: dict[tuple[int, int | None], tuple[int, str]] = {
            (region, category): (department, post)
            for region, category, department, post in Responsibility.objects.values_list(
                "region_id", "category_id", "department_id", "post"
            )
        }
        self.departments = {
            name: (pk, region)
            for pk, name, region in Department.objects.values_list("pk", "name", "region_id")
        }
        self.categories = {
            row[0]: CategoryInfo(*row)
            for row in Category.objects.values_list(
                "pk",
                "code",
                "name",
                "parent_id",
                "department",
                "response_hours",
                "handle_working_days",
            )
        }

    def category(self, category_id: int | None) -> CategoryInfo | None:
        return self.categories.get(category_id) if category_id is not None else None

    def route(self, category_id: int | None, chain: list[int]) -> tuple[int, str] | None:
        """(department id, post) for a case, or None to leave it for manual dispatch."""
        info = self.category(category_id)
        keys: list[int | None] = []
        if info is not None:
            keys.append(info.id)
            if info.parent_id is not None:
                keys.append(info.parent_id)
        keys.append(None)
        for region in chain:
            for key in keys:
                if (region, key) in self.rules:
                    return self.rules[(region, key)]
        while info is not None:
            if info.department and info.department in self.departments:
                department, region = self.departments[info.department]
                if region is None or region in chain:
                    return department, ""
            info = self.category(info.parent_id)
        return None

    def deadlines(
        self, category_id: int | None, start: datetime.datetime
    ) -> tuple[datetime.datetime, datetime.datetime]:
        info = self.category(category_id)
        hours = info.response_hours if info else DEFAULT_RESPONSE_HOURS
        days = info.handle_working_days if info else DEFAULT_HANDLE_WORKING_DAYS
        local = timezone.localtime(start)
        return start + datetime.timedelta(hours=hours), workdays.add_working_days(local, days)


def deadlines_for(category: Category | None, start: datetime.datetime) -> tuple[Any, Any]:
    hours = category.response_hours if category else DEFAULT_RESPONSE_HOURS
    days = category.handle_working_days if category else DEFAULT_HANDLE_WORKING_DAYS
    local = timezone.localtime(start)
    return start + datetime.timedelta(hours=hours), workdays.add_working_days(local, days)


# ---------------------------------------------------------------------- intake


def reserve_numbers(count: int, now: datetime.datetime) -> list[str]:
    """`count` receipt numbers: YYYYMMDD + the day's sequence, increasing, never handed out twice.

    On PostgreSQL they come from a sequence per day (`nextval` takes no lock that lasts until
    commit, so concurrent reports do not queue behind each other); numbers of a transaction that
    rolls back are skipped, as with any sequence. Elsewhere (SQLite, one writer at a time) a
    counter row per day is bumped inside the caller's transaction.
    """
    day = timezone.localdate(now)
    if connection.vendor == "postgresql":
        numbers = _sequence_numbers(day, count)
    else:
        numbers = list(_counter_numbers(day, count))
    return [f"{day:%Y%m%d}{n:06d}" for n in numbers]


def _counter_numbers(day: datetime.date, count: int) -> range:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                counter = CaseCounter.objects.select_for_update().filter(day=day).first()
                if counter is None:
                    counter = CaseCounter.objects.create(day=day, last=0)
                first = counter.last + 1
                CaseCounter.objects.filter(day=day).update(last=F("last") + count)
            return range(first, first + count)
        except IntegrityError:  # another intake created the day's counter first
            continue
    raise ServiceError("受理编号分配失败，请重试")


_known_sequences: set[str] = set()


def _day_sequence(day: datetime.date) -> str:
    name = f"cases_number_{day:%Y%m%d}"
    key = f"{connection.settings_dict['NAME']}/{name}"
    if key not in _known_sequences:
        _create_sequence(name, day)
        _known_sequences.add(key)
    return name


def _number_in_sql(now: datetime.datetime) -> tuple[str, list[Any]] | None:
    """On PostgreSQL, the SQL that draws the next receipt number inside the case's INSERT."""
    if connection.vendor != "postgresql":
        return None
    day = timezone.localdate(now)
    return (
        "SELECT %s || CASE WHEN n < 1000000 THEN lpad(n::text, 6, '0') ELSE n::text END "
        "FROM nextval(%s) AS n",
        [f"{day:%Y%m%d}", _day_sequence(day)],
    )


def _sequence_numbers(day: datetime.date, count: int) -> list[int]:
    name = _day_sequence(day)
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s) FROM generate_series(1, %s)", [name, count])
        return [row[0] for row in cursor.fetchall()]


def _create_sequence(name: str, day: datetime.date) -> None:
    """Create the day's sequence on a connection of its own, committed at once: created inside
    the caller's transaction it would vanish with a rollback while other processes use it.
    It continues from the day's counter row, if numbers were handed out by counter that day."""
    import psycopg

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    last = CaseCounter.objects.filter(day=day).values_list("last", flat=True).first() or 0
    with (
        psycopg.connect(**params, autocommit=True) as side,
        contextlib.suppress(psycopg.errors.UniqueViolation),  # created at the same moment
    ):
        side.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START {int(last) + 1}')


def _token() -> str:
    return secrets.token_urlsafe(18)


@dataclass
class _Intake:
    """What intake needs loaded once per batch (a single report is a batch of one)."""

    ref: reference.Reference
    now: datetime.datetime

    @classmethod
    def load(cls) -> _Intake:
        return cls(_reference(), timezone.now())

    @property
    def tree(self) -> RegionTree:
        tree: RegionTree = self.ref.tree
        return tree

    @property
    def router(self) -> CaseRouter:
        router: CaseRouter = self.ref.router
        return router

    def locate(
        self, lons: Sequence[float | None], lats: Sequence[float | None]
    ) -> list[int | None]:
        """Grid ids of the points (None outside every grid), vectorised over the batch."""
        x = np.array([np.nan if v is None else v for v in lons], dtype=np.float64)
        y = np.array([np.nan if v is None else v for v in lats], dtype=np.float64)
        ids = self.ref.grid_ids
        return [ids[c] if c else None for c in self.ref.index.locate_codes(x, y)]

    def place(self, case: Case, region_id: int | None) -> None:
        case.region_id = region_id
        levels = self.tree.level_ids(region_id)
        case.street_id = levels.get(RegionLevel.STREET)
        case.community_id = levels.get(RegionLevel.COMMUNITY)
        case.grid_id = levels.get(RegionLevel.GRID)

    def dispatch(self, case: Case) -> bool:
        routed = self.router.route(case.category_id, self.tree.chain(case.region_id))
        if routed is None:
            return False
        case.department_id, case.post = routed
        case.status = CaseStatus.DISPATCHED
        case.dispatched_at = self.now
        case.sign_deadline, case.handle_deadline = self.router.deadlines(case.category_id, self.now)
        return True


def _check_location(lon: float | None, lat: float | None) -> None:
    if (lon is None) != (lat is None):
        raise ServiceError("经度和纬度须同时填写")
    if lon is not None and lat is not None and not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise ServiceError(f"位置（{lon}, {lat}）不在中国境内，请检查经纬度")


def _image_type(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _check_photos(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(f"照片最多{MAX_PHOTOS}张")
    checked = []
    for photo in photos:
        name = photo.name or "照片"
        if (photo.size or 0) > MAX_PHOTO_BYTES:
            raise ServiceError(f"照片“{name}”超过10MB，请压缩后再上传")
        photo.seek(0)
        kind = _image_type(photo.read(16))
        photo.seek(0)
        if kind is None:
            raise ServiceError(f"“{name}”不是图片（支持JPEG、PNG、WebP、GIF）")
        checked.append((photo, kind))
    return checked


def _save_photos(
    case: Case,
    event: CaseEvent,
    photos: list[tuple[UploadedFile, str]],
    stage: str,
    actor: Any,
) -> None:
    for photo, kind in photos:
        CasePhoto.objects.create(
            case=case,
            event=event,
            stage=stage,
            image=photo,
            content_type=kind,
            uploaded_by=actor if _is_user(actor) else None,
        )


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def _actor_name(actor: Any) -> str:
    return actor.get_username() if _is_user(actor) else ""


def _check_can_submit(actor: Any, channel: str) -> None:
    if channel not in Channel.values:
        raise ServiceError(f"未知渠道“{channel}”")
    if actor is None:
        if channel not in PUBLIC_CHANNELS:
            raise Forbidden("请先登录")
        return
    may_submit, is_staff = intake_rights(actor)
    if not may_submit:
        raise Forbidden("您没有受理案件的权限")
    if channel == Channel.HOTLINE and not is_staff:
        raise Forbidden("只有街道、社区或区网格中心工作人员可以录入热线工单")


@transaction.atomic
def submit_case(
    actor: Any,
    *,
    channel: str,
    title: str,
    description: str = "",
    category: Category | None = None,
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    region: Region | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    external_id: str = "",
    created_at: datetime.datetime | None = None,
    photos: Sequence[UploadedFile] = (),
    auto_dispatch: bool = True,
) -> Case:
    """Accept one case from any channel, place it on the grid and dispatch it if a rule fits."""
    _check_can_submit(actor, channel)
    title, description = title.strip(), description.strip()
    if not title and not description:
        raise ServiceError("请填写问题描述")
    _check_location(lon, lat)
    if category is not None and not category.active:
        raise ServiceError(f"类别“{category.name}”已停用")
    if external_id and Case.objects.filter(channel=channel, external_id=external_id).exists():
        raise ServiceError(f"工单编号“{external_id}”已经导入过")
    checked = _check_photos(photos)
    intake = _Intake.load()
    number_sql = _number_in_sql(intake.now)
    case = Case(
        number="" if number_sql else reserve_numbers(1, intake.now)[0],
        channel=channel,
        external_id=external_id,
        title=(title or description)[:200],
        description=description,
        category=category,
        address=address.strip()[:255],
        lon=lon,
        lat=lat,
        reporter_name=reporter_name.strip()[:50],
        reporter_phone=reporter_phone.strip(),
        reporter_user=actor if _is_user(actor) else None,
        created_at=created_at or intake.now,
        rating_token=_token(),
    )
    region_id = region.pk if region is not None else None
    if lon is not None and lat is not None:
        region_id = intake.locate([lon], [lat])[0] or region_id
    intake.place(case, region_id)
    dispatched = auto_dispatch and intake.dispatch(case)
    # what case.save() writes, without its per-field machinery
    insert_one(case, {"number": number_sql} if number_sql else {})
    submitted = _event(
        case, EventKind.SUBMITTED, actor, channel=channel, to_status=CaseStatus.NEW, save=False
    )
    events = [submitted]
    if dispatched:
        events.append(
            _event(
                case,
                EventKind.DISPATCHED,
                None,
                channel="auto",
                from_status=CaseStatus.NEW,
                to_status=CaseStatus.DISPATCHED,
                department_id=case.department_id,
                note="按责任清单自动派遣",
                save=False,
            )
        )
    insert_returning_ids(events)  # one round trip; ids come back for the photos
    _save_photos(case, submitted, checked, PhotoStage.REPORT, actor)
    if dispatched:
        _notify_department(case, "dispatched", f"新派遣案件：{case.title}")
    audit.record(actor, AuditAction.CREATE, "case", case.pk, channel=_audit_channel(channel))
    return case


def _audit_channel(channel: str) -> str:
    return {"grid_worker": "web", "resident_web": "web"}.get(channel, channel)


@dataclass
class IntakeResult:
    batch: HotlineBatch
    cases: list[Case] = field(default_factory=list)


def import_hotline_file(actor: Any, data: bytes, *, file_name: str) -> IntakeResult:
    """Read a hotline export (xlsx/CSV) and take in all of its work orders, or none."""
    try:
        sheets = read_sheets(file_name, data=data)
    except TabularError as exc:
        raise ServiceError(str(exc)) from exc
    orders, problems = parse_work_orders(sheets)
    if problems:
        raise ValidationFailed(
            f"{file_name}：发现{len(problems)}个问题，整批未导入，请修改后重新上传", problems
        )
    return intake_work_orders(actor, orders, file_name=file_name)


@transaction.atomic
def intake_work_orders(
    actor: Any, orders: Sequence[WorkOrder], *, file_name: str, channel: str = "hotline"
) -> IntakeResult:
    """Bulk intake: one query per lookup table, bulk inserts, nothing stored if any row fails."""
    _check_can_submit(actor, Channel.HOTLINE)
    scope = case_scope(actor)
    intake = _Intake.load()
    problems: list[Problem] = []
    existing = set()
    ids = [o.external_id for o in orders]
    for start in range(0, len(ids), 500):
        existing |= set(
            Case.objects.filter(channel=Channel.HOTLINE, external_id__in=ids[start : start + 500])
            .exclude(external_id="")  # lets SQLite use the partial unique index
            .order_by()
            .values_list("external_id", flat=True)
        )
    by_code = {info.code: info.id for info in intake.router.categories.values()}
    by_name: dict[str, int] = {}
    for info in sorted(intake.router.categories.values(), key=lambda i: i.parent_id is None):
        by_name.setdefault(info.name, info.id)
    located = intake.locate([o.lon for o in orders], [o.lat for o in orders])
    cases: list[Case] = []
    for order, grid_id in zip(orders, located, strict=True):
        where = order.where
        if order.external_id in existing:
            problems.append(Problem(where, f"工单编号“{order.external_id}”已经导入过"))
            continue
        category_id = None
        if order.category:
            category_id = by_code.get(order.category) or by_name.get(order.category)
            if category_id is None:
                problems.append(Problem(where, f"类别“{order.category}”不在类别表中"))
                continue
        region_id = _region_of(order, grid_id, intake.tree, problems)
        if region_id is False:
            continue
        code = intake.tree.by_id[region_id][0] if isinstance(region_id, int) else None
        if not scope.unrestricted:
            if code is None and not scope.includes_unplaced:
                problems.append(
                    Problem(where, "无法确定所属区域：请填写经纬度、街道和社区，或区域编码")
                )
                continue
            if code is not None and not any(code.startswith(r) for r in scope.staff_roots):
                name = intake.tree.by_id[region_id][1] if isinstance(region_id, int) else ""
                problems.append(Problem(where, f"位置在{name}，不在您的管辖范围内"))
                continue
        case = Case(
            channel=channel,
            external_id=order.external_id,
            title=order.title,
            description=order.description,
            category_id=category_id,
            address=order.address,
            lon=order.lon,
            lat=order.lat,
            reporter_name=order.reporter_name,
            reporter_phone=order.reporter_phone,
            created_at=(timezone.make_aware(order.created_at) if order.created_at else intake.now),
            rating_token=_token(),
        )
        intake.place(case, region_id if isinstance(region_id, int) else None)
        cases.append(case)
    if problems:
        raise ValidationFailed(
            f"{file_name}：发现{len(problems)}个问题，整批未导入，请修改后重新上传", problems
        )
    batch = HotlineBatch.objects.create(
        file_name=file_name[:255], uploaded_by=actor if _is_user(actor) else None
    )
    numbers = reserve_numbers(len(cases), intake.now)
    dispatched = 0
    for case, number in zip(cases, numbers, strict=True):
        case.number = number
        case.batch = batch
        dispatched += intake.dispatch(case)
    insert_returning_ids(cases)
    events: list[dict[str, Any]] = []
    name = _actor_name(actor)
    actor_id = actor.pk if _is_user(actor) else None
    for case in cases:
        events.append(
            {
                "case_id": case.pk,
                "at": intake.now,
                "kind": EventKind.SUBMITTED,
                "actor_id": actor_id,
                "actor_name": name,
                "channel": channel,
                "to_status": CaseStatus.NEW,
                "note": f"热线工单 {case.external_id}（{file_name}）",
            }
        )
        if case.status == CaseStatus.DISPATCHED:
            events.append(
                {
                    "case_id": case.pk,
                    "at": intake.now,
                    "kind": EventKind.DISPATCHED,
                    "channel": "auto",
                    "from_status": CaseStatus.NEW,
                    "to_status": CaseStatus.DISPATCHED,
                    "department_id": case.department_id,
                    "note": "按责任清单自动派遣",
                }
            )
    insert_values(CaseEvent, events)
    batch.case_count = len(cases)
    batch.dispatched_count = dispatched
    batch.save(update_fields=["case_count", "dispatched_count"])
    audit.record(
        actor,
        AuditAction.IMPORT,
        "hotline_batch",
        batch.pk,
        channel="web" if channel == Channel.HOTLINE else channel,
        detail={"file": file_name, "cases": len(cases), "dispatched": dispatched},
    )
    per_department: dict[int, int] = {}
    for case in cases:
        if case.department_id:
            per_department[case.department_id] = per_department.get(case.department_id, 0) + 1
    notes = [
        Notification(
            kind="dispatched",
            case_number=f"批次{batch.pk}",
            title=file_name,
            message=f"热线批量派遣：{count}件新案件，请及时签收",
            usernames=_department_usernames(department),
        )
        for department, count in per_department.items()
    ]
    transaction.on_commit(lambda: deliver(notes))
    return IntakeResult(batch, cases)


def _region_of(
    order: WorkOrder, grid_id: int | None, tree: RegionTree, problems: list[Problem]
) -> int | None | bool:
    """The most specific region an order names; False (and a problem) if it names a wrong one."""
    if grid_id is not None:
        return grid_id
    if order.lon is not None:
        problems.append(
            Problem(order.where, f"位置（{order.lon}, {order.lat}）不在任何网格内，请核对经纬度")
        )
        return False
    if order.region:
        if order.region not in tree.by_code:
            problems.append(Problem(order.where, f"区域编码“{order.region}”不存在"))
            return False
        return tree.by_code[order.region]
    street = None
    if order.street:
        street = tree.find_named(order.street, RegionLevel.STREET)
        if street is None:
            problems.append(Problem(order.where, f"街道“{order.street}”不存在"))
            return False
    if order.community:
        community = tree.find_named(order.community, RegionLevel.COMMUNITY, street)
        if community is None:
            where = f"{order.street}下" if order.street else ""
            problems.append(Problem(order.where, f"{where}没有名为“{order.community}”的社区"))
            return False
        return community
    return street


# ----------------------------------------------------------------- state changes


def _event(
    case: Case,
    kind: str,
    actor: Any,
    *,
    channel: str = "web",
    from_status: str = "",
    to_status: str = "",
    department_id: int | None = None,
    note: str = "",
    data: dict[str, Any] | None = None,
    save: bool = True,
) -> CaseEvent:
    event = CaseEvent(
        case=case,
        at=timezone.now(),
        kind=kind,
        actor=actor if _is_user(actor) else None,
        actor_name=_actor_name(actor),
        channel=channel,
        from_status=from_status,
        to_status=to_status,
        department_id=department_id,
        note=note,
        data=data or {},
    )
    if save:
        event.save(force_insert=True)
    return event


def _write(case: Case, version: int | None, **changes: Any) -> None:
    """Apply `changes` only if the case is still at the version the actor saw."""
    expected = case.version if version is None else version
    rows = Case.objects.filter(pk=case.pk, version=expected).update(
        version=expected + 1, updated_at=timezone.now(), **changes
    )
    if rows == 0:
        current = Case.objects.filter(pk=case.pk).values_list("version", flat=True).first()
        raise _conflict(case, expected, current)
    for name, value in changes.items():
        setattr(case, name, value)
    case.version = expected + 1


def _conflict(case: Case, expected: int, current: Any) -> Conflict:
    return Conflict(
        f"案件 {case.number} 已被他人更新（您看到的是第{expected}版，现在是第{current}版），"
        "请刷新后查看最新情况再操作"
    )


def _require_status(
    case: Case, allowed: Iterable[str], doing: str, version: int | None = None
) -> None:
    """Stale first: someone who acted on an old page hears that, not a status complaint."""
    if version is not None and version != case.version:
        raise _conflict(case, version, case.version)
    allowed = list(allowed)
    if case.status not in allowed:
        names = "、".join(str(CaseStatus(s).label) for s in allowed)
        raise ServiceError(
            f"案件 {case.number} 当前为“{case.get_status_display()}”，只有{names}的案件可以{doing}"
        )


def _require_reason(reason: str, what: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ServiceError(f"请填写{what}")
    return reason[:1000]


def _changed(actor: Any, case: Case, kind: str, channel: str = "web") -> None:
    audit.record(
        actor,
        AuditAction.UPDATE,
        "case",
        case.pk,
        channel=_audit_channel(channel),
        detail={"event": kind, "version": case.version},
    )


def _check_department(case: Case, department: Department) -> None:
    if (
        department.region_id is not None
        and case.region_id is not None
        and not departments_for(case).filter(pk=department.pk).exists()
    ):
        raise ServiceError(f"{department.name}不负责该案件所在区域")


@transaction.atomic
def dispatch_case(
    actor: Any,
    case: Case,
    *,
    department: Department,
    post: str = "",
    note: str = "",
    version: int | None = None,
    channel: str = "web",
) -> Case:
    """派遣: staff send a waiting (new or returned) case to a department."""
    if not case_scope(actor).can_dispatch(case):
        raise Forbidden("只有案件所在街道、社区的工作人员可以派遣")
    if version is not None and version != case.version:
        raise _conflict(case, version, case.version)
    if case.status in ACTIVE and case.department is not None:
        raise ServiceError(
            f"案件 {case.number} 已派遣给{case.department.name}，如需改派请使用“转派”"
        )
    _require_status(case, [CaseStatus.NEW], "派遣", version)
    _check_department(case, department)
    now = timezone.now()
    sign, handle = deadlines_for(case.category, now)
    _write(
        case,
        version,
        status=CaseStatus.DISPATCHED,
        department=department,
        post=post,
        handler=None,
        dispatched_at=now,
        sign_deadline=sign,
        handle_deadline=handle,
        reminded_at=None,
        escalation_level=0,
    )
    _event(
        case,
        EventKind.DISPATCHED,
        actor,
        channel=channel,
        from_status=CaseStatus.NEW,
        to_status=CaseStatus.DISPATCHED,
        department_id=department.pk,
        note=note.strip(),
    )
    _changed(actor, case, EventKind.DISPATCHED, channel)
    _notify_department(case, "dispatched", f"新派遣案件：{case.title}")
    return case


@transaction.atomic
def transfer_case(
    actor: Any,
    case: Case,
    *,
    department: Department,
    reason: str,
    version: int | None = None,
    channel: str = "web",
) -> Case:
    """转派: staff move a dispatched case to another department; the deadlines start again."""
    if not case_scope(actor).can_dispatch(case):
        raise Forbidden("只有案件所在街道、社区的工作人员可以转派")
    _require_status(case, ACTIVE, "转派", version)
    reason = _require_reason(reason, "转派原因")
    if department.pk == case.department_id:
        raise ServiceError(f"案件已在{department.name}办理，请选择其他部门")
    _check_department(case, department)
    previous = case.department_id
    now = timezone.now()
    sign, handle = deadlines_for(case.category, now)
    status = case.status
    _write(
        case,
        version,
        status=CaseStatus.DISPATCHED,
        department=department,
        handler=None,
        dispatched_at=now,
        signed_at=None,
        sign_deadline=sign,
        handle_deadline=handle,
        reminded_at=None,
        escalation_level=0,
    )
    _event(
        case,
        EventKind.TRANSFERRED,
        actor,
        channel=channel,
        from_status=status,
        to_status=CaseStatus.DISPATCHED,
        department_id=department.pk,
        note=reason,
        data={"from_department": previous},
    )
    _changed(actor, case, EventKind.TRANSFERRED, channel)
    _notify_department(case, "dispatched", f"转派来的案件：{case.title}")
    return case


def _require_handler(actor: Any, case: Case, doing: str) -> None:
    if not case_scope(actor).handles(case):
        raise Forbidden(f"只有承办部门的工作人员可以{doing}")


@transaction.atomic
def return_case(
    actor: Any, case: Case, *, reason: str, version: int | None = None, channel: str = "web"
) -> Case:
    """退单: the department sends back a case that is not theirs, saying why."""
    _require_handler(actor, case, "退单")
    _require_status(case, ACTIVE, "退单", version)
    reason = _require_reason(reason, "退单原因")
    department = case.department_id
    status = case.status
    _write(
        case,
        version,
        status=CaseStatus.NEW,
        department=None,
        post="",
        handler=None,
        signed_at=None,
        sign_deadline=None,
        handle_deadline=None,
        reminded_at=None,
        escalation_level=0,
        return_count=case.return_count + 1,
    )
    _event(
        case,
        EventKind.RETURNED,
        actor,
        channel=channel,
        from_status=status,
        to_status=CaseStatus.NEW,
        department_id=department,
        note=reason,
    )
    _changed(actor, case, EventKind.RETURNED, channel)
    _notify(
        case,
        "returned",
        f"案件被退回，请重新派遣。原因：{reason}",
        _staff_usernames(case, [Role.STREET_OFFICER, Role.COMMUNITY_OFFICER]),
    )
    return case


@transaction.atomic
def sign_in(actor: Any, case: Case, *, version: int | None = None, channel: str = "web") -> Case:
    """签收: a handler takes the case; the response (响应) clock stops here."""
    _require_handler(actor, case, "签收")
    _require_status(case, [CaseStatus.DISPATCHED], "签收", version)
    _write(case, version, status=CaseStatus.IN_PROGRESS, handler=actor, signed_at=timezone.now())
    _event(
        case,
        EventKind.SIGNED_IN,
        actor,
        channel=channel,
        from_status=CaseStatus.DISPATCHED,
        to_status=CaseStatus.IN_PROGRESS,
        department_id=case.department_id,
    )
    _changed(actor, case, EventKind.SIGNED_IN, channel)
    return case


@transaction.atomic
def record_handling(
    actor: Any,
    case: Case,
    *,
    result: str,
    photos: Sequence[UploadedFile] = (),
    version: int | None = None,
    channel: str = "web",
) -> Case:
    """处置反馈: what was done, with photos; the case then waits for verification (核查)."""
    _require_handler(actor, case, "反馈处置结果")
    _require_status(case, ACTIVE, "反馈处置结果", version)
    result = _require_reason(result, "处置结果")
    checked = _check_photos(photos)
    now = timezone.now()
    status = case.status
    changes: dict[str, Any] = {"status": CaseStatus.HANDLED, "result": result, "handled_at": now}
    if status == CaseStatus.DISPATCHED:  # handled on the spot: signing in is implied
        changes.update(handler=actor, signed_at=now)
    _write(case, version, **changes)
    event = _event(
        case,
        EventKind.HANDLED,
        actor,
        channel=channel,
        from_status=status,
        to_status=CaseStatus.HANDLED,
        department_id=case.department_id,
        note=result,
    )
    _save_photos(case, event, checked, PhotoStage.HANDLING, actor)
    _changed(actor, case, EventKind.HANDLED, channel)
    _notify(
        case,
        "handled",
        f"案件已处置，请核查：{case.title}",
        _staff_usernames(case, [Role.GRID_WORKER]),
    )
    return case


def _verify(
    actor: Any,
    case: Case,
    *,
    passed: bool,
    note: str,
    photos: Sequence[UploadedFile],
    version: int | None,
    channel: str,
) -> Case:
    _require_status(case, [CaseStatus.HANDLED], "核查", version)
    checked = _check_photos(photos)
    if passed:
        _write(case, version, status=CaseStatus.VERIFIED, verified_at=timezone.now())
        kind, to_status = EventKind.VERIFIED, CaseStatus.VERIFIED
    else:
        note = _require_reason(note, "核查未通过的原因")
        _write(case, version, status=CaseStatus.IN_PROGRESS, handled_at=None)
        kind, to_status = EventKind.VERIFICATION_FAILED, CaseStatus.IN_PROGRESS
    event = _event(
        case,
        kind,
        actor,
        channel=channel,
        from_status=CaseStatus.HANDLED,
        to_status=to_status,
        department_id=case.department_id,
        note=note.strip(),
    )
    _save_photos(case, event, checked, PhotoStage.VERIFICATION, actor)
    _changed(actor, case, kind, channel)
    if passed:
        _notify(
            case,
            "verified",
            f"您反映的问题已处理完毕，请评价：{case.title}",
            [],
            phone=case.reporter_phone,
            link=f"/cases/rate/{case.rating_token}/",
        )
    else:
        _notify(
            case,
            "verification_failed",
            f"核查未通过，请继续处置：{note}",
            _department_usernames(case.department_id),
        )
    return case


@transaction.atomic
def verify_case(
    actor: Any,
    case: Case,
    *,
    passed: bool,
    note: str = "",
    photos: Sequence[UploadedFile] = (),
    version: int | None = None,
    channel: str = "web",
) -> Case:
    """核查: the grid worker (or community/street staff) checks the result on the spot."""
    if not case_scope(actor).can_verify(case):
        raise Forbidden("只有案件所在网格的网格员或社区、街道工作人员可以核查")
    return _verify(
        actor, case, passed=passed, note=note, photos=photos, version=version, channel=channel
    )


@transaction.atomic
def verify_by_resident(token: str, *, passed: bool, note: str = "") -> Case:
    """The resident who reported confirms (or not) through the link they were sent."""
    case = case_by_token(token)
    return _verify(
        None, case, passed=passed, note=note, photos=(), version=None, channel="resident_web"
    )


def _rate(
    actor: Any, case: Case, *, rating: str, comment: str, version: int | None, channel: str
) -> Case:
    _require_status(case, [CaseStatus.VERIFIED], "评价", version)
    if rating not in Rating.values:
        raise ServiceError("请选择满意、基本满意或不满意")
    now = timezone.now()
    _write(
        case,
        version,
        status=CaseStatus.CLOSED,
        rating=rating,
        rating_comment=comment.strip()[:500],
        rated_at=now,
        closed_at=now,
    )
    _event(
        case,
        EventKind.RATED,
        actor,
        channel=channel,
        from_status=CaseStatus.VERIFIED,
        to_status=CaseStatus.VERIFIED,
        note=f"{Rating(rating).label}" + (f"：{comment.strip()}" if comment.strip() else ""),
        data={"rating": rating},
    )
    _event(
        case,
        EventKind.CLOSED,
        actor,
        channel=channel,
        from_status=CaseStatus.VERIFIED,
        to_status=CaseStatus.CLOSED,
    )
    _changed(actor, case, EventKind.RATED, channel)
    if rating == Rating.DISSATISFIED:
        _notify(
            case,
            "dissatisfied",
            f"居民对处理结果不满意，请研判是否重新办理：{comment.strip()}",
            _staff_usernames(case, [Role.STREET_OFFICER, Role.COMMUNITY_OFFICER]),
        )
    return case


@transaction.atomic
def rate_case(
    actor: Any,
    case: Case,
    *,
    rating: str,
    comment: str = "",
    version: int | None = None,
    channel: str = "hotline",
) -> Case:
    """回访评价 recorded by staff (the hotline's call-back); closes the verified case."""
    if not case_scope(actor).can_dispatch(case):
        raise Forbidden("只有案件所在街道、社区的工作人员可以录入回访评价")
    return _rate(actor, case, rating=rating, comment=comment, version=version, channel=channel)


@transaction.atomic
def rate_by_token(token: str, *, rating: str, comment: str = "") -> Case:
    """The resident rates through their link; the case closes with the rating."""
    case = case_by_token(token)
    return _rate(None, case, rating=rating, comment=comment, version=None, channel="resident_web")


@transaction.atomic
def close_case(
    actor: Any, case: Case, *, note: str, version: int | None = None, channel: str = "web"
) -> Case:
    """结案 without a rating, e.g. when the resident cannot be reached for the call-back."""
    if not case_scope(actor).can_dispatch(case):
        raise Forbidden("只有案件所在街道、社区的工作人员可以结案")
    _require_status(case, [CaseStatus.VERIFIED], "结案", version)
    note = _require_reason(note, "结案说明")
    _write(case, version, status=CaseStatus.CLOSED, closed_at=timezone.now())
    _event(
        case,
        EventKind.CLOSED,
        actor,
        channel=channel,
        from_status=CaseStatus.VERIFIED,
        to_status=CaseStatus.CLOSED,
        note=note,
    )
    _changed(actor, case, EventKind.CLOSED, channel)
    return case


@transaction.atomic
def reopen_case(
    actor: Any, case: Case, *, reason: str, version: int | None = None, channel: str = "web"
) -> Case:
    """重新办理: a closed case (typically rated 不满意) goes back to its department."""
    if not case_scope(actor).can_dispatch(case):
        raise Forbidden("只有案件所在街道、社区的工作人员可以重新办理")
    _require_status(case, [CaseStatus.CLOSED], "重新办理", version)
    reason = _require_reason(reason, "重新办理的原因")
    now = timezone.now()
    changes: dict[str, Any] = {
        "status": CaseStatus.NEW,
        "handler": None,
        "signed_at": None,
        "handled_at": None,
        "verified_at": None,
        "closed_at": None,
        "rating": "",
        "rating_comment": "",
        "rated_at": None,
        "reminded_at": None,
        "escalation_level": 0,
        "reopen_count": case.reopen_count + 1,
        "rating_token": _token(),
        "sign_deadline": None,
        "handle_deadline": None,
    }
    if case.department_id:
        sign, handle = deadlines_for(case.category, now)
        changes.update(
            status=CaseStatus.DISPATCHED,
            dispatched_at=now,
            sign_deadline=sign,
            handle_deadline=handle,
        )
    previous_rating = case.rating
    _write(case, version, **changes)
    _event(
        case,
        EventKind.REOPENED,
        actor,
        channel=channel,
        from_status=CaseStatus.CLOSED,
        to_status=case.status,
        department_id=case.department_id,
        note=reason,
        data={"previous_rating": previous_rating},
    )
    _changed(actor, case, EventKind.REOPENED, channel)
    if case.department_id:
        _notify_department(case, "reopened", f"案件重新办理：{reason}")
    return case


# ----------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class SweepResult:
    reminded: int
    escalated: int


def remind_before() -> datetime.timedelta:
    return datetime.timedelta(hours=getattr(settings, "WANGGE_CASE_REMIND_HOURS", 24))


def escalation_level_due(case: Case, now: datetime.datetime) -> int:
    """0 on time; 1 (street office) once a deadline passed; 2 (district) a working day later."""
    deadlines = [case.handle_deadline]
    if case.status == CaseStatus.DISPATCHED:
        deadlines.append(case.sign_deadline)
    passed = [d for d in deadlines if d is not None and d < now]
    if not passed:
        return 0
    earliest = timezone.localtime(min(passed))
    late_days = workdays.working_days_between(earliest.date(), timezone.localdate(now))
    return 2 if late_days >= 1 else 1


def sweep_deadlines(now: datetime.datetime | None = None) -> SweepResult:
    """Remind handlers before a deadline, escalate a level up after it; run every few minutes.

    Each case is written with its version check, so a handler acting at the same moment wins
    and the sweep simply picks the case up on its next run.
    """
    now = now or timezone.now()
    reminded = escalated = 0
    soon = now + remind_before()
    due = Case.objects.filter(
        status__in=ACTIVE,
        reminded_at__isnull=True,
        handle_deadline__gte=now,
        handle_deadline__lte=soon,
    ).select_related("department")
    for case in due.iterator(chunk_size=500):
        try:
            with transaction.atomic():
                _write(case, None, reminded_at=now)
                _event(
                    case,
                    EventKind.REMINDED,
                    None,
                    channel="system",
                    from_status=case.status,
                    to_status=case.status,
                    department_id=case.department_id,
                    note=f"办结时限 {timezone.localtime(case.handle_deadline):%Y-%m-%d %H:%M}",
                )
                _notify_department(
                    case,
                    "reminder",
                    f"案件即将到期（{timezone.localtime(case.handle_deadline):%m-%d %H:%M}）",
                )
            reminded += 1
        except Conflict:
            continue
    late = (
        Case.objects.filter(overdue_q(now))
        .filter(escalation_level__lt=2)
        .select_related("department")
    )
    for case in late.iterator(chunk_size=500):
        level = escalation_level_due(case, now)
        if level <= case.escalation_level:
            continue
        try:
            with transaction.atomic():
                _write(case, None, escalation_level=level)
                _event(
                    case,
                    EventKind.ESCALATED,
                    None,
                    channel="system",
                    from_status=case.status,
                    to_status=case.status,
                    department_id=case.department_id,
                    note="超期，已督办至" + ("区网格中心" if level == 2 else "街道"),
                    data={"level": level},
                )
                roles = [Role.DISTRICT_ADMIN] if level == 2 else [Role.STREET_OFFICER]
                _notify(
                    case,
                    "escalated",
                    f"案件超期未办结（{case.department.name if case.department else '未派遣'}），请督办",
                    _staff_usernames(case, roles) + _department_usernames(case.department_id),
                )
            escalated += 1
        except Conflict:
            continue
    return SweepResult(reminded, escalated)


# -------------------------------------------------------------- departments


@transaction.atomic
def add_department_member(actor: Any, user: Any, department: Department) -> DepartmentMembership:
    require_district_admin(actor, "设置部门成员")
    membership, _created = DepartmentMembership.objects.get_or_create(
        user=user, department=department
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        "department_membership",
        membership.pk,
        detail={"user": user.get_username(), "department": department.code},
    )
    return membership


# ------------------------------------------------------------- notifications


def _department_usernames(department_id: int | None) -> list[str]:
    if department_id is None:
        return []
    return list(_reference().members.get(department_id, ()))


def _staff_usernames(case: Case, roles: Sequence[str]) -> list[str]:
    region_ids = [r for r in (case.grid_id, case.community_id, case.street_id) if r]
    query = Q(region_id__in=region_ids)
    if Role.DISTRICT_ADMIN in roles:
        query |= Q(region__level=RegionLevel.DISTRICT)
    return sorted(
        set(
            RoleAssignment.objects.filter(query, role__in=roles).values_list(
                "user__username", flat=True
            )
        )
    )


def _notify(
    case: Case,
    kind: str,
    message: str,
    usernames: list[str],
    *,
    phone: str = "",
    link: str = "",
) -> None:
    if not usernames and not phone:
        return
    note = Notification(
        kind=kind,
        case_number=case.number,
        title=case.title,
        message=message,
        usernames=usernames,
        phone=phone,
        link=link,
    )
    transaction.on_commit(lambda: deliver([note]))


def _notify_department(case: Case, kind: str, message: str) -> None:
    _notify(case, kind, message, _department_usernames(case.department_id))


# ------------------------------------------------------------- category table

CATEGORY_COLUMNS = (
    "code",
    "name",
    "name_en",
    "parent_code",
    "kind",
    "source",
    "department",
    "response_hours",
    "handle_working_days",
)
DEFAULT_CATEGORY_FILE = Path(__file__).resolve().parent / "data" / "categories.csv"


@dataclass(frozen=True)
class CategoryLoadSummary:
    created: int
    updated: int
    departments_created: int


def _category_rows(data: bytes, file_name: str) -> tuple[list[dict[str, Any]], list[Problem]]:
    try:
        sheets = read_sheets(file_name, data=data)
    except TabularError as exc:
        raise ServiceError(str(exc)) from exc
    rows = sheets[0].rows if sheets else []
    if not rows:
        raise ServiceError(f"{file_name}：文件为空")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in ("code", "name", "kind") if c not in header]
    if missing:
        raise ServiceError(f"{file_name}：缺少列 {', '.join(missing)}")
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    codes: set[str] = set()
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        record: dict[str, Any] = {
            c: (row[header.index(c)].strip() if c in header and header.index(c) < len(row) else "")
            for c in CATEGORY_COLUMNS
        }
        where = f"第{number}行"
        if not record["code"] or not record["name"]:
            problems.append(Problem(where, "编码和名称不能为空"))
            continue
        if record["code"] in codes:
            problems.append(Problem(where, f"编码“{record['code']}”重复"))
            continue
        codes.add(record["code"])
        if record["kind"] not in CategoryKind.values:
            problems.append(
                Problem(where, f"类型“{record['kind']}”无效，应为 component、event 或 complaint")
            )
            continue
        try:
            record["response_hours"] = int(record["response_hours"] or DEFAULT_RESPONSE_HOURS)
            record["handle_working_days"] = int(
                record["handle_working_days"] or DEFAULT_HANDLE_WORKING_DAYS
            )
        except ValueError:
            problems.append(Problem(where, "时限必须是整数（小时、工作日）"))
            continue
        out.append(record)
    known = codes | set(Category.objects.values_list("code", flat=True))
    for record in out:
        if record["parent_code"] and record["parent_code"] not in known:
            where = f"类别 {record['code']}"
            problems.append(Problem(where, f"上级类别“{record['parent_code']}”不存在"))
    return out, problems


@transaction.atomic
def load_categories(
    actor: Any, source: Path | str | bytes = DEFAULT_CATEGORY_FILE, *, file_name: str = ""
) -> CategoryLoadSummary:
    """Create or update the category table from a CSV/xlsx (codes are the key); all or nothing."""
    require_district_admin(actor, "导入案件类别")
    if isinstance(source, bytes):
        data, name = source, file_name or "categories.csv"
    else:
        path = Path(source)
        if not path.exists():
            raise ServiceError(f"找不到类别文件：{path}")
        data, name = path.read_bytes(), file_name or path.name
    rows, problems = _category_rows(data, name)
    if problems:
        raise ValidationFailed(f"{name}：发现{len(problems)}个问题，类别表未改动", problems)
    existing = {c.code: c for c in Category.objects.all()}
    departments = set(Department.objects.values_list("name", flat=True))
    new_departments = sorted({r["department"] for r in rows if r["department"]} - departments)
    for dept in new_departments:
        Department.objects.create(code=dept[:32], name=dept)
    created = updated = 0
    # Major classes first so that minor classes find their parent.
    for record in sorted(rows, key=lambda r: bool(r["parent_code"])):
        values = {
            "name": record["name"][:100],
            "name_en": record["name_en"][:100],
            "kind": record["kind"],
            "source": record["source"][:50],
            "department": record["department"][:100],
            "response_hours": record["response_hours"],
            "handle_working_days": record["handle_working_days"],
            "parent": existing.get(record["parent_code"]) if record["parent_code"] else None,
        }
        category = existing.get(record["code"])
        if category is None:
            category = Category.objects.create(code=record["code"], **values)
            existing[category.code] = category
            created += 1
        else:
            for key, value in values.items():
                setattr(category, key, value)
            category.save()
            updated += 1
    audit.record(
        actor,
        AuditAction.IMPORT,
        "category",
        "",
        channel="cli" if actor is None else "web",
        detail={"file": name, "created": created, "updated": updated},
    )
    return CategoryLoadSummary(created, updated, len(new_departments))
