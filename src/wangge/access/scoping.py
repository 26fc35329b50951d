"""The one place that decides who may see and change which record, for every app.

A user's roles give a `Scope` (computed once per request and cached on the user): the region
subtrees their staff roles cover, the grids their grid-worker roles cover, the departments they
handle for, and whether they reach records not yet placed anywhere (district level only).

Each model with personal or case data has a `Policy`: for each named `Right` (view, change,
dispatch, handle, verify) the rules any of which grants it:

- `InGrid(field)`: the record's grid lies in the user's scope (or it is unplaced and the user
  works at district level). Persons, households, residences, rooms, buildings.
- `InRegion(field, roots)`: the record's region lies under the user's staff roots, grid roots or
  both. Cases: staff dispatch and close, grid workers verify.
- `InDepartment(field)`: the record is currently with a department the user handles for.
- `IsUser(field)`: the record was made by the user (a case they reported).
- `AtOffice(field)`: the record belongs to an office the user works in: its region is the very
  region of one of the user's staff roles (not one below it), or the user is staff at district
  level. Import batches: the offices over a batch read it, its own office and the district act.

Reads call `visible_to(user, queryset)` (each model's `objects.visible_to(user)` is that), single
records `allows(user, obj, right)`, and services `require(user, obj, right)`, which raises and
writes the refusal to the audit log. A record asked for by its id is read with
`get_visible(user, queryset, pk, message=…)`: one the user may not see is answered 404 exactly
like one that does not exist (the refusal logged), so sequential ids do not tell what exists in
other grids; `require` answers 403 only for a record the user sees but may not act on. Views and API endpoints never filter by region themselves,
and no service decides scope with its own comparison of codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from typing import Any, Protocol

from django.db.models import Model, Q, QuerySet
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from wangge.access.models import Role

_CACHE_ATTR = "_wangge_scope"
STAFF_ROLES = frozenset({Role.DISTRICT_ADMIN, Role.STREET_OFFICER, Role.COMMUNITY_OFFICER})
# Roles that may change the household file (a department handler reads people data in the
# region it is posted over, but records belong to the offices and grid workers there).
WRITING_ROLES = STAFF_ROLES | {Role.GRID_WORKER}


class Right(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    DISPATCH = "dispatch"  # cases: dispatch, transfer, close, reopen, supervise
    HANDLE = "handle"  # cases: sign in, handle, return (department handlers)
    VERIFY = "verify"  # cases: check on site (grid workers and staff)


@dataclass(frozen=True)
class Scope:
    unrestricted: bool
    root_codes: tuple[str, ...]  # every role's region, outermost only
    grid_ids: frozenset[int]  # grids under any role's region (reading people data)
    # Persons not yet placed in any grid (no matched address) are reached at district level only.
    includes_unplaced: bool
    roles: frozenset[str]
    user_id: int | None = None
    staff_roots: tuple[str, ...] = ()
    grid_roots: tuple[str, ...] = ()
    writable_grid_ids: frozenset[int] = frozenset()  # grids under staff and grid-worker roles
    region_ids: frozenset[int] = frozenset()  # regions under staff and grid-worker roles
    staff_region_ids: frozenset[int] = frozenset()
    writes_unplaced: bool = False  # a staff or grid role at district level
    staff_unplaced: bool = False  # a staff role at district level (cases not located anywhere)
    office_region_ids: frozenset[int] = frozenset()  # the regions of the staff roles themselves

    def covers_code(self, code: str) -> bool:
        return self.unrestricted or any(code.startswith(root) for root in self.root_codes)

    def covers_staff_code(self, code: str) -> bool:
        return self.unrestricted or any(code.startswith(root) for root in self.staff_roots)

    @cached_property
    def department_ids(self) -> frozenset[int]:
        """Departments the user handles cases for; read only when a case rule asks."""
        if self.user_id is None or self.unrestricted:
            return frozenset()
        from wangge.cases.models import DepartmentMembership

        return frozenset(
            DepartmentMembership.objects.filter(user_id=self.user_id).values_list(
                "department_id", flat=True
            )
        )

    @property
    def submits_cases(self) -> bool:
        """Staff, grid workers and department handlers report cases; a handler's region alone
        (without a department) is a window onto people data, not onto cases."""
        return bool(self.unrestricted or self.staff_roots or self.grid_roots or self.department_ids)

    @property
    def is_staff(self) -> bool:
        return self.unrestricted or bool(self.staff_roots)


NO_SCOPE = Scope(False, (), frozenset(), False, frozenset())


def scope_for(user: Any) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    setattr(user, _CACHE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def _roots(codes: set[str]) -> tuple[str, ...]:
    roots: list[str] = []
    for code in sorted(codes, key=lambda c: (len(c), c)):
        if not any(code.startswith(root) for root in roots):
            roots.append(code)
    return tuple(roots)


def _under(code: str, roots: tuple[str, ...]) -> bool:
    return any(code.startswith(root) for root in roots)


def _compute_scope(user: Any) -> Scope:
    from wangge.access.models import RoleAssignment
    from wangge.geo.models import Region, RegionLevel

    if user.is_superuser:
        return Scope(
            True,
            (),
            frozenset(),
            True,
            frozenset({Role.DISTRICT_ADMIN}),
            user_id=user.pk,
            writes_unplaced=True,
            staff_unplaced=True,
        )
    assignments = list(
        RoleAssignment.objects.filter(user=user).values_list(
            "role", "region__code", "region__level", "region_id"
        )
    )
    every: set[str] = set()
    staff: set[str] = set()
    grids: set[str] = set()
    district = district_writer = district_staff = False
    offices: set[int] = set()
    for role, code, level, region_id in assignments:
        every.add(code)
        at_district = level == RegionLevel.DISTRICT
        district = district or at_district
        if role in STAFF_ROLES:
            staff.add(code)
            offices.add(region_id)
            district_staff = district_staff or at_district
        elif role == Role.GRID_WORKER:
            grids.add(code)
        if role in WRITING_ROLES:
            district_writer = district_writer or at_district
    roots = _roots(every)
    staff_roots, grid_roots = _roots(staff), _roots(grids)
    writers = _roots(staff | grids)
    regions = list(Region.objects.subtree(*roots).values_list("pk", "code", "level"))
    grid_ids = frozenset(pk for pk, _code, level in regions if level == RegionLevel.GRID)
    return Scope(
        unrestricted=False,
        root_codes=roots,
        grid_ids=grid_ids,
        includes_unplaced=district,
        roles=frozenset(role for role, *_rest in assignments),
        user_id=user.pk,
        staff_roots=staff_roots,
        grid_roots=grid_roots,
        writable_grid_ids=frozenset(
            pk for pk, code, level in regions if level == RegionLevel.GRID and _under(code, writers)
        ),
        region_ids=frozenset(pk for pk, code, _level in regions if _under(code, writers)),
        staff_region_ids=frozenset(pk for pk, code, _level in regions if _under(code, staff_roots)),
        writes_unplaced=district_writer,
        staff_unplaced=district_staff,
        office_region_ids=frozenset(offices),
    )


# -- rules and policies -------------------------------------------------------------------------


class Rule(Protocol):
    def q(self, scope: Scope) -> Q | None:
        """The WHERE clause of the records this rule grants; None when it grants none."""

    def holds(self, scope: Scope, obj: Any) -> bool:
        """Whether this rule grants `obj` (a loaded record; no query unless unavoidable)."""


def _nothing() -> Q:
    return Q(pk__in=[])


@dataclass(frozen=True)
class InGrid:
    """The record's grid is one the user covers; unplaced records at district level only.
    `writing` asks for the grids of the roles that change records (not department handlers)."""

    field: str = "grid"
    writing: bool = False

    def _ids(self, scope: Scope) -> frozenset[int]:
        return scope.writable_grid_ids if self.writing else scope.grid_ids

    def _unplaced(self, scope: Scope) -> bool:
        return scope.writes_unplaced if self.writing else scope.includes_unplaced

    def q(self, scope: Scope) -> Q | None:
        query = (
            Q(**{f"{self.field}_id__in": sorted(self._ids(scope))}) if self._ids(scope) else None
        )
        if self._unplaced(scope):
            unplaced = Q(**{f"{self.field}__isnull": True})
            query = unplaced if query is None else query | unplaced
        return query

    def holds(self, scope: Scope, obj: Any) -> bool:
        grid_id = _attr_id(obj, self.field)
        if grid_id is None:
            return self._unplaced(scope)
        return grid_id in self._ids(scope)


@dataclass(frozen=True)
class InRegion:
    """The record's region lies under the user's staff roots (`staff`) or staff and grid-worker
    roots (`any`). Unplaced records go to district-level staff."""

    field: str = "region"
    roots: str = "any"

    def _ids(self, scope: Scope) -> frozenset[int]:
        return scope.staff_region_ids if self.roots == "staff" else scope.region_ids

    def _unplaced(self, scope: Scope) -> bool:
        return scope.staff_unplaced

    def q(self, scope: Scope) -> Q | None:
        ids = self._ids(scope)
        query = Q(**{f"{self.field}_id__in": sorted(ids)}) if ids else None
        if self._unplaced(scope):
            unplaced = Q(**{f"{self.field}__isnull": True})
            query = unplaced if query is None else query | unplaced
        return query

    def holds(self, scope: Scope, obj: Any) -> bool:
        region_id = _attr_id(obj, self.field)
        if region_id is None:
            return self._unplaced(scope)
        return region_id in self._ids(scope)


@dataclass(frozen=True)
class InDepartment:
    """The record is currently with a department the user handles for."""

    field: str = "department"

    def q(self, scope: Scope) -> Q | None:
        ids = scope.department_ids
        return Q(**{f"{self.field}_id__in": sorted(ids)}) if ids else None

    def holds(self, scope: Scope, obj: Any) -> bool:
        department_id = _attr_id(obj, self.field)
        return department_id is not None and department_id in scope.department_ids


@dataclass(frozen=True)
class IsUser:
    """The record names the user in `field` (the reporter of a case)."""

    field: str

    def q(self, scope: Scope) -> Q | None:
        return Q(**{f"{self.field}_id": scope.user_id}) if scope.user_id is not None else None

    def holds(self, scope: Scope, obj: Any) -> bool:
        return scope.user_id is not None and _attr_id(obj, self.field) == scope.user_id


@dataclass(frozen=True)
class IsRegion:
    """The record is itself a region under the user's staff and grid-worker roots (`any`) or
    staff roots only (`staff`). The district itself is reached at district level."""

    roots: str = "any"

    def _ids(self, scope: Scope) -> frozenset[int]:
        return scope.staff_region_ids if self.roots == "staff" else scope.region_ids

    def q(self, scope: Scope) -> Q | None:
        ids = self._ids(scope)
        return Q(pk__in=sorted(ids)) if ids else None

    def holds(self, scope: Scope, obj: Any) -> bool:
        return obj.pk is not None and obj.pk in self._ids(scope)


@dataclass(frozen=True)
class AtOffice:
    """The record belongs to an office the user works in: its region is the region of one of
    the user's staff roles itself, not a region below it (a street officer reads a community's
    records through `InRegion`, but this rule leaves the community's own work to the community).
    Staff at district level (the district grid centre) hold every office's records and those
    of no region (made on the command line)."""

    field: str = "region"

    def _ids(self, scope: Scope) -> frozenset[int]:
        return scope.staff_region_ids if scope.staff_unplaced else scope.office_region_ids

    def q(self, scope: Scope) -> Q | None:
        ids = self._ids(scope)
        query = Q(**{f"{self.field}_id__in": sorted(ids)}) if ids else None
        if scope.staff_unplaced:
            unplaced = Q(**{f"{self.field}__isnull": True})
            query = unplaced if query is None else query | unplaced
        return query

    def holds(self, scope: Scope, obj: Any) -> bool:
        region_id = _attr_id(obj, self.field)
        if region_id is None:
            return scope.staff_unplaced
        return region_id in self._ids(scope)


def _attr_id(obj: Any, field: str) -> Any:
    """`obj.<field>_id`, following `a__b` paths through loaded relations."""
    *path, last = field.split("__")
    for step in path:
        obj = getattr(obj, step, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


@dataclass(frozen=True)
class Policy:
    """Which rules grant which right on one model; a right without rules is never granted."""

    rules: dict[Right, tuple[Rule, ...]]

    def q(self, scope: Scope, right: Right) -> Q | None:
        """WHERE clause for `right`; None means every record (unrestricted users)."""
        if scope.unrestricted:
            return None
        query = _nothing()
        for rule in self.rules.get(right, ()):
            part = rule.q(scope)
            if part is not None:
                query |= part
        return query

    def allows(self, scope: Scope, obj: Any, right: Right) -> bool:
        if scope.unrestricted:
            return True
        return any(rule.holds(scope, obj) for rule in self.rules.get(right, ()))


PLACED = Policy({Right.VIEW: (InGrid(),), Right.CHANGE: (InGrid(writing=True),)})
# Residents and their homes: read only by those who keep them (offices and grid workers). A
# department handler's role covers a street for its cases, not for its residents' files
# (PIPL: least privilege on reads); the places and buildings stay on their map.
PERSONAL = Policy({Right.VIEW: (InGrid(writing=True),), Right.CHANGE: (InGrid(writing=True),)})
CASE = Policy(
    {
        Right.VIEW: (
            InRegion("region", "any"),
            InDepartment("department"),
            IsUser("reporter_user"),
        ),
        Right.DISPATCH: (InRegion("region", "staff"),),
        Right.HANDLE: (InDepartment("department"),),
        Right.VERIFY: (InRegion("region", "any"),),
    }
)
# model label → policy. Residences are reached through their household's grid.
POLICIES: dict[str, Policy] = {
    "people.person": PERSONAL,
    "people.household": PERSONAL,
    "people.residence": Policy(
        {
            Right.VIEW: (InGrid("household__grid", writing=True),),
            Right.CHANGE: (InGrid("household__grid", writing=True),),
        }
    ),
    "addresses.building": PLACED,
    "addresses.room": PLACED,
    "addresses.unit": Policy(
        {
            Right.VIEW: (InGrid("building__grid"),),
            Right.CHANGE: (InGrid("building__grid", writing=True),),
        }
    ),
    # The registry of regions and the staff posted in them (names and phones of staff): seen
    # and kept by the offices over them (used by the Django admin, access.admin_scope).
    "geo.region": Policy({Right.VIEW: (IsRegion("any"),), Right.CHANGE: (IsRegion("staff"),)}),
    "geo.staffassignment": Policy(
        {Right.VIEW: (InRegion("region", "any"),), Right.CHANGE: (InRegion("region", "staff"),)}
    ),
    "cases.case": CASE,
    # Places, their hazards and notices: the grid's offices and workers, and the department
    # in charge of the place (read only: notices are issued by the street's inspectors).
    "inspections.place": Policy(
        {
            Right.VIEW: (InGrid(), InDepartment("department")),
            Right.CHANGE: (InGrid(writing=True),),
        }
    ),
    "inspections.hazard": Policy(
        {
            Right.VIEW: (InGrid(), InDepartment("place__department")),
            Right.CHANGE: (InGrid(writing=True),),
        }
    ),
    "inspections.notice": Policy(
        {
            Right.VIEW: (InGrid(), InDepartment("place__department")),
            Right.CHANGE: (InGrid(writing=True),),
        }
    ),
    # Special inspections (专项检查): organised and seen by the offices over their street
    # (and whoever set one up); each place's check is seen like the place (its grid's offices
    # and workers, the department in charge of the place) and done in its grid.
    "inspections.campaign": Policy(
        {
            Right.VIEW: (InRegion("region", "staff"), IsUser("created_by")),
            Right.CHANGE: (InRegion("region", "staff"),),
        }
    ),
    "inspections.campaigncheck": Policy(
        {
            Right.VIEW: (InGrid(), InDepartment("place__department")),
            Right.CHANGE: (InGrid(writing=True),),
        }
    ),
    # Work items: seen and done in the grids (regions) one works in; assigned, reassigned,
    # cancelled and created for others by the offices over them (tasks.services).
    "tasks.task": Policy(
        {
            Right.VIEW: (InRegion("region", "any"),),
            Right.CHANGE: (InRegion("region", "any"),),
            Right.DISPATCH: (InRegion("region", "staff"),),
        }
    ),
    # An import batch belongs to the office that uploaded it (its region). The offices over
    # that region read it (a street officer a community's batch); its own office and the
    # district grid centre act on it (review, re-map, commit, discard, undo). Department
    # handlers and grid workers do not import (fusion.services.require_importer).
    "fusion.importbatch": Policy(
        {Right.VIEW: (InRegion("region", "staff"),), Right.CHANGE: (AtOffice("region"),)}
    ),
    # an import row about a person the importer may not change: the person's holders decide
    "fusion.handover": Policy(
        {
            Right.VIEW: (InGrid("person__grid", writing=True),),
            Right.CHANGE: (InGrid("person__grid", writing=True),),
        }
    ),
    # what a form submission proposed: its sender and the offices over its grid see it; the
    # community's conflict inbox is decided by staff (wangge.forms)
    "forms.submission": Policy(
        {
            Right.VIEW: (IsUser("user"), InRegion("grid", "staff")),
            Right.CHANGE: (InRegion("grid", "staff"),),
        }
    ),
    "forms.change": Policy(
        {
            Right.VIEW: (IsUser("submission__user"), InRegion("grid", "staff")),
            Right.CHANGE: (InRegion("grid", "staff"),),
        }
    ),
}


def policy_for(model: type[Model] | Model) -> Policy:
    label = model._meta.label_lower
    try:
        return POLICIES[label]
    except KeyError:
        raise LookupError(f"no scoping policy for {label}") from None


def visible_to(user: Any, queryset: QuerySet[Any], right: Right = Right.VIEW) -> QuerySet[Any]:
    """The records of `queryset` the user holds `right` on."""
    query = policy_for(queryset.model).q(scope_for(user), right)
    return queryset if query is None else queryset.filter(query)


def allows(user: Any, obj: Model, right: Right = Right.VIEW) -> bool:
    return policy_for(obj).allows(scope_for(user), obj, right)


# require's words when the caller has none of its own, in the language of the one refused
OUT_OF_SCOPE = gettext_lazy("该记录不在您的管辖范围内")


def require(
    user: Any,
    obj: Model,
    right: Right,
    *,
    message: str | Promise = OUT_OF_SCOPE,
    channel: str = "web",
) -> None:
    """Raise `Forbidden` (and log the refusal) unless the user holds `right` on `obj`.

    `user=None` is the command line, run by the machine's operator.
    """
    if user is None or allows(user, obj, right):
        return
    refuse(user, obj, right, message=message, channel=channel)


def refuse(
    user: Any,
    obj: Model | None,
    right: Right | str,
    *,
    message: str | Promise,
    channel: str = "web",
) -> None:
    """Log a refused attempt and raise `Forbidden` with a message for the user."""
    from wangge.access import audit
    from wangge.core.errors import Forbidden

    audit.record(
        user,
        "refused",  # a refused attempt (PIPL: every refusal logged)
        obj._meta.label_lower if obj is not None else "",
        obj.pk if obj is not None else "",
        channel=channel,
        detail={"right": str(right)},
    )
    raise Forbidden(message)


def get_visible(
    user: Any,
    queryset: QuerySet[Any],
    pk: Any,
    *,
    message: str | Promise,
    right: Right = Right.VIEW,
    channel: str = "web",
) -> Any:
    """The record `pk` of `queryset` if the user holds `right` on it, else `NotFound(message)`.

    A record outside the user's scope is answered exactly as one that does not exist (same
    status, same words, the same one scoped query): ids are sequential, and a 403 for the ones
    that exist told a grid worker which tasks and campaigns existed in other grids. Both are
    refused attempts, so both are logged (PIPL), naming the id asked for. A user who may see
    the record but not do something to it is refused by `require` (403, with the reason).

    `user=None` is the command line, run by the machine's operator: every record.
    """
    from wangge.core.errors import NotFound

    if user is None:
        found = queryset.filter(pk=pk).first()
    else:
        found = visible_to(user, queryset, right).filter(pk=pk).first()
    if found is not None:
        return found
    if user is not None:
        from wangge.access import audit

        audit.record(
            user,
            "refused",  # a refused attempt (PIPL: every refusal logged)
            queryset.model._meta.label_lower,
            pk,
            channel=channel,
            detail={"right": str(right), "answer": "not_found"},
        )
    raise NotFound(message)


def can_reveal_identifiers(user: Any) -> bool:
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and user.has_perm("people.reveal_identifiers")
    )


def require_district_admin(actor: Any, task: str) -> None:
    """Registry-wide changes (users, grids, addresses) belong to the district grid centre.

    `actor=None` is the command line, run by the machine's operator.
    """
    if actor is None:
        return
    if not (actor.is_superuser or Role.DISTRICT_ADMIN in scope_for(actor).roles):
        from wangge.core.errors import Forbidden

        raise Forbidden(_("只有区网格中心管理员可以%(task)s") % {"task": task})


def intake_rights(user: Any) -> tuple[bool, bool]:
    """(may submit cases at all, may take in hotline work orders) — what `scope_for` would say
    via `submits_cases` and `is_staff`, in one query instead of three when the scope is not at hand."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False, False
    if user.is_superuser:
        return True, True
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached.submits_cases, cached.is_staff
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
