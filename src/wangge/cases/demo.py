"""The demo street's cases: a month of 接诉即办 in every state, across every grid.

Why: a newcomer judges the case loop by its dashboard, its map, its queues and its accounts. An
empty street shows none of them, and a `police` account that belongs to no department can never
see a case. So the demo builder (`wangge.core.demo`) asks this module for:

* 京广路派出所, a department serving the street, with the `police` account as its member and the
  street's responsibility rules sending 违章停车, 宠物扰民 and the like to it;
* about one case per 25 residents (40 at least, 240 at most), a few in each grid, taken in
  through the real intake (`services.submit_case`: numbering, placement by pin or registry
  address, routing by the responsibility table, timeline, audit) from the four channels, then
  moved along the loop to every state with the times a month of work would have: waiting to be
  dispatched, dispatched, in progress (some overdue), handled, verified, closed and rated;
* a few reports that only name a road, an address the registry lacks or a pin that contradicts
  the address, so the 待定位 queues of the street and of a community have work in them.

Random draws come from `random.Random(seed)` and times are counted back from the moment of the
build, so the same seed gives the same cases, a month old at most, on any day.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone

from wangge.addresses.models import Building
from wangge.cases import services
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    Channel,
    Department,
    DepartmentMembership,
    EventKind,
    Rating,
    Responsibility,
)
from wangge.geo.models import Region, RegionLevel, StaffAssignment, StaffPost

STAGE = "案件（接诉即办）"
POLICE_DEPARTMENT = "京广路派出所"
POLICE_CODE = "demo-jgl-pcs"
STREET_PREFIX = "110105"  # the demo district (wangge.core.demo.DISTRICT_CODE)
# Categories the street sends to its police station instead of the district's 公安.
POLICE_CATEGORIES = ("TS04", "TS18")

# title, description, category code (None: left for the street to classify)
_REPORTS: tuple[tuple[str, str, str | None], ...] = (
    ("小区南门垃圾堆放三天无人清运", "垃圾桶满溢，周边堆了很多袋装垃圾，异味严重", "SJ0102"),
    ("井盖缺失，晚上有人差点踩空", "人行道上一个井盖没了，只用纸箱盖着", "SJ0603"),
    ("路灯不亮一个多星期", "楼前两盏路灯都不亮，晚上出门很黑", "SJ0604"),
    ("楼道堆满杂物堵住消防通道", "一楼到三楼楼道堆着旧家具和纸箱", "TS1502"),
    ("电梯停运两天，老人下不了楼", "电梯从前天起停运，物业说在等配件", "TS1101"),
    ("楼上渗漏水，天花板发霉", "卫生间顶上一直渗水，找楼上邻居没人应", "TS1002"),
    ("小区门口违章停车堵住消防通道", "每天晚上都有车停在消防通道上", "TS04"),
    ("邻居家狗夜里一直叫", "半夜狗叫得厉害，孩子睡不着觉", "TS18"),
    ("装修噪音早上七点就开始", "楼上装修周末早上七点就开始电钻", "TS0101"),
    ("早市摊位占道经营堵路", "早上摊位摆到路中间，车过不去", "SJ0502"),
    ("电线杆上贴满小广告", "路口几根电线杆贴满办证小广告", "SJ0201"),
    ("下雨后路口积水没过脚踝", "每次下雨路口都积水，排水口堵了", "SJ0406"),
    ("暖气不热，室温只有16度", "这几天暖气温度很低，家里有老人", "TS0703"),
    ("广场舞音响声音太大", "晚上八点到十点音响声音很大", "TS0103"),
    ("小区里电动车乱停乱充电", "楼道里有人拉线给电动车充电，很危险", None),
    ("自行车棚顶塌了一块", "车棚顶棚破了，下雨淋湿车子", None),
)
# What the department reports back, by the report's title: a result that answers the complaint
# (a dog barking at night is not "设施已更换").
_RESULTS: dict[str, str] = {
    "小区南门垃圾堆放三天无人清运": "已安排环卫车清运，垃圾桶增加一次清运频次",
    "井盖缺失，晚上有人差点踩空": "已补装井盖并设置警示，现场照片已上传",
    "路灯不亮一个多星期": "已更换灯具和线路，路灯恢复正常照明",
    "楼道堆满杂物堵住消防通道": "已协调物业清理楼道杂物，并约定每日巡查",
    "电梯停运两天，老人下不了楼": "配件已到，电梯维修完成并通过检验，恢复运行",
    "楼上渗漏水，天花板发霉": "已联系楼上住户和物业维修防水，渗漏已止住",
    "小区门口违章停车堵住消防通道": "已对违停车辆贴单处罚，消防通道施划禁停标线",
    "邻居家狗夜里一直叫": "民警已上门约谈犬主，犬主承诺夜间将犬只关在室内并办理犬证",
    "装修噪音早上七点就开始": "已告知装修施工时间规定，装修户承诺八点后施工",
    "早市摊位占道经营堵路": "已劝导摊贩退路进市场，城管每日早间巡查",
    "电线杆上贴满小广告": "已清除小广告，并对涉事号码进行停机处理",
    "下雨后路口积水没过脚踝": "已疏通雨水口和排水管道，下雨后复查无积水",
    "暖气不热，室温只有16度": "供热公司已排气调压，入户复测室温20度",
    "广场舞音响声音太大": "已与广场舞队协商，音量调低并九点前结束",
    "小区里电动车乱停乱充电": "已拆除私拉电线，引导居民到集中充电桩充电",
    "自行车棚顶塌了一块": "物业已修复车棚顶棚",
}
_RESULT_ELSE = "已到现场处理完毕，现场照片已上传"
_NAMES = ("王女士", "李先生", "张阿姨", "刘先生", "陈女士", "杨大爷", "赵先生", "孙女士")
# Where a dispatched case stands, by how long ago it was dispatched: the last hours' cases wait
# to be signed in or are being handled, last week's are mostly being handled or checked, older
# ones mostly closed; the few older ones still open are the overdue the dashboard shows.
_STATES_BY_AGE: tuple[tuple[float, tuple[tuple[str, float], ...]], ...] = (
    (0.15, ((CaseStatus.DISPATCHED, 0.6), (CaseStatus.IN_PROGRESS, 0.4))),
    (1.0, ((CaseStatus.IN_PROGRESS, 0.6), (CaseStatus.HANDLED, 0.3), (CaseStatus.VERIFIED, 0.1))),
    (
        5.0,
        (
            (CaseStatus.IN_PROGRESS, 0.3),
            (CaseStatus.HANDLED, 0.2),
            (CaseStatus.VERIFIED, 0.2),
            (CaseStatus.CLOSED, 0.3),
        ),
    ),
    (
        float("inf"),
        (
            (CaseStatus.IN_PROGRESS, 0.06),
            (CaseStatus.HANDLED, 0.04),
            (CaseStatus.VERIFIED, 0.06),
            (CaseStatus.CLOSED, 0.84),
        ),
    ),
)
_RATINGS = (
    (Rating.SATISFIED, 0.7),
    (Rating.BASICALLY_SATISFIED, 0.2),
    (Rating.DISSATISFIED, 0.1),
)


@dataclass(frozen=True)
class _Where:
    grid: Region
    building: Building | None


def counts() -> dict[str, int]:
    """What the demo's cases hold now (for the summary of an unchanged demo)."""
    cases = Case.objects.filter(street__code__startswith=STREET_PREFIX)
    numbers = cases.aggregate(
        cases=Count("pk"),
        open_cases=Count("pk", filter=~Q(status=CaseStatus.CLOSED)),
        to_place=Count("pk", filter=Q(grid__isnull=True) | Q(location_conflict=True)),
    )
    return {key: int(value) for key, value in numbers.items()}


