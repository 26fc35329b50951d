"""Reading and changing the household file, always through the acting user's scope.

Reads of personal data are audited too (PIPL: every access logged): opening a person or a
household file, searching, and above all revealing a full ID number or phone.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from wangge.access import audit, searchguard
from wangge.access.audit import AuditAction
from wangge.access.fields import data_cipher
from wangge.access.scoping import Right, allows, can_reveal_identifiers, refuse, require
from wangge.addresses.models import Room
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.people.identifiers import id_number_key, phone_key
from wangge.people.idnumber import normalize_id_number
from wangge.people.models import Household, Person, Residence, ResidenceType
from wangge.people.names import normalize_name

SEARCH_LIMIT = 50


def visible_persons(user: Any) -> QuerySet[Person]:
    return Person.objects.visible_to(user)


def visible_households(user: Any) -> QuerySet[Household]:
    return Household.objects.visible_to(user)


def get_person(user: Any, person_id: int, *, channel: str = "web") -> Person:
    person = (
        visible_persons(user)
        .select_related("grid", "household__room__building", "household__room__unit")
        .prefetch_related("tags")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise NotFound(_("未找到该人员，或不在您的管辖范围内"))
    audit.record(user, AuditAction.VIEW, "person", person.pk, channel=channel)
    return person


def person_residences(person: Person) -> list[Residence]:
    return list(
        person.residences.select_related(
            "household__room__building", "household__room__unit", "household__head"
        ).order_by("-since")
    )


@dataclass(frozen=True)
class HouseholdFile:
    household: Household
    room: Room | None
    current: list[Residence]
    former: list[Residence]


def get_household_file(user: Any, household_id: int, *, channel: str = "web") -> HouseholdFile:
    household = (
        visible_households(user)
        .select_related("room__building__community", "room__unit", "grid", "head")
        .prefetch_related(
            Prefetch(
                "residences",
                queryset=Residence.objects.select_related("person")
                .prefetch_related("person__tags")
                .order_by("since", "pk"),
            )
        )
        .filter(pk=household_id)
        .first()
    )
    if household is None:
        raise NotFound(_("未找到该户，或不在您的管辖范围内"))
    residences = list(household.residences.all())
    audit.record(user, AuditAction.VIEW, "household", household.pk, channel=channel)
    return HouseholdFile(
        household=household,
        room=household.room,
        current=[r for r in residences if r.until is None],
        former=[r for r in residences if r.until is not None],
    )


@dataclass(frozen=True)
class RevealedIdentifiers:
    """What only an audited reveal shows: with the masked ID, the full birth date is most of
    the number, so it is revealed (and logged) together with it."""

    id_number: str
    phone: str
    birth_date: datetime.date | None


def reveal_identifiers(user: Any, person_id: int, *, channel: str = "web") -> RevealedIdentifiers:
    if not can_reveal_identifiers(user):
        raise Forbidden(_("您没有查看完整身份证号和电话的权限"))
    person = visible_persons(user).filter(pk=person_id).first()
    if person is None:
        raise NotFound(_("未找到该人员，或不在您的管辖范围内"))
    audit.record(
        user,
        AuditAction.REVEAL,
        "person",
        person.pk,
        channel=channel,
        detail={"fields": ["id_number", "phone", "birth_date"]},
    )
    return RevealedIdentifiers(
        id_number=person.id_number, phone=person.phone, birth_date=person.birth_date
    )


def _name_prefix(queryset: QuerySet[Person], text: str) -> QuerySet[Person]:
    # A prefix as a range keeps SQLite on the name index (LIKE with ESCAPE cannot use it).
    if connection.vendor == "sqlite":
        return queryset.filter(name__gte=text, name__lt=text + "\U0010ffff")
    return queryset.filter(name__startswith=text)


# Characters that make a query worth reading as an address first (a name otherwise).
ADDRESS_MARKERS = ("路", "街", "号", "楼", "巷", "胡同", "院", "里", "条", "弄", "室", "单元", "-")


def search_people(
    user: Any, query: str, *, limit: int | None = None, channel: str = "web"
) -> list[Person]:
    """Find persons in scope by ID number, phone (exact, via blind index), name or address.

    Exact searches are limited per user, audited with the keyed hash of what was searched and
    alerted on when they keep missing (`wangge.access.searchguard`): they are the one way to
    test a guess at a masked number's hidden digits."""
    text = "".join(query.split())
    if not text:
        return []
    if len(text) > 100:
        raise ServiceError(_("搜索内容过长（最多100个字符）"))
    base = visible_persons(user).select_related(
        "grid", "household__room__building", "household__room__unit"
    )
    cipher = data_cipher()
    digits = sum(ch.isdigit() for ch in text)
    detail: dict[str, Any] = {}
    if re.fullmatch(r"\d{15}|\d{17}[\dX]", normalize_id_number(text)):
        kind, key = "id_number", id_number_key(text)
        detail["query_hash"] = searchguard.query_hash(key)
        searchguard.check_exact_search(user, kind, detail["query_hash"], channel=channel)
        results = base.filter(id_number_index=cipher.blind_index(key))
    elif digits >= 7 and digits >= len(text) - 4:
        kind, key = "phone", phone_key(text)
        detail["query_hash"] = searchguard.query_hash(key)
        searchguard.check_exact_search(user, kind, detail["query_hash"], channel=channel)
        results = base.filter(phone_index=cipher.blind_index(key))
    elif (
        any(marker in text for marker in ADDRESS_MARKERS)
        and (by_address := _address_search(base, text)) is not None
    ):
        results = by_address
        kind = "address"
    else:
        results = _name_prefix(base, normalize_name(text)).order_by("name", "pk")
        kind = "name"
    found = list(results[: limit or SEARCH_LIMIT])
    audit.record(
        user,
        AuditAction.SEARCH,
        "person",
        "",
        channel=channel,
        detail={"kind": kind, "results": len(found), **detail},
    )
    if not found and kind in searchguard.EXACT_KINDS:
        searchguard.note_miss(user, kind, channel=channel)
    return found


