"""A missed rectification deadline handed to the department in charge as a 接诉即办 case.

The re-inspection task of a notice escalates by itself (community, then street) when it is not
done on its day. What the street then does about a place that did not fix its hazards is a
decision, not a timer: it refers the notice to the department in charge of the place (the fire
brigade, market regulation, housing…) as a case, which then runs the cases loop — deadlines,
handling, verification, closing. The case is keyed by the notice's number (channel
`inspection`), so one notice becomes one case however often the button is pressed.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.scoping import refuse, scope_for
from wangge.cases.models import Case, Channel, Department
from wangge.core.errors import ServiceError
from wangge.inspections.models import HazardStatus, Notice, NoticeKind


def referred_case(notice: Notice) -> Case | None:
    """The case a notice was referred as, if any."""
    return (
        Case.objects.filter(channel=Channel.INSPECTION, external_id=notice.number)
        .select_related("department")
        .first()
    )


def missed(notice: Notice, now: Any = None) -> bool:
    """Whether the notice's deadline has passed with some of its hazards not rectified."""
    now = now or timezone.now()
    if notice.kind != NoticeKind.DEADLINE or notice.deadline is None or notice.deadline > now:
        return False
    return notice.hazards.exclude(status=HazardStatus.RECTIFIED).exists()


def may_refer(actor: Any, notice: Notice) -> bool:
    """Community, street and district staff over the notice's grid (not grid workers, not
    departments): the escalated re-inspection lands with them."""
    if not getattr(actor, "is_authenticated", False):
        return False
    if notice.grid is None:
        return scope_for(actor).unrestricted
    return scope_for(actor).covers_staff_code(notice.grid.code)


def _description(notice: Notice, open_hazards: list[Any]) -> str:
    lines = [
        f"{notice.get_kind_display()} {notice.number}",
        f"场所：{notice.place.name}（{notice.place.get_kind_display()}）",
        f"下达时间：{timezone.localtime(notice.issued_at):%Y-%m-%d}",
        f"整改期限：{timezone.localtime(notice.deadline):%Y-%m-%d %H:%M}"
        if notice.deadline
        else "",
        "逾期未整改的隐患：",
    ]
    for n, hazard in enumerate(open_hazards, start=1):
        lines.append(
            f"{n}. {hazard.get_category_display()}（{hazard.get_severity_display()}）："
            f"{hazard.description or '—'}"
        )
    return "\n".join(line for line in lines if line)


def refer_missed_deadline(
    actor: Any,
    notice: Notice,
    *,
    department: Department | None = None,
    note: str = "",
    channel: str = "web",
) -> Case:
    """Refer a notice whose deadline passed unfixed to a department as a dispatched case."""
    from wangge.cases.services import dispatch_case, submit_case

    if actor is not None and not may_refer(actor, notice):
        refuse(
            actor,
            notice,
            "refer",
            message=_("只有该网格所属社区、街道的工作人员可以将逾期未改转为案件"),
            channel=channel,
        )
    known = referred_case(notice)
    if known is not None:
        raise ServiceError(
            _("通知书 %(number)s 已转为案件 %(case)s")
            % {"number": notice.number, "case": known.number}
        )
    if not missed(notice):
        raise ServiceError(_("只有整改期限已过且仍有隐患未整改的限期改正通知书可以转为案件"))
    department = department or notice.place.department
    if department is None:
        raise ServiceError(_("该场所没有登记主管部门，请选择接收案件的部门"))
    open_hazards = list(notice.hazards.exclude(status=HazardStatus.RECTIFIED).order_by("pk"))
    place = notice.place
    with transaction.atomic():
        case = submit_case(
            actor,
            channel=Channel.INSPECTION,
            title=f"逾期未整改：{place.name}（{notice.number}）"[:200],
            description=_description(notice, open_hazards),
            lon=place.lon,
            lat=place.lat,
            region=notice.grid,
            external_id=notice.number,
            auto_dispatch=False,
            description_private=True,  # names a business and its failings: not for the public
        )
        dispatch_case(
            actor,
            case,
            department=department,
            note=(note.strip() or f"隐患排查逾期未整改，依据{notice.number}移交")[:500],
            channel=channel,
        )
        audit.record(
            actor,
            audit.AuditAction.UPDATE,
            "inspections.notice",
            notice.pk,
            channel=channel,
            detail={"referred_as": case.number, "department": department.pk},
        )
    return case
