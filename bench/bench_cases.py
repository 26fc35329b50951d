"""Cases at scale on PostgreSQL: the filtered list, hotline batch intake, and single reports.

    .venv/bin/python bench/bench_cases.py \
        --database-url postgres://postgres@127.0.0.1:5432/wg_bench_cases [--cases 1000000]

Creates the database if missing and migrates it, sets up the sample district (district → street
→ 2 communities → 4 grids, `wangge.core.testing`) with the shipped category table and a street
fallback rule, then COPYs --cases synthetic cases in (skipped if that many are already there)
and measures:

(a) the case list as the list page runs it (`services.list_cases` + first page of 50 + the count
    capped at 10,001 by `services.count_cases`),
    filtered by a random region, status and category, as the street officer; p95 over 200
    queries (target < 150 ms);
(b) hotline intake through `services.intake_work_orders` in batches of --batch work orders
    (target ≥ 2,000 per second);
(c) single reports POSTed to the Open311 endpoint (api_key, so no rate limit) against gunicorn
    with --workers sync workers (default 2: one per core of the 2-core bench machine, which also
    runs PostgreSQL and the load generator) for --seconds seconds by --threads client threads;
    counts what was acknowledged and what was stored (target ≥ 200 per second, nothing lost).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urllib.parse.urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if conn.execute("select 1 from pg_database where datname = %s", [name]).fetchone() is None:
            conn.execute(f'create database "{name}"')
            print(f"created database {name}")


def setup_django(url: str, data_dir: str) -> None:
    os.environ["WANGGE_DATABASE_URL"] = url
    os.environ["WANGGE_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    sys.path.insert(0, str(REPO / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def ensure_world() -> dict[str, Any]:
    from django.contrib.auth import get_user_model

    from wangge.cases import services
    from wangge.cases.models import Department, Responsibility
    from wangge.core.testing import build_sample_district
    from wangge.geo.models import Region, RegionLevel

    if not Region.objects.filter(code="110105").exists():
        build_sample_district()
    if services.DEFAULT_CATEGORY_FILE.exists():
        services.load_categories(None)
    else:  # the shipped table is not on this branch yet: the tests' small table
        from wangge.cases.testing import load_test_categories

        load_test_categories()
    street = Region.objects.get(code="110105001")
    chengguan = Department.objects.get_or_create(name="城管", defaults={"code": "cg"})[0]
    Responsibility.objects.get_or_create(
        region=street, category=None, defaults={"department": chengguan}
    )
    users = get_user_model().objects
    grids = list(Region.objects.filter(level=RegionLevel.GRID).order_by("code"))
    return {
        "admin": users.get(username="admin"),
        "street": users.get(username="street"),
        "grids": grids,
    }


def point_in(grid: Any, rng: random.Random) -> tuple[float, float]:
    import shapely

    shape = shapely.from_geojson(grid.boundary)
    minx, miny, maxx, maxy = shape.bounds
    while True:
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shape.contains(shapely.Point(x, y)):
            return x, y


def bulk_load(target: int, rng: random.Random) -> None:
    """COPY synthetic cases in: spread over 2 years, statuses and categories, all grids."""
    import datetime

    from django.db import connection
    from django.utils import timezone

    from wangge.cases.models import Case, CaseStatus, Category, Channel, Department
    from wangge.geo.models import Region, RegionLevel

    have = Case.objects.count()
    if have >= target:
        print(f"cases already loaded: {have:,}")
        return
    grids = list(Region.objects.filter(level=RegionLevel.GRID).select_related("parent"))
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    categories += list(Category.objects.filter(kind="complaint").values_list("pk", flat=True))
    departments = list(Department.objects.values_list("pk", flat=True))
    statuses = [s.value for s in CaseStatus]
    weights = [1, 2, 3, 2, 1, 11]  # most cases are closed
    channels = [c.value for c in Channel]
    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    now = timezone.now()
    start = time.perf_counter()
    todo = target - have
    print(f"loading {todo:,} cases with COPY …", flush=True)
    raw = connection.cursor().connection  # psycopg connection
    with raw.cursor() as cursor, cursor.copy(f"COPY cases_case ({columns}) FROM STDIN") as copy:
        for i in range(have, target):
            grid = grids[i % len(grids)]
            community = grid.parent
            created = now - datetime.timedelta(seconds=rng.randint(0, 730 * 86400))
            status = rng.choices(statuses, weights)[0]
            dispatched = status != CaseStatus.NEW
            values = {
                "number": f"B{i:013d}",
                "channel": channels[i % len(channels)],
                "external_id": "",
                "status": status,
                "title": f"批量测试案件{i}",
                "description": "",
                "category_id": rng.choice(categories),
                "address": "",
                "lon": None,
                "lat": None,
                "region_id": grid.pk,
                "street_id": community.parent_id,
                "community_id": community.pk,
                "grid_id": grid.pk,
                "reporter_name": "",
                "reporter_phone": "",
                "reporter_phone_index": "",
                "reporter_user_id": None,
                "department_id": rng.choice(departments) if dispatched else None,
                "post": "",
                "handler_id": None,
                "batch_id": None,
                "created_at": created,
                "dispatched_at": created if dispatched else None,
                "sign_deadline": created + datetime.timedelta(hours=2) if dispatched else None,
                "handle_deadline": created + datetime.timedelta(days=7) if dispatched else None,
                "signed_at": None,
                "handled_at": None,
                "verified_at": None,
                "closed_at": created + datetime.timedelta(days=3)
                if status == CaseStatus.CLOSED
                else None,
                "result": "",
                "rating": "",
                "rating_comment": "",
                "rated_at": None,
                "rating_token": "",
                "reminded_at": None,
                "escalation_level": 0,
                "return_count": 0,
                "reopen_count": 0,
                "updated_at": created,
                "version": 1,
            }
            copy.write_row([values[f.attname] for f in fields])
            if (i - have + 1) % 200_000 == 0:
                print(f"  {i - have + 1:,} rows", flush=True)
    raw.commit()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE cases_case")
    elapsed = time.perf_counter() - start
    print(f"loaded {todo:,} cases in {elapsed:.0f} s ({todo / elapsed:,.0f}/s)")


def bench_list(world: dict[str, Any], rng: random.Random, queries: int) -> list[float]:
    from django.db import reset_queries

    from wangge.cases import services
    from wangge.cases.models import CaseStatus, Category
    from wangge.geo.models import Region

    user = world["street"]
    regions = list(
        Region.objects.filter(code__startswith="110105001").values_list("code", flat=True)
    )
    codes = list(Category.objects.values_list("code", flat=True))
    statuses = ["", "open", *[s.value for s in CaseStatus]]
    samples = []
    for n in range(queries + 20):
        region, status, category = rng.choice(regions), rng.choice(statuses), rng.choice(codes)
        t0 = time.perf_counter()
        queryset = services.list_cases(user, status=status, category=category, region=region)
        rows = list(queryset[:50])
        total = services.count_cases(queryset)  # as the list page and API count
        elapsed = (time.perf_counter() - t0) * 1000
        assert total >= len(rows)
        if n >= 20:  # warm-up
            samples.append(elapsed)
        reset_queries()
    return samples


def bench_intake(world: dict[str, Any], rng: random.Random, batches: int, size: int) -> float:
    from wangge.cases import services
    from wangge.cases.hotline import WorkOrder
    from wangge.cases.models import Category

    codes = list(Category.objects.filter(parent__isnull=False).values_list("code", flat=True))
    stamp = int(time.time())
    total = 0
    elapsed = 0.0
    for b in range(batches):
        orders = []
        for i in range(size):
            grid = world["grids"][i % len(world["grids"])]
            lon, lat = point_in(grid, rng)
            orders.append(
                WorkOrder(
                    row=i + 2,
                    sheet="",
                    external_id=f"BENCH-{stamp}-{b}-{i}",
                    created_at=None,
                    title="热线反映：楼下噪音",
                    description="晚上十点后施工噪音扰民",
                    category=rng.choice(codes),
                    lon=lon,
                    lat=lat,
                    reporter_name="李先生",
                    reporter_phone=f"139{rng.randint(0, 99_999_999):08d}",
                )
            )
        t0 = time.perf_counter()
        result = services.intake_work_orders(world["admin"], orders, file_name=f"bench-{b}.xlsx")
        elapsed += time.perf_counter() - t0
        total += len(result.cases)
    return total / elapsed


def bench_posts(
    world: dict[str, Any], env: dict[str, str], seconds: float, threads: int, workers: int
) -> None:
    from wangge.access.services import create_api_token
    from wangge.cases.models import Case, Channel

    token = create_api_token(None, world["admin"], "bench")
    before = Case.objects.filter(channel=Channel.OPEN311).count()
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "wangge.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
            "--access-logfile", "/dev/null", "--log-level", "warning",
        ],
        env={**env, "PYTHONPATH": str(REPO / "src")},
    )  # fmt: skip
    grids = world["grids"]
    points = [point_in(grids[i % len(grids)], random.Random(i)) for i in range(200)]
    acknowledged: list[str] = []
    failures: list[str] = []
    sent = [0]
    lock = threading.Lock()
    try:
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/open311/v2/services.json")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        deadline = time.perf_counter() + seconds

        def client(k: int) -> None:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            n = 0
            while time.perf_counter() < deadline:
                lon, lat = points[(k * 7919 + n) % len(points)]
                body = urllib.parse.urlencode(
                    {
                        "api_key": token,
                        "service_code": "H01" if n % 2 else "0101",
                        "lat": lat,
                        "long": lon,
                        "description": f"压测第{k}-{n}件：楼下夜间施工噪音",
                        "phone": "13800138000",
                    }
                )
                with lock:
                    sent[0] += 1
                try:
                    conn.request(
                        "POST",
                        "/open311/v2/requests.json",
                        body,
                        {"Content-Type": "application/x-www-form-urlencoded"},
                    )
                    response = conn.getresponse()
                    data = response.read()
                    if response.status == 200:
                        with lock:
                            acknowledged.append(json.loads(data)[0]["service_request_id"])
                    else:
                        with lock:
                            failures.append(f"{response.status} {data[:120]!r}")
                except (OSError, http.client.HTTPException) as exc:
                    with lock:
                        failures.append(repr(exc))
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                n += 1

        t0 = time.perf_counter()
        pool = [threading.Thread(target=client, args=(k,)) for k in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(20)
    stored = Case.objects.filter(channel=Channel.OPEN311).count() - before
    found = set(Case.objects.filter(number__in=acknowledged).values_list("number", flat=True))
    lost = len(set(acknowledged) - found)
    print(
        f"(c) Open311 POST, {workers} gunicorn workers, {threads} client threads, {elapsed:.0f} s: "
        f"sent {sent[0]:,}, acknowledged {len(acknowledged):,}, stored {stored:,}, "
        f"acknowledged but missing {lost}, errors {len(failures)} → "
        f"{len(acknowledged) / elapsed:,.0f} stored reports/s (target ≥ 200)"
    )
    for failure in failures[:5]:
        print("    error:", failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/wg_bench_cases"
    )
    parser.add_argument("--data-dir", default="/tmp/wg-bench-cases")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--batches", type=int, default=5)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--threads", type=int, default=12)
    parser.add_argument(
        "--workers", type=int, default=2, help="gunicorn sync workers (best: the number of cores)"
    )
    parser.add_argument("--skip", default="", help="comma list of parts to skip: list,intake,post")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("this benchmark is for PostgreSQL")
    skip = set(args.skip.split(","))
    ensure_database(args.database_url)
    setup_django(args.database_url, args.data_dir)
    rng = random.Random(11)
    world = ensure_world()
    bulk_load(args.cases, rng)
    from wangge.cases.models import Case

    print(f"cases in the database: {Case.objects.count():,}")
    if "list" not in skip:
        samples = bench_list(world, rng, args.queries)
        print(
            f"(a) case list (region+status+category, page of 50 + count), n={len(samples)}: "
            f"p50 {percentile(samples, 0.5):.1f} ms  p95 {percentile(samples, 0.95):.1f} ms  "
            f"max {max(samples):.1f} ms  mean {statistics.fmean(samples):.1f} ms (target p95 < 150)"
        )
    if "intake" not in skip:
        rate = bench_intake(world, rng, args.batches, args.batch)
        print(
            f"(b) hotline intake, {args.batches} batches of {args.batch:,}: "
            f"{rate:,.0f} work orders/s (target ≥ 2,000)"
        )
    if "post" not in skip:
        env = {
            **os.environ,
            "WANGGE_DATABASE_URL": args.database_url,
            "WANGGE_DATA_DIR": args.data_dir,
        }
        bench_posts(world, env, args.seconds, args.threads, args.workers)


if __name__ == "__main__":
    main()
