"""The community's conflict inbox: values a submission proposed for a record that someone else
had changed since the form's roster was made. Staff over the record's grid see the value before,
the value now and the value submitted side by side, and accept (written through the same scoped
path, with the submission as provenance) or reject; either decision is audited."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.scoping import Right, require, visible_to
from wangge.core.errors import NotFound, ServiceError
from wangge.forms.applying import CHANNEL, apply_submission, parse_birth_date
from wangge.forms.models import Change, ChangeStatus, Submission, SubmissionStatus
from wangge.people import services as people
from wangge.people.models import Household, Person

FIELD_NAMES = {
    "phone": "联系电话",
    "name": "姓名",
    "gender": "性别",
    "birth_date": "出生日期",
    "ethnicity": "民族",
    "is_rental": "是否出租",
    "note": "备注",
}


def inbox(user: Any, status: str = ChangeStatus.CONFLICT) -> QuerySet[Change]:
    qs = visible_to(user, Change.objects.all(), Right.CHANGE).filter(status=status)
    return qs.select_related("submission", "grid").order_by("-at", "-pk")


def get_change(user: Any, change_id: int) -> Change:
    change = (
        visible_to(user, Change.objects.all(), Right.CHANGE)
        .select_related("submission", "grid")
        .filter(pk=change_id)
        .first()
    )
    if change is None:
        raise NotFound("未找到该冲突，或不在您的管辖范围内")
    return change


@transaction.atomic
def decide(user: Any, change_id: int, *, accept: bool, note: str = "") -> Change:
    change = get_change(user, change_id)
    require(user, change, Right.CHANGE, message="该冲突不在您的管辖范围内")
    if change.status != ChangeStatus.CONFLICT:
        raise ServiceError("该冲突已处理")
    if accept:
        _write(user, change)
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
        },
    )
    return change


def _write(user: Any, change: Change) -> None:
    value: Any = change.submitted_value
    if change.model == "person":
        person = Person.objects.filter(pk=change.object_id).first()
        if person is None:
            raise ServiceError("该人员已不存在")
        if change.field == "birth_date":
            # Checked again now: against today, and against an ID number stored since.
            try:
                value = parse_birth_date(value, timezone.localdate(), person.id_number)
            except ServiceError as exc:
                raise ServiceError(f"不能采纳：{exc.message}，请驳回") from None
        people.apply_person_values(user, person, {change.field: value}, channel=CHANNEL)
    elif change.model == "household":
        household = Household.objects.filter(pk=change.object_id).first()
        if household is None:
            raise ServiceError("该户已不存在")
        if change.field == "is_rental":
            value = value == "是"
        people.apply_household_values(user, household, {change.field: value}, channel=CHANNEL)
    else:
        raise ServiceError("该冲突不能直接采纳")


def visible_submissions(user: Any) -> QuerySet[Submission]:
    return visible_to(user, Submission.objects.all()).select_related("form_version")


@transaction.atomic
def reapply(user: Any, submission_id: int) -> str:
    """Apply a refused or failed submission again, as the office that holds its records."""
    submission = (
        visible_to(user, Submission.objects.all(), Right.CHANGE).filter(pk=submission_id).first()
    )
    if submission is None:
        raise NotFound("未找到该提交，或不在您的管辖范围内")
    if submission.status not in (SubmissionStatus.REFUSED, SubmissionStatus.FAILED):
        raise ServiceError("只有被拒绝或写入失败的提交可以重新写入")
    audit.record(
        user, AuditAction.UPDATE, "forms.submission", submission.pk, detail={"reapply": True}
    )
    return apply_submission(user, submission)