# Rooms an address search reaches at most (a long road); results are capped far below anyway.
ADDRESS_SEARCH_ROOMS = 2000


def _address_search(base: QuerySet[Person], text: str) -> QuerySet[Person] | None:
    """Persons living in the rooms the registry matcher finds for the written address (any
    spelling it accepts: 幸福一村一巷 = 幸福一村1巷, a door, building, unit or room); None
    when the address names no registry room."""
    from wangge.addresses.locating import locator

    codes = locator().rooms(text, limit=ADDRESS_SEARCH_ROOMS)
    if not codes:
        return None
    return base.filter(household__room__address_code__in=codes).order_by(
        "household__room__address_code", "pk"
    )


@transaction.atomic
def move_person(
    user: Any, person: Person, household: Household, *, relation: str, since: Any
) -> Residence:
    """End the person's current residence and start one in `household` (history kept).

    The scope is checked on both targets as stored: the person and the household moved into."""
    require(user, person, Right.CHANGE, message=_("未找到该人员，或不在您的管辖范围内"))
    require(user, household, Right.CHANGE, message=_("未找到该户，或不在您的管辖范围内"))
    Residence.objects.filter(person=person, until__isnull=True).update(until=since)
    residence = Residence.objects.create(
        person=person, household=household, relation=relation, since=since
    )
    person.household = household
    person.grid_id = household.grid_id
    person.save(update_fields=["household", "grid", "updated_at"])
    audit.record(
        user,
        AuditAction.UPDATE,
        "person",
        person.pk,
        detail={"moved_to_household": household.pk, "relation": relation},
    )
    return residence


# -- the one write path for a person's fields ---------------------------------------------------

# Fields every channel (import, hand-over, forms) may set; an ID number once stored is never
# replaced by one of them (a correction is a deliberate act, not a side effect of a ledger).
PERSON_FIELDS = ("name", "id_number", "phone", "gender", "birth_date", "ethnicity")


def may_change(user: Any, record: Any) -> bool:
    """`user=None` is the command line, run by the machine's operator."""
    return user is None or allows(user, record, Right.CHANGE)


