"""Where a case goes: the region tree, the responsibility table and the point → grid index, loaded
once per process (`cases.reference`) and shared by intake, placement and notifications.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import shapely
from django.utils import timezone

from wangge.cases import reference, workdays
from wangge.cases.models import (
    Category,
    Department,
    DepartmentMembership,
    Responsibility,
)
from wangge.cases.services.common import DEFAULT_HANDLE_WORKING_DAYS, DEFAULT_RESPONSE_HOURS
from wangge.geo.models import Region, RegionLevel
from wangge.geo.pointindex import GridIndex


def grid_index() -> tuple[GridIndex, dict[str, int]]:
    """Point → grid index over every grid with a boundary (cached per process, see reference)."""
    ref = _reference()
    return ref.index, ref.grid_ids


def _load_reference(token: str) -> reference.Reference:
    rows = list(
        Region.objects.filter(level=RegionLevel.GRID)
        .exclude(boundary="")
        .values_list("pk", "code", "boundary")
    )
    index = GridIndex([(code, shapely.from_geojson(b)) for _pk, code, b in rows])
    return reference.Reference(
        token=token,
        tree=RegionTree.load(),
        router=CaseRouter(),
        index=index,
        grid_ids={code: pk for pk, code, _b in rows},
        services={
            c.code: c
            for c in Category.objects.filter(active=True)
            .exclude(children__active=True)
            .select_related("parent__parent")
        },
        members=_load_members(),
    )


def _load_members() -> dict[int, list[str]]:
    members: dict[int, list[str]] = {}
    for department, username in DepartmentMembership.objects.order_by("user__username").values_list(
        "department_id", "user__username"
    ):
        members.setdefault(department, []).append(username)
    return members


def _reference() -> reference.Reference:
    return reference.get(_load_reference)


@dataclass
class RegionTree:
    """All regions in memory (thousands at most): ancestors without a query per case."""

    by_id: dict[int, tuple[str, str, str, int | None]]  # id → code, name, level, parent
    by_code: dict[str, int]

    @classmethod
    def load(cls) -> RegionTree:
        by_id: dict[int, tuple[str, str, str, int | None]] = {
            pk: (code, name, level, parent)
            for pk, code, name, level, parent in Region.objects.values_list(
                "pk", "code", "name", "level", "parent_id"
            )
        }
        return cls(by_id, {v[0]: k for k, v in by_id.items()})

    def chain(self, region_id: int | None) -> list[int]:
        """The region and its ancestors, deepest first."""
        out: list[int] = []
        while region_id is not None and region_id in self.by_id:
            out.append(region_id)
            region_id = self.by_id[region_id][3]
        return out

    def level_ids(self, region_id: int | None) -> dict[str, int]:
        return {self.by_id[pk][2]: pk for pk in self.chain(region_id)}

    def find_named(self, name: str, level: str, under: int | None = None) -> int | None:
        for pk, (code, region_name, region_level, _p) in self.by_id.items():
            if (
                region_name == name
                and region_level == level
                and (under is None or code.startswith(self.by_id[under][0]))
            ):
                return pk
        return None


@dataclass
class CategoryInfo:
    id: int
    code: str
    name: str
    parent_id: int | None
    department: str
    response_hours: int
    handle_working_days: int


class CaseRouter:
    """The responsibility table and category defaults, loaded once, for one or many cases."""

    def __init__(self) -> None:
        self.rules: dict[tuple[int, int | None], tuple[int, str]] = {
            (region, category): (department, post)
            for region, category, department, post in Responsibility.objects.values_list(
                "region_id", "category_id", "department_id", "post"
            )
        }
        self.departments = {
            name: (pk, region)
            for pk, name, region in Department.objects.values_list("pk", "name", "region_id")
        }
        self.categories = {
            row[0]: CategoryInfo(*row)
            for row in Category.objects.values_list(
                "pk",
                "code",
                "name",
                "parent_id",
                "department",
                "response_hours",
                "handle_working_days",
            )
        }

    def category(self, category_id: int | None) -> CategoryInfo | None:
        return self.categories.get(category_id) if category_id is not None else None

    def route(self, category_id: int | None, chain: list[int]) -> tuple[int, str] | None:
        """(department id, post) for a case, or None to leave it for manual dispatch."""
        info = self.category(category_id)
        keys: list[int | None] = []
        if info is not None:
            keys.append(info.id)
            if info.parent_id is not None:
                keys.append(info.parent_id)
        keys.append(None)
        for region in chain:
            for key in keys:
                if (region, key) in self.rules:
                    return self.rules[(region, key)]
        while info is not None:
            if info.department and info.department in self.departments:
                department, region = self.departments[info.department]
                if region is None or region in chain:
                    return department, ""
            info = self.category(info.parent_id)
        return None

    def deadlines(
        self, category_id: int | None, start: datetime.datetime
    ) -> tuple[datetime.datetime, datetime.datetime]:
        info = self.category(category_id)
        hours = info.response_hours if info else DEFAULT_RESPONSE_HOURS
        days = info.handle_working_days if info else DEFAULT_HANDLE_WORKING_DAYS
        local = timezone.localtime(start)
        return start + datetime.timedelta(hours=hours), workdays.add_working_days(local, days)
