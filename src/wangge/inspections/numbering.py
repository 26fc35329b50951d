"""Notice numbers per issuing unit and year, reserved in blocks so phones can number offline.

A serial is handed out exactly once: `_take` bumps the unit's counter for the year with one
`UPDATE … SET last = last + n` and reads back the result inside the same transaction. PostgreSQL
holds the row lock until commit, so a concurrent reservation waits and then counts on from the
new value; SQLite allows one writer at a time (a writer that finds the file locked retries).
A notice issued online takes a block of one; an inspector going out without a connection
first reserves a block (`reserve_block`) and the phone numbers notices from it; the sync
(`notices.issue_notice` with `serial=`) accepts a serial only from a block reserved to that
inspector, and the unique (unit, year, serial) constraint makes a second use of it fail.
Unused serials of a block stay unused (the gap is visible: the block is listed with its owner).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from wangge.access import audit
from wangge.access.scoping import scope_for
from wangge.core.errors import Forbidden, ServiceError
from wangge.geo.models import LEVEL_DEPTH, Region, RegionLevel
from wangge.inspections.models import IssuingUnit, NumberBlock, SerialCounter

MAX_BLOCK = 200
RETRIES = 50


def may_issue_for(actor: Any, unit: IssuingUnit) -> bool:
    """Inspectors of the unit's area: staff or grid workers with a grid under its region."""
    if actor is None:
        return True
    scope = scope_for(actor)
    if scope.unrestricted:
        return True
    if not scope.writable_grid_ids:
        return False
    return (
        Region.objects.subtree(unit.region.code)
        .filter(level=RegionLevel.GRID, pk__in=sorted(scope.writable_grid_ids))
        .exists()
    )


def _take(unit: IssuingUnit, year: int, size: int, then: Callable[[int], Any] | None = None) -> int:
    """Reserve `size` serials; returns the last of them (the first is last - size + 1).
    `then(last)` runs in the same transaction (the block's row), so both are retried together."""
    for attempt in range(RETRIES):
        try:
            with transaction.atomic():
                updated = SerialCounter.objects.filter(unit=unit, year=year).update(
                    last=F("last") + size
                )
                if updated:
                    last = int(
                        SerialCounter.objects.filter(unit=unit, year=year)
                        .values_list("last", flat=True)
                        .get()
                    )
                else:
                    SerialCounter.objects.create(unit=unit, year=year, last=size)
                    last = size
                if then is not None:
                    then(last)
                return last
        except (IntegrityError, OperationalError):
            # two first reservations of a year raced to create the counter, or (SQLite) the
            # database was locked by another writer: count again on what is there now
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.01 * (attempt + 1))
    raise ServiceError(_("文号分配失败，请重试"))  # pragma: no cover


def take_serial(unit: IssuingUnit, year: int) -> int:
    return _take(unit, year, 1)


def reserve_block(
    actor: Any, unit: IssuingUnit, *, year: int, size: int = 20, channel: str = "web"
) -> NumberBlock:
    """Serials reserved to `actor` for issuing notices offline."""
    if not 1 <= size <= MAX_BLOCK:
        raise ServiceError(_("预留文号数量应在1到%(most)s之间") % {"most": MAX_BLOCK})
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise Forbidden(_("请先登录"))
    if not may_issue_for(actor, unit):
        audit.record(actor, "refused", "inspections.issuingunit", unit.pk, channel=channel)
        raise Forbidden(_("您不是%(name)s辖区的检查人员，不能预留其文号") % {"name": unit.name})
    made: list[NumberBlock] = []
    _take(
        unit,
        year,
        size,
        lambda last: made.append(
            NumberBlock.objects.create(
                unit=unit, year=year, inspector=actor, first=last - size + 1, last=last
            )
        ),
    )
    block = made[-1]
    audit.record(
        actor,
        audit.AuditAction.CREATE,
        "inspections.numberblock",
        block.pk,
        channel=channel,
        detail={"first": block.first, "last": block.last, "year": year},
    )
    return block


def block_for(actor: Any, unit: IssuingUnit, year: int, serial: int) -> NumberBlock | None:
    """The block reserved to `actor` that holds `serial`, if any."""
    return (
        NumberBlock.objects.filter(
            unit=unit, year=year, inspector=actor, first__lte=serial, last__gte=serial
        )
        .order_by("first")
        .first()
    )


def units_for(actor: Any) -> list[IssuingUnit]:
    """The issuing units `actor` may number notices for (the offline workbench reserves a block
    of each while online), nearest first: a street's unit before its district's."""
    units = [
        unit
        for unit in IssuingUnit.objects.select_related("region").order_by("code")
        if may_issue_for(actor, unit)
    ]
    return sorted(units, key=lambda unit: -(LEVEL_DEPTH.get(RegionLevel(unit.region.level)) or 0))
