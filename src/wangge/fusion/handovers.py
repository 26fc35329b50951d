"""Hand-over items: import rows about persons the importer may not change.

An import never writes across the scope: a row that matches a person outside the importer's
scope (or a new person the importer cannot place, which only the district may add) is kept here,
encrypted, for the offices that hold that person. They accept it (the values are then applied
through `people.services`, which checks their scope on the person and writes the audit entry)
or reject it. Who sees an item is the `fusion.handover` policy in `access.scoping`: the offices
that may change the person (district-level staff for persons not placed anywhere).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.masking import mask_id_number, mask_phone
from wangge.access.scoping import Right, require
from wangge.core.errors import NotFound, ServiceError
from wangge.fusion.models import HandOver, HandOverStatus
from wangge.fusion.services import require_importer
from wangge.people.services import (
    PERSON_FIELDS,
    apply_person_values,
    create_person,
    person_with_id_number,
)

FIELD_LABELS = {
    "name": "姓名",
    "id_number": "身份证号码",
    "phone": "联系电话",
    "gender": "性别",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "address_text": "台账地址",
}


def visible_handovers(actor: Any, *, status: str = HandOverStatus.PENDING) -> QuerySet[HandOver]:
    """The items the actor's offices decide (hand-overs are office work, as imports are)."""
    require_importer(actor)
    items = HandOver.objects.visible_to(actor).select_related("person__grid", "batch")
    return items.filter(status=status) if status else items


def get_handover(actor: Any, handover_id: int, *, channel: str = "web") -> HandOver:
    item = visible_handovers(actor, status="").filter(pk=handover_id).first()
    if item is None:
        raise NotFound(
            _("移交事项 %(handover_id)s 不存在或不在您的管辖范围内") % {"handover_id": handover_id}
        )
    audit.record(actor, audit.AuditAction.VIEW, "fusion.handover", item.pk, channel=channel)
    return item


def shown_values(item: HandOver) -> list[tuple[str, str]]:
    """The row's values as the holder sees them: identifiers masked (reveal stays on the person)."""
    out = []
    for field, label in FIELD_LABELS.items():
        value = str(item.values.get(field) or "")
        if not value:
            continue
        if field == "id_number":
            value = mask_id_number(value)
        elif field == "phone":
            value = mask_phone(value)
        elif field == "birth_date":
            value = value[:4] + "年"  # the year: the full date beside a masked ID rebuilds it
        out.append((label, value))
    return out


def _pending(actor: Any, handover_id: int) -> HandOver:
    item = (
        visible_handovers(actor, status="")
        .select_for_update(of=("self",))
        .filter(pk=handover_id)
        .first()
    )
    if item is None:
        raise NotFound(
            _("移交事项 %(handover_id)s 不存在或不在您的管辖范围内") % {"handover_id": handover_id}
        )
    require(actor, item, Right.CHANGE)
    if item.status != HandOverStatus.PENDING:
        raise ServiceError(
            _("移交事项 %(pk)s 已是“%(status)s”，不能再处理")
            % {"pk": item.pk, "status": item.get_status_display()}
        )
    return item


@transaction.atomic
def accept_handover(
    actor: Any, handover_id: int, *, note: str = "", channel: str = "web"
) -> HandOver:
    """Apply the row through the scoped write path: the person's fields, or a new person (not
    placed in a grid) for the district. Moves between households are left to the holder."""
    item = _pending(actor, handover_id)
    values = {f: item.values[f] for f in PERSON_FIELDS if item.values.get(f) not in (None, "")}
    if item.person is not None:
        changed = apply_person_values(actor, item.person, values, channel=channel)
    else:
        number = values.get("id_number") or ""
        if number and person_with_id_number(number) is not None:
            raise ServiceError(_("平台中已有该身份证号码的人员，请拒绝本事项后在该人员档案中核对"))
        item.person = create_person(
            actor,
            values,
            residence_type=item.values.get("residence_type") or "registered",
            channel=channel,
        )
        changed = sorted(values)
    item.status = HandOverStatus.ACCEPTED
    item.decided_by = actor
    item.decided_at = timezone.now()
    item.note = note[:200]
    item.save(update_fields=["person", "status", "decided_by", "decided_at", "note"])
    audit.record(
        actor,
        audit.AuditAction.UPDATE,
        "fusion.handover",
        item.pk,
        channel=channel,
        detail={"decision": "accepted", "person": item.person_id, "fields": changed},
    )
    return item


@transaction.atomic
def reject_handover(
    actor: Any, handover_id: int, *, note: str = "", channel: str = "web"
) -> HandOver:
    item = _pending(actor, handover_id)
    item.status = HandOverStatus.REJECTED
    item.decided_by = actor
    item.decided_at = timezone.now()
    item.note = note[:200]
    item.payload = ""  # a refused row's identifiers are not kept
    item.save(update_fields=["status", "decided_by", "decided_at", "note", "payload"])
    audit.record(
        actor,
        audit.AuditAction.UPDATE,
        "fusion.handover",
        item.pk,
        channel=channel,
        detail={"decision": "rejected"},
    )
    return item
