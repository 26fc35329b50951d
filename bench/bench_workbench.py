"""Benchmark: the workbench (工作台) for a grid worker with 1,000 open tasks among 1M tasks.

    .venv/bin/python bench/bench_workbench.py [--tasks 1000000] [--open 1000] [--requests 200]
    WANGGE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_tasks \
        .venv/bin/python bench/bench_workbench.py      # the same on PostgreSQL

Why: the workbench is the first page a grid worker opens on a phone every morning, with the
whole district's task history (visits, verifications, cases) in the same table. The issue's
target is p95 < 100 ms for a worker with 1,000 open tasks among 1M.

Builds, in a fresh temporary data directory (SQLite) or the given PostgreSQL database (wiped
first): a district → street → 50 communities → 1,000 grids; the worker's grid with 40
buildings × 25 rooms, one household each; `--open` open visit tasks for that grid (all due today
or overdue: the worst case, every one of them on today's list, the page listing the first
100 by building and counting the rest), 300 visits completed this month, and the rest of
`--tasks` spread over the other grids (four in five done, one in five open) by one
INSERT … SELECT over a recursive counter. Then it measures, through the Django test client with
the real middleware, session and templates:

- GET /tasks/ as the grid worker (the workbench: counts, today's and overdue tasks by building,
  households not visited for 30 days, new cases);
- GET /api/tasks/mine as the grid worker (all 1,000 open tasks as JSON, for the offline app);
- GET /tasks/ as the community officer over 20 grids (per grid: open, overdue, coverage).

Prints p50/p95/max per page over `--requests` requests after 5 warm-up requests.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
GRIDS = 1000
COMMUNITIES = 50
BUILDINGS, ROOMS = 40, 25


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def setup_django() -> None:
    os.environ.setdefault("WANGGE_DATA_DIR", tempfile.mkdtemp(prefix="wg-bench-tasks-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def build(total: int, open_tasks: int) -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from wangge.access.models import Role
    from wangge.access.services import assign_role
    from wangge.addresses.models import Building, Room, Unit
    from wangge.geo.models import Region, RegionLevel
    from wangge.people.models import Household
    from wangge.tasks.models import Task, TaskKind, TaskStatus

    started = time.perf_counter()
    Task.objects.all().delete()
    Household.objects.all().delete()
    Room.objects.all().delete()
    Unit.objects.all().delete()
    Building.objects.all().delete()
    get_user_model().objects.filter(username__in=["bench-grid", "bench-community"]).delete()
    Region.objects.filter(code__startswith="9901").order_by("-code").delete()
    district = Region.objects.create(code="9901", name="测试区", level=RegionLevel.DISTRICT)
    street = Region.objects.create(
        code="9901001", name="测试街道", level=RegionLevel.STREET, parent=district
    )
    communities = Region.objects.bulk_create(
        [
            Region(
                code=f"9901001{c:03d}",
                name=f"第{c}社区",
                level=RegionLevel.COMMUNITY,
                parent=street,
            )
            for c in range(COMMUNITIES)
        ]
    )
    per = GRIDS // COMMUNITIES
    Region.objects.bulk_create(
        [
            Region(
                code=f"{communities[g // per].code}{g % per:03d}",
                name=f"第{g % per + 1}网格",
                level=RegionLevel.GRID,
                parent=communities[g // per],
            )
            for g in range(GRIDS)
        ]
    )
    grids = list(
        Region.objects.filter(level=RegionLevel.GRID, code__startswith="9901")
        .order_by("code")
        .values_list("pk", flat=True)
    )
    own = Region.objects.get(pk=grids[0])
    buildings = Building.objects.bulk_create(
        [
            Building(
                community=communities[0],
                grid=own,
                road="测试路",
                number=str(b + 1),
                name=str(b % 4 + 1),
            )
            for b in range(BUILDINGS)
        ]
    )
    rooms = Room.objects.bulk_create(
        [
            Room(
                address_code=f"BENCH{b:03d}{r:03d}",
                building=building,
                name=f"{r // 4 + 1}0{r % 4 + 1}",
                grid=own,
            )
            for b, building in enumerate(buildings)
            for r in range(ROOMS)
        ]
    )
    households = Household.objects.bulk_create([Household(room=room, grid=own) for room in rooms])
    grid_user = get_user_model().objects.create_user(username="bench-grid", password="x-bench-1")
    assign_role(None, grid_user, Role.GRID_WORKER, own)
    office = get_user_model().objects.create_user(username="bench-community", password="x-b-2")
    assign_role(None, office, Role.COMMUNITY_OFFICER, communities[0])

    today = timezone.localdate()
    now = timezone.now()
    rows: list[Task] = []
    for n in range(open_tasks):
        household = households[n % len(households)]
        assert household.room is not None
        rows.append(
            Task(
                kind=TaskKind.VISIT,
                title=f"入户走访：{n}",
                region=own,
                post="grid_worker",
                due_date=today - datetime.timedelta(days=n % 5),
                form_code="household_visit",
                household=household,
                building_id=household.room.building_id,
            )
        )
    for n in range(300):
        household = households[(n * 3) % len(households)]
        rows.append(
            Task(
                kind=TaskKind.VISIT,
                title=f"入户走访：已完成{n}",
                region=own,
                post="grid_worker",
                due_date=today,
                status=TaskStatus.DONE,
                completed_at=now - datetime.timedelta(hours=n % 48),
                household=household,
            )
        )
    Task.objects.bulk_create(rows, batch_size=2000)
    rest = max(0, total - len(rows))
    table = Task._meta.db_table
    first_other = grids[1]
    # the rest: INSERT … SELECT over a counter; grid = one of the 999 others; 4 in 5 done
    sql = f"""
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < %s)
        INSERT INTO {table} (kind, title, note, region_id, post, status, priority, due_date,
            form_code, subject_ref, result, result_data, created_at, escalation_level, version)
        SELECT 'visit', 'bench', '', %s + (i %% %s), 'grid_worker',
            CASE WHEN i %% 5 = 0 THEN 'open' ELSE 'done' END, 2, %s, 'household_visit', '',
            '', '{{}}', %s, 0, 1
        FROM n
    """
    with transaction.atomic(), connection.cursor() as cursor:
        chunk = 200_000
        for start in range(0, rest, chunk):
            cursor.execute(sql, [min(chunk, rest - start), first_other, GRIDS - 1, today, now])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {
        "grid_user": grid_user,
        "office": office,
        "tasks": Task.objects.count(),
        "open_mine": Task.objects.filter(region=own, status=TaskStatus.OPEN).count(),
        "seconds": time.perf_counter() - started,
    }


def measure(client: Any, url: str, requests: int) -> list[float]:
    for _ in range(5):
        assert client.get(url).status_code == 200, url
    times = []
    for _ in range(requests):
        t = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=1_000_000)
    parser.add_argument("--open", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client

    world = build(args.tasks, args.open)
    print(
        f"{connection.vendor}: {world['tasks']:,} tasks, {world['open_mine']:,} open in the "
        f"worker's grid (built in {world['seconds']:.1f} s)"
    )
    worker, office = Client(SERVER_NAME="localhost"), Client(SERVER_NAME="localhost")
    worker.force_login(world["grid_user"])
    office.force_login(world["office"])
    body = worker.get("/tasks/").content.decode()
    assert f"还有 {args.open - 100} 项" in body or args.open <= 100, "the workbench lists 100"
    for label, client, url in (
        ("workbench, grid worker", worker, "/tasks/"),
        ("GET /api/tasks/mine, grid worker", worker, "/api/tasks/mine"),
        ("workbench, community officer (20 grids)", office, "/tasks/"),
    ):
        times = measure(client, url, args.requests)
        print(
            f"{label}: p50 {statistics.median(times):.1f} ms, p95 {percentile(times, 0.95):.1f} "
            f"ms, max {max(times):.1f} ms ({len(times)} requests)"
        )


if __name__ == "__main__":
    main()