def remove(district_code: str) -> None:
    """Everything `contribute` made, before the demo district itself is deleted."""
    Case.objects.filter(
        Q(region__code__startswith=district_code) | Q(street__code__startswith=district_code)
    ).delete()
    Responsibility.objects.filter(region__code__startswith=district_code).delete()
    Department.objects.filter(code=POLICE_CODE).delete()


def _load_categories() -> None:
    """Case categories (GB/T 30428.2 + 12345 types) and their default departments, once:
    without them the case pages and the residents' report page have nothing to offer."""
    if not Category.objects.exists():
        services.load_categories(
            None, services.DEFAULT_CATEGORY_FILE.read_bytes(), file_name="categories.csv"
        )


def contribute(context: Any) -> dict[str, int]:
    """Build the cases of the demo street (see the module docstring); returns counts."""
    _load_categories()
    street = Region.objects.get(code=context.street_code)
    users = {u.get_username(): u for u in get_user_model().objects.filter(is_active=True)}
    police = _police_station(street, users.get("police"))
    rng = random.Random(context.seed * 7919 + 13)
    grids = list(
        Region.objects.filter(code__startswith=context.street_code, level=RegionLevel.GRID)
        .select_related("parent")
        .order_by("code")
    )
    buildings: dict[int, list[Building]] = {}
    for building in Building.objects.filter(grid__in=grids).order_by("pk"):
        assert building.grid_id is not None
        buildings.setdefault(building.grid_id, []).append(building)
    workers = dict(
        StaffAssignment.objects.filter(region__in=grids, post=StaffPost.GRID_WORKER)
        .order_by("-pk")
        .values_list("region_id", "name")
    )
    categories = {c.code: c for c in Category.objects.filter(active=True)}
    total = max(40, min(240, context.size // 25))
    now = timezone.now()
    made: list[Case] = []
    every_state = [s for s, _ in _STATES_BY_AGE[-1][1]] + [CaseStatus.DISPATCHED]
    for n in range(total):
        grid = grids[n % len(grids)] if n < len(grids) * 2 else rng.choice(grids)
        options = buildings.get(grid.pk, [])
        where = _Where(grid, rng.choice(options) if options else None)
        title, description, code = rng.choice(_REPORTS)
        recent = rng.random() < 0.25  # today's and yesterday's work, the rest of the month
        age = datetime.timedelta(hours=rng.uniform(0.5, 48) if recent else rng.uniform(48, 720))
        case = _take_in(
            rng, users, where, title, description, categories.get(code or ""), now - age
        )
        made.append(case)
        if case.status == CaseStatus.DISPATCHED:
            # the first few go to each state in turn, so even a small demo shows them all
            target = every_state.pop() if every_state else None
            _move_along(case, rng, now, users, police, workers.get(grid.pk, "网格员"), target)
    made.extend(_to_place(context.street_code, rng, users, categories, now))
    return counts()


def after(context: Any) -> dict[str, int]:
    """Also when the demo was already there: the categories, if someone emptied the table."""
    _load_categories()
    return {}


def _police_station(street: Region, member: Any) -> Department:
    department, _ = Department.objects.get_or_create(
        code=POLICE_CODE, defaults={"name": POLICE_DEPARTMENT, "region": street}
    )
    if member is not None:
        DepartmentMembership.objects.get_or_create(user=member, department=department)
    for code in POLICE_CATEGORIES:
        category = Category.objects.filter(code=code).first()
        if category is not None:
            Responsibility.objects.update_or_create(
                region=street,
                category=category,
                defaults={"department": department, "note": "演示：辖区派出所"},
            )
    return department


def _take_in(
    rng: random.Random,
    users: dict[str, Any],
    where: _Where,
    title: str,
    description: str,
    category: Category | None,
    created: datetime.datetime,
) -> Case:
    """One report through the real intake: a resident's pin or address, a hotline order
    (street office), the grid worker's phone or an Open311 client."""
    channel = rng.choices(
        (Channel.RESIDENT_WEB, Channel.HOTLINE, Channel.GRID_WORKER, Channel.OPEN311),
        weights=(0.35, 0.35, 0.2, 0.1),
    )[0]
    actor = users.get("street") if channel == Channel.HOTLINE else None
    if channel == Channel.GRID_WORKER:
        if where.grid.code.endswith("001001001"):
            actor = users.get("grid")  # the demo grid worker's own grid
        else:  # another grid's worker has no account: their office files it by API
            channel, actor = Channel.API, users.get("admin")
    building = where.building
    lon = lat = None
    address = building.label if building is not None else ""
    pinned = channel == Channel.GRID_WORKER or rng.random() < 0.5
    # about half the reports come with a pin near the building, the rest with the address
    if building is not None and building.lon is not None and building.lat is not None and pinned:
        lon = round(building.lon + rng.uniform(-0.00008, 0.00008), 6)
        lat = round(building.lat + rng.uniform(-0.00006, 0.00006), 6)
    case = services.submit_case(
        actor,
        channel=channel,
        title=title,
        description=description,
        category=category,
        address=address,
        lon=lon,
        lat=lat,
        reporter_name=rng.choice(_NAMES) if channel != Channel.GRID_WORKER else "",
        reporter_phone=f"139{rng.randrange(10**8):08d}" if channel != Channel.GRID_WORKER else "",
        external_id=f"GD{created:%Y%m%d}{rng.randrange(10**4):04d}"
        if channel == Channel.HOTLINE
        else "",
        created_at=created,
    )
    _backdate_intake(case, created)
    return case


def _backdate_intake(case: Case, created: datetime.datetime) -> None:
    """The intake stamps today's number and times; a case accepted weeks ago carries that day's
    receipt number, and was dispatched (when a rule fitted) minutes after it came in."""
    number = services.reserve_numbers(1, created)[0]
    changes: dict[str, Any] = {"number": number}
    if case.dispatched_at is not None:
        dispatched = created + datetime.timedelta(minutes=3)
        sign, handle = services.deadlines_for(case.category, dispatched)
        changes.update(dispatched_at=dispatched, sign_deadline=sign, handle_deadline=handle)
    Case.objects.filter(pk=case.pk).update(**changes)
    for name, value in changes.items():
        setattr(case, name, value)
    CaseEvent.objects.filter(case=case, kind=EventKind.SUBMITTED).update(at=created)
    if case.dispatched_at is not None:
        CaseEvent.objects.filter(case=case, kind=EventKind.DISPATCHED).update(at=case.dispatched_at)


def _move_along(
    case: Case,
    rng: random.Random,
    now: datetime.datetime,
    users: dict[str, Any],
    police: Department,
    worker: str,
    target: str | None = None,
) -> None:
    """Take a dispatched case to `target`, or to a state its age makes likely, with the steps'
    events."""
    assert case.dispatched_at is not None and case.handle_deadline is not None
    age = now - case.dispatched_at
    days = age / datetime.timedelta(days=1)
    shares = next(states for limit, states in _STATES_BY_AGE if days < limit)
    drawn = rng.choices([s for s, _ in shares], weights=[w for _, w in shares])[0]
    target = target or drawn
    if target == CaseStatus.DISPATCHED:
        return
    handler = users.get("police") if case.department_id == police.pk else None
    handler_name = handler.get_username() if handler else f"{case.department}承办人"
    # Steps spread over the time the case has had; a few handled cases took too long.
    span = min(age, datetime.timedelta(days=rng.uniform(0.5, 6)))
    signed = case.dispatched_at + min(span / 6, datetime.timedelta(minutes=rng.randint(10, 140)))
    fields: dict[str, Any] = {"status": CaseStatus.IN_PROGRESS, "signed_at": signed}
    fields["handler"] = handler
    events = [
        _step(case, EventKind.SIGNED_IN, signed, handler, handler_name, CaseStatus.IN_PROGRESS)
    ]
    if target != CaseStatus.IN_PROGRESS:
        handled = signed + span / 2
        result = _RESULTS.get(case.title, _RESULT_ELSE)
        fields.update(status=CaseStatus.HANDLED, handled_at=handled, result=result)
        events.append(
            _step(
                case, EventKind.HANDLED, handled, handler, handler_name, CaseStatus.HANDLED, result
            )
        )
        if target in (CaseStatus.VERIFIED, CaseStatus.CLOSED):
            verified = handled + span / 4
            fields.update(status=CaseStatus.VERIFIED, verified_at=verified)
            events.append(
                _step(case, EventKind.VERIFIED, verified, None, worker, CaseStatus.VERIFIED, "现场核查：已解决")
            )  # fmt: skip
        if target == CaseStatus.CLOSED:
            rated = verified + span / 8
            rating = rng.choices([r for r, _ in _RATINGS], weights=[w for _, w in _RATINGS])[0]
            fields.update(status=CaseStatus.CLOSED, rating=rating, rated_at=rated, closed_at=rated)
            events.append(
                _step(case, EventKind.RATED, rated, None, "", CaseStatus.VERIFIED, data={"rating": rating})
            )  # fmt: skip
            events.append(_step(case, EventKind.CLOSED, rated, None, "", CaseStatus.CLOSED))
    Case.objects.filter(pk=case.pk).update(version=case.version + len(events), **fields)
    CaseEvent.objects.bulk_create(events)


def _step(
    case: Case,
    kind: str,
    at: datetime.datetime,
    actor: Any,
    name: str,
    to_status: str,
    note: str = "",
    data: dict[str, Any] | None = None,
) -> CaseEvent:
    return CaseEvent(
        case=case,
        at=at,
        kind=kind,
        actor=actor,
        actor_name=name,
        channel="web",
        to_status=to_status,
        department_id=case.department_id,
        note=note,
        data=data or {},
    )


def _to_place(
    street: str,
    rng: random.Random,
    users: dict[str, Any],
    categories: dict[str, Category],
    now: datetime.datetime,
) -> list[Case]:
    """Reports the dispatchers must place: a road, an address the registry lacks, a pin that
    contradicts its address, a grid worker's report without either."""
    lanes = list(
        Building.objects.filter(grid__code__startswith=street)
        .values_list("road", flat=True)
        .annotate(grids=Count("grid", distinct=True))
        .filter(grids__gt=1)
        .order_by("road")
    )
    reports: list[dict[str, Any]] = []
    if lanes:
        reports.append({"address": f"{lanes[0]}路口", "title": "路口护栏被撞坏"})
    reports.append({"address": "京广路街道幸福一村社区北侧空地", "title": "空地上有人焚烧垃圾"})
    # a hotline order the registry cannot place: it waits with the street that took it in
    reports.append(
        {"address": "东大桥附近", "title": "公交站台广告牌松动", "channel": Channel.HOTLINE}
    )
    far = Building.objects.filter(grid__code__startswith=f"{street}005").order_by("pk").first()
    near = Building.objects.filter(grid__code__startswith=f"{street}001001").order_by("pk").first()
    if far is not None and near is not None and far.lon is not None and far.lat is not None:
        reports.append(
            {"address": near.label, "lon": far.lon, "lat": far.lat, "title": "楼顶有人私搭乱建"}
        )
    out = []
    for n, report in enumerate(reports):
        created = now - datetime.timedelta(hours=rng.uniform(1, 48))
        channel = report.get("channel", Channel.RESIDENT_WEB)
        case = services.submit_case(
            users.get("street") if channel == Channel.HOTLINE else None,
            channel=channel,
            external_id=f"GD{created:%Y%m%d}9{n:03d}" if channel == Channel.HOTLINE else "",
            title=report["title"],
            description=report["title"],
            category=categories.get("SJ0109") if n == 1 else None,
            address=report["address"],
            lon=report.get("lon"),
            lat=report.get("lat"),
            reporter_name=rng.choice(_NAMES),
            created_at=created,
        )
        _backdate_intake(case, created)
        out.append(case)
    worker = users.get("grid")
    if worker is not None:
        created = now - datetime.timedelta(hours=3)
        case = services.submit_case(
            worker,
            channel=Channel.GRID_WORKER,
            title="小区北门地面塌陷",
            description="北门内侧地面塌了一个坑，已用锥桶围起来",
            address="小区北门",
            created_at=created,
        )
        _backdate_intake(case, created)
        out.append(case)
    return out
