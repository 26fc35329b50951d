"""回头看: the re-inspection a notice sets on the workbench of the place's grid (a `tasks.Task`).

A deadline notice (责令限期改正) puts a task on its deadline day; an immediate notice does so only
when a hazard is serious (三清四查: “sites with serious hazards get a re-inspection”), three
working days on. The task (kind `reinspection`) names the notice and lists only the items
ordered fixed; one tap on it opens the re-inspection screen (`views.recheck`), preloaded with
exactly those items, each marked 已整改 with its after-photo (closing the hazard through
`services.close_hazard`) or 未整改 with a remark; `submit_recheck` then completes the task with
the result. A re-inspection that finds items unfixed before the deadline sets another on the
deadline day; one that finds them unfixed after it says so, for the street to refer the notice
to the department in charge (`referral.py`). Closing the last hazard elsewhere (the hazard page)
completes the task too. A task still open after its day is escalated by the tasks app's sweep
(`tasks.services.sweep_overdue`) to the community and then the street.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from wangge.access import audit
from wangge.access.scoping import Right, allows, refuse, require
from wangge.core.errors import NotFound, ServiceError
from wangge.inspections import photos as photo_store
from wangge.inspections.models import Hazard, HazardStatus, Notice, NoticeKind, Severity

IMMEDIATE_RECHECK_DAYS = 3


def subject(notice: Notice) -> str:
    return f"inspections.notice:{notice.pk}"


def _items(hazards: list[Hazard]) -> str:
    return "\n".join(
        f"{n}. {h.get_category_display()}（{h.get_severity_display()}）：{h.description or '—'}"
        for n, h in enumerate(hazards, start=1)
    )


def _deadline_text(notice: Notice) -> str:
    return (
        f"整改期限：{timezone.localtime(notice.deadline):%Y-%m-%d %H:%M}"
        if notice.deadline
        else "责令立即改正"
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
    deadline = _deadline_text(notice)
    return create_task(
        actor,
        kind=TaskKind.REINSPECTION,
        region=place.grid,
        title=f"回头看：{place.name}（{notice.number}）",
        due_date=due,
        priority=Priority.HIGH if serious else Priority.NORMAL,
        form_code="",
        building=place.building,
        subject_ref=subject(notice),
        note=f"复查{notice.get_kind_display()} {notice.number} 责令改正的事项，"
        f"逐项标记已整改（拍整改后照片销号）或未整改。\n{deadline}\n{_items(hazards)}",
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


# -- the re-inspection screen -----------------------------------------------------------------

PREFIX = "inspections.notice:"


@dataclass(frozen=True)
class Outcome:
    """What the inspector found of one item: fixed (with after-photos) or not (with a remark)."""

    hazard_id: int
    fixed: bool
    photos: Sequence[Any] = ()
    remark: str = ""


@dataclass
class RecheckResult:
    task: Any
    notice: Notice
    passed: bool
    fixed: list[Hazard] = field(default_factory=list)
    not_fixed: list[tuple[Hazard, str]] = field(default_factory=list)
    missed: bool = False  # the deadline passed with items unfixed: for the street to refer
    follow_up: Any = None  # another re-inspection on the deadline day


class NotARecheck(NotFound):
    """The task exists and the actor may see it, but it is not a re-inspection (the screen
    sends them on to the task's own page)."""


def get_recheck(actor: Any, task_id: int, *, channel: str = "web") -> tuple[Any, Notice]:
    """A re-inspection task the actor may see, and its notice (refusals audited)."""
    from wangge.tasks.models import TaskKind
    from wangge.tasks.services import get_task

    task = get_task(actor, task_id, channel=channel)
    pk = task.subject_ref[len(PREFIX) :] if task.subject_ref.startswith(PREFIX) else ""
    if task.kind != TaskKind.REINSPECTION or not pk.isdigit():
        raise NotARecheck(gettext("任务 %(task_id)s 不是回头看任务") % {"task_id": task_id})
    notice = Notice.objects.select_related("place", "grid", "unit").filter(pk=int(pk)).first()
    if notice is None:
        raise NotFound(gettext("该回头看任务的整改通知书已不存在"))
    return task, notice


def may_submit(actor: Any, task: Any) -> bool:
    """Who may record a re-inspection: as who may complete the task (the grid's workers and
    offices; an assigned task its assignee or the office over it)."""
    if not getattr(actor, "is_authenticated", False) or not allows(actor, task, Right.CHANGE):
        return False
    return task.assignee_id in (None, actor.pk) or allows(actor, task, Right.DISPATCH)


def _label(n: int, hazard: Hazard) -> str:
    return f"第{n}项（{hazard.get_category_display()}）"


def submit_recheck(
    actor: Any,
    task: Any,
    notice: Notice,
    outcomes: Sequence[Outcome],
    *,
    version: int | None = None,
    channel: str = "web",
    now: datetime.datetime | None = None,
) -> RecheckResult:
    """Record a re-inspection: every item of the notice not yet fixed is marked fixed (its
    hazard closed with the after-photos, `services.close_hazard`) or not fixed (a remark), all
    at once, and the task is completed with the result. Nothing is written unless every item
    is answered properly; a refusal (out of scope, someone else's task) is logged."""
    from wangge.inspections import services
    from wangge.tasks.models import TaskKind, TaskStatus
    from wangge.tasks.services import complete_task

    now = now or timezone.now()
    message = "该回头看任务不在您的工作范围内"
    if actor is not None:
        if not getattr(actor, "is_authenticated", False):
            refuse(actor, task, Right.CHANGE, message=message, channel=channel)
        require(actor, task, Right.CHANGE, message=message, channel=channel)
        if not may_submit(actor, task):
            refuse(
                actor,
                task,
                Right.CHANGE,
                message=gettext("该回头看任务已分派给他人"),
                channel=channel,
            )
        require(actor, notice, Right.CHANGE, message=message, channel=channel)
    if task.kind != TaskKind.REINSPECTION or task.subject_ref != subject(notice):
        raise ServiceError(gettext("该任务不是这份通知书的回头看任务"))
    if task.status != TaskStatus.OPEN:
        raise ServiceError(
            gettext("该回头看任务%(status)s，不能再次提交") % {"status": task.get_status_display()}
        )
    hazards = list(notice.hazards.order_by("pk"))
    by_id = {o.hazard_id: o for o in outcomes}
    if set(by_id) - {h.pk for h in hazards}:
        raise ServiceError(gettext("提交的事项不属于该整改通知书，请刷新后重试"))
    pending = [(n, h) for n, h in enumerate(hazards, start=1) if h.status != HazardStatus.RECTIFIED]
    problems = []
    for n, hazard in pending:
        outcome = by_id.get(hazard.pk)
        if outcome is None:
            problems.append(f"{_label(n, hazard)}请选择已整改或未整改")
        elif outcome.fixed and not outcome.photos:
            problems.append(f"{_label(n, hazard)}已整改须拍整改后照片")
        elif outcome.fixed:
            try:
                photo_store.checked(outcome.photos)
            except ServiceError as exc:
                problems.append(f"{_label(n, hazard)}{exc.message}")
        elif not outcome.remark.strip():
            problems.append(f"{_label(n, hazard)}未整改请填写说明（现场情况）")
    if problems:
        raise ServiceError("；".join(problems))
    result = RecheckResult(task, notice, passed=True)
    with transaction.atomic():
        for _n, hazard in pending:
            outcome = by_id[hazard.pk]
            if outcome.fixed:
                services.close_hazard(
                    actor,
                    hazard,
                    after_photos=outcome.photos,
                    at=now,
                    channel=channel,
                    settle_recheck=False,
                )
                result.fixed.append(hazard)
            else:
                result.not_fixed.append((hazard, outcome.remark.strip()[:200]))
        result.passed = not result.not_fixed
        deadline_passed = notice.deadline is None or notice.deadline <= now
        result.missed = not result.passed and deadline_passed
        complete_task(
            actor,
            task,
            result=_result_text(notice, hazards, result),
            result_data={
                "notice": notice.pk,
                "passed": result.passed,
                "fixed": [h.pk for h in result.fixed],
                "not_fixed": [{"hazard": h.pk, "remark": r} for h, r in result.not_fixed],
                "missed": result.missed,
            },
            version=version,
            channel=channel,
        )
        if not result.passed and not deadline_passed:
            result.follow_up = _follow_up(actor, notice, result.not_fixed)
        audit.record(
            actor,
            audit.AuditAction.UPDATE,
            "inspections.notice",
            notice.pk,
            channel=channel,
            detail={
                "recheck": task.pk,
                "passed": result.passed,
                "not_fixed": [h.pk for h, _ in result.not_fixed],
            },
        )
    return result


def _result_text(notice: Notice, hazards: list[Hazard], result: RecheckResult) -> str:
    if result.passed:
        return f"复查通过：通知书所列{len(hazards)}项隐患均已整改，整改前后照片已上传"
    unfixed = "；".join(f"{h.get_category_display()}：{remark}" for h, remark in result.not_fixed)
    head = f"复查未通过：{len(result.not_fixed)}项未整改（{unfixed}）"
    if result.missed:
        if notice.kind == NoticeKind.DEADLINE:
            return f"{head}。整改期限已过，由社区、街道决定转接诉即办，移交主管部门"
        return f"{head}。责令立即改正未改正，由社区、街道决定下一步处置"
    return f"{head}。整改期限未到，到期再次回头看"


def _follow_up(actor: Any, notice: Notice, not_fixed: list[tuple[Hazard, str]]) -> Any:
    """Items found unfixed before the deadline: another re-inspection on the deadline day,
    listing only those."""
    from wangge.tasks.models import Priority, TaskKind
    from wangge.tasks.services import create_task

    assert notice.deadline is not None
    place = notice.place
    hazards = [h for h, _ in not_fixed]
    serious = any(h.severity == Severity.SERIOUS for h in hazards)
    return create_task(
        actor,
        kind=TaskKind.REINSPECTION,
        region=place.grid,
        title=f"再次回头看：{place.name}（{notice.number}）",
        due_date=timezone.localtime(notice.deadline).date(),
        priority=Priority.HIGH if serious else Priority.NORMAL,
        form_code="",
        building=place.building,
        subject_ref=subject(notice),
        note=f"上次回头看仍有{len(hazards)}项未整改，期限到时再次复查。\n"
        f"{_deadline_text(notice)}\n{_items(hazards)}",
    )


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


def _recheck_page(task_id: int) -> str:
    from django.urls import reverse

    return reverse("inspections:recheck", args=[task_id])


def register_links() -> None:
    """The task page links a re-inspection to its notice and an inspection to its place; one
    tap on a re-inspection on the workbench opens its screen."""
    from wangge.tasks.models import TaskKind
    from wangge.tasks.selectors import register_kind_page, register_subject_link

    register_subject_link("inspections.notice:", _notice_link)
    register_subject_link("inspections.place:", _place_link)
    register_kind_page(TaskKind.REINSPECTION, _recheck_page)
