"""Intake (受理): one report from any channel, or a hotline file in bulk; receipt numbers, placement
on the grid and dispatch by the responsibility table when a rule fits.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import intake_rights, scope_for
from wangge.cases import reference
from wangge.cases.hotline import WorkOrder, parse_work_orders
from wangge.cases.models import (
    Case,
    CaseCounter,
    CaseEvent,
    CaseStatus,
    Category,
    Channel,
    EventKind,
    HotlineBatch,
    PhotoStage,
    Placement,
)
from wangge.cases.notify import Notification, deliver
from wangge.cases.services.common import (
    PUBLIC_CHANNELS,
    _actor_name,
    _audit_channel,
    _is_user,
    _token,
)
from wangge.cases.services.notifications import _department_usernames, _notify_department
from wangge.cases.services.photos import _check_photos, _save_photos
from wangge.cases.services.routing import CaseRouter, RegionTree, _reference
from wangge.cases.services.writing import _event
from wangge.core.bulk import insert_one, insert_returning_ids, insert_values
from wangge.core.errors import Forbidden, Problem, ServiceError, ValidationFailed
from wangge.core.tabular import TabularError, read_sheets
from wangge.core.wording import say
from wangge.geo.models import Region, RegionLevel
from wangge.people.phone import check_phone


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
    raise ServiceError(_("受理编号分配失败，请重试"))


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


@dataclass
class _Intake:
    """What intake needs loaded once per batch (a single report is a batch of one)."""

    ref: reference.Reference
    now: datetime.datetime

    @classmethod
    def load(cls) -> _Intake:
        return cls(_reference(), timezone.now())

    @functools.cached_property
    def locator(self) -> Any:
        """The registry locator (addresses.locating), checked once per batch or report."""
        from wangge.addresses.locating import locator

        return locator()

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
        raise ServiceError(_("经度和纬度须同时填写"))
    if lon is not None and lat is not None and not (73 <= lon <= 136 and 3 <= lat <= 54):
        raise ServiceError(
            _("位置（%(lon)s, %(lat)s）不在中国境内，请检查经纬度") % {"lon": lon, "lat": lat}
        )


def _check_can_submit(actor: Any, channel: str) -> None:
    if channel not in Channel.values:
        raise ServiceError(_("未知渠道“%(channel)s”") % {"channel": channel})
    if actor is None:
        if channel not in PUBLIC_CHANNELS:
            raise Forbidden(_("请先登录"))
        return
    may_submit, is_staff = intake_rights(actor)
    if not may_submit:
        raise Forbidden(_("您没有受理案件的权限"))
    if channel == Channel.HOTLINE and not is_staff:
        raise Forbidden(_("只有街道、社区或区网格中心工作人员可以录入热线工单"))


P = ParamSpec("P")
R = TypeVar("R")


def _atomic_after_loading(func: Callable[P, R]) -> Callable[P, R]:
    """`transaction.atomic`, once what intake reads is in this process's caches.

    On SQLite transactions are IMMEDIATE: the write lock is taken at BEGIN. Built inside the
    transaction, the region tree and the router, and the registry locator when a case has an
    address, held every other writer back for as long as they took to build (writers give up
    after busy_timeout: "database is locked", a 500). Inside, the caches are found warm (each
    is checked against its token again)."""
    atomic = transaction.atomic(func)

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        _reference()
        orders: Any = kwargs.get("orders", args[1] if len(args) > 1 else ())
        if kwargs.get("address") or any(getattr(o, "address", "") for o in orders):
            from wangge.addresses.locating import locator

            locator()
        return atomic(*args, **kwargs)

    return run


class InvalidPhone(ServiceError):
    """A reporter's phone that no one could call back; `reason` says why (Chinese, a
    `people.phone` Reason: `core.wording.say` puts it in the reader's language)."""

    def __init__(self, reason: str) -> None:
        super().__init__(_("联系电话无效（%(reason)s）") % {"reason": say(reason)})
        self.reason = reason


