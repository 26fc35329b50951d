"""Reading and changing the household file, always through the acting user's scope.

Reads of personal data are audited too (PIPL: every access logged): opening a person or a
household file, searching, and above all revealing a full ID number or phone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Prefetch, Q, QuerySet

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.access.fields import data_cipher
from wangge.access.scoping import can_reveal_identifiers
from wangge.addresses.models import Room
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.people.identifiers import id_number_key, phone_key
from wangge.people.idnumber import normalize_id_number
from wangge.people.models import Household, Person, Residence
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
        raise NotFound("未找到该人员，或不在您的管辖范围内")
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
        raise NotFound("未找到该户，或不在您的管辖范围内")
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
    id_number: str
    phone: str


def reveal_identifiers(user: Any, person_id: int, *, channel: str = "web") -> RevealedIdentifiers:
    if not can_reveal_identifiers(user):
        raise Forbidden("您没有查看完整身份证号和电话的权限")
    person = visible_persons(user).filter(pk=person_id).first()
    if person is None:
        raise NotFound("未找到该人员，或不在您的管辖范围内")
    audit.record(
        user,
        AuditAction.REVEAL,
        "person",
        person.pk,
        channel=channel,
        detail={"fields": ["id_number", "phone"]},
    )
    return RevealedIdentifiers(id_number=person.id_number, phone=person.phone)


def _name_prefix(queryset: QuerySet[Person], text: str) -> QuerySet[Person]:
    # A prefix as a range keeps SQLite on the name index (LIKE with ESCAPE cannot use it).
    if connection.vendor == "sqlite":
        return queryset.filter(name__gte=text, name__lt=text + "\U0010ffff")
    return queryset.filter(name__startswith=text)


def search_people(
    user: Any, query: str, *, limit: int | None = None, channel: str = "web"
) -> list[Person]:
    """Find persons in scope by ID number, phone (exact, via blind index), name or address."""
    text = "".join(query.split())
    if not text:
        return []
    if len(text) > 100:
        raise ServiceError("搜索内容过长（最多100个字符）")
    base = visible_persons(user).select_related(
        "grid", "household__room__building", "household__room__unit"
    )
    cipher = data_cipher()
    digits = sum(ch.isdigit() for ch in text)
    if re.fullmatch(r"\d{15}|\d{17}[\dX]", normalize_id_number(text)):
        results = base.filter(id_number_index=cipher.blind_index(id_number_key(text)))
        kind = "id_number"
    elif digits >= 7 and digits >= len(text) - 4:
        results = base.filter(phone_index=cipher.blind_index(phone_key(text)))
        kind = "phone"
    elif any(marker in text for marker in ("路", "街", "号", "楼", "巷", "胡同", "院", "-")):
        results = _address_search(base, text)
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
        detail={"kind": kind, "results": len(found)},
    )
    return found


def _address_search(base: QuerySet[Person], text: str) -> QuerySet[Person]:
    from wangge.addresses.parser import parse_address

    parsed = parse_address(text)
    query = Q()
    if parsed.road:
        query &= Q(household__room__building__road=parsed.road)
    if parsed.number:
        query &= Q(household__room__building__number=parsed.number)
    if parsed.building:
        query &= Q(household__room__building__name=parsed.building)
    if parsed.unit:
        query &= Q(household__room__unit__name=parsed.unit)
    if parsed.room:
        query &= Q(household__room__name=parsed.room)
    if not query:
        return base.none()
    return base.filter(query).order_by("household__room__address_code", "pk")


@transaction.atomic
def move_person(
    user: Any, person: Person, household: Household, *, relation: str, since: Any
) -> Residence:
    """End the person's current residence and start one in `household` (history kept)."""
    if not visible_persons(user).filter(pk=person.pk).exists():
        raise NotFound("未找到该人员，或不在您的管辖范围内")
    if not visible_households(user).filter(pk=household.pk).exists():
        raise NotFound("未找到该户，或不在您的管辖范围内")
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
