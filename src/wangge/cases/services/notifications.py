"""Who hears about a case: department members and region staff, queued for after the commit."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Q

from wangge.access.models import Role, RoleAssignment
from wangge.cases.models import (
    Case,
)
from wangge.cases.notify import Notification, deliver
from wangge.cases.services.routing import _reference
from wangge.geo.models import RegionLevel


def _department_usernames(department_id: int | None) -> list[str]:
    if department_id is None:
        return []
    return list(_reference().members.get(department_id, ()))


def _staff_usernames(case: Case, roles: Sequence[str]) -> list[str]:
    region_ids = [r for r in (case.grid_id, case.community_id, case.street_id) if r]
    query = Q(region_id__in=region_ids)
    if Role.DISTRICT_ADMIN in roles:
        query |= Q(region__level=RegionLevel.DISTRICT)
    return sorted(
        set(
            RoleAssignment.objects.filter(query, role__in=roles).values_list(
                "user__username", flat=True
            )
        )
    )


def _notify(
    case: Case,
    kind: str,
    message: str,
    usernames: list[str],
    *,
    phone: str = "",
    link: str = "",
) -> None:
    if not usernames and not phone:
        return
    note = Notification(
        kind=kind,
        case_number=case.number,
        title=case.title,
        message=message,
        usernames=usernames,
        phone=phone,
        link=link,
    )
    transaction.on_commit(lambda: deliver([note]))


def _notify_department(case: Case, kind: str, message: str) -> None:
    _notify(case, kind, message, _department_usernames(case.department_id))
