"""The demo district's households, residents, their residences and tags (people's part of
`wangge demo`, see core.demo).

The rows come from the pure generator (`demo_district`) batch by batch, after the rooms they
live in (addresses' part). Persons and households point at each other (`Person.household` /
`Household.head`); both foreign keys are deferred constraints, so a household may name its head
a moment before the head's row is inserted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from wangge.core.demo import BATCH_SIZE, DemoContext, next_pk, reset_sequences
from wangge.geo.models import Region, RegionLevel
from wangge.people.models import Household, Person, Residence, ResidenceType, Tag

STAGE = "住户与人员"

_TAGS: tuple[tuple[str, str, str], ...] = (
    ("elderly_alone", "独居老人", "70岁以上独自居住，需定期探访"),
    ("empty_nest", "空巢老人", "60岁以上，子女不在身边共同居住"),
    ("disabled", "残疾人", "持有残疾人证"),
    ("low_income", "低保", "享受城市最低生活保障"),
    ("five_guarantees", "五保", "特困供养人员（五保对象）"),
    ("key_attention", "重点关注", "需重点关注、定期走访的人员"),
    ("veteran", "退役军人", "退役军人及其他优抚对象"),
)


@dataclass(frozen=True, slots=True)
class HouseholdRow:
    key: int
    room_key: int
    grid_code: str
    head_key: int
    is_rental: bool


@dataclass(frozen=True, slots=True)
class PersonRow:
    key: int
    name: str
    id_number: str
    gender: str
    birth_date: datetime.date
    phone: str
    ethnicity: str
    registered_residence: str
    residence_type: str
    grid_code: str
    household_key: int
    tags: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ResidenceRow:
    person_key: int
    household_key: int
    relation: str
    since: datetime.date
    until: datetime.date | None
    note: str = ""


def prepare(context: DemoContext) -> None:
    tags = context.ids.setdefault("tag", {})
    for code, name, description in _TAGS:
        tag, _ = Tag.objects.get_or_create(
            code=code, defaults={"name": name, "description": description}
        )
        tags[code] = tag.pk
    context.ids["household"] = next_pk(Household)
    context.ids["person"] = next_pk(Person)


def write_batch(context: DemoContext, batch: Any) -> None:
    ids, region_pk, tags = context.ids, context.ids["region"], context.ids["tag"]
    base_room, base_household, base_person = ids["room"], ids["household"], ids["person"]
    Household.objects.bulk_create(
        [
            Household(
                pk=base_household + h.key,
                room_id=base_room + h.room_key,
                grid_id=region_pk[h.grid_code],
                head_id=base_person + h.head_key,
                is_rental=h.is_rental,
            )
            for h in batch.households
        ],
        batch_size=BATCH_SIZE,
    )
    Person.objects.bulk_create(
        [
            Person(
                pk=base_person + p.key,
                name=p.name,
                id_number=p.id_number,
                gender=p.gender,
                birth_date=p.birth_date,
                phone=p.phone,
                ethnicity=p.ethnicity,
                registered_residence=p.registered_residence,
                residence_type=p.residence_type,
                grid_id=region_pk[p.grid_code],
                household_id=base_household + p.household_key,
            )
            for p in batch.persons
        ],
        batch_size=BATCH_SIZE,
    )
    Residence.objects.bulk_create(
        [
            Residence(
                person_id=base_person + r.person_key,
                household_id=base_household + r.household_key,
                relation=r.relation,
                since=r.since,
                until=r.until,
                note=r.note,
            )
            for r in batch.residences
        ],
        batch_size=BATCH_SIZE,
    )
    through = Person.tags.through
    through.objects.bulk_create(
        [
            through(person_id=base_person + p.key, tag_id=tags[code])
            for p in batch.persons
            for code in p.tags
        ],
        batch_size=BATCH_SIZE,
    )


def contribute(context: DemoContext) -> dict[str, int]:
    """Explicit keys did not move the sequences: move them past the new rows."""
    reset_sequences([Household, Person])
    return counts()


def counts() -> dict[str, int]:
    from wangge.core.demo import DISTRICT_CODE

    grids = Region.objects.filter(code__startswith=DISTRICT_CODE, level=RegionLevel.GRID)
    persons = Person.objects.filter(grid__in=grids).aggregate(
        residents=Count("pk"),
        floating=Count("pk", filter=Q(residence_type=ResidenceType.FLOATING)),
        overseas=Count("pk", filter=Q(residence_type=ResidenceType.OVERSEAS)),
    )
    return {
        "households": Household.objects.filter(grid__in=grids).count(),
        "residents": persons["residents"],
        "floating": persons["floating"],
        "overseas": persons["overseas"],
        "ended_residences": Residence.objects.filter(
            household__grid__in=grids, until__isnull=False
        ).count(),
        "tagged": Person.objects.filter(grid__in=grids, tags__isnull=False).distinct().count(),
    }


def remove(district_code: str) -> None:
    """Persons, households and their residences with single DELETEs: Django's cascading delete
    would load every person, decrypting each ID number, first. A row some other table still
    points at makes the transaction fail at commit (deferred constraints) instead of leaving a
    dangling reference."""
    region_ids = Region.objects.filter(code__startswith=district_code).values("pk")
    persons = Person.objects.filter(grid_id__in=region_ids)
    households = Household.objects.filter(grid_id__in=region_ids)
    using = persons.db
    Person.tags.through.objects.filter(person_id__in=persons.values("pk"))._raw_delete(using)
    Residence.objects.filter(
        Q(person_id__in=persons.values("pk")) | Q(household_id__in=households.values("pk"))
    )._raw_delete(using)
    Person.objects.filter(household_id__in=households.values("pk")).exclude(
        grid_id__in=region_ids
    ).update(household=None)
    Household.objects.filter(head_id__in=persons.values("pk")).exclude(
        grid_id__in=region_ids
    ).update(head=None)
    persons._raw_delete(using)
    households._raw_delete(using)
