"""The community's conflict inbox: values a submission proposed for a record that someone else
had changed since the form's roster was made. Staff over the record's grid see the value before,
the value now and the value submitted side by side, and accept (written through the same scoped
path, with the submission as provenance) or reject; either decision is audited.

A newcomer held because their ID number is registered already (`applying.HELD_NEWCOMER`) is an
item on the household: accepting it attaches the visit to the person who holds the number
(moved into the household, the phone and the number's birth date and gender written; the name
on file kept), or creates the newcomer after all when nobody holds it any more. The holder is
shown to staff who may see them; to others only that the number is registered outside their
scope, and accepting then is refused (audited) for an office over both to decide.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.masking import mask_id_number, mask_phone
from wangge.access.scoping import Right, require, visible_to
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.forms.applying import (
    CHANNEL,
    HELD_NEWCOMER,
    apply_submission,
    check_gender,
    parse_birth_date,
)
from wangge.forms.models import Change, ChangeStatus, Submission, SubmissionStatus
from wangge.people import services as people
from wangge.people.idnumber import check_id_number
from wangge.people.models import Household, Person, Relation, ResidenceType

FIELD_NAMES = {
    "phone": "联系电话",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "is_rental": "是否出租",
    "note": "备注",
    HELD_NEWCOMER: "迁入人员（身份证号已登记）",
}


def inbox(user: Any, status: str = ChangeStatus.CONFLICT) -> QuerySet[Change]:
    qs = visible_to(user, Change.objects.all(), Right.CHANGE).filter(status=status)
    return qs.select_related("submission__form", "grid").order_by("-at", "-pk")


def get_change(user: Any, change_id: int) -> Change:
    change = (
        visible_to(user, Change.objects.all(), Right.CHANGE)
        .select_related("submission", "grid")
        .filter(pk=change_id)
        .first()
    )
    if change is None:
        raise NotFound(_("未找到该冲突，或不在您的管辖范围内"))
    return change


@transaction.atomic
def decide(user: Any, change_id: int, *, accept: bool, note: str = "") -> Change:
    change = get_change(user, change_id)
    require(user, change, Right.CHANGE, message=_("该冲突不在您的管辖范围内"))
    if change.status != ChangeStatus.CONFLICT:
        raise ServiceError(_("该冲突已处理"))
    detail: dict[str, Any] = {}
    if accept:
        detail = _write(user, change)
    change.status = ChangeStatus.ACCEPTED if accept else ChangeStatus.REJECTED
    change.decided_by = user
    change.decided_at = timezone.now()
    change.note = note[:200]
    change.save(update_fields=["status", "decided_by", "decided_at", "note"])
    audit.record(
        user,
        AuditAction.UPDATE,
        "forms.change",
        change.pk,
        detail={
            "decision": "accept" if accept else "reject",
            "submission": change.submission_id,
            "record": f"{change.model}:{change.object_id}",
            "field": change.field,
            **detail,
        },
    )
    return change


def _write(user: Any, change: Change) -> dict[str, Any]:
    value: Any = change.submitted_value
    if change.model == "household" and change.field == HELD_NEWCOMER:
        return _register_newcomer(user, change)
    if change.model == "person":
        person = Person.objects.filter(pk=change.object_id).first()
        if person is None:
            raise ServiceError(_("该人员已不存在"))
        # Checked again now: against today, and against an ID number stored since.
        try:
            if change.field == "birth_date":
                value = parse_birth_date(value, timezone.localdate(), person.id_number)
            elif change.field == "gender":
                check_gender(value, timezone.localdate(), person.id_number)
        except ServiceError as exc:
            raise ServiceError(
                _("不能采纳：%(message)s，请驳回") % {"message": exc.message}
            ) from None
        people.apply_person_values(user, person, {change.field: value}, channel=CHANNEL)
    elif change.model == "household":
        household = Household.objects.filter(pk=change.object_id).first()
        if household is None:
            raise ServiceError(_("该户已不存在"))
        if change.field == "is_rental":
            value = value == "是"
        people.apply_household_values(user, household, {change.field: value}, channel=CHANNEL)
    else:
        raise ServiceError(_("该冲突不能直接采纳"))
    return {}


def _held_values(change: Change) -> dict[str, Any]:
    try:
        values = json.loads(change.submitted_value)
    except ValueError:
        values = None
    if not isinstance(values, dict) or not check_id_number(values.get("id_number") or "").valid:
        raise ServiceError(_("不能采纳：该迁入人员的信息无法读取，请驳回"))
    return values


def _register_newcomer(user: Any, change: Change) -> dict[str, Any]:
    """Accept a held newcomer: the visit is attached to whoever holds the ID number now (looked
    up again, under the number's lock), or the newcomer is created after all when nobody does.
    Every write goes through the people services (scope checked on the person and the
    household, audited) and is kept as an applied `Change` of the submission."""
    values = _held_values(change)
    household = Household.objects.filter(pk=change.object_id).first()
    if household is None:
        raise ServiceError(_("该户已不存在"))
    relation = str(values.get("relation") or "")
    if relation not in Relation.values:
        relation = Relation.OTHER
    since = timezone.localdate(change.submission.received_at)
    fields = {f: values.get(f) or "" for f in ("phone", "gender", "birth_date")}
    number = values["id_number"]
    people.lock_id_number(number)
    person = people.person_with_id_number(number)
    written: list[tuple[str, Any, Any]] = []  # (field, before, after)
    if person is None:
        person = people.create_person(
            user,
            {"name": values.get("name") or "", "id_number": number, **fields},
            grid_id=household.grid_id,
            residence_type=ResidenceType.FLOATING
            if relation == Relation.TENANT
            else ResidenceType.REGISTERED,
            channel=CHANNEL,
        )
        created = True
    else:
        try:
            require(
                user,
                person,
                Right.CHANGE,
                message=_("该身份证号登记的人员不在您的管辖范围内"),
                channel=CHANNEL,
            )
        except Forbidden as exc:  # refused and audited; the item stays for an office over both
            raise ServiceError(
                _("不能采纳：%(message)s，请由其所在社区或街道核对，或驳回")
                % {"message": exc.message}
            ) from None
        created = False
        before = {f: getattr(person, f) for f in fields}
        for fld in people.apply_person_values(user, person, fields, channel=CHANNEL):
            written.append((fld, before[fld], getattr(person, fld)))
    moved = person.household_id != household.pk
    if moved:
        people.move_person(user, person, household, relation=relation, since=since)
        written.append(("moved_in", "", f"{household.pk}:{relation}"))
    notes = [
        Change(
            submission=change.submission,
            model="person",
            object_id=str(person.pk),
            field=fld,
            old_value=_text(before_value),
            submitted_value=_text(after),
            status=ChangeStatus.APPLIED,
            grid_id=household.grid_id,
        )
        for fld, before_value, after in written
    ]
    notes += [
        Change(
            submission=change.submission,
            model="person",
            object_id=str(person.pk),
            field=str(fld),
            submitted_value=str(raw),
            current_value=str(why),
            status=ChangeStatus.INVALID,
            grid_id=household.grid_id,
        )
        for fld, raw, why in values.get("invalid") or []
    ]
    Change.objects.bulk_create(notes)
    return {"person": person.pk, "created": created, "moved": moved}


def _text(value: Any) -> str:
    return "" if value is None else str(value)[:2000]


@dataclass(frozen=True)
class HeldNewcomer:
    """A held newcomer as the inbox shows it: what the visit sent (identifiers masked, the
    birth year only: beside a masked number the date rebuilds it), why it was held, and the
    person holding the number if the viewer may see them."""

    name: str
    relation: str
    id_number: str
    phone: str
    gender: str
    birth_year: str
    reason: str
    holder: Person | None
    holder_elsewhere: bool  # registered to someone the viewer may not see


def held_newcomers(user: Any, changes: Iterable[Change]) -> dict[int, HeldNewcomer]:
    """The inbox's held newcomers by change id, the holders looked up once for the page."""
    items = {c.pk: c for c in changes if c.model == "household" and c.field == HELD_NEWCOMER}
    held: dict[int, dict[str, Any]] = {}
    for pk, change in items.items():
        try:
            values = json.loads(change.submitted_value)
        except ValueError:
            values = {}
        held[pk] = values if isinstance(values, dict) else {}
    index_of = {pk: people.id_number_index(v.get("id_number") or "") for pk, v in held.items()}
    indexes = [i for i in index_of.values() if i]
    registered = set(
        Person.objects.filter(id_number_index__in=indexes).values_list("id_number_index", flat=True)
    )
    visible = {
        p.id_number_index: p
        for p in people.visible_persons(user)
        .filter(id_number_index__in=indexes)
        .select_related("grid")
    }
    relations = dict(Relation.choices)
    out = {}
    for pk, values in held.items():
        index = index_of[pk]
        out[pk] = HeldNewcomer(
            name=str(values.get("name") or ""),
            relation=str(relations.get(values.get("relation") or "", "")),
            id_number=mask_id_number(values.get("id_number") or ""),
            phone=mask_phone(values.get("phone") or "") if values.get("phone") else "",
            gender=str(values.get("gender") or ""),
            birth_year=str(values.get("birth_date") or "")[:4],
            reason=items[pk].current_value,
            holder=visible.get(index),
            holder_elsewhere=index in registered and index not in visible,
        )
    return out


def visible_submissions(user: Any) -> QuerySet[Submission]:
    return visible_to(user, Submission.objects.all()).select_related("form_version")


@transaction.atomic
def reapply(user: Any, submission_id: int) -> str:
    """Apply a refused or failed submission again, as the office that holds its records."""
    submission = (
        visible_to(user, Submission.objects.all(), Right.CHANGE).filter(pk=submission_id).first()
    )
    if submission is None:
        raise NotFound(_("未找到该提交，或不在您的管辖范围内"))
    if submission.status not in (SubmissionStatus.REFUSED, SubmissionStatus.FAILED):
        raise ServiceError(_("只有被拒绝或写入失败的提交可以重新写入"))
    audit.record(
        user, AuditAction.UPDATE, "forms.submission", submission.pk, detail={"reapply": True}
    )
    return apply_submission(user, submission)
