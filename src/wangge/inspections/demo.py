"""The demo street's places, hazards and rectification notices (三清四查 as 宝山路 ran it).

Why: the inspection pages — the hazard ledger, the map, a notice to print, the counts — show
nothing on an empty street. So the demo builder (`wangge.core.demo`) asks this module for:

* the street's issuing unit (京广路街道消防安全办公室, numbers `京广消字〔year〕第NNNN号`);
* a few places in every grid — large rental sites, compounds, shops, charging piles, power
  rooms, garages — at rooms of the registry, rental sites in the charge of the street's police
  station (so the `police` account sees them through its department);
* hazards found over the last month at most of them, with a photo, through the real services:
  some still open, some with a notice issued (immediate or with a deadline in working days,
  one deadline already missed), some fixed with before and after photos;
* a campaign, 冬季三清四查 of the street's rental sites and charging stations (night checks,
  a joint team of the grid worker, the community and the police station), started a week ago:
  every such place has its inspection task, about half done with the checklist (some items
  failed with a photo, so hazards), the rest open on the workbench.

Random draws come from `random.Random(seed)` and times count back from the build, so the same
seed gives the same data, a month old at most, on any day.
"""

from __future__ import annotations

import datetime
import random
import struct
import zlib
from typing import Any

from django.db.models import Q
from django.utils import timezone

from wangge.addresses.models import Room
from wangge.cases.models import Department
from wangge.geo.models import Region, RegionLevel
from wangge.inspections import notices, services
from wangge.inspections.models import (
    Campaign,
    CampaignCheck,
    Hazard,
    HazardCategory,
    HazardStatus,
    IssuingUnit,
    Notice,
    NoticeKind,
    Place,
    PlaceKind,
    Severity,
)

STAGE = "场所检查与隐患（三清四查）"
UNIT_CODE = "demo-jgl-fire"
POLICE_CODE = "demo-jgl-pcs"  # cases.demo's police station
_KINDS = (
    (PlaceKind.RENTAL_SITE, "{road}{n}号出租公寓"),
    (PlaceKind.COMPOUND, "{road}{n}号院小区"),
    (PlaceKind.SHOP, "{road}便民超市"),
    (PlaceKind.CHARGING, "{road}电动自行车充电站"),
    (PlaceKind.POWER_ROOM, "{road}{n}号配电室"),
    (PlaceKind.GARAGE, "{road}{n}号地下车库"),
)
_HAZARDS = {
    PlaceKind.RENTAL_SITE: (
        (HazardCategory.PARTITION, "房间内私自搭建隔断，分隔出租"),
        (HazardCategory.EBIKE_CHARGING, "电动自行车在室内充电"),
        (HazardCategory.AGEING_WIRING, "私拉乱接电线，插排串接"),
    ),
    PlaceKind.COMPOUND: (
        (HazardCategory.CLUTTER, "楼道堆放纸箱和旧家具"),
        (HazardCategory.FIRE_LANE, "消防车通道被车辆占用"),
        (HazardCategory.FIRE_EQUIPMENT, "消火栓箱内水带缺失"),
    ),
    PlaceKind.SHOP: ((HazardCategory.FIRE_EQUIPMENT, "灭火器过期未检"),),
    PlaceKind.CHARGING: (
        (HazardCategory.AGEING_WIRING, "充电桩线缆破损"),
        (HazardCategory.FIRE_EQUIPMENT, "未配置灭火器"),
    ),
    PlaceKind.POWER_ROOM: ((HazardCategory.CLUTTER, "配电室内堆放杂物"),),
    PlaceKind.GARAGE: (
        (HazardCategory.WATERLOGGING, "坡道排水沟堵塞，雨后积水"),
        (HazardCategory.EBIKE_CHARGING, "车库内飞线充电"),
    ),
}
_PEOPLE = ("王经理", "李师傅", "张主任", "刘站长", "陈老板", "赵经理")


