"""The case loop's state changes after intake: dispatch, transfer, return, sign in, handle, verify,
rate, close, reopen, comment. Each checks the actor, writes with the version check, appends an
event, records an audit entry and queues notifications for after the commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from wangge.access.models import Role
from wangge.access.scoping import Right, allows
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Channel,
    Department,
    EventKind,
    PhotoStage,
    Rating,
)
from wangge.cases.services.common import ACTIVE, _is_user, _token
from wangge.cases.services.deadlines import deadlines_for
from wangge.cases.services.notifications import (
    _department_usernames,
    _notify,
    _notify_department,
    _staff_usernames,
)
from wangge.cases.services.photos import _check_photos, _save_photos
from wangge.cases.services.reads import case_by_token, departments_for, visible_cases
from wangge.cases.services.writing import (
    _changed,
    _conflict,
    _event,
    _require_reason,
    _require_status,
    _write,
)
from wangge.core.errors import Forbidden, ServiceError
from wangge.geo.models import StaffPost


def _check_department(case: Case, department: Department) -> None:
    if (
        department.region_id is not None
        and case.region_id is not None
        and not departments_for(case).filter(pk=department.pk).exists()
    ):
        raise ServiceError(_("%(name)s不负责该案件所在区域") % {"name": department.name})


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
    if not allows(actor, case, Right.DISPATCH):
        raise Forbidden(_("只有案件所在街道、社区的工作人员可以派遣"))
    if post and post not in StaffPost.values:  # stored as given: any text, a 500 on PostgreSQL
        raise ServiceError(
            _("岗位“%(post)s”不存在，应为：%(posts)s")
            % {"post": post[:40], "posts": "、".join(StaffPost.values)}
        )
    if version is not None and version != case.version:
        raise _conflict(case, version, case.version)
    if case.status in ACTIVE and case.department is not None:
        raise ServiceError(
            _("案件 %(number)s 已派遣给%(name)s，如需改派请使用“转派”")
            % {"number": case.number, "name": case.department.name}
        )
    _require_status(case, [CaseStatus.NEW], pgettext("case action", "派遣"), version)
    _check_department(case, department)
    return _send_to_department(
        actor,
        case,
        version,
        department,
        EventKind.DISPATCHED,
        note=note.strip(),
        channel=channel,
        message=f"新派遣案件：{case.title}",
        post=post,
    )


def _send_to_department(
    actor: Any,
    case: Case,
    version: int | None,
    department: Department,
    kind: EventKind,
    *,
    note: str,
    channel: str,
    message: str,
    data: dict[str, Any] | None = None,
    **fields: Any,
) -> Case:
    """派遣 and 转派 alike: the case goes to `department` with fresh deadlines (the clock starts
    again), nobody has signed it yet, and the department is told."""
    from_status = case.status
    now = timezone.now()
    sign, handle = deadlines_for(case.category, now)
    _write(
        case,
        version,
        status=CaseStatus.DISPATCHED,
        department=department,
        handler=None,
        dispatched_at=now,
        sign_deadline=sign,
        handle_deadline=handle,
        reminded_at=None,
        escalation_level=0,
        **fields,
    )
    _event(
        case,
        kind,
        actor,
        channel=channel,
        from_status=from_status,
        to_status=CaseStatus.DISPATCHED,
        department_id=department.pk,
        note=note,
        data=data,
    )
    _changed(actor, case, kind, channel)
    _notify_department(case, "dispatched", message)
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
    if not allows(actor, case, Right.DISPATCH):
        raise Forbidden(_("只有案件所在街道、社区的工作人员可以转派"))
    _require_status(case, ACTIVE, pgettext("case action", "转派"), version)
    reason = _require_reason(reason, _("转派原因"))
    if department.pk == case.department_id:
        raise ServiceError(_("案件已在%(name)s办理，请选择其他部门") % {"name": department.name})
    _check_department(case, department)
    return _send_to_department(
        actor,
        case,
        version,
        department,
        EventKind.TRANSFERRED,
        note=reason,
        channel=channel,
        message=f"转派来的案件：{case.title}",
        data={"from_department": case.department_id},
        signed_at=None,
    )


def _require_handler(actor: Any, case: Case, doing: str) -> None:
    if not allows(actor, case, Right.HANDLE):
        raise Forbidden(_("只有承办部门的工作人员可以%(doing)s") % {"doing": doing})


@transaction.atomic
def return_case(
    actor: Any, case: Case, *, reason: str, version: int | None = None, channel: str = "web"
) -> Case:
    """退单: the department sends back a case that is not theirs, saying why."""
    _require_handler(actor, case, pgettext("case action", "退单"))
    _require_status(case, ACTIVE, pgettext("case action", "退单"), version)
    reason = _require_reason(reason, _("退单原因"))
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
    _require_handler(actor, case, pgettext("case action", "签收"))
    _require_status(case, [CaseStatus.DISPATCHED], pgettext("case action", "签收"), version)
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
    _require_handler(actor, case, pgettext("case action", "反馈处置结果"))
    _require_status(case, ACTIVE, pgettext("case action", "反馈处置结果"), version)
    result = _require_reason(result, _("处置结果"))
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
    _require_status(case, [CaseStatus.HANDLED], pgettext("case action", "核查"), version)
    checked = _check_photos(photos)
    if passed:
        _write(case, version, status=CaseStatus.VERIFIED, verified_at=timezone.now())
        kind, to_status = EventKind.VERIFIED, CaseStatus.VERIFIED
    else:
        note = _require_reason(note, _("核查未通过的原因"))
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
    if not allows(actor, case, Right.VERIFY):
        raise Forbidden(_("只有案件所在网格的网格员或社区、街道工作人员可以核查"))
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
    _require_status(case, [CaseStatus.VERIFIED], pgettext("case action", "评价"), version)
    if rating not in Rating.values:
        raise ServiceError(_("请选择满意、基本满意或不满意"))
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
    if not allows(actor, case, Right.DISPATCH):
        raise Forbidden(_("只有案件所在街道、社区的工作人员可以录入回访评价"))
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
    if not allows(actor, case, Right.DISPATCH):
        raise Forbidden(_("只有案件所在街道、社区的工作人员可以结案"))
    _require_status(case, [CaseStatus.VERIFIED], pgettext("case action", "结案"), version)
    note = _require_reason(note, _("结案说明"))
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
    if not allows(actor, case, Right.DISPATCH):
        raise Forbidden(_("只有案件所在街道、社区的工作人员可以重新办理"))
    _require_status(case, [CaseStatus.CLOSED], pgettext("case action", "重新办理"), version)
    reason = _require_reason(reason, _("重新办理的原因"))
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


@transaction.atomic
def comment_case(
    actor: Any,
    case: Case,
    *,
    text: str,
    author: str = "",
    client_update_id: str = "",
    client_status: str = "",
    photos: Sequence[UploadedFile] = (),
    channel: str = Channel.OPEN311,
) -> CaseEvent:
    """补充反映: more words (and photos) from the reporting side on an open or closed case.

    Open to the account that filed the case (an Open311 client adding its resident's update)
    and to those who see the case. It changes no status: the status the client asks for is
    kept in the note for the handler, who decides. A client's update id makes a retry return
    the event recorded the first time instead of a second one.
    """
    if not _is_user(actor):
        raise Forbidden(_("请先登录，或提供有效的 api_key"))
    if case.reporter_user_id != actor.pk and not visible_cases(actor).filter(pk=case.pk).exists():
        raise Forbidden(
            _("案件 %(number)s 不是本账号提交的，也不在您的管辖范围内") % {"number": case.number}
        )
    if client_update_id:
        earlier = CaseEvent.objects.filter(
            case=case, kind=EventKind.COMMENTED, data__client_update_id=client_update_id
        ).first()
        if earlier is not None:
            return earlier
    text = text.strip()
    if not text and not photos:
        raise ServiceError(_("请填写补充内容或附上照片"))
    checked = _check_photos(photos)
    data = {"author": author[:50], "client_update_id": client_update_id[:64]}
    if client_status:
        data["client_status"] = client_status[:32]
    event = _event(
        case,
        EventKind.COMMENTED,
        actor,
        channel=channel,
        department_id=case.department_id,
        note=text[:4000],
        data=data,
    )
    _save_photos(case, event, checked, PhotoStage.REPORT, actor)
    Case.objects.filter(pk=case.pk).update(updated_at=event.at)
    _changed(actor, case, EventKind.COMMENTED, channel)
    if case.department_id:
        _notify_department(case, "commented", f"反映人补充：{text[:100]}")
    return event