def clean_reporter_phone(raw: str) -> str:
    """The phone a reporter gave, cleaned by the rules residents' phones follow everywhere
    (`people.phone`: +86, spaces, full-width digits, 转 for an extension), so a handler can
    call back and the blind index finds every spelling of one number. Several numbers in one
    field are all kept, the mobile first. Empty stays empty: a phone is optional. A number no
    one could call (12345, a mobile prefix not issued, letters) is refused with the reason:
    residents typed anything, and the handler found out only when calling."""
    text = raw.strip()
    if not text:
        return ""
    check = check_phone(text)
    if not check.valid or check.normalized is None:
        raise InvalidPhone(check.reason or _("电话号码格式不对"))
    return "/".join((check.normalized, *check.others))


@_atomic_after_loading
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
    description_private: bool = False,
    attributes: dict[str, Any] | None = None,
) -> Case:
    """Accept one case from any channel, place it on the grid and dispatch it if a rule fits."""
    _check_can_submit(actor, channel)
    reporter_phone = clean_reporter_phone(reporter_phone)
    title, description = title.strip(), description.strip()
    if not title and not description:
        raise ServiceError(_("请填写问题描述"))
    _check_location(lon, lat)
    if category is not None and not category.active:
        raise ServiceError(_("类别“%(name)s”已停用") % {"name": category.name})
    if external_id and Case.objects.filter(channel=channel, external_id=external_id).exists():
        raise ServiceError(_("工单编号“%(external_id)s”已经导入过") % {"external_id": external_id})
    checked = _check_photos(photos)
    intake = _Intake.load()
    number_sql = _number_in_sql(intake.now)
    case = Case(
        number="" if number_sql else reserve_numbers(1, intake.now)[0],
        channel=channel,
        external_id=external_id,
        title=(title or description)[:200],
        description=description,
        description_private=description_private,
        attributes=attributes or {},
        category=category,
        address=address.strip()[:255],
        lon=lon,
        lat=lat,
        reporter_name=reporter_name.strip()[:50],
        reporter_phone=reporter_phone,
        reporter_user=actor if _is_user(actor) else None,
        created_at=created_at or intake.now,
        rating_token=_token(),
    )
    pin_grid = intake.locate([lon], [lat])[0] if lon is not None and lat is not None else None
    if pin_grid is not None and not case.address:
        intake.place(case, pin_grid)
        case.placement = Placement.POINT
    else:
        _place_by_report(intake, case, actor, pin_grid, region.pk if region else None)
    dispatched = auto_dispatch and not case.location_conflict and intake.dispatch(case)
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
                note=gettext_noop("按责任清单自动派遣"),
                save=False,
            )
        )
    insert_returning_ids(events)  # one round trip; ids come back for the photos
    _save_photos(case, submitted, checked, PhotoStage.REPORT, actor)
    if dispatched:
        from wangge.tasks.services import case_changed

        case_changed(case)  # dispatched to the grid's own post: a task on its workbench
        _notify_department(case, "dispatched", f"新派遣案件：{case.title}")
    audit.record(actor, AuditAction.CREATE, "case", case.pk, channel=_audit_channel(channel))
    return case


def _place_by_report(
    intake: _Intake,
    case: Case,
    actor: Any,
    pin_grid: int | None,
    named: int | None,
    channel_region: int | None = None,
) -> None:
    """Place a case by its pin, address, named region or reporter (cases.placement); the
    reporter's region is looked up only if nothing else tells (a batch passes it in)."""
    from wangge.cases import placement

    tree = intake.tree
    decision = placement.decide(
        tree,
        address=case.address,
        locator=lambda: intake.locator,
        pin_grid_id=pin_grid,
        pin=(case.lon, case.lat) if case.lon is not None and case.lat is not None else None,
        named_id=named,
        channel=channel_region if channel_region else lambda: placement.channel_region(actor, tree),
    )
    intake.place(case, decision.region_id)
    case.placement = decision.method
    case.address_code = decision.address_code
    case.location_note = decision.note[:300]
    case.location_conflict = decision.conflict
    if case.lon is None and decision.lon is not None and decision.lat is not None:
        case.lon, case.lat = decision.lon, decision.lat


_CATEGORY_PATH = re.compile(r"\s*[-—–/\\>＞|｜]+\s*")


def _category_of(written: str, by_code: dict[str, int], by_name: dict[str, int]) -> int | None:
    """A work order's category by code or name; a hotline's own path of classes
    (城乡建设-市容环卫-占道经营, 城乡建设/市容环卫) by its most specific class the table knows."""
    text = written.strip()
    found = by_code.get(text) or by_name.get(text)
    if found is not None:
        return found
    for part in reversed(_CATEGORY_PATH.split(text)):
        found = by_code.get(part) or by_name.get(part)
        if found is not None:
            return found
    return None


