"""Who sees and who may act on which case.

- Street, community and district staff: cases located in their region subtree (district staff
  also cases not yet located anywhere); they dispatch, transfer, close and reopen.
- Grid workers: cases in their grids, and the ones they reported; they verify (核查).
- Department handlers: the cases currently dispatched to a department they belong to (a
  DepartmentMembership), wherever they are; they sign in, handle and return.

A handler's RoleAssignment region is not a window onto cases (a police officer posted over a
community does not see that community's noise complaints handled by 城管); it scopes only the
people data, as everywhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from wangge.access.models import Role

if TYPE_CHECKING:
    from wangge.cases.models import Case

_CACHE_ATTR = "_wangge_case_scope"
STAFF_ROLES = {Role.DISTRICT_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_OFFICER}


@dataclass(frozen=True)
class CaseScope:
    unrestricted: bool
    user_id: int | None
    staff_roots: tuple[str, ...]
    grid_roots: tuple[str, ...]
    region_ids: frozenset[int]
    includes_unplaced: bool
    department_ids: frozenset[int]

    def _code(self, case: Case) -> str | None:
        return case.region.code if case.region_id and case.region else None

    def _under(self, case: Case, roots: tuple[str, ...]) -> bool:
        code = self._code(case)
        if code is None:
            return self.includes_unplaced and roots == self.staff_roots and bool(roots)
        return any(code.startswith(root) for root in roots)

    def sees(self, case: Case) -> bool:
        return (
            self.unrestricted
            or self.can_dispatch(case)
            or self._under(case, self.grid_roots)
            or self.handles(case)
            or (self.user_id is not None and case.reporter_user_id == self.user_id)
        )

    def can_dispatch(self, case: Case) -> bool:
        return self.unrestricted or self._under(case, self.staff_roots)

    def handles(self, case: Case) -> bool:
        return self.unrestricted or (
            case.department_id is not None and case.department_id in self.department_ids
        )

    def can_verify(self, case: Case) -> bool:
        return self.can_dispatch(case) or self._under(case, self.grid_roots)

    @property
    def is_staff(self) -> bool:
        return self.unrestricted or bool(self.staff_roots)

    @property
    def is_empty(self) -> bool:
        return not (self.unrestricted or self.staff_roots or self.grid_roots or self.department_ids)


NO_CASE_SCOPE = CaseScope(False, None, (), (), frozenset(), False, frozenset())


def _roots(codes: set[str]) -> tuple[str, ...]:
    roots: list[str] = []
    for code in sorted(codes, key=len):
        if not any(code.startswith(root) for root in roots):
            roots.append(code)
    return tuple(roots)


def case_scope(user: Any) -> CaseScope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_CASE_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _compute(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def intake_rights(user: Any) -> tuple[bool, bool]:
    """(may submit cases at all, may take in hotline work orders) — what `case_scope` would say
    via `is_empty` and `is_staff`, in one query instead of three when the scope is not at hand."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False, False
    if user.is_superuser:
        return True, True
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return not cached.is_empty, cached.is_staff
    from django.db import connection

    from wangge.access.models import RoleAssignment
    from wangge.cases.models import DepartmentMembership
    from wangge.core import sql

    # Plain SQL: composing this through the ORM cost more CPU than the query itself.
    roles = connection.ops.quote_name(RoleAssignment._meta.db_table)
    members = connection.ops.quote_name(DepartmentMembership._meta.db_table)
    staff_roles = sorted(str(r) for r in STAFF_ROLES)
    marks = ", ".join(["%s"] * len(staff_roles))
    row = sql.fetch_one(
        f"SELECT EXISTS(SELECT 1 FROM {roles} WHERE user_id = %s AND role IN ({marks})), "
        f"EXISTS(SELECT 1 FROM {roles} WHERE user_id = %s AND role = %s), "
        f"EXISTS(SELECT 1 FROM {members} WHERE user_id = %s)",
        [user.pk, *staff_roles, user.pk, str(Role.GRID_WORKER), user.pk],
    )
    if row is None:
        return False, False
    staff, grid, handler = row
    return bool(staff or grid or handler), bool(staff)


def forget_case_scope(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _compute(user: Any) -> CaseScope:
    from wangge.access.models import RoleAssignment
    from wangge.cases.models import DepartmentMembership
    from wangge.geo.models import Region, RegionLevel

    if user.is_superuser:
        return CaseScope(True, user.pk, (), (), frozenset(), True, frozenset())
    staff: set[str] = set()
    grids: set[str] = set()
    district = False
    for role, code, level in RoleAssignment.objects.filter(user=user).values_list(
        "role", "region__code", "region__level"
    ):
        if role in STAFF_ROLES:
            staff.add(code)
            district = district or level == RegionLevel.DISTRICT
        elif role == Role.GRID_WORKER:
            grids.add(code)
    staff_roots = _roots(staff)
    grid_roots = _roots(grids)
    all_roots = _roots(staff | grids)
    region_ids = frozenset(Region.objects.subtree(*all_roots).values_list("pk", flat=True))
    departments = frozenset(
        DepartmentMembership.objects.filter(user=user).values_list("department_id", flat=True)
    )
    return CaseScope(
        unrestricted=False,
        user_id=user.pk,
        staff_roots=staff_roots,
        grid_roots=grid_roots,
        region_ids=region_ids,
        includes_unplaced=district,
        department_ids=departments,
    )


def case_filter(user: Any) -> Q | None:
    """The WHERE clause of `Case.objects.visible_to(user)`; None means every case."""
    scope = case_scope(user)
    if scope.unrestricted:
        return None
    query = Q(pk__in=[])
    if scope.region_ids:
        query |= Q(region_id__in=sorted(scope.region_ids))
    if scope.includes_unplaced:
        query |= Q(region__isnull=True)
    if scope.department_ids:
        query |= Q(department_id__in=sorted(scope.department_ids))
    if scope.user_id is not None:
        query |= Q(reporter_user_id=scope.user_id)
    return query
