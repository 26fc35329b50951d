"""Hotline work-order intake throughput: orders per second taken in as whole batches.

    WANGGE_DATA_DIR=/tmp/wg-bench-cases .venv/bin/python bench/bench_case_intake.py [--orders 20000] [--batch 5000]
    WANGGE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_cases .venv/bin/python bench/bench_case_intake.py

Uses (and migrates) the configured database: give it one of its own. Builds the sample district
(4 grids with polygons) and the shipped category table once, then takes in `--orders` synthetic
work orders in batches of `--batch` through `intake_work_orders` (located by lon/lat, categorised,
routed by the responsibility table, numbered, events written, audited), and once more through
`import_hotline_file` from an .xlsx to include reading the file. Prints orders per second.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=5000)
    parser.add_argument("--xlsx", type=int, default=5000, help="orders in the .xlsx round")
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from wangge.cases import services
    from wangge.cases.hotline import WorkOrder
    from wangge.cases.models import Case, Category, Department, Responsibility
    from wangge.core.testing import LAT0, LON0, STEP, build_sample_district
    from wangge.geo.models import Region

    if not Region.objects.filter(code="110105001").exists():
        build_sample_district()
    if not Category.objects.exists():
        services.load_categories(None)
    street = Region.objects.get(code="110105001")
    if not Responsibility.objects.exists():
        Responsibility.objects.create(
            region=street, category=None, department=Department.objects.get(name="街道")
        )
    from django.contrib.auth import get_user_model

    actor = get_user_model().objects.get(username="street")
    categories = list(Category.objects.exclude(parent=None).values_list("name", flat=True))
    rng = random.Random(7)
    run = int(time.time())

    def orders(n: int, prefix: str) -> list[WorkOrder]:
        # a pin in grid g and the address of grid g's building (幸福路10…13号): placement checks
        # the two agree (cases.placement), so every order is routed and dispatched
        grids = [rng.randrange(4) for _ in range(n)]
        return [
            WorkOrder(
                row=i + 2,
                sheet="",
                external_id=f"{prefix}{run}-{i:07d}",
                created_at=None,
                title="市民反映问题",
                description="市民来电反映小区门口问题，请尽快处理",
                category=rng.choice(categories),
                address=f"幸福路{10 + g}号",
                lon=LON0 + (g + rng.uniform(0.001, 0.999)) * STEP,
                lat=LAT0 + rng.uniform(0.001, 0.999) * STEP,
                reporter_name="市民",
                reporter_phone=f"139{rng.randrange(10**8):08d}",
            )
            for i, g in enumerate(grids)
        ]

    before = Case.objects.count()
    total = 0
    elapsed = cpu = 0.0
    for start in range(0, args.orders, args.batch):
        batch = orders(min(args.batch, args.orders - start), f"B{start}-")
        t0, c0 = time.perf_counter(), time.process_time()
        services.intake_work_orders(actor, batch, file_name="bench")
        elapsed += time.perf_counter() - t0
        cpu += time.process_time() - c0
        total += len(batch)
    print(f"database            {connection.vendor}")
    print(
        f"intake_work_orders  {total} orders in {elapsed:.2f} s = {total / elapsed:,.0f} orders/s"
    )
    # On a shared machine the wall clock includes waiting for a core; CPU time does not.
    print(f"  (this process's CPU time {cpu:.2f} s = {total / cpu:,.0f} orders per CPU-second)")

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        ["工单编号", "标题", "诉求内容", "诉求类别", "事发地址", "经度", "纬度", "联系电话"]
    )
    for o in orders(args.xlsx, "X"):
        row = [o.external_id, o.title, o.description, o.category, o.address, o.lon, o.lat]
        sheet.append([*row, o.reporter_phone])
    data = io.BytesIO()
    workbook.save(data)
    t0 = time.perf_counter()
    result = services.import_hotline_file(actor, data.getvalue(), file_name="bench.xlsx")
    took = time.perf_counter() - t0
    n = result.batch.case_count
    print(f"import_hotline_file {n} orders from .xlsx in {took:.2f} s = {n / took:,.0f} orders/s")
    print(f"cases stored        {Case.objects.count() - before} (sent {total + args.xlsx})")


if __name__ == "__main__":
    main()
