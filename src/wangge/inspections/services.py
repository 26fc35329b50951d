"""Business rules for places and hazards: each takes the acting user, checks the right through
`wangge.access`, writes in one transaction and leaves an audit entry. `actor=None` is the
command line (the machine's operator) and the demo builder.

Notices (numbering, documents) are in `notices.py`; reads in `selectors.py`.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from wangge.access import audit
from wangge.access.scoping import Right, allows, can_reveal_identifiers, require, visible_to
from wangge.addresses.models import Room
from wangge.cases.models import Department
from wangge.core.errors import Forbidden, NotFound, Problem, ServiceError, ValidationFailed
from wangge.core.wording import say
from wangge.geo.models import Region, RegionLevel
from wangge.inspections import photos as photo_store
from wangge.inspections.models import (
    Hazard,
    HazardCategory,
    HazardPhoto,
    HazardStatus,
    PhotoStage,
    Place,
    PlaceKind,
    Severity,
)
from wangge.inspections.place_file import read_place_file
from wangge.people.phone import check_phone

# Every spelling of a place kind an office writes: its label, its code, a few short names.
KIND_SPELLINGS: dict[str, str] = {str(label): value for value, label in PlaceKind.choices}
KIND_SPELLINGS.update({value: value for value in PlaceKind.values})
KIND_SPELLINGS.update(
    {
        "租赁场所": PlaceKind.RENTAL_SITE,
        "群租房": PlaceKind.RENTAL_SITE,
        "小区": PlaceKind.COMPOUND,
        "商铺": PlaceKind.SHOP,
        "市场": PlaceKind.SHOP,
        "充电桩": PlaceKind.CHARGING,
        "储能站": PlaceKind.CHARGING,
        "工地": PlaceKind.CONSTRUCTION,
        "平房": PlaceKind.BUNGALOW,
        "人防工程": PlaceKind.CIVIL_DEFENCE,
    }
)


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


# -- places -------------------------------------------------------------------------------------


def _placed(place: Place, room: Room | None, grid: Region | None) -> None:
    """Where a place sits: its registry room (building, grid, position) or else its grid."""
    if room is not None:
        place.room = room
        place.building = room.building
        place.grid_id = room.grid_id or room.building.grid_id
        if place.lon is None:
            place.lon, place.lat = room.lon or room.building.lon, room.lat or room.building.lat
        if not place.address:
            place.address = room.label
    elif grid is not None:
        place.grid = grid


def _clean_phone(phone: str) -> str:
    if not phone:
        return ""
    result = check_phone(phone)
    if not result.valid or result.normalized is None:
        raise ServiceError(gettext("负责人电话无效（%(reason)s）") % {"reason": say(result.reason)})
    return result.normalized


def create_place(
    actor: Any,
    *,
    name: str,
    kind: str,
    room: Room | None = None,
    grid: Region | None = None,
    address: str = "",
    responsible_person: str = "",
    responsible_phone: str = "",
    department: Department | None = None,
    lon: float | None = None,
    lat: float | None = None,
    note: str = "",
) -> Place:
    if kind not in PlaceKind.values:
        raise ServiceError(gettext("场所类型“%(kind)s”无效") % {"kind": kind[:20]})
    if not name.strip():
        raise ServiceError(gettext("场所名称不能为空"))
    if room is None and grid is None:
        raise ServiceError(gettext("请选择场所所在的地址（户室）或网格"))
    place = Place(
        name=name.strip()[:100],
        kind=kind,
        address=address.strip()[:200],
        responsible_person=responsible_person.strip()[:50],
        responsible_phone=_clean_phone(responsible_phone.strip()),
        department=department,
        lon=lon,
        lat=lat,
        note=note,
    )
    _placed(place, room, grid)
    require(actor, place, Right.CHANGE, message=gettext("该场所所在网格不在您的管辖范围内"))
    with transaction.atomic():
        place.save()
    audit.record(actor, audit.AuditAction.CREATE, "inspections.place", place.pk)
    return place


@dataclass(frozen=True)
class PlaceImport:
    created: int
    updated: int

    @property
    def message(self) -> str:
        return gettext("已导入场所：新增 %(created)s 个，更新 %(updated)s 个") % {
            "created": self.created,
            "updated": self.updated,
        }


def import_places(actor: Any, data: bytes, *, file_name: str, channel: str = "web") -> PlaceImport:
    """A places ledger, all or nothing: every problem (row by row, in Chinese) or every row.

    A row names its registry room (地址编码) or its grid (网格编码); a place already known by
    name and address is updated (the ledger is kept current by re-importing it).
    """
    rows, read = read_place_file(file_name, data, KIND_SPELLINGS)
    # the reader's words (pure code) in the reader's language, as are the rows' places below
    problems = [Problem(say(p.where), say(p.message)) for p in read]
    rooms = {
        r.address_code: r
        for r in Room.objects.select_related("building", "unit").filter(
            address_code__in={row.address_code for row in rows if row.address_code}
        )
    }
    grids = {
        g.code: g
        for g in Region.objects.filter(
            code__in={row.grid_code for row in rows if row.grid_code}, level=RegionLevel.GRID
        )
    }
    departments: dict[str, Department] = {}
    for known_department in Department.objects.all():
        departments[known_department.name] = known_department
        departments[known_department.code] = known_department
    places: list[tuple[Place, Any]] = []
    for row in rows:
        room = rooms.get(row.address_code) if row.address_code else None
        grid = grids.get(row.grid_code) if row.grid_code else None
        if row.address_code and room is None:
            problems.append(
                Problem(
                    say(row.where),
                    gettext("地址编码 %(address_code)s 不在标准地址库中")
                    % {"address_code": row.address_code[:30]},
                )
            )
            continue
        if row.grid_code and room is None and grid is None:
            problems.append(
                Problem(
                    say(row.where),
                    gettext("网格编码 %(grid_code)s 不存在") % {"grid_code": row.grid_code[:30]},
                )
            )
            continue
        department: Department | None = departments.get(row.department) if row.department else None
        if row.department and department is None:
            problems.append(
                Problem(
                    say(row.where),
                    gettext("主管部门“%(department)s”不存在") % {"department": row.department[:30]},
                )
            )
            continue
        place = Place(
            name=row.name,
            kind=row.kind,
            address=row.address,
            responsible_person=row.responsible_person,
            responsible_phone=row.responsible_phone,
            department=department,
            lon=row.lon,
            lat=row.lat,
            note=row.note,
        )
        _placed(place, room, grid)
        if actor is not None and not allows(actor, place, Right.CHANGE):
            problems.append(Problem(say(row.where), gettext("该场所所在网格不在您的管辖范围内")))
            continue
        places.append((place, row))
    if problems:
        raise ValidationFailed(
            gettext("%(file_name)s：发现 %(count)s 个问题，未导入任何场所，请修改后重新上传")
            % {"file_name": file_name, "count": len(problems)},
            problems,
        )
    created = updated = 0
    with transaction.atomic():
        existing = {
            (p.name, p.address): p
            for p in Place.objects.select_for_update().filter(name__in={p.name for p, _ in places})
        }
        for place, _row in places:
            known = existing.get((place.name, place.address))
            if known is not None:
                if actor is not None:
                    require(
                        actor,
                        known,
                        Right.CHANGE,
                        message=gettext("该场所所在网格不在您的管辖范围内"),
                    )
                place.pk = known.pk
                place.created_at = known.created_at
                place.last_checked_at = known.last_checked_at
                updated += 1
            else:
                created += 1
            place.save()
    audit.record(
        actor,
        audit.AuditAction.IMPORT,
        "inspections.place",
        "",
        channel=channel,
        detail={"file": file_name[:100], "created": created, "updated": updated},
    )
    return PlaceImport(created, updated)


def get_place(actor: Any, place_id: int, *, channel: str = "web") -> Place:
    place = (
        visible_to(actor, Place.objects.select_related("grid", "department", "room", "building"))
        .filter(pk=place_id)
        .first()
    )
    if place is None:
        raise NotFound(gettext("未找到该场所，或不在您的管辖范围内"))
    audit.record(actor, audit.AuditAction.VIEW, "inspections.place", place.pk, channel=channel)
    return place


def reveal_phone(actor: Any, place: Place, *, channel: str = "web") -> str:
    """The responsible person's full phone, for who may see identifiers (logged)."""
    if not can_reveal_identifiers(actor):
        audit.record(actor, "refused", "inspections.place", place.pk, channel=channel)
        raise Forbidden(gettext("您没有查看完整电话的权限"))
    require(actor, place, Right.VIEW)
    audit.record(
        actor,
        audit.AuditAction.REVEAL,
        "inspections.place",
        place.pk,
        channel=channel,
        detail={"field": "responsible_phone"},
    )
    return place.responsible_phone