@dataclass
class IntakeResult:
    batch: HotlineBatch
    cases: list[Case] = field(default_factory=list)
    # what was taken in otherwise than written, by row (a phone no one could call, dropped)
    notices: list[Problem] = field(default_factory=list)


def import_hotline_file(actor: Any, data: bytes, *, file_name: str) -> IntakeResult:
    """Read a hotline export (xlsx/CSV) and take in all of its work orders, or none."""
    try:
        sheets = read_sheets(file_name, data=data)
    except TabularError as exc:
        raise ServiceError(say(exc.reason)) from exc
    orders, problems = parse_work_orders(sheets)
    if problems:
        raise ValidationFailed(
            _("%(file_name)s：发现%(count)s个问题，整批未导入，请修改后重新上传")
            % {"file_name": file_name, "count": len(problems)},
            problems,
        )
    return intake_work_orders(actor, orders, file_name=file_name)


EXTERNAL_ID_MAX = Case._meta.get_field("external_id").max_length or 64


def _order_refusal(order: WorkOrder, seen: dict[str, str]) -> str:
    """What the hotline file's reader refuses in a row, for orders that did not come through
    it (the API's JSON push): no number, a number twice in the batch (the second reached the
    unique index: a 500), no text at all, half a position or one outside China."""
    external_id = order.external_id.strip()
    if not external_id:
        return _("工单编号为空")
    if len(external_id) > EXTERNAL_ID_MAX:  # PostgreSQL refuses it: a 500 there
        return _("工单编号超过%(n)d个字符") % {"n": EXTERNAL_ID_MAX}
    if external_id in seen:
        return _("工单编号“%(external_id)s”与%(where)s重复") % {
            "external_id": external_id,
            "where": seen[external_id],
        }
    seen[external_id] = order.where
    if not order.title.strip() and not order.description.strip():
        return _("标题和诉求内容都为空")
    try:
        _check_location(order.lon, order.lat)
    except ServiceError as exc:
        return exc.message
    return ""


