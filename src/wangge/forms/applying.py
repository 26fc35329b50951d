"""A submission is a proposal: each answer with a `wangge::target` is applied to the household
file through the people services (the scoped write path: the acting user's scope is checked on
every record as stored, every write audited), field by field, each write kept as a `Change` with
its provenance (the submission: who, which form version, when, which device).

A value that differs from the file where the record changed after the roster the form was
filled against (`roster_at`, see `roster`) is not written: it becomes a `Change` in status
`conflict`, for the community's conflict inbox (`conflicts`).

A submission that would write outside the sender's scope is refused as a whole (nothing
written, the refusal audited, the XML kept) and can be applied again by an office that holds
the record.

A newcomer whose valid ID number a person on the platform holds already is not created again
(the number is the person, as in a ledger import): the entry is held in the conflict inbox as
one `Change` on the household (field `newcomer`, the values sent kept encrypted), for the
community to attach to that person or reject (`conflicts`). The sender is told that the number
is registered, never whose it is or where.

A form whose answers belong to another app's ledger (the inspection checklists: hazards, not
the household file) is applied by the function that app registers for the form's code
(`register_applier`, called from its AppConfig.ready): the forms app stays below the apps it
serves and imports none of them.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone, translation

from wangge.access import audit, searchguard
from wangge.access.audit import AuditAction
from wangge.access.scoping import Right, refuse
from wangge.core.errors import Forbidden, RateLimited, ServiceError
from wangge.core.wording import say
from wangge.forms.models import Attachment, Change, ChangeStatus, Submission, SubmissionStatus
from wangge.forms.openrosa import Instance, InstanceError, parse_instance
from wangge.people import services as people
from wangge.people.idnumber import birth_date_problem, check_id_number, gender_problem
from wangge.people.models import Household, Person, Relation, ResidenceType, Tag
from wangge.people.names import normalize_name
from wangge.people.phone import check_phone

CHANNEL = "forms"
logger = logging.getLogger("wangge.forms")
PERSON_TARGET_FIELDS = ("name", "phone", "gender", "birth_date", "ethnicity")
# A newcomer held for the community: a `Change` on the household, the values sent as JSON.
HELD_NEWCOMER = "newcomer"
REGISTERED = "身份证号已在平台登记"
# Over the sender's exact-search limit the number is not looked up (searchguard), so the answer
# says nothing about whether it is registered; the community looks when it decides.
UNCHECKED = "身份证号核对过于频繁，未能核对是否已登记"
# A ledger import is writing the number's person and has not published it: the community
# decides once it has (the import's person then holds the number, or nobody if it was undone).
IMPORTING = "身份证号对应人员正随台账导入"


@dataclass
class Plan:
    """A submission's answers sorted by what they write to."""

    household_id: str = ""
    person_id: str = ""
    household: dict[str, str] = field(default_factory=dict)  # field → value
    person: dict[str, str] = field(default_factory=dict)
    members: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (person id, fields)
    newcomers: list[dict[str, str]] = field(default_factory=list)
    case: str = ""
    task_result: str = ""


class Refused(ServiceError):
    """A rule of the form's own domain refuses the submission as a whole (a failed checklist
    item without its photo): nothing written, the submission kept `refused` with the reason,
    `400` to the sender."""


@dataclass
class Received:
    """What a registered applier is given: the sender, the stored submission, its answers."""

    user: Any
    submission: Submission
    instance: Instance
    grid_id: int | None = None  # set by the applier once it knows: who sees a refusal

    def task_ref(self) -> str:
        """The task the submission names (hidden `task_id`, or the browser's `?task=`)."""
        return self.instance.first("task_id") or self.submission.task_ref

    def attachment(self, name: str) -> SimpleUploadedFile | None:
        """The file an image question's answer names, as an upload; None when not sent."""
        from wangge.forms.submissions import _safe_name

        if not name:
            return None
        found = Attachment.objects.filter(submission=self.submission, name=_safe_name(name))
        attachment = found.first()
        if attachment is None:
            return None
        return SimpleUploadedFile(
            attachment.name, _attachment(attachment), content_type=attachment.content_type
        )


