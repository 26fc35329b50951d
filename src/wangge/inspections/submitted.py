"""A checklist filled in ODK Collect or the browser, applied when the forms app receives it:
one hazard per failed item with its photo (`checklists.record_checklist`), the inspection task
completed. Registered with the forms app for each checklist's form code in
`InspectionsConfig.ready`, so the forms app (below in the layers) imports nothing from here.

Which place: the subject of the task the submission names (`inspections.place:<id>`), or the
hidden `place_id` answer (both filled by the workbench), or else the `place` chosen from the
places roster (`places.csv`, places_roster.py: how ODK Collect, which has no task to open the
form from, names it). With no task named, the open inspection task of that place for this
checklist (one a campaign made) is the one completed. A place that is not there (deleted since
the roster was downloaded, or a crafted number) or that the sender may not inspect refuses the
checklist as a whole, in words the sender's phone shows, and is logged.

A checklist with failed items may carry the notice the inspector issued on the spot
(`notice_kind`, `notice_days`, and the unit, serial, year and time the phone wrote from its
reserved block): it is issued here for the hazards just made, with that serial and the
submission's instanceID as its `client_id`. A notice the server cannot issue (a serial outside
the sender's block, a unit they do not belong to) does not undo the hazards: the sender is told
why, and the notice can be issued from the place's page.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from typing import TYPE_CHECKING, Any

from wangge.access.scoping import Right, allows, refuse
from wangge.core.images import ImageRefused, check_image
from wangge.inspections.checklists import (
    CHECKLISTS,
    PLACE_QUESTION,
    answer_problems,
    failed_items,
    form_problems,
)
from wangge.inspections.models import IssuingUnit, NoticeKind, Place

if TYPE_CHECKING:
    from wangge.forms.applying import Applied, Received

logger = logging.getLogger("wangge.inspections")
PLACE_REF = "inspections.place:"
ISSUED_AT_SLACK = datetime.timedelta(minutes=5)
ISSUED_AT_OLDEST = datetime.timedelta(days=30)


def place_ref(place: Place) -> str:
    """A task's `subject_ref` for a place."""
    return f"{PLACE_REF}{place.pk}"


def _place_from_ref(ref: str) -> int | None:
    if ref.startswith(PLACE_REF) and ref[len(PLACE_REF) :].isdigit():
        return int(ref[len(PLACE_REF) :])
    return None


def _named_place(received: Received) -> tuple[int | None, Any]:
    """(place id, the task named) from the task's subject, else from `place_id`."""
    from wangge.core.errors import NotFound
    from wangge.forms.applying import Refused
    from wangge.tasks.services import get_task

    task = None
    ref = received.task_ref()
    if ref.isdigit():
        try:
            task = get_task(received.user, int(ref), channel="form")
        except NotFound:
            task = None
    from_task = _place_from_ref(task.subject_ref) if task is not None else None
    raw = received.instance.first("place_id") or received.instance.first(PLACE_QUESTION)
    if raw and not raw.isdigit():
        raise Refused(f"场所编号“{raw[:20]}”无效，检查表未写入；请从场所名单中重新选择")
    from_answer = int(raw) if raw else None
    if from_task and from_answer and from_task != from_answer:
        raise Refused("提交中的场所与任务的检查场所不一致，未写入")
    return from_task or from_answer, task


def _place_for(received: Received, place_id: int) -> Place:
    """The place named, if it is there and the sender may inspect it (record hazards at it:
    the right the hazards service asks, checked first so the answer says so rather than
    whatever rule of the checklist the answers break). Each refusal is logged; one outside the
    sender's scope is audited as a refused attempt too."""
    from wangge.forms.applying import Refused
    from wangge.inspections.places_roster import NOTICE_ID, notice_words

    user = received.user
    if place_id == NOTICE_ID:  # the roster's one row when it was not handed out
        logger.warning(
            "checklist submission %s by user %s chose the roster's notice row, not a place",
            received.submission.pk,
            user.pk,
        )
        raise Refused(f"所选的是场所名单的提示，不是场所，检查表未写入；{notice_words()}")
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        logger.warning(
            "checklist submission %s by user %s names place %s, which does not exist",
            received.submission.pk,
            user.pk,
            place_id,
        )
        raise Refused(
            f"所选场所（编号{place_id}）不存在或已删除，检查表未写入；"
            "请在 ODK Collect 中更新表单（获取最新场所名单）后重新选择"
        )
    received.grid_id = place.grid_id
    if not allows(user, place, Right.CHANGE):
        logger.warning(
            "checklist submission %s by user %s names place %s, outside their scope",
            received.submission.pk,
            user.pk,
            place_id,
        )
        refuse(
            user,
            place,
            Right.CHANGE,
            message=f"所选场所（编号{place_id}）不在您的管辖范围内，检查表未写入；"
            "请从本人的场所名单中选择",
            channel="forms",
        )
    return place


