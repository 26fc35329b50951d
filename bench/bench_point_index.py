"""Benchmark: assign 1,000,000 points to ~200 irregular grid polygons.

Why: bulk imports and nightly re-gridding must stay interactive on a small
2-core street-office server.  Run with
``.venv/bin/python bench/bench_point_index.py [--points N] [--grids N]``.

The polygons are Voronoi cells of seeded random points clipped to a box over
central Beijing (116.3-116.5E, 39.85-39.97N), with their edges densified and
warped so they have realistic vertex counts and non-convex borders.  A 10k
sample is cross-checked against a naive per-point Shapely loop.
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import shapely

from wangge.geo.pointindex import GridIndex

BOX = (116.3, 39.85, 116.5, 39.97)


def make_grids(n: int, seed: int) -> list[tuple[str, shapely.Geometry]]:
    """Voronoi partition of the box into ~n irregular, gap-free polygons."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = BOX
    box = shapely.box(x0, y0, x1, y1)
    seeds = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=box))
    cells = shapely.intersection(cells, box)
    # Densify: real grid borders follow streets and have many vertices.
    cells = shapely.segmentize(cells, 0.0005)
    # Wavy, non-convex borders: move every vertex by the same smooth
    # displacement field, so neighbours still share their (moved) border.
    # Gradient amp * 2π / wavelength ≈ 0.5 < 1 keeps the map one-to-one, so
    # the polygons stay valid and the partition stays gap-free.
    amp, k = 0.0005, 2 * np.pi / 0.006

    def warp(c: np.ndarray) -> np.ndarray:
        x, y = c[:, 0], c[:, 1]
        return np.column_stack([x + amp * np.sin(k * y), y + amp * np.sin(k * x)])

    cells = shapely.transform(cells, warp)
    cells = cells[~shapely.is_empty(cells)]
    return [(f"110101001001{i:03d}", g) for i, g in enumerate(cells)]


def naive(grids: list[tuple[str, shapely.Geometry]], xs: np.ndarray, ys: np.ndarray) -> list:
    """Reference answer: first-lowest-code grid that intersects each point."""
    ordered = sorted(grids, key=lambda cg: cg[0])
    out: list[str | None] = []
    for x, y in zip(xs.tolist(), ys.tolist(), strict=True):
        p = shapely.Point(x, y)
        out.append(next((c for c, g in ordered if g.intersects(p)), None))
    return out


def stored_grids() -> list[tuple[str, shapely.Geometry]]:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    django.setup()
    from wangge.geo.models import Region, RegionLevel

    rows = Region.objects.filter(level=RegionLevel.GRID).exclude(boundary="")
    return [(r.code, shapely.from_geojson(r.boundary)) for r in rows]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--grids", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument(
        "--from-db",
        action="store_true",
        help="use the grids stored in the platform (WANGGE_DATA_DIR, e.g. the 500k demo)",
    )
    args = ap.parse_args(argv)

    if args.from_db:
        grids = stored_grids()
        x0, y0, x1, y1 = shapely.total_bounds([g for _, g in grids]).tolist()
    else:
        grids = make_grids(args.grids, args.seed)
        x0, y0, x1, y1 = BOX
    nverts = int(sum(shapely.get_num_coordinates(g) for _, g in grids))
    rng = np.random.default_rng(args.seed + 1)
    # 5% margin so some points fall outside every grid.
    mx, my = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    xs = rng.uniform(x0 - mx, x1 + mx, args.points)
    ys = rng.uniform(y0 - my, y1 + my, args.points)

    build = []
    for _ in range(3):
        t = time.perf_counter()
        index = GridIndex(grids)
        build.append(time.perf_counter() - t)
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        result = index.locate(xs, ys)
        runs.append(time.perf_counter() - t)
    best = min(runs)
    n = args.points
    print(f"grids: {len(grids)} polygons, {nverts:,} vertices; {index!r}")
    print(f"build: {min(build) * 1000:.1f} ms (best of 3)")
    print(
        f"point→grid: {n:,} points, {len(grids)} grids: {best:.2f} s "
        f"({n / best / 1e6:.1f}M points/s, best of 3)"
    )
    print(f"assigned: {(result >= 0).sum():,}, unassigned: {(result < 0).sum():,}")

    sample = rng.choice(n, size=min(10_000, n), replace=False)
    expect = naive(grids, xs[sample], ys[sample])
    got = [index.codes[i] if i >= 0 else None for i in result[sample].tolist()]
    bad = sum(1 for a, b in zip(expect, got, strict=True) if a != b)
    print(f"cross-check: {len(sample):,} sample points, {bad} mismatches")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