@dataclass
class Applied:
    """What a registered applier wrote: each (model, object id, field, value) is kept as an
    applied `Change`; `result` and `result_data` go to the task it completes, which is the
    task the submission names or else `task_id`."""

    changes: list[tuple[str, str, str, str]] = field(default_factory=list)
    result: str = ""
    result_data: dict[str, Any] = field(default_factory=dict)
    task_id: int | None = None
    note: str = ""  # appended to the sender's message (e.g. why a notice was not issued)


FormApplier = Callable[[Received], Applied]
# A form's questions (`xlsform.Question`) → what in its definition the applier cannot read.
FormCheck = Callable[[list[Any]], list[str]]
_APPLIERS: dict[str, FormApplier] = {}
_FORM_CHECKS: dict[str, FormCheck] = {}
_FROM_TASK: set[str] = set()


def register_applier(
    form_code: str,
    applier: FormApplier,
    *,
    check_form: FormCheck | None = None,
    opened_from_task: bool = False,
) -> None:
    """Apply submissions of `form_code` with `applier` (inside the submission's transaction;
    raise `Refused` or `Forbidden` to refuse it, `ServiceError` to fail it). `check_form`, if
    given, vets every version of the form uploaded: a definition offering answers the applier
    would not read (a choice it does not know) is refused at upload, not misread later.
    `opened_from_task`: the form is only ever filled from a task on the workbench, which fills
    its hidden answers (the place checked); ODK Collect cannot, so its form list leaves it out
    rather than offer a form every submission of which would be refused."""
    _APPLIERS[form_code] = applier
    if check_form is not None:
        _FORM_CHECKS[form_code] = check_form
    if opened_from_task:
        _FROM_TASK.add(form_code)
    else:
        _FROM_TASK.discard(form_code)


def opened_from_task(form_code: str) -> bool:
    return form_code in _FROM_TASK


def applier_for(form_code: str) -> FormApplier | None:
    return _APPLIERS.get(form_code)


def form_check_for(form_code: str) -> FormCheck | None:
    return _FORM_CHECKS.get(form_code)


def plan_for(instance: Instance, targets: dict[str, str], repeats: set[str]) -> Plan:
    """Sort the answers by target; `repeats` are the form's repeat paths (longest first wins)."""
    plan = Plan()
    repeat_targets: dict[str, dict[str, str]] = {}
    for path, target in targets.items():
        repeat = max((r for r in repeats if path.startswith(r + "/")), key=len, default=None)
        if repeat is not None:
            repeat_targets.setdefault(repeat, {})[path[len(repeat) + 1 :]] = target
            continue
        value = instance.first(path)
        kind, _, what = target.partition(".")
        if target == "household.id":
            plan.household_id = value
        elif target == "person.id":
            plan.person_id = value
        elif kind == "household":
            plan.household[what] = value
        elif kind == "person":
            plan.person[what] = value
        elif target == "case.description":
            plan.case = value
        elif target == "task.result":
            plan.task_result = value
    for repeat, leaves in repeat_targets.items():
        for entry in instance.repeats.get(repeat, []):
            values = {t: entry.get(leaf, "").strip() for leaf, t in leaves.items()}
            fields = {t.split(".", 1)[1]: v for t, v in values.items() if t.startswith("person.")}
            pid = fields.pop("id", "")
            if pid:
                plan.members.append((pid, fields))
            newcomer = {
                t.split(".", 1)[1]: v for t, v in values.items() if t.startswith("newperson.")
            }
            if newcomer.get("name"):
                plan.newcomers.append(newcomer)
    return plan


def _millis(at: datetime.datetime | None) -> int:
    return int(at.timestamp() * 1000) if at else 0


def _reference(instance: Instance) -> int | None:
    """The time (ms) of the roster the form was filled against; None: no basis to compare."""
    raw = instance.first("roster_at")
    if raw.isdigit():
        return int(raw)
    return None


