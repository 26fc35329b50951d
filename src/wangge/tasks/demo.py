"""The demo street's tasks: what the `grid` account sees first after logging in.

Why: a workbench with nothing on it shows nothing of the day it organises. So the demo builder
(`wangge.core.demo`) gives every grid of the demo street a visit round over its first
buildings, spread over overdue (some already reported up, 督办), due today and later, and
marks about a third of each grid's households visited this month, so that the offices' view
has coverage to compare. The import's verification visits and the cases' tasks come from the
real hooks (the fusion demo's commit, the cases demo's dispatches), not from here.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from wangge.geo.models import Region, RegionLevel, StaffPost
from wangge.tasks.models import Priority, Task, TaskKind, TaskStatus

STAGE = "任务（工作台）"
DISTRICT_PREFIX = "110105"  # the demo district (wangge.core.demo.DISTRICT_CODE)
VISITS_PER_GRID = 24
OWN_GRID_VISITS = 60  # the `grid` account's grid: a full morning's round


def counts() -> dict[str, int]:
    numbers = Task.objects.filter(region__code__startswith=DISTRICT_PREFIX).aggregate(
        tasks=Count("pk"), open_tasks=Count("pk", filter=Q(status=TaskStatus.OPEN))
    )
    return {key: int(value) for key, value in numbers.items()}


def remove(district_code: str) -> None:
    Task.objects.filter(region__code__startswith=district_code).delete()


def contribute(context: Any) -> dict[str, int]:
    """Visit rounds for every grid of the demo street (see the module docstring)."""
    from wangge.people.models import Household
    from wangge.tasks.services import reconcile_case_tasks

    rng = random.Random(context.seed * 104729 + 15)
    now = timezone.now()
    today = timezone.localdate()
    grids = list(
        Region.objects.filter(code__startswith=context.street_code, level=RegionLevel.GRID)
        .order_by("code")
        .values_list("pk", "code")
    )
    own = f"{context.street_code}001001"
    tasks: list[Task] = []
    for grid_id, code in grids:
        households = list(
            Household.objects.filter(grid_id=grid_id, room__isnull=False)
            .select_related("room__building", "room__unit")
            .order_by(
                "room__building__road",
                "room__building__number",
                "room__building__name",
                "room__unit__name",
                "room__name",
                "pk",
            )
        )
        wanted = OWN_GRID_VISITS if code == own else VISITS_PER_GRID
        wanted = min(wanted, (len(households) * 2 + 2) // 3)  # a small demo keeps some visited
        planned = households[:wanted]
        for n, household in enumerate(planned):
            assert household.room is not None
            share = n / max(1, len(planned))
            if share < 0.2:
                due, level = today - datetime.timedelta(days=rng.randint(1, 6)), 1
            elif share < 0.6:
                due, level = today, 0
            else:
                due, level = today + datetime.timedelta(days=rng.randint(1, 12)), 0
            tasks.append(
                Task(
                    kind=TaskKind.VISIT,
                    title=f"入户走访：{household.room.label}"[:200],
                    region_id=grid_id,
                    post=StaffPost.GRID_WORKER,
                    priority=Priority.HIGH if rng.random() < 0.1 else Priority.NORMAL,
                    due_date=due,
                    form_code="household_visit",
                    household=household,
                    building_id=household.room.building_id,
                    escalation_level=level if due < today - datetime.timedelta(days=3) else 0,
                    escalated_at=now if due < today - datetime.timedelta(days=3) else None,
                )
            )
        # visits already made this month, on households not in the round
        start = today.replace(day=1)
        for household in households[wanted:][::3]:
            assert household.room is not None
            day = start + datetime.timedelta(days=rng.randint(0, max(0, (today - start).days)))
            done_at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(10)))
            tasks.append(
                Task(
                    kind=TaskKind.VISIT,
                    title=f"入户走访：{household.room.label}"[:200],
                    region_id=grid_id,
                    post=StaffPost.GRID_WORKER,
                    due_date=day,
                    form_code="household_visit",
                    household=household,
                    building_id=household.room.building_id,
                    status=TaskStatus.DONE,
                    result="已走访，信息无变化",
                    completed_at=min(done_at, now),
                )
            )
    Task.objects.bulk_create(tasks, batch_size=2000)
    reconcile_case_tasks()  # the demo's cases moved along without the services' hooks
    return counts()


def after(context: Any) -> dict[str, int]:
    """Once the build is committed (and the cases' and the import's own `after` ran): the
    cases' tasks again, for any case those steps moved."""
    from wangge.tasks.services import reconcile_case_tasks

    reconcile_case_tasks()
    return counts()