def apply_checklist(received: Received) -> Applied:
    from wangge.forms.applying import Applied, Refused
    from wangge.inspections.checklists import record_checklist
    from wangge.tasks.models import Task, TaskStatus

    code = received.submission.form_code
    place_id, task = _named_place(received)
    if place_id is None:
        raise Refused("未指明检查的场所（请在“检查场所”中从场所名单选择），未写入")
    place = _place_for(received, place_id)
    answers = {
        name: received.instance.first(name)
        for item in CHECKLISTS[code].items
        for name in (item.name, f"{item.name}_note", f"{item.name}_photo")
    }
    problems = answer_problems(
        code, answers | {"notice_kind": received.instance.first("notice_kind")}
    )
    if problems:
        raise Refused("检查表的答案无法识别，提交未写入：" + "；".join(problems))
    photos = {
        f"{item.name}_photo": received.attachment(answers[f"{item.name}_photo"])
        for item in CHECKLISTS[code].items
        if answers[item.name] == "fail"
    }
    missing = [f.item.label for f in failed_items(code, answers, photos) if not f.photos]
    if missing:
        raise Refused("不合格项必须拍照，提交未写入：" + "；".join(missing))
    broken = []
    for photo in photos.values():
        try:
            if photo is not None:
                check_image(photo, photo.name or "照片")
        except ImageRefused as exc:
            broken.append(exc.message)
    if broken:  # the phone's file, not the server's state: sent again it is refused again
        raise Refused("照片无法使用，提交未写入：" + "；".join(broken))
    made = record_checklist(received.user, place, code, answers, photos, channel="forms")
    task_id = None
    if task is None:
        open_task = (
            Task.objects.visible_to(received.user)
            .filter(status=TaskStatus.OPEN, subject_ref=place_ref(place), form_code=code)
            .order_by("due_date", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        task_id = open_task
    from wangge.inspections.campaigns import record_found

    record_found(task.pk if task is not None else task_id, len(made))
    result = f"检查完成：发现隐患{len(made)}处" if made else "检查完成：全部合格"
    changes = [("hazard", str(h.pk), "created", h.get_category_display()) for h in made] or [
        ("place", str(place.pk), "checked", CHECKLISTS[code].title)
    ]
    result_data: dict[str, Any] = {"place": place.pk, "hazards": [h.pk for h in made]}
    note = ""
    kind = received.instance.first("notice_kind")
    if made and kind in NoticeKind.values:
        notice, note = _issue_notice(received, place, made, kind)
        if notice is not None:
            changes.append(("notice", str(notice.pk), "created", notice.number))
            result += f"；已下达{notice.get_kind_display()}{notice.number}"
            result_data["notice"] = notice.number
    return Applied(
        changes=changes, result=result, result_data=result_data, task_id=task_id, note=note
    )


def _int(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) <= 9 else None


def _issued_at(raw: str) -> datetime.datetime | None:
    """When the phone issued the notice; None (now) when unreadable or implausible."""
    from django.utils import timezone

    try:
        when = datetime.datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    now = timezone.now()
    if when > now + ISSUED_AT_SLACK or when < now - ISSUED_AT_OLDEST:
        return None
    return when


def _unit_for(received: Received, place: Place) -> IssuingUnit | None:
    """The unit the phone numbered the notice for, else the nearest unit above the place."""
    code = received.instance.first("notice_unit").strip()
    if code:
        return IssuingUnit.objects.select_related("region").filter(code=code[:32]).first()
    if place.grid is None:
        return None
    chain = [place.grid, *reversed(place.grid.ancestors())]
    units = {u.region_id: u for u in IssuingUnit.objects.filter(region__in=chain)}
    return next((units[r.pk] for r in chain if r.pk in units), None)


def _client_id(received: Received) -> str:
    """The submission's instanceID names the notice (so a repeated sync finds it)."""
    key = received.instance.instance_id
    return key if len(key) <= 64 else "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:57]


def _issue_notice(
    received: Received, place: Place, hazards: list[Any], kind: str
) -> tuple[Any, str]:
    """(the notice, "") or (None, why not, for the sender's message)."""
    from django.db import transaction

    from wangge.core.errors import ServiceError
    from wangge.inspections import notices

    answer = received.instance.first
    unit = _unit_for(received, place)
    if unit is None:
        return None, "；整改通知书未下达：没有找到发文单位，请在场所页面下达"
    serial_raw = answer("notice_serial").strip()
    serial = _int(serial_raw)
    if serial_raw and serial is None:
        return None, f"；整改通知书未下达：文号序号“{serial_raw[:12]}”无效"
    days = _int(answer("notice_days").strip()) if kind == NoticeKind.DEADLINE else None
    try:
        with transaction.atomic():
            notice = notices.issue_notice(
                received.user,
                unit=unit,
                hazards=hazards,
                kind=kind,
                deadline_days=days,
                serial=serial,
                year=_int(answer("notice_year").strip()) if serial is not None else None,
                client_id=_client_id(received),
                issued_at=_issued_at(answer("notice_issued_at")),
                channel="forms",
            )
    except ServiceError as exc:
        return None, f"；整改通知书未下达：{exc.message}"
    return notice, f"；已下达{notice.get_kind_display()}{notice.number}"


def register() -> None:
    from wangge.forms.applying import register_applier

    for code in CHECKLISTS:
        register_applier(code, apply_checklist, check_form=form_problems)