class _Applier:
    def __init__(self, user: Any, submission: Submission, instance: Instance):
        self.user = user
        self.submission = submission
        self.instance = instance
        self.reference = _reference(instance)
        self.changes: list[Change] = []
        self.grid_id: int | None = None
        self.today = timezone.localdate()
        self.stamps: dict[tuple[str, int], int] = {}
        self.not_created: list[str] = []  # what the sender is told of each newcomer not created
        self.held_invalid: list[str] = []  # why values of a held newcomer are not taken

    def _changed_since(self, kind: str, record: Any) -> bool:
        stamp = self.stamps.setdefault((kind, record.pk), _millis(record.updated_at))
        return self.reference is not None and stamp > self.reference

    def note(
        self, kind: str, pk: Any, fld: str, old: Any, new: Any, status: str, current: Any = ""
    ) -> None:
        if status == ChangeStatus.CONFLICT:
            # the value before the competing change, when that change came through a form too
            old = (
                Change.objects.filter(
                    model=kind,
                    object_id=str(pk),
                    field=fld,
                    status__in=(ChangeStatus.APPLIED, ChangeStatus.ACCEPTED),
                )
                .order_by("-at", "-pk")
                .values_list("old_value", flat=True)
                .first()
                or ""
            )
        self.changes.append(
            Change(
                submission=self.submission,
                model=kind,
                object_id=str(pk),
                field=fld,
                old_value=_text(old),
                current_value=_text(current),
                submitted_value=_text(new),
                status=status,
                grid_id=self.grid_id,
            )
        )

    # -- households ---------------------------------------------------------------------------

    def household(self, pk: str) -> Household | None:
        if not pk:
            return None
        household = Household.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
        if household is None:
            raise ServiceError(f"花名册中的户 {pk[:20]} 已不存在")
        self.grid_id = household.grid_id
        if not people.may_change(self.user, household):
            refuse(
                self.user,
                household,
                Right.CHANGE,
                message="该户不在您的管辖范围内，提交未写入",
                channel=CHANNEL,
            )
        self._changed_since("household", household)
        return household

    def household_fields(self, household: Household, values: dict[str, str]) -> None:
        wanted: dict[str, Any] = {}
        if values.get("is_rental") in ("yes", "no"):
            wanted["is_rental"] = values["is_rental"] == "yes"
        for fld, new in wanted.items():
            current = getattr(household, fld)
            if new == current:
                continue
            if self._changed_since("household", household):
                self.note("household", household.pk, fld, "", new, ChangeStatus.CONFLICT, current)
                continue
            people.apply_household_values(self.user, household, {fld: new}, channel=CHANNEL)
            self.note("household", household.pk, fld, current, new, ChangeStatus.APPLIED)
        note = values.get("note", "").strip()
        if note:  # notes are appended, never overwritten: no conflict possible
            old = household.note
            line = f"[{self.today:%Y-%m-%d} 走访] {note[:500]}"
            new_note = f"{old}\n{line}".strip() if old else line
            people.apply_household_values(self.user, household, {"note": new_note}, channel=CHANNEL)
            self.note("household", household.pk, "note", "", line, ChangeStatus.APPLIED)

    # -- persons ------------------------------------------------------------------------------

    def person(self, pk: str) -> Person:
        person = Person.objects.filter(pk=int(pk) if pk.isdigit() else 0).first()
        if person is None:
            raise ServiceError(f"花名册中的人员 {pk[:20]} 已不存在")
        if self.grid_id is None:
            self.grid_id = person.grid_id
        if not people.may_change(self.user, person):
            refuse(
                self.user,
                person,
                Right.CHANGE,
                message="该人员不在您的管辖范围内，提交未写入",
                channel=CHANNEL,
            )
        self._changed_since("person", person)
        return person

    def person_fields(
        self, person: Person, values: dict[str, str], household: Household | None
    ) -> None:
        for fld in PERSON_TARGET_FIELDS:
            raw = values.get(fld, "").strip()
            if not raw:
                continue
            current = getattr(person, fld)
            try:
                new = _person_value(fld, raw)
                if new == current:
                    continue
                if fld == "birth_date":  # the ID number stored for them decides it
                    check_birth_date(new, self.today, person.id_number)
                elif fld == "gender":  # and its 17th digit the gender
                    check_gender(new, self.today, person.id_number)
            except ServiceError as exc:  # one bad value does not drop the rest of the visit
                self.note("person", person.pk, fld, "", raw, ChangeStatus.INVALID, exc.message)
                continue
            if self._changed_since("person", person):
                self.note("person", person.pk, fld, "", new, ChangeStatus.CONFLICT, current)
                continue
            people.apply_person_values(self.user, person, {fld: new}, channel=CHANNEL)
            self.note("person", person.pk, fld, current, new, ChangeStatus.APPLIED)
        codes = values.get("tags", "").split()
        if codes:
            have = set(person.tags.values_list("code", flat=True))
            for tag in Tag.objects.filter(code__in=codes).exclude(code__in=have):
                person.tags.add(tag)
                self.note("person", person.pk, "tags", "", tag.code, ChangeStatus.APPLIED)
            if set(codes) - have:
                audit.record(
                    self.user,
                    AuditAction.UPDATE,
                    "person",
                    person.pk,
                    channel=CHANNEL,
                    detail={"tags_added": sorted(set(codes) - have)},
                )
        if (
            values.get("moved_out") == "yes"
            and household is not None
            and people.end_residence(
                self.user, person, household, until=self.today, channel=CHANNEL
            )
        ):
            self.note(
                "person", person.pk, "moved_out", household.pk, self.today, ChangeStatus.APPLIED
            )

    def newcomer(self, household: Household, values: dict[str, str]) -> None:
        relation = values.get("relation", "") or Relation.OTHER
        if relation not in Relation.values:
            relation = Relation.OTHER
        data: dict[str, Any] = {}
        invalid: list[tuple[str, str, str]] = []  # (field, value sent, why), noted once created
        typed_id = values.get("id_number", "").strip()
        checked = check_id_number(typed_id, today=self.today) if typed_id else None
        if checked is not None and checked.valid and checked.normalized:
            # the number's day and gender, as an import takes them
            data["id_number"] = checked.normalized
            data["birth_date"] = checked.birth_date
            data["gender"] = checked.gender
        elif checked is not None:
            invalid.append(("id_number", typed_id, f"身份证号无效：{checked.reason}"))
        for fld in ("name", "phone", "gender", "birth_date"):
            raw = values.get(fld, "").strip()
            if not raw:
                continue
            try:
                value = _person_value(fld, raw)
                if fld == "birth_date":
                    check_birth_date(value, self.today, data.get("id_number", ""))
                elif fld == "gender":
                    check_gender(value, self.today, data.get("id_number", ""))
                if fld in data:
                    continue  # agrees with the ID number's day or gender, set above
                data[fld] = value
            except ServiceError as exc:
                invalid.append((fld, raw, exc.message))
        if data.get("id_number") and self.registered(household, values, data, relation, invalid):
            return
        person = people.create_person(
            self.user,
            data,
            grid_id=household.grid_id,
            residence_type=ResidenceType.FLOATING
            if relation == Relation.TENANT
            else ResidenceType.REGISTERED,
            channel=CHANNEL,
        )
        people.move_person(self.user, person, household, relation=relation, since=self.today)
        for fld, raw, why in invalid:
            self.note("person", person.pk, fld, "", raw, ChangeStatus.INVALID, why)
        self.note(
            "person", person.pk, "moved_in", "", f"{household.pk}:{relation}", ChangeStatus.APPLIED
        )

    def registered(
        self,
        household: Household,
        values: dict[str, str],
        data: dict[str, Any],
        relation: str,
        invalid: list[tuple[str, str, str]],
    ) -> bool:
        """Whether the newcomer's valid ID number is someone's on the platform already (then
        nothing is created: a current member of this very household is updated as a member is;
        anyone else is held for the community). The lookup is an exact search by ID number
        (`searchguard`: counted, limited), for its answer tells the sender whether a number is
        registered: over the limit the newcomer is held unlooked-up. The number stays locked
        to this transaction, so a newcomer sent twice at once is created once."""
        number = data["id_number"]
        hashed = searchguard.query_hash(number)
        try:
            searchguard.check_exact_search(self.user, "id_number", hashed, channel=CHANNEL)
        except RateLimited:
            self.hold(household, data, relation, invalid, UNCHECKED, hashed, None)
            return True
        people.lock_id_number(number)
        try:
            holder = people.person_with_id_number(number)
        except people.IdNumberBeingImported:
            self.hold(household, data, relation, invalid, IMPORTING, hashed, None)
            return True
        if holder is None:
            return False
        if holder.household_id == household.pk:
            # Already on this household's file (the roster was old, or the worker missed
            # them): their answers are a member's, the name on file kept (the number is them).
            member = self.person(str(holder.pk))
            sent = {fld: values.get(fld, "") for fld in ("phone", "gender", "birth_date")}
            self.person_fields(member, sent, None)
            self.note(
                "person",
                member.pk,
                "moved_in",
                "",
                f"{household.pk}:{relation}",
                ChangeStatus.UNCHANGED,
                "已是本户成员",
            )
            self.not_created.append(f"迁入人员{data.get('name', '')}已是本户成员，未重复登记")
            return True
        self.hold(household, data, relation, invalid, REGISTERED, hashed, holder.pk)
        return True

    def hold(
        self,
        household: Household,
        data: dict[str, Any],
        relation: str,
        invalid: list[tuple[str, str, str]],
        reason: str,
        hashed: str,
        holder_id: int | None,
    ) -> None:
        """Keep the newcomer, as sent and checked, for the community's inbox (nothing of it
        lost, nothing created); the hold is audited with the number's keyed hash only."""
        born = data.get("birth_date")
        values = {
            "name": data.get("name", ""),
            "id_number": data["id_number"],
            "phone": data.get("phone", ""),
            "gender": data.get("gender", ""),
            "birth_date": born.isoformat() if born else "",
            "relation": relation,
            "invalid": [list(item) for item in invalid],
        }
        self.changes.append(
            Change(
                submission=self.submission,
                model="household",
                object_id=str(household.pk),
                field=HELD_NEWCOMER,
                current_value=reason,
                submitted_value=json.dumps(values, ensure_ascii=False),
                status=ChangeStatus.CONFLICT,
                grid_id=household.grid_id,
            )
        )
        name = values["name"]
        if reason == REGISTERED:
            self.not_created.append(f"迁入人员{name}的身份证号已在平台登记，未重复建档，待社区核对")
        elif reason == IMPORTING:
            self.not_created.append(f"迁入人员{name}正随台账导入，未重复建档，待社区核对")
        else:
            self.not_created.append(
                f"迁入人员{name}的身份证号暂不能核对（核对过于频繁），未建档，待社区核对"
            )
        self.held_invalid.extend(why for _fld, _raw, why in invalid)
        audit.record(
            self.user,
            AuditAction.DENIED,
            "household",
            household.pk,
            channel=CHANNEL,
            detail={
                "reason": "newcomer_held",
                "why": {REGISTERED: "id_number_registered", IMPORTING: "being_imported"}.get(
                    reason, "not_looked_up"
                ),
                "submission": self.submission.pk,
                "query_hash": hashed,
                "holder": holder_id,
            },
        )

    # -- cases and tasks ----------------------------------------------------------------------

    def report_case(self, description: str, household: Household | None) -> None:
        from wangge.cases import services as cases
        from wangge.cases.models import Channel
        from wangge.geo.models import Region

        region = Region.objects.filter(pk=self.grid_id).first() if self.grid_id else None
        address = household.room.label if household and household.room_id and household.room else ""
        photos = [
            SimpleUploadedFile(a.name, _attachment(a), content_type=a.content_type)
            for a in Attachment.objects.filter(submission=self.submission)
            if a.content_type.startswith("image/")
            or a.name.lower().endswith((".jpg", ".jpeg", ".png"))
        ][:3]
        case = cases.submit_case(
            self.user,
            channel=Channel.GRID_WORKER,
            title=description[:40],
            description=description[:2000],
            address=address,
            region=region,
            photos=photos,
        )
        self.note("case", case.pk, "created", "", description[:200], ChangeStatus.APPLIED)

    def complete_task(self, result: str, applied: Applied | None = None) -> str:
        """The task the form was filled for (the hidden `task_id`, or the `?task=` the browser
        put on the submission URL, or the one a registered applier found) is completed through
        the tasks service. A task that cannot be completed (done already, someone else's) does
        not undo the visit's writes."""
        from wangge.tasks.services import complete_task_for

        task_ref = self.instance.first("task_id") or self.submission.task_ref
        if not task_ref and applied is not None and applied.task_id is not None:
            task_ref = str(applied.task_id)
        if not task_ref:
            return ""
        self.submission.task_ref = task_ref[:20]
        if not task_ref.isdigit():
            return f"；任务编号“{task_ref[:20]}”无效"
        done = result or (applied.result if applied is not None else "") or "已提交表单"
        try:
            with transaction.atomic():
                complete_task_for(
                    self.user,
                    task_id=int(task_ref),
                    result=done,
                    result_data={
                        **(applied.result_data if applied is not None else {}),
                        "submission": self.submission.pk,
                        "form": self.submission.form_code,
                        "version": self.submission.version,
                    },
                )
        except ServiceError as exc:
            return f"；任务未完成：{exc.message}"
        self.note("task", task_ref, "result", "", done, ChangeStatus.APPLIED)
        return "；任务已完成"


