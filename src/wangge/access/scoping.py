"""The one place that decides which regions a user's roles reach.

Every query of personal data calls `visible_to(user)` on its model's queryset, which asks
`scope_for(user)`; views and API endpoints never filter by region themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from wangge.access.models import Role

_CACHE_ATTR = "_wangge_scope"


@dataclass(frozen=True)
class Scope:
    unrestricted: bool
    root_codes: tuple[str, ...]
    grid_ids: frozenset[int]
    # Persons not yet placed in any grid (no matched address) are visible at district level only.
    includes_unplaced: bool
    roles: frozenset[str]

    def covers_code(self, code: str) -> bool:
        return self.unrestricted or any(code.startswith(root) for root in self.root_codes)

    @property
    def is_empty(self) -> bool:
        return not self.unrestricted and not self.root_codes


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


def _compute_scope(user: Any) -> Scope:
    from wangge.access.models import RoleAssignment
    from wangge.geo.models import Region, RegionLevel

    if user.is_superuser:
        return Scope(True, (), frozenset(), True, frozenset({Role.DISTRICT_ADMIN}))
    assignments = list(
        RoleAssignment.objects.filter(user=user).select_related("region").order_by("region__code")
    )
    if not assignments:
        return NO_SCOPE
    roots: list[str] = []
    for code in sorted({a.region.code for a in assignments}, key=len):
        if not any(code.startswith(root) for root in roots):
            roots.append(code)
    grid_ids = frozenset(
        Region.objects.subtree(*roots).filter(level=RegionLevel.GRID).values_list("pk", flat=True)
    )
    district_level = any(a.region.level == RegionLevel.DISTRICT for a in assignments)
    return Scope(
        unrestricted=False,
        root_codes=tuple(roots),
        grid_ids=grid_ids,
        includes_unplaced=district_level,
        roles=frozenset(a.role for a in assignments),
    )


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

        raise Forbidden(f"只有区网格中心管理员可以{task}")