@_atomic_after_loading
def intake_work_orders(
    actor: Any, orders: Sequence[WorkOrder], *, file_name: str, channel: str = "hotline"
) -> IntakeResult:
    """Bulk intake: one query per lookup table, bulk inserts, nothing stored if any row fails."""
    _check_can_submit(actor, Channel.HOTLINE)
    scope = scope_for(actor)
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
    from wangge.cases.placement import channel_region as reporter_region

    channel_region = reporter_region(actor, intake.tree)
    cases: list[Case] = []
    seen: dict[str, str] = {}
    notices: list[Problem] = []
    dropped: dict[str, str] = {}  # external id → why its phone was not stored
    outside: list[str] = []  # rows placed in another office's area: a refused attempt
    for order, grid_id in zip(orders, located, strict=True):
        where = order.where
        refusal = _order_refusal(order, seen)
        if refusal:
            problems.append(Problem(where, refusal))
            continue
        if order.external_id in existing:
            problems.append(
                Problem(
                    where,
                    _("工单编号“%(external_id)s”已经导入过") % {"external_id": order.external_id},
                )
            )
            continue
        category_id = None
        if order.category:
            category_id = _category_of(order.category, by_code, by_name)
            if category_id is None:
                problems.append(
                    Problem(
                        where, _("类别“%(category)s”不在类别表中") % {"category": order.category}
                    )
                )
                continue
        region_id = _region_of(order, grid_id, intake.tree, problems)
        if region_id is False:
            continue
        phone, bad_phone = _order_phone(order)
        if bad_phone is not None:
            with translation.override(settings.LANGUAGE_CODE):  # the stored note's language
                dropped[order.external_id] = InvalidPhone(bad_phone).message
            notices.append(
                Problem(
                    where,
                    _("%(why)s，工单已导入，未保存该电话，请向来电人核实")
                    % {"why": InvalidPhone(bad_phone).message},
                )
            )
        case = Case(
            channel=channel,
            external_id=order.external_id,
            title=order.title[:200],  # cut to the columns as the file reader cuts them
            description=order.description,
            category_id=category_id,
            address=order.address[:255],
            lon=order.lon,
            lat=order.lat,
            reporter_name=order.reporter_name[:50],
            reporter_phone=phone,
            created_at=(timezone.make_aware(order.created_at) if order.created_at else intake.now),
            rating_token=_token(),
        )
        if grid_id is not None and not order.address:
            intake.place(case, grid_id)
            case.placement = Placement.POINT
        else:
            named = region_id if grid_id is None and isinstance(region_id, int) else None
            _place_by_report(intake, case, actor, grid_id, named, channel_region)
        code = intake.tree.by_id[case.region_id][0] if case.region_id is not None else None
        if not scope.unrestricted:
            if code is None and not scope.staff_unplaced:
                problems.append(
                    Problem(where, _("无法确定所属区域：请填写经纬度、街道和社区，或区域编码"))
                )
                continue
            if code is not None and not scope.covers_staff_code(code):
                outside.append(where)
                name = intake.tree.by_id[case.region_id][1]  # type: ignore[index]
                problems.append(
                    Problem(where, _("位置在%(name)s，不在您的管辖范围内") % {"name": name})
                )
                continue
        cases.append(case)
    if outside:  # logged like every refusal (the audit store keeps it past the rollback)
        audit.record(
            actor,
            "refused",  # as access.scoping.refuse logs a refused attempt
            "hotline_batch",
            "",
            channel="web" if channel == Channel.HOTLINE else channel,
            detail={"right": "import", "file": file_name, "rows": outside[:100]},
        )
    if problems:
        raise ValidationFailed(
            _("%(file_name)s：发现%(count)s个问题，整批未导入，请修改后重新上传")
            % {"file_name": file_name, "count": len(problems)},
            problems,
        )
    batch = HotlineBatch.objects.create(
        file_name=file_name[:255], uploaded_by=actor if _is_user(actor) else None
    )
    numbers = reserve_numbers(len(cases), intake.now)
    dispatched = 0
    for case, number in zip(cases, numbers, strict=True):
        case.number = number
        case.batch = batch
        dispatched += not case.location_conflict and intake.dispatch(case)
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
                "note": f"热线工单 {case.external_id}（{file_name}）"
                + (f"；{dropped[case.external_id]}，未保存" if case.external_id in dropped else ""),
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
                    "note": gettext_noop("按责任清单自动派遣"),
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
        detail={
            "file": file_name,
            "cases": len(cases),
            "dispatched": dispatched,
            "phones_dropped": len(dropped),
        },
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
    return IntakeResult(batch, cases, notices)


def _order_phone(order: WorkOrder) -> tuple[str, str | None]:
    """(the order's phone cleaned as every reporter's phone is, the reason it was dropped): a
    number no one could call back is not stored as written, but the citizen's case is still
    taken in (a typo in the hotline's record must not lose it), without the phone and saying
    so, to the uploader by row and to the handler in the case's first event."""
    try:
        return clean_reporter_phone(order.reporter_phone), None
    except InvalidPhone as exc:
        return "", exc.reason


def _region_of(
    order: WorkOrder, grid_id: int | None, tree: RegionTree, problems: list[Problem]
) -> int | None | bool:
    """The most specific region an order names; False (and a problem) if it names a wrong one."""
    if grid_id is not None:
        return grid_id
    if order.lon is not None:
        problems.append(
            Problem(
                order.where,
                _("位置（%(lon)s, %(lat)s）不在任何网格内，请核对经纬度")
                % {"lon": order.lon, "lat": order.lat},
            )
        )
        return False
    if order.region:
        if order.region not in tree.by_code:
            problems.append(
                Problem(order.where, _("区域编码“%(region)s”不存在") % {"region": order.region})
            )
            return False
        return tree.by_code[order.region]
    street = None
    if order.street:
        street = tree.find_named(order.street, RegionLevel.STREET)
        if street is None:
            problems.append(
                Problem(order.where, _("街道“%(street)s”不存在") % {"street": order.street})
            )
            return False
    if order.community:
        community = tree.find_named(order.community, RegionLevel.COMMUNITY, street)
        if community is None:
            where = f"{order.street}下" if order.street else ""
            problems.append(
                Problem(
                    order.where,
                    _("%(where)s没有名为“%(community)s”的社区")
                    % {"where": where, "community": order.community},
                )
            )
            return False
        return community
    return street