def _attachment(attachment: Any) -> bytes:
    from wangge.forms.submissions import attachment_bytes

    return attachment_bytes(attachment)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)[:2000]


def _person_value(fld: str, raw: str) -> Any:
    raw = raw.strip()
    if fld == "phone":
        check = check_phone(raw)
        if not check.valid or not check.normalized:
            raise ServiceError(f"电话“{raw[:20]}”无效：{check.reason or ''}")
        return check.normalized
    if fld == "name":
        return normalize_name(raw)[:50]
    if fld == "birth_date":
        return _date_sent(raw)  # checked against the person's rule by the caller
    if fld == "gender":
        # The spellings a form may send are mapped here; what 男/女 means, and the words for
        # anything else, are the people rule's (the conflict inbox checks with it too).
        gender = GENDERS.get(raw.lower(), raw)
        problem = gender_problem(gender)
        if problem:
            raise ServiceError(problem)
        return gender
    return raw[:50]


GENDERS = {"male": "男", "female": "女", "m": "男", "f": "女", "男性": "男", "女性": "女"}


def parse_birth_date(raw: str, today: datetime.date, id_number: str = "") -> datetime.date:
    """A birth date as a form sends it (an ODK `date` is 2026-11-01; a `text` answer may carry
    a time after it), held to the people app's rule (`idnumber.birth_date_problem`: not in
    the future, not before 1900, the day of the person's valid ID number); ServiceError in
    Chinese otherwise. The conflict inbox checks a value again with it before writing."""
    born = _date_sent(raw)
    check_birth_date(born, today, id_number)
    return born