# -- hazards ------------------------------------------------------------------------------------


def record_hazard(
    actor: Any,
    place: Place,
    *,
    category: str,
    severity: str = Severity.GENERAL,
    description: str = "",
    photos: Sequence[Any] = (),
    found_at: datetime.datetime | None = None,
    channel: str = "web",
) -> Hazard:
    """A hazard found at a place, with its photos (整改前)."""
    if category not in HazardCategory.values:
        raise ServiceError(gettext("隐患类别“%(category)s”无效") % {"category": category[:20]})
    if severity not in Severity.values:
        raise ServiceError(gettext("隐患等级“%(severity)s”无效") % {"severity": severity[:20]})
    require(actor, place, Right.CHANGE, message=gettext("该场所不在您的管辖范围内"))
    stored = photo_store.checked(photos)
    now = timezone.now()
    with transaction.atomic():
        hazard = Hazard.objects.create(
            place=place,
            grid_id=place.grid_id,
            category=category,
            severity=severity,
            description=description[:2000],
            found_at=found_at or now,
            found_by=actor if _is_user(actor) else None,
            lon=place.lon,
            lat=place.lat,
        )
        _add_photos(actor, hazard, stored, PhotoStage.BEFORE)
        Place.objects.filter(pk=place.pk).update(last_checked_at=found_at or now)
    audit.record(actor, audit.AuditAction.CREATE, "inspections.hazard", hazard.pk, channel=channel)
    return hazard


