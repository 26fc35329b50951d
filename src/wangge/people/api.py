"""Persons and households over the API: scoped like the UI, identifiers masked unless revealed."""

import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.core.api_support import BoundedPagination
from wangge.core.bounds import RecordId
from wangge.people import services
from wangge.people.models import Household, Person, Residence

router = Router(tags=["people"])


class PersonOut(Schema):
    id: int
    name: str
    gender: str
    age: int | None
    id_number_masked: str
    phone_masked: str
    ethnicity: str
    residence_type: str
    grid_code: str | None
    household_id: int | None
    tags: list[str]

    @staticmethod
    def resolve_grid_code(obj: Person) -> str | None:
        return obj.grid.code if obj.grid else None

    @staticmethod
    def resolve_age(obj: Person) -> int | None:
        return obj.age()

    @staticmethod
    def resolve_tags(obj: Person) -> list[str]:
        return [t.name for t in obj.tags.all()]


class PersonDetailOut(PersonOut):
    registered_residence: str
    address: str | None
    # No birth date here: with the masked ID (which hides the birth date and check digit) it
    # is most of the ID number, so it comes only from the audited reveal; `age` is enough.

    @staticmethod
    def resolve_address(obj: Person) -> str | None:
        household = obj.household
        return household.room.label if household and household.room else None


class RevealedOut(Schema):
    id_number: str
    phone: str
    birth_date: datetime.date | None


class MemberOut(Schema):
    person: PersonOut
    relation: str
    since: datetime.date | None
    until: datetime.date | None


class HouseholdOut(Schema):
    id: int
    address_code: str | None
    address: str | None
    grid_code: str | None
    head_id: int | None
    is_rental: bool

    @staticmethod
    def resolve_address_code(obj: Household) -> str | None:
        return obj.room.address_code if obj.room else None

    @staticmethod
    def resolve_address(obj: Household) -> str | None:
        return obj.room.label if obj.room else None

    @staticmethod
    def resolve_grid_code(obj: Household) -> str | None:
        return obj.grid.code if obj.grid else None


class HouseholdFileOut(Schema):
    household: HouseholdOut
    members: list[MemberOut]
    former_members: list[MemberOut]


class PersonFilter(Schema):
    grid: str | None = None
    tag: str | None = None
    residence_type: str | None = None


def _member(residence: Residence) -> dict[str, Any]:
    return {
        "person": residence.person,
        "relation": residence.relation,
        "since": residence.since,
        "until": residence.until,
    }


@router.get("/persons", response=list[PersonOut], summary="人员列表（脱敏）")
@paginate(BoundedPagination, page_size=50)
def list_persons(request: HttpRequest, filters: Query[PersonFilter]) -> Any:
    queryset = (
        services.visible_persons(request.user)
        .select_related("grid")
        .prefetch_related("tags")
        .order_by("pk")
    )
    if filters.grid:
        queryset = queryset.filter(grid__code__startswith=filters.grid)
    if filters.tag:
        queryset = queryset.filter(tags__code=filters.tag)
    if filters.residence_type:
        queryset = queryset.filter(residence_type=filters.residence_type)
    audit.record(request.user, AuditAction.LIST, "person", "", channel="api", detail=filters.dict())
    return queryset


@router.get("/persons/{person_id}", response=PersonDetailOut, summary="人员详情（脱敏）")
def get_person(request: HttpRequest, person_id: RecordId) -> Any:
    return services.get_person(request.user, person_id, channel="api")


@router.post(
    "/persons/{person_id}/reveal",
    response=RevealedOut,
    summary="查看完整身份证号、电话和出生日期（需权限，记审计日志）",
)
def reveal_person(request: HttpRequest, person_id: RecordId) -> Any:
    return services.reveal_identifiers(request.user, person_id, channel="api")


@router.get("/households", response=list[HouseholdOut], summary="户列表")
@paginate(BoundedPagination, page_size=50)
def list_households(request: HttpRequest, grid: str | None = None) -> Any:
    queryset = services.visible_households(request.user).select_related(
        "room__building", "room__unit", "grid"
    )
    if grid:
        queryset = queryset.filter(grid__code__startswith=grid)
    audit.record(request.user, AuditAction.LIST, "household", "", channel="api")
    return queryset.order_by("pk")


@router.get("/households/{household_id}", response=HouseholdFileOut, summary="一户一档")
def get_household(request: HttpRequest, household_id: RecordId) -> Any:
    file = services.get_household_file(request.user, household_id, channel="api")
    return {
        "household": file.household,
        "members": [_member(r) for r in file.current],
        "former_members": [_member(r) for r in file.former],
    }


@router.get("/search", response=list[PersonOut], summary="按姓名、身份证号、电话或地址搜索")
def search(request: HttpRequest, q: str, limit: int = 20) -> Any:
    return services.search_people(request.user, q, limit=max(1, min(limit, 100)), channel="api")