def _date_sent(raw: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(raw.strip()[:10])
    except ValueError:
        raise ServiceError(f"出生日期“{raw[:20]}”格式不正确，应如 1990-05-01") from None


def check_birth_date(born: datetime.date, today: datetime.date, id_number: str = "") -> None:
    problem = birth_date_problem(born, today=today, id_number=id_number)
    if problem:
        raise ServiceError(say(problem))


def check_gender(gender: str, today: datetime.date, id_number: str = "") -> None:
    """The people rule for a gender sent (`idnumber.gender_problem`: the ID number's 17th digit
    wins); ServiceError in Chinese otherwise. The conflict inbox checks again before writing."""
    problem = gender_problem(gender, id_number=id_number, today=today)
    if problem:
        raise ServiceError(say(problem))


def apply_submission(user: Any, submission: Submission) -> str:
    """Apply one stored submission as `user`; sets its status and returns a message.

    The outcome is stored with the submission (its message, each refused change's reason) and
    read later by other staff: it is written in the source language, Chinese, whoever sent it
    and whatever language they chose for their pages (the services' refusals follow the active
    language)."""
    with translation.override(settings.LANGUAGE_CODE):
        return _apply_submission(user, submission)


def _apply_submission(user: Any, submission: Submission) -> str:
    version = submission.form_version
    if version is None:
        submission.status = SubmissionStatus.REFUSED
        submission.message = "提交对应的表单版本不存在"
        submission.save(update_fields=["status", "message"])
        return submission.message
    from wangge.forms.submissions import _repeat_paths

    try:
        instance = parse_instance(submission.xml.encode(), _repeat_paths(version))
    except InstanceError as exc:
        return _finish(submission, SubmissionStatus.REFUSED, exc.message)
    applier = _Applier(user, submission, instance)
    plan = plan_for(instance, version.targets, _repeat_paths(version))
    own = applier_for(submission.form_code)
    received = Received(user, submission, instance)
    try:
        with transaction.atomic():
            household = applier.household(plan.household_id)
            if household is not None:
                applier.household_fields(household, plan.household)
            if plan.person_id:
                applier.person_fields(applier.person(plan.person_id), plan.person, household)
            for pid, values in plan.members:
                applier.person_fields(applier.person(pid), values, household)
            if plan.newcomers and household is None:
                raise ServiceError("登记迁入人员须先选择户")
            for values in plan.newcomers:
                assert household is not None
                applier.newcomer(household, values)
            if plan.case.strip():
                applier.report_case(plan.case.strip(), household)
            applied = own(received) if own is not None else None
            if applied is not None:
                applier.grid_id = applier.grid_id or received.grid_id
                for model, pk, fld, value in applied.changes:
                    applier.note(model, pk, fld, "", value, ChangeStatus.APPLIED)
            note = (applied.note if applied is not None else "") + applier.complete_task(
                plan.task_result, applied
            )
            Change.objects.bulk_create(applier.changes)
    except (Forbidden, Refused) as exc:
        applier.grid_id = applier.grid_id or received.grid_id
        submission.grid_id = applier.grid_id
        Change.objects.create(
            submission=submission,
            model="submission",
            object_id=str(submission.pk),
            field="scope" if isinstance(exc, Forbidden) else "rule",
            status=ChangeStatus.REFUSED,
            grid_id=applier.grid_id,
            submitted_value=exc.message,
        )
        return _finish(submission, SubmissionStatus.REFUSED, exc.message)
    except ServiceError as exc:
        submission.grid_id = applier.grid_id or received.grid_id
        return _finish(submission, SubmissionStatus.FAILED, exc.message)
    except Exception:  # a fault of ours: the submission stays, marked, to be applied again
        logger.exception("applying submission %s failed", submission.pk)
        submission.grid_id = applier.grid_id
        return _finish(
            submission, SubmissionStatus.FAILED, "写入时发生系统错误，已记录，可稍后重新写入"
        )
    submission.grid_id = applier.grid_id
    conflicts = sum(
        1 for c in applier.changes if c.status == ChangeStatus.CONFLICT and c.field != HELD_NEWCOMER
    )
    held = any(c.field == HELD_NEWCOMER for c in applier.changes)
    written = sum(1 for c in applier.changes if c.status == ChangeStatus.APPLIED)
    invalid = [c.current_value for c in applier.changes if c.status == ChangeStatus.INVALID]
    invalid += applier.held_invalid
    message = (
        f"已写入{written}项"
        + (f"，{conflicts}项与他人修改冲突，待社区核对" if conflicts else "")
        + (f"，{len(invalid)}项值无效未写入（{_reasons(invalid)}）" if invalid else "")
        + (f"；{_reasons(applier.not_created)}" if applier.not_created else "")
        + note
    )
    submission.applied_at = timezone.now()
    return _finish(
        submission,
        SubmissionStatus.CONFLICTS if conflicts or held else SubmissionStatus.APPLIED,
        message,
    )


def _reasons(reasons: list[str], limit: int = 200) -> str:
    """Why values were not written, for the sender (still at the door, able to ask again):
    each reason once, cut short so the rest of the message fits."""
    text = "；".join(dict.fromkeys(reasons))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _finish(submission: Submission, status: str, message: str) -> str:
    submission.status = status
    submission.message = message[:500]
    submission.save(update_fields=["status", "message", "grid", "applied_at", "task_ref"])
    return submission.message
