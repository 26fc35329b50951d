"""Building pages and the registry loader's service side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q

from wangge.access import audit
from wangge.access.audit import AuditAction
from wangge.addresses.models import Building, Room
from wangge.core.errors import NotFound
from wangge.people.models import Household


@dataclass(frozen=True)
class BuildingFile:
    building: Building
    rooms: list[Room]
    residents: int


def get_building(user: Any, building_id: int, *, channel: str = "web") -> BuildingFile:
    building = (
        Building.objects.visible_to(user)
        .select_related("community", "grid")
        .filter(pk=building_id)
        .first()
    )
    if building is None:
        raise NotFound("未找到该楼栋，或不在您的管辖范围内")
    rooms = list(
        Room.objects.visible_to(user)
        .filter(building=building)
        .select_related("unit")
        .prefetch_related(
            Prefetch(
                "households",
                queryset=Household.objects.select_related("head").annotate(
                    members=Count("residences", filter=Q(residences__until__isnull=True))
                ),
            )
        )
        .order_by("unit__name", "name")
    )
    residents = sum(h.members for r in rooms for h in r.households.all())  # type: ignore[attr-defined]
    audit.record(user, AuditAction.VIEW, "building", building.pk, channel=channel)
    return BuildingFile(building=building, rooms=rooms, residents=residents)
