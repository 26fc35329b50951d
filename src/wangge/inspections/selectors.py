"""Scoped reads: the places registry and the hazard ledger of a region (filtered, newest first)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from wangge.access.scoping import visible_to
from wangge.core.errors import NotFound, ServiceError
from wangge.geo.models import Region, RegionLevel
from wangge.inspections import keyset
from wangge.inspections.models import (
    Hazard,
    HazardCategory,
    HazardStatus,
    Notice,
    Place,
    PlaceKind,
)

COUNT_CAP = 10_000


@dataclass(frozen=True)
class HazardFilter:
    region: str = ""
    category: str = ""
    status: str = ""
    start: datetime.date | None = None
    end: datetime.date | None = None

    def check(self) -> None:
        if self.category and self.category not in HazardCategory.values:
            raise ServiceError(_("隐患类别“%(category)s”无效") % {"category": self.category[:20]})
        if self.status and self.status not in HazardStatus.values:
            raise ServiceError(
                _("状态“%(status)s”无效，可选：open、notice_issued、rectified")
                % {"status": self.status[:20]}
            )
        if self.start and self.end and self.end < self.start:
            raise ServiceError(_("结束日期早于开始日期"))


def region_grid_ids(user: Any, code: str) -> list[int]:
    """The grids under a region the user can see (NotFound for an unknown or hidden one)."""
    region = Region.objects.visible_to(user).filter(code=code[:24]).first()
    if region is None:
        raise NotFound(_("未找到区域“%(code)s”，或不在您的管辖范围内") % {"code": code[:24]})
    return list(
        Region.objects.subtree(region.code)
        .filter(level=RegionLevel.GRID)
        .values_list("pk", flat=True)
    )


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def hazards(user: Any, f: HazardFilter) -> QuerySet[Hazard]:
    f.check()
    query = visible_to(user, Hazard.objects.all())
    if f.region:
        query = query.filter(grid_id__in=region_grid_ids(user, f.region))
    if f.category:
        query = query.filter(category=f.category)
    if f.status:
        query = query.filter(status=f.status)
    if f.start:
        query = query.filter(found_at__gte=_day_start(f.start))
    if f.end:
        query = query.filter(found_at__lt=_day_start(f.end + datetime.timedelta(days=1)))
    return query.order_by("-found_at", "-pk")


@dataclass(frozen=True)
class LedgerPage:
    """One page of the ledger: its rows, its number (a label, see `keyset`) and the cursors of
    the pages on either side (None at either end)."""

    rows: list[Hazard]
    number: int
    next: str | None
    previous: str | None


def hazard_page(query: QuerySet[Hazard], cursor: str, size: int) -> LedgerPage:
    """The page of `query` (a `hazards()` query: newest first by found_at, then id) that
    `cursor` opens, the first page for an empty one, found by seeking in the `(found_at, id)`
    order instead of counting rows off (`keyset`). ServiceError for a cursor that does not
    parse. One row more than the page is read to know whether another page follows."""
    if not cursor:
        rows = list(query[: size + 1])
        more = len(rows) > size
        rows = rows[:size]
        following = keyset.encode(keyset.NEXT, 2, rows[-1].found_at, rows[-1].pk) if more else None
        return LedgerPage(rows, 1, following, None)
    try:
        at = keyset.decode(cursor)
    except keyset.CursorError as exc:
        raise ServiceError(str(exc)) from None
    if at.forward:
        # found_at < t, or the same moment and a smaller id: `<=` keeps the index range scan
        # (an OR of the two made PostgreSQL filter instead of seek)
        rows = list(
            query.filter(found_at__lte=at.found_at).exclude(found_at=at.found_at, pk__gte=at.pk)[
                : size + 1
            ]
        )
        more = len(rows) > size
        rows = rows[:size]
        if not rows:
            return LedgerPage([], at.page, None, None)
        following = (
            keyset.encode(keyset.NEXT, at.page + 1, rows[-1].found_at, rows[-1].pk)
            if more
            else None
        )
        before = keyset.encode(keyset.PREVIOUS, at.page - 1, rows[0].found_at, rows[0].pk)
        return LedgerPage(rows, at.page, following, before)
    # backwards: the rows just newer than the cursor's, read oldest first, then turned round
    rows = list(
        query.filter(found_at__gte=at.found_at)
        .exclude(found_at=at.found_at, pk__lte=at.pk)
        .reverse()[: size + 1]
    )
    if len(rows) <= size:  # nothing newer than these: they are the first page
        return hazard_page(query, "", size)
    rows = rows[:size][::-1]
    number = max(at.page, 2)
    return LedgerPage(
        rows,
        number,
        keyset.encode(keyset.NEXT, number + 1, rows[-1].found_at, rows[-1].pk),
        keyset.encode(keyset.PREVIOUS, number - 1, rows[0].found_at, rows[0].pk),
    )


def places(user: Any, *, kind: str = "", region: str = "") -> QuerySet[Place]:
    if kind and kind not in PlaceKind.values:
        raise ServiceError(_("场所类型“%(kind)s”无效") % {"kind": kind[:20]})
    query = visible_to(user, Place.objects.select_related("grid", "department"))
    if region:
        query = query.filter(grid_id__in=region_grid_ids(user, region))
    if kind:
        query = query.filter(kind=kind)
    return query.order_by("kind", "name", "pk")


def notices(user: Any) -> QuerySet[Notice]:
    return visible_to(user, Notice.objects.select_related("place", "unit"))


def capped_count(queryset: QuerySet[Any], cap: int = COUNT_CAP) -> int:
    """How many rows match, counted up to `cap + 1` (shown as “10,000+”): nobody pages a
    million hazards, they narrow the filters."""
    return queryset.order_by().values("pk")[: cap + 1].count()
