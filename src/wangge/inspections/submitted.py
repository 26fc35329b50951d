"""A checklist filled in ODK Collect or the browser, applied when the forms app receives it:
one hazard per failed item with its photo (`checklists.record_checklist`), the inspection task
completed. Registered with the forms app for each checklist's form code in
`InspectionsConfig.ready`, so the forms app (below in the layers) imports nothing from here.

Which place: the subject of the task the submission names (`inspections.place:<id>`), or the
hidden `place_id` answer. With no task named, the open inspection task of that place for this
checklist (one a campaign made) is the one completed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from wangge.inspections.checklists import CHECKLISTS, failed_items
from wangge.inspections.models import Place

if TYPE_CHECKING:
    from wangge.forms.applying import Applied, Received

PLACE_REF = "inspections.place:"


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
    raw = received.instance.first("place_id")
    if raw and not raw.isdigit():
        raise Refused(f"场所编号“{raw[:20]}”无效")
    from_answer = int(raw) if raw else None
    if from_task and from_answer and from_task != from_answer:
        raise Refused("提交中的场所与任务的检查场所不一致，未写入")
    return from_task or from_answer, task


def apply_checklist(received: Received) -> Applied:
    from wangge.forms.applying import Applied, Refused
    from wangge.inspections.checklists import record_checklist
    from wangge.tasks.models import Task, TaskStatus

    code = received.submission.form_code
    place_id, task = _named_place(received)
    if place_id is None:
        raise Refused("未指明检查的场所（任务的检查对象或 place_id），未写入")
    place = Place.objects.filter(pk=place_id).first()
    if place is None:
        raise Refused(f"场所 {place_id} 不存在，未写入")
    received.grid_id = place.grid_id
    answers = {
        name: received.instance.first(name)
        for item in CHECKLISTS[code].items
        for name in (item.name, f"{item.name}_note", f"{item.name}_photo")
    }
    photos = {
        f"{item.name}_photo": received.attachment(answers[f"{item.name}_photo"])
        for item in CHECKLISTS[code].items
        if answers[item.name] == "fail"
    }
    missing = [f.item.label for f in failed_items(code, answers, photos) if not f.photos]
    if missing:
        raise Refused("不合格项必须拍照，提交未写入：" + "；".join(missing))
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
    return Applied(
        changes=[("hazard", str(h.pk), "created", h.get_category_display()) for h in made]
        or [("place", str(place.pk), "checked", CHECKLISTS[code].title)],
        result=result,
        result_data={"place": place.pk, "hazards": [h.pk for h in made]},
        task_id=task_id,
    )


def register() -> None:
    from wangge.forms.applying import register_applier

    for code in CHECKLISTS:
        register_applier(code, apply_checklist)