def _png(rgb: tuple[int, int, int]) -> bytes:
    """A 16×16 one-colour PNG: a stand-in for a site photo."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + bytes(rgb) * 16 for _ in range(16))
    header = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def counts() -> dict[str, int]:
    return {
        "campaigns": Campaign.objects.filter(region__code__startswith=_district()).count(),
        "places": Place.objects.filter(_in_demo()).count(),
        "hazards": Hazard.objects.filter(_in_demo("place__")).count(),
        "notices": Notice.objects.filter(unit__code=UNIT_CODE).count(),
    }


def _district() -> str:
    from wangge.core.demo import DISTRICT_CODE

    return DISTRICT_CODE


def _in_demo(prefix: str = "") -> Q:
    return Q(**{f"{prefix}grid__code__startswith": _district()})


def remove(district_code: str) -> None:
    from wangge.tasks.models import Task

    Task.objects.filter(
        Q(subject_ref__startswith="inspections.notice:")
        | Q(subject_ref__startswith="inspections.place:"),
        region__code__startswith=district_code,
    ).delete()
    Campaign.objects.filter(region__code__startswith=district_code).delete()
    Hazard.objects.filter(place__grid__code__startswith=district_code).delete()
    Notice.objects.filter(
        Q(unit__code=UNIT_CODE) | Q(grid__code__startswith=district_code)
    ).delete()
    Place.objects.filter(grid__code__startswith=district_code).delete()
    IssuingUnit.objects.filter(code=UNIT_CODE).delete()


def contribute(context: Any) -> dict[str, int]:
    from wangge.inspections.checklists import load_checklists

    load_checklists()  # the shipped checklists, offered to the demo's grid workers and offices
    street = Region.objects.get(code=context.street_code)
    unit, _ = IssuingUnit.objects.get_or_create(
        code=UNIT_CODE,
        defaults={"name": "京广路街道消防安全办公室", "prefix": "京广消字", "region": street},
    )
    police = Department.objects.filter(code=POLICE_CODE).first()
    rng = random.Random(context.seed * 104729 + 16)
    now = timezone.now()
    grids = list(
        Region.objects.filter(
            code__startswith=context.street_code, level=RegionLevel.GRID
        ).order_by("code")
    )
    per_grid = 2 if context.size < 5000 else 3
    before, after = _png((200, 60, 40)), _png((60, 160, 80))
    made = 0
    overdue_made = False
    for g_index, grid in enumerate(grids):
        rooms = list(
            Room.objects.filter(grid=grid).select_related("building", "unit").order_by("pk")[:400]
        )
        if not rooms:
            continue
        for p_index in range(per_grid):
            kind, pattern = _KINDS[(g_index + p_index * 3) % len(_KINDS)]
            room = rng.choice(rooms)
            name = pattern.format(road=room.building.road, n=room.building.number)
            if Place.objects.filter(name=name, address=room.label).exists():
                continue
            place = services.create_place(
                None,
                name=name,
                kind=kind,
                room=room,
                responsible_person=rng.choice(_PEOPLE),
                responsible_phone=f"139{rng.randrange(10**8):08d}",
                department=police if kind == PlaceKind.RENTAL_SITE else None,
            )
            made += 1
            if rng.random() < 0.2:
                continue  # checked and found in order
            choices = _HAZARDS[kind]
            found = now - datetime.timedelta(days=rng.uniform(1, 30))
            hazards = [
                services.record_hazard(
                    None,
                    place,
                    category=category,
                    severity=Severity.SERIOUS if rng.random() < 0.2 else Severity.GENERAL,
                    description=text,
                    photos=[before],
                    found_at=found,
                )
                for category, text in rng.sample(choices, k=min(len(choices), rng.randint(1, 2)))
            ]
            fate = rng.random()
            if fate < 0.25:
                continue  # still open
            if not overdue_made or fate < 0.55:
                kind_of_notice = (
                    NoticeKind.DEADLINE if not overdue_made or fate < 0.45 else NoticeKind.IMMEDIATE
                )
                notice = notices.issue_notice(
                    None,
                    unit=unit,
                    hazards=hazards,
                    kind=kind_of_notice,
                    deadline_days=rng.choice((3, 5, 10))
                    if kind_of_notice == NoticeKind.DEADLINE
                    else None,
                    issued_at=found + datetime.timedelta(minutes=30),
                )
                if notice.deadline and notice.deadline < now:
                    overdue_made = True  # a missed deadline: the hazards stay open
                continue
            for hazard in hazards:
                services.close_hazard(
                    None,
                    hazard,
                    after_photos=[after],
                    at=found + datetime.timedelta(days=rng.uniform(0.5, 5)),
                )
    # one re-inspection passed, done as on the phone's re-inspection screen: every item of one
    # deadline notice marked fixed with its after-photo (the hazards close, the task completes)
    passed = Notice.objects.filter(unit=unit, kind=NoticeKind.DEADLINE).order_by("pk").first()
    if passed is not None:
        _recheck_passed(passed, after)
    # the fixed ones must have been noticed first in a few cases: close some noticed hazards
    for hazard in Hazard.objects.filter(
        status=HazardStatus.NOTICE_ISSUED, notice__kind=NoticeKind.IMMEDIATE
    ).filter(_in_demo())[:10]:
        services.close_hazard(None, hazard, after_photos=[after])
    _campaign(street, police, rng, before)
    return counts()


def _recheck_passed(notice: Notice, after: bytes) -> None:
    from wangge.inspections import reinspection

    for task in reinspection.tasks_of(notice):
        if task.status != "open":
            continue
        outcomes = [
            reinspection.Outcome(h.pk, True, [after])
            for h in notice.hazards.exclude(status=HazardStatus.RECTIFIED)
        ]
        reinspection.submit_recheck(None, task, notice, outcomes)
        return
    for hazard in notice.hazards.exclude(status=HazardStatus.RECTIFIED):  # no task (no grid)
        services.close_hazard(None, hazard, after_photos=[after])


def _campaign(street: Region, police: Department | None, rng: random.Random, photo: bytes) -> None:
    """冬季三清四查, started a week ago: tasks for every rental site and charging station of the
    street, about half done with the checklist (a failed item now and then, with its photo)."""
    from django.contrib.auth import get_user_model

    from wangge.inspections import campaigns
    from wangge.inspections.checklists import CHECKLISTS, record_checklist
    from wangge.tasks.models import TaskStatus
    from wangge.tasks.services import complete_task

    today = timezone.localdate()
    users = {
        u.get_username(): u
        for u in get_user_model().objects.filter(username__in=("grid", "community", "police"))
    }
    campaign = Campaign.objects.filter(region=street, name="冬季三清四查").first()
    if campaign is None:
        members = [
            campaigns.Member(users[name], department=department, unit=unit)
            for name, department, unit in (
                ("grid", None, "社区网格员"),
                ("community", None, "社区居委会"),
                ("police", police, ""),
            )
            if name in users
        ]
        campaign = campaigns.create_campaign(
            None,
            name="冬季三清四查",
            place_kinds=[PlaceKind.RENTAL_SITE, PlaceKind.CHARGING],
            checklist="fire_rental_site",
            starts_on=today - datetime.timedelta(days=7),
            ends_on=today + datetime.timedelta(days=21),
            region=street,
            night_check=True,
            note="清理楼道堆物、清理违规隔断、清理电动车入户充电；查消防通道、查电气线路、查灭火器材、查出租登记",
            members=members,
        )
    campaigns.start_campaign(None, campaign)
    items = CHECKLISTS[campaign.checklist].items
    checks = (
        CampaignCheck.objects.filter(campaign=campaign)
        .select_related("place", "task")
        .order_by("pk")
    )
    for check in checks:
        if check.task.status != TaskStatus.OPEN or rng.random() < 0.5:
            continue
        answers = {item.name: "pass" for item in items}
        photos: dict[str, Any] = {}
        if rng.random() < 0.4:
            item = rng.choice(items)
            answers[item.name] = "fail"
            answers[f"{item.name}_note"] = "夜查发现，已当场告知负责人"
            photos[f"{item.name}_photo"] = photo
        made = record_checklist(None, check.place, campaign.checklist, answers, photos)
        campaigns.record_found(check.task_id, len(made))
        complete_task(
            None,
            check.task,
            result=f"检查完成：发现隐患{len(made)}处" if made else "检查完成：全部合格",
            result_data={"place": check.place_id, "hazards": [h.pk for h in made]},
        )
