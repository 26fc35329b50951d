"""Rectification notices: 《责令立即改正通知书》 and 《责令限期改正通知书》.

Issued for one place's open hazards by an inspector of the issuing unit's area, numbered in
the official style (`models.notice_number`), online from the unit's counter or offline from a
block reserved to the inspector (`numbering`). A deadline notice runs for working days
(`cases.workdays`). The printable document is built on demand (`documents`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.scoping import Right, require, visible_to
from wangge.cases.workdays import add_working_days
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.inspections import numbering
from wangge.inspections import photos as photo_store
from wangge.inspections.models import (
    Hazard,
    HazardStatus,
    IssuingUnit,
    Notice,
    NoticeKind,
    notice_number,
)

MAX_DEADLINE_DAYS = 60


def _is_user(actor: Any) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def issue_notice(
    actor: Any,
    *,
    unit: IssuingUnit,
    hazards: Sequence[Hazard],
    kind: str,
    deadline_days: int | None = None,
    serial: int | None = None,
    year: int | None = None,
    client_id: str | None = None,
    issued_at: datetime.datetime | None = None,
    channel: str = "web",
) -> Notice:
    """Issue a notice for `hazards` (one place's, still open).

    `serial` (with `year`) is a number the inspector's phone took from a block reserved to them
    while offline; `client_id` names the notice on the phone, so a sync sent twice gives back the
    notice already issued instead of a second one.
    """
    if client_id:
        known = Notice.objects.filter(client_id=client_id).first()
        if known is not None:
            if known.issued_by_id != getattr(actor, "pk", None):
                raise ServiceError(_("该通知书编号已由他人同步"))
            return known
    if kind not in NoticeKind.values:
        raise ServiceError(_("通知书类型“%(kind)s”无效") % {"kind": kind[:20]})
    if not hazards:
        raise ServiceError(_("请选择要责令改正的隐患"))
    places = {h.place_id for h in hazards}
    if len(places) != 1:
        raise ServiceError(_("一份通知书只能针对一个场所的隐患"))
    for hazard in hazards:
        require(actor, hazard, Right.CHANGE, message=_("该隐患不在您的管辖范围内"))
        if hazard.status != HazardStatus.OPEN:
            raise ServiceError(
                _("隐患 %(pk)s 已%(status)s，不能再下达通知书")
                % {"pk": hazard.pk, "status": hazard.get_status_display()}
            )
    if kind == NoticeKind.DEADLINE:
        if deadline_days is None or not 1 <= deadline_days <= MAX_DEADLINE_DAYS:
            raise ServiceError(
                _("限期改正须填写整改期限（1至%(most)s个工作日）") % {"most": MAX_DEADLINE_DAYS}
            )
    else:
        deadline_days = None
    if not numbering.may_issue_for(actor, unit):
        raise Forbidden(
            _("您不是%(name)s辖区的检查人员，不能以其名义下达通知书") % {"name": unit.name}
        )
    now = issued_at or timezone.now()
    place = hazards[0].place
    block = None
    with transaction.atomic():
        if serial is not None:
            year = year or timezone.localtime(now).year
            block = numbering.block_for(actor, unit, year, serial)
            if block is None:
                raise ServiceError(
                    _("文号第%(serial)04d号不在为您预留的%(year)s年文号段内，请先预留文号")
                    % {"serial": serial, "year": year}
                )
        else:
            year = timezone.localtime(now).year
            serial = numbering.take_serial(unit, year)
        notice = Notice(
            number=notice_number(unit.prefix, year, serial),
            unit=unit,
            year=year,
            serial=serial,
            block=block,
            kind=kind,
            place=place,
            grid_id=place.grid_id,
            issued_by=actor if _is_user(actor) else None,
            issued_at=now,
            deadline_days=deadline_days,
            deadline=add_working_days(timezone.localtime(now), deadline_days)
            if deadline_days
            else None,
            client_id=client_id or None,
        )
        try:
            with transaction.atomic():
                notice.save()
        except IntegrityError:
            raise ServiceError(
                _("文号“%(number)s”已被使用，请换用文号段内的下一个号") % {"number": notice.number}
            ) from None
        Hazard.objects.filter(pk__in=[h.pk for h in hazards]).update(
            notice=notice, status=HazardStatus.NOTICE_ISSUED
        )
        from wangge.inspections import reinspection

        reinspection.schedule(actor, notice, list(hazards))
    for hazard in hazards:
        hazard.notice, hazard.status = notice, HazardStatus.NOTICE_ISSUED
    audit.record(
        actor,
        audit.AuditAction.CREATE,
        "inspections.notice",
        notice.pk,
        channel=channel,
        detail={"number": notice.number, "hazards": [h.pk for h in hazards]},
    )
    return notice


def get_notice(actor: Any, number: str, *, channel: str = "web") -> Notice:
    notice = (
        visible_to(actor, Notice.objects.select_related("unit", "place", "grid", "issued_by"))
        .filter(number=number[:60])
        .first()
    )
    if notice is None:
        raise NotFound(_("未找到该通知书，或不在您的管辖范围内"))
    audit.record(actor, audit.AuditAction.VIEW, "inspections.notice", notice.pk, channel=channel)
    return notice


def attach_signed(actor: Any, notice: Notice, photo: Any, *, channel: str = "web") -> Notice:
    """The photo of the copy the place's person signed on site."""
    require(actor, notice, Right.CHANGE, message=_("该通知书不在您的管辖范围内"))
    stored = photo_store.checked([photo])
    notice.signed_photo, notice.signed_content_type = stored[0]
    notice.signed_at = timezone.now()
    notice.save(update_fields=["signed_photo", "signed_content_type", "signed_at"])
    audit.record(
        actor,
        audit.AuditAction.UPDATE,
        "inspections.notice",
        notice.pk,
        channel=channel,
        detail={"signed": True},
    )
    return notice


def signed_photo(actor: Any, number: str) -> tuple[bytes, str]:
    notice = get_notice(actor, number)
    if not notice.signed_photo:
        raise NotFound(_("该通知书还没有签收照片"))
    return photo_store.plain(notice.signed_photo), notice.signed_content_type


def document(
    actor: Any, number: str, fmt: str = "docx", *, channel: str = "web"
) -> tuple[bytes, str, str]:
    """(bytes, file name, content type) of the printable notice."""
    from wangge.inspections import documents

    if fmt not in ("docx", "pdf"):
        raise ServiceError(_("格式应为 docx 或 pdf"))
    notice = get_notice(actor, number, channel=channel)
    data = documents.render_docx(notice)
    name = f"{notice.number}.docx"
    content_type = documents.DOCX_TYPE
    if fmt == "pdf":
        data = documents.to_pdf(data)
        name, content_type = f"{notice.number}.pdf", "application/pdf"
    audit.record(
        actor,
        audit.AuditAction.EXPORT,
        "inspections.notice",
        notice.pk,
        channel=channel,
        detail={"format": fmt},
    )
    return data, name, content_type
