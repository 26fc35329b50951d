"""Hazard ledger latency at scale, and notice documents per second.

    WANGGE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_hazards \
        .venv/bin/python bench/bench_hazards.py [--hazards 1000000] [--notices 500] [--pdf 20]

Uses (and migrates) the configured database: give it one of its own. Builds once a street of
20 communities × 10 grids, 20,000 places and `--hazards` hazards spread over them and over a
year (SQL `generate_series` on PostgreSQL, batches elsewhere), then times the ledger as the page
and `/api/hazards` run it — the scoped, filtered query, its capped count and one page of 30 with
place, grid and notice — for a community officer, a street officer and the district, with the
filters offices use (a community, a category, a status, the last month; page 1 to page 300),
each page opened by its cursor as 下一页 does (`--offset` also times the same pages by OFFSET,
as the ledger paged before). Prints p50/p95 per case, and wall and CPU time with the load. Then renders `--notices` notices as .docx and converts `--pdf` of them to
PDF with LibreOffice (one `soffice` per document, as the page does).
"""

from __future__ import annotations

import argparse
import datetime
import os
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")

COMMUNITIES, GRIDS, PLACES = 20, 10, 20_000


def build(hazards: int) -> None:
    from django.db import connection

    from wangge.access.models import Role
    from wangge.access.services import assign_role
    from wangge.geo.models import Region, RegionLevel
    from wangge.inspections.models import Hazard, Place, PlaceKind

    if Hazard.objects.count() >= hazards:
        return
    district, _ = Region.objects.get_or_create(
        code="110105", defaults={"name": "朝阳区", "level": RegionLevel.DISTRICT}
    )
    street, _ = Region.objects.get_or_create(
        code="110105901",
        defaults={"name": "测速街道", "level": RegionLevel.STREET, "parent": district},
    )
    grids: list[Region] = []
    for c in range(COMMUNITIES):
        community, _ = Region.objects.get_or_create(
            code=f"{street.code}{c + 1:03d}",
            defaults={"name": f"测速{c + 1}社区", "level": RegionLevel.COMMUNITY, "parent": street},
        )
        for g in range(GRIDS):
            grid, _ = Region.objects.get_or_create(
                code=f"{community.code}{g + 1:03d}",
                defaults={"name": f"第{g + 1}网格", "level": RegionLevel.GRID, "parent": community},
            )
            grids.append(grid)
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    for name, role, region in (
        ("bench-community", Role.COMMUNITY_OFFICER, grids[0].parent),
        ("bench-street", Role.STREET_OFFICER, street),
        ("bench-admin", Role.DISTRICT_ADMIN, district),
    ):
        if not users.filter(username=name).exists():
            assign_role(None, users.create_user(username=name), role, region)
    kinds = PlaceKind.values
    if Place.objects.count() < PLACES:
        started = time.perf_counter()
        Place.objects.bulk_create(
            [
                Place(
                    name=f"测速场所{n}",
                    kind=kinds[n % len(kinds)],
                    address=f"测速路{n}号",
                    grid=grids[n % len(grids)],
                    responsible_phone=f"139{n:08d}",
                    lon=116.4,
                    lat=39.9,
                )
                for n in range(PLACES)
            ],
            batch_size=2000,
        )
        print(f"places: {PLACES:,} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    have = Hazard.objects.count()
    place_min = Place.objects.order_by("pk").values_list("pk", flat=True).first()
    grid_of = dict(Place.objects.values_list("pk", "grid_id"))
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO inspections_hazard
                    (place_id, grid_id, category, severity, description, status, found_at, lon, lat)
                SELECT p.id, p.grid_id,
                    (ARRAY['partition','clutter','fire_lane','fire_equipment','ebike_charging',
                           'ageing_wiring','waterlogging','structure','other'])[1 + s %% 9],
                    CASE WHEN s %% 7 = 0 THEN 'serious' ELSE 'general' END,
                    '测速隐患', (ARRAY['open','notice_issued','rectified','rectified'])[1 + s %% 4],
                    now() - (s %% 365) * interval '1 day' - (s %% 1440) * interval '1 minute',
                    116.4, 39.9
                FROM generate_series(%s::bigint, %s::bigint) AS s
                JOIN inspections_place p ON p.id = %s + (s * 7919) %% %s
                """,
                [have, hazards - 1, place_min, PLACES],
            )
            # as autovacuum would soon: statistics, and the visibility map that lets the
            # capped count read an index alone
            cursor.execute("VACUUM (ANALYZE) inspections_hazard")
    else:
        cats = ["partition", "clutter", "fire_lane", "fire_equipment", "ebike_charging"]
        now = datetime.datetime.now(datetime.UTC)
        batch: list[Hazard] = []
        for s in range(have, hazards):
            place_id = place_min + (s * 7919) % PLACES
            batch.append(
                Hazard(
                    place_id=place_id,
                    grid_id=grid_of[place_id],
                    category=cats[s % len(cats)],
                    status=["open", "notice_issued", "rectified", "rectified"][s % 4],
                    found_at=now - datetime.timedelta(days=s % 365, minutes=s % 1440),
                )
            )
            if len(batch) == 10_000:
                Hazard.objects.bulk_create(batch)
                batch = []
        Hazard.objects.bulk_create(batch)
    print(f"hazards: {hazards - have:,} added in {time.perf_counter() - started:.1f} s")


def ledger_once(user: object, f: object, page: int, cursor: str | None) -> float:
    """One ledger request: the capped count and one page of 30, by cursor (what the page and
    `/api/hazards` do since keyset paging) or, with `cursor=None`, by OFFSET (before)."""
    from wangge.inspections import selectors

    started = time.perf_counter()
    query = selectors.hazards(user, f).select_related("place", "grid", "notice")  # type: ignore[arg-type]
    selectors.capped_count(query)
    if cursor is None:
        rows = list(query[(page - 1) * 30 : page * 30])
    else:
        rows = selectors.hazard_page(query, cursor, 30).rows
    assert len(rows) <= 30
    return (time.perf_counter() - started) * 1000


def cursor_of(user: object, f: object, page: int) -> str:
    """The cursor that opens `page` (walked from page 1 by 下一页, untimed)."""
    from wangge.inspections import selectors

    query = selectors.hazards(user, f)  # type: ignore[arg-type]
    cursor = ""
    for _ in range(page - 1):
        found = selectors.hazard_page(query, cursor, 30)
        assert found.next, "fewer pages than asked for"
        cursor = found.next
    return cursor


def time_ledger(rounds: int, offset: bool) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from wangge.access.scoping import forget_scope
    from wangge.inspections.selectors import HazardFilter

    users = {u.username: u for u in get_user_model().objects.filter(username__startswith="bench-")}
    month = timezone.localdate() - datetime.timedelta(days=30)
    cases = [
        ("community officer, no filter, page 1", "bench-community", HazardFilter(), 1),
        ("community officer, open, page 20", "bench-community", HazardFilter(status="open"), 20),
        ("street officer, no filter, page 1", "bench-street", HazardFilter(), 1),
        (
            "street officer, one community + category",
            "bench-street",
            HazardFilter(region="110105901005", category="partition"),
            1,
        ),
        (
            "street officer, status open + last month",
            "bench-street",
            HazardFilter(status="open", start=month),
            1,
        ),
        ("district, category, page 20", "bench-admin", HazardFilter(category="clutter"), 20),
        (
            "district, rectified, last month, page 5",
            "bench-admin",
            HazardFilter(status="rectified", start=month),
            5,
        ),
        ("community officer, open, page 100", "bench-community", HazardFilter(status="open"), 100),
        (
            "street, one community + category, page 50",
            "bench-street",
            HazardFilter(region="110105901005", category="partition"),
            50,
        ),
        ("district, no filter, page 300", "bench-admin", HazardFilter(), 300),
        (
            "district, category + open, page 10",
            "bench-admin",
            HazardFilter(category="structure", status="open"),
            10,
        ),
    ]
    every: list[float] = []
    label_of = "OFFSET" if offset else "cursor"
    print(f"ledger by {label_of} ({rounds} requests a case):")
    for label, username, f, page in cases:
        user = users[username]
        forget_scope(user)
        cursor = None if offset else cursor_of(user, f, page)
        ledger_once(user, f, page, cursor)  # warm the scope and the plan cache
        times = sorted(ledger_once(user, f, page, cursor) for _ in range(rounds))
        every += times
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        print(f"  {label:45s} p50 {statistics.median(times):7.1f} ms  p95 {p95:7.1f} ms")
    every.sort()
    print(
        f"ledger by {label_of} overall ({len(every)} requests): "
        f"p50 {statistics.median(every):.1f} ms, p95 {every[int(len(every) * 0.95) - 1]:.1f} ms"
    )


def time_notices(count: int, pdfs: int) -> None:
    from django.utils import timezone

    from wangge.geo.models import Region
    from wangge.inspections import documents
    from wangge.inspections.models import Hazard, IssuingUnit, Notice, NoticeKind, Place

    street = Region.objects.get(code="110105901")
    unit, _ = IssuingUnit.objects.get_or_create(
        code="bench-unit",
        defaults={"name": "测速街道消防安全办公室", "prefix": "测消字", "region": street},
    )
    place = Place.objects.order_by("pk").first()
    assert place is not None
    hazards = list(Hazard.objects.filter(place=place)[:3])
    notice = Notice(
        number="测消字〔2026〕第0001号",
        unit=unit,
        year=2026,
        serial=1,
        kind=NoticeKind.DEADLINE,
        place=place,
        issued_at=timezone.now(),
        deadline_days=5,
        deadline=timezone.now() + datetime.timedelta(days=7),
    )
    started = time.perf_counter()
    made = []
    for n in range(count):
        notice.number = f"测消字〔2026〕第{n + 1:04d}号"
        made.append(documents.render_docx(notice, hazards))
    seconds = time.perf_counter() - started
    print(f"notices: {count} .docx in {seconds:.1f} s ({count / seconds:.0f}/s)")
    if pdfs and documents.soffice():
        started = time.perf_counter()
        for data in made[:pdfs]:
            documents.to_pdf(data)
        seconds = time.perf_counter() - started
        print(f"notices: {pdfs} PDF in {seconds:.1f} s ({seconds / pdfs:.2f} s each)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--hazards", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--notices", type=int, default=500)
    parser.add_argument("--pdf", type=int, default=20)
    parser.add_argument(
        "--offset", action="store_true", help="also time the same pages by OFFSET, as before"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}")
    build(args.hazards)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    time_ledger(args.rounds, offset=False)
    if args.offset:
        time_ledger(args.rounds, offset=True)
    _report("ledger", wall, cpu)
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    wall = time.perf_counter()
    time_notices(args.notices, args.pdf)
    _report("notices", wall, cpu)


def _report(what: str, wall: float, before: resource.struct_rusage) -> None:
    """Wall and this process's CPU (user + sys; the database server's CPU is not in it) and the
    load average: the machine is shared, so wall time alone overstates."""
    now = resource.getrusage(resource.RUSAGE_SELF)
    cpu = now.ru_utime - before.ru_utime + now.ru_stime - before.ru_stime
    load = ", ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"{what}: wall {time.perf_counter() - wall:.1f} s, CPU {cpu:.1f} s; load average {load}")


if __name__ == "__main__":
    main()