def may_place(user: Any, grid_id: int | None) -> bool:
    """Whether the user may put a new person in `grid_id` (None: not placed anywhere, which only
    district-level staff may do)."""
    return may_change(user, Person(grid_id=grid_id))


def apply_person_values(
    user: Any,
    person: Person,
    values: dict[str, Any],
    *,
    grid_id: int | None = None,
    channel: str = "web",
    audited: bool = True,
) -> list[str]:
    """Set the given fields on a stored person; the scope is checked on the person as stored
    (the target), and on the grid it is moved to. Returns the fields changed.

    Bulk callers (the import commit) pass `audited=False` and write one audit entry for the
    batch with the before-images they keep for undo."""
    if not may_change(user, person):
        refuse(user, person, Right.CHANGE, message=_("该人员不在您的管辖范围内"), channel=channel)
    if grid_id and person.grid_id != grid_id and not may_place(user, grid_id):
        refuse(user, person, Right.CHANGE, message=_("目标网格不在您的管辖范围内"), channel=channel)
    changed: list[str] = []
    for fld in PERSON_FIELDS:
        if fld not in values:
            continue
        new = values[fld]
        if fld == "birth_date":
            new = _date(new)
        if new in (None, "") or new == getattr(person, fld):
            continue
        if fld == "id_number" and person.id_number:
            continue
        setattr(person, fld, new)
        changed.append(fld)
    if grid_id and person.grid_id != grid_id:
        person.grid_id = grid_id
        changed.append("grid")
    if changed:
        # only what changed (an import publishes thousands of these in one transaction):
        # the blind index of a changed identifier follows in its pre_save
        fields = {*changed, "updated_at"}  # "grid" is the field of grid_id
        fields |= {f"{f}_index" for f in ("id_number", "phone") if f in fields}
        person.save(update_fields=sorted(fields))
        if audited:
            audit.record(
                user,
                AuditAction.UPDATE,
                "person",
                person.pk,
                channel=channel,
                detail={"fields": changed},
            )
    return changed


# -- a person is their ID number ------------------------------------------------------------------

# PostgreSQL advisory locks taken with two 32-bit keys: this one's namespace ("WG", ID numbers).
_ID_NUMBER_LOCK_SPACE = 0x5747


def id_number_index(number: str) -> str:
    """The blind index a person is found by their ID number with ('' for none): numbers are
    encrypted at rest and never decrypted to compare, as search and the import find them."""
    return data_cipher().blind_index(id_number_key(number)) if number else ""


def person_with_id_number(number: str) -> Person | None:
    """The person on the platform who holds this ID number, whoever's scope they lie in.

    For a service deciding whether someone is new (the import, a newcomer on a form, a
    hand-over): never shown as such, the caller tells a user only what their scope lets them
    see. Take `lock_id_number` first when a person may be created from the answer. Raises
    `IdNumberBeingImported` while only an unpublished import holds the number."""
    index = id_number_index(number)
    if not index:
        return None
    holder = Person.objects.filter(id_number_index=index).order_by("pk").first()
    if holder is None and Person._base_manager.filter(id_number_index=index).exists():
        # A ledger import writing this person right now (rows hidden until it publishes):
        # creating one here would give the number a second person once the import shows its
        # own, and attaching anything to the unpublished one would be lost if it is undone.
        raise IdNumberBeingImported(_("该身份证号码的人员正随台账导入，请在导入完成后再办理"))
    return holder


def lock_id_number(number: str) -> None:
    """Until the current transaction ends, no other transaction gets past this call for the same
    number, so looking for its holder and creating one are a single step: two submissions of
    one newcomer at the same moment do not both create a person.

    PostgreSQL: a transaction-level advisory lock on the number's blind index (32 of its bits;
    another number that shares them only waits its turn). SQLite: every transaction begins
    IMMEDIATE (settings) and holds the database's write lock already. There is no unique
    constraint on the index: the import commits persons in bulk under its own matching, and
    stored databases may hold duplicates from before this rule, which a constraint would make
    impossible to migrate."""
    index = id_number_index(number)
    if not index or connection.vendor != "postgresql":
        return
    if not connection.in_atomic_block:
        raise RuntimeError("lock_id_number needs a transaction")
    key = int(index[:8], 16) - 2**31  # a signed 32-bit key
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_ID_NUMBER_LOCK_SPACE, key])


