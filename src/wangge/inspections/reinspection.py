"""回头看: the re-inspection a notice sets on the workbench of the place's grid (a `tasks.Task`).

A deadline notice (责令限期改正) puts a task on its deadline day; an immediate notice does so only
when a hazard is serious (三清四查: “sites with serious hazards get a re-inspection”), three
working days on. The task names the notice and lists only the items ordered fixed, so whoever
goes back checks those. When the last of the notice's hazards is closed (with its after-photo)
the task is completed with that result; a task still open after its day is escalated by the
tasks app's sweep (`tasks.services.sweep_overdue`) to the community and then the street.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from wangge.core.errors import ServiceError
from wangge.inspections.models import Hazard, HazardStatus, Notice, NoticeKind, Severity

IMMEDIATE_RECHECK_DAYS = 3


def subject(notice: Notice) -> str:
    return f"inspections.notice:{notice.pk}"


def _items(hazards: list[Hazard]) -> str:
    return "\n".join(
        f"{n}. {h.get_category_display()}（{h.get_severity_display()}）：{h.description or '—'}"
        for n, h in enumerate(hazards, start=1)
    )


def schedule(actor: Any, notice: Notice, hazards: list[Hazard]) -> Any:
    """The re-inspection task of a notice just issued, or None when none is due."""
    from wangge.tasks.models import Priority, TaskKind
    from wangge.tasks.services import create_task, due_date_in

    serious = any(h.severity == Severity.SERIOUS for h in hazards)
    if notice.kind == NoticeKind.DEADLINE and notice.deadline is not None:
        due: datetime.date = timezone.localtime(notice.deadline).date()
    elif serious:
        due = due_date_in(IMMEDIATE_RECHECK_DAYS, notice.issued_at)
    else:
        return None
    place = notice.place
    if place.grid_id is None:
        return None
    deadline = (
        f"整改期限：{timezone.localtime(notice.deadline):%Y-%m-%d %H:%M}"
        if notice.deadline
        else "责令立即改正"
    )
    return create_task(
        actor,
        kind=TaskKind.OTHER,
        region=place.grid,
        title=f"回头看：{place.name}（{notice.number}）",
        due_date=due,
        priority=Priority.HIGH if serious else Priority.NORMAL,
        form_code="",
        building=place.building,
        subject_ref=subject(notice),
        note=f"复查{notice.get_kind_display()} {notice.number} 责令改正的事项，"
        f"整改完成的上传整改后照片销号。\n{deadline}\n{_items(hazards)}",
    )


def tasks_of(notice: Notice) -> list[Any]:
    from wangge.tasks.models import Task

    return list(Task.objects.filter(subject_ref=subject(notice)).order_by("pk"))


def after_close(actor: Any, hazard: Hazard) -> None:
    """The last hazard of a notice closed: its open re-inspection tasks are done."""
    from wangge.tasks.models import Task, TaskStatus
    from wangge.tasks.services import complete_task

    if hazard.notice_id is None:
        return
    left = Hazard.objects.filter(notice_id=hazard.notice_id).exclude(status=HazardStatus.RECTIFIED)
    if left.exists():
        return
    for task in Task.objects.filter(
        subject_ref=f"inspections.notice:{hazard.notice_id}", status=TaskStatus.OPEN
    ):
        try:
            complete_task(
                actor,
                task,
                result="复查通过：通知书所列隐患均已整改，整改前后照片已上传",
                result_data={"notice": hazard.notice_id, "passed": True},
            )
        except ServiceError:
            continue  # assigned to someone else: they complete it on their workbench


def _notice_link(pk: str) -> tuple[str, str] | None:
    from django.urls import reverse

    if not pk.isdigit():
        return None
    return "打开整改通知书，逐项整改销号", reverse("inspections:notice", args=[int(pk)])


def _place_link(pk: str) -> tuple[str, str] | None:
    from django.urls import reverse

    if not pk.isdigit():
        return None
    return "查看检查场所", reverse("inspections:place", args=[int(pk)])


def register_links() -> None:
    """The task page links a re-inspection to its notice and an inspection to its place."""
    from wangge.tasks.selectors import register_subject_link

    register_subject_link("inspections.notice:", _notice_link)
    register_subject_link("inspections.place:", _place_link)