def _add_photos(actor: Any, hazard: Hazard, stored: list[tuple[bytes, str]], stage: str) -> None:
    for data, kind in stored:
        HazardPhoto.objects.create(
            hazard=hazard,
            stage=stage,
            data=data,
            content_type=kind,
            uploaded_by=actor if _is_user(actor) else None,
        )


def get_hazard(actor: Any, hazard_id: int, *, channel: str = "web") -> Hazard:
    hazard = (
        visible_to(actor, Hazard.objects.select_related("place", "grid", "notice"))
        .filter(pk=hazard_id)
        .first()
    )
    if hazard is None:
        raise NotFound(gettext("未找到该隐患，或不在您的管辖范围内"))
    audit.record(actor, audit.AuditAction.VIEW, "inspections.hazard", hazard.pk, channel=channel)
    return hazard


def get_photo(actor: Any, photo_id: int) -> tuple[bytes, str]:
    photo = HazardPhoto.objects.filter(pk=photo_id).first()
    if photo is None or not visible_to(actor, Hazard.objects.filter(pk=photo.hazard_id)).exists():
        raise NotFound(gettext("未找到该照片，或不在您的管辖范围内"))
    audit.record(
        actor,
        audit.AuditAction.VIEW,
        "inspections.hazardphoto",
        photo.pk,
        detail={"hazard": photo.hazard_id},
    )
    return photo_store.plain(photo.data), photo.content_type


def close_hazard(
    actor: Any,
    hazard: Hazard,
    *,
    after_photos: Sequence[Any],
    at: datetime.datetime | None = None,
    channel: str = "web",
    settle_recheck: bool = True,
) -> Hazard:
    """整改完成: only with a photo from before (taken when found) and one from after.

    Closing the last hazard of a notice completes its open re-inspection (`settle_recheck`);
    the re-inspection screen passes False, as it completes the task itself with its result."""
    require(actor, hazard, Right.CHANGE, message=gettext("该隐患不在您的管辖范围内"))
    if hazard.status == HazardStatus.RECTIFIED:
        raise ServiceError(gettext("该隐患已整改销号"))
    stored = photo_store.checked(after_photos)
    if not stored:
        raise ServiceError(gettext("销号须上传整改后的照片"))
    if not hazard.photos.filter(stage=PhotoStage.BEFORE).exists():
        raise ServiceError(gettext("该隐患没有整改前的照片，不能销号：请先补传整改前照片"))
    with transaction.atomic():
        _add_photos(actor, hazard, stored, PhotoStage.AFTER)
        hazard.status = HazardStatus.RECTIFIED
        hazard.rectified_at = at or timezone.now()
        hazard.rectified_by = actor if _is_user(actor) else None
        hazard.save(update_fields=["status", "rectified_at", "rectified_by"])
        if settle_recheck:
            from wangge.inspections import reinspection

            reinspection.after_close(actor, hazard)
    audit.record(
        actor,
        audit.AuditAction.UPDATE,
        "inspections.hazard",
        hazard.pk,
        channel=channel,
        detail={"status": HazardStatus.RECTIFIED},
    )
    return hazard


def add_before_photos(actor: Any, hazard: Hazard, photos: Sequence[Any]) -> None:
    require(actor, hazard, Right.CHANGE, message=gettext("该隐患不在您的管辖范围内"))
    stored = photo_store.checked(photos)
    if not stored:
        raise ServiceError(gettext("请选择照片"))
    with transaction.atomic():
        _add_photos(actor, hazard, stored, PhotoStage.BEFORE)
    audit.record(actor, audit.AuditAction.UPDATE, "inspections.hazard", hazard.pk)