class IdNumberTaken(ServiceError):
    """A person with this ID number is on the platform already: creating another would be a
    second household-file entry for one person. The message names nobody (the caller may not
    see that person)."""


class IdNumberBeingImported(IdNumberTaken):
    """The ID number's person is being written by a ledger import that has not published yet
    (`core.hidden`): the number is taken, but its person cannot be shown or changed until the
    import is done (or undone, when the number is free again)."""


@transaction.atomic
def create_person(
    user: Any,
    values: dict[str, Any],
    *,
    grid_id: int | None = None,
    residence_type: str = ResidenceType.REGISTERED,
    channel: str = "web",
) -> Person:
    """A new person in `grid_id`; offices and grid workers create only inside their scope, and
    persons not placed anywhere only at district level. An ID number somebody on the platform
    holds already is refused (`IdNumberTaken`): the number is the person."""
    if not may_place(user, grid_id):
        refuse(
            user, None, Right.CHANGE, message=_("不能在您的管辖范围以外新增人员"), channel=channel
        )
    name = normalize_name(str(values.get("name") or ""))
    if not name:
        raise ServiceError(_("姓名不能为空"))
    number = str(values.get("id_number") or "")
    if number:
        lock_id_number(number)
        if person_with_id_number(number) is not None:
            raise IdNumberTaken(_("平台中已有该身份证号码的人员，未重复建档"))
    person = Person(name=name[:50], grid_id=grid_id, residence_type=residence_type)
    for fld in PERSON_FIELDS[1:]:
        value = values.get(fld)
        if value not in (None, ""):
            setattr(person, fld, _date(value) if fld == "birth_date" else value)
    person.save()
    audit.record(
        user,
        AuditAction.CREATE,
        "person",
        person.pk,
        channel=channel,
        detail={"fields": sorted(k for k, v in values.items() if v not in (None, ""))},
    )
    return person


def _date(value: Any) -> datetime.date | None:
    if not value:
        return None
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        return None


# -- the one write path for a household's fields ------------------------------------------------

HOUSEHOLD_FIELDS = ("is_rental", "note")


def apply_household_values(
    user: Any, household: Household, values: dict[str, Any], *, channel: str = "web"
) -> list[str]:
    """Set the given fields on a stored household, scope checked on the household as stored.
    Returns the fields changed (audited)."""
    if not may_change(user, household):
        refuse(user, household, Right.CHANGE, message=_("该户不在您的管辖范围内"), channel=channel)
    changed: list[str] = []
    for fld in HOUSEHOLD_FIELDS:
        if fld in values and values[fld] is not None and values[fld] != getattr(household, fld):
            setattr(household, fld, values[fld])
            changed.append(fld)
    if changed:
        household.save()
        audit.record(
            user,
            AuditAction.UPDATE,
            "household",
            household.pk,
            channel=channel,
            detail={"fields": changed},
        )
    return changed


@transaction.atomic
def end_residence(
    user: Any, person: Person, household: Household, *, until: Any, channel: str = "web"
) -> bool:
    """The person has moved out of `household`: their residence there ends (history kept) and
    they are no longer its member. False when they did not live there."""
    require(user, household, Right.CHANGE, message=_("该户不在您的管辖范围内"), channel=channel)
    ended = Residence.objects.filter(person=person, household=household, until__isnull=True).update(
        until=until
    )
    if not ended:
        return False
    if person.household_id == household.pk:
        person.household = None
        person.save(update_fields=["household", "updated_at"])
    household.save(update_fields=["updated_at"])
    audit.record(
        user,
        AuditAction.UPDATE,
        "person",
        person.pk,
        channel=channel,
        detail={"moved_out_of_household": household.pk},
    )
    return True
