"""Tests for the vectorised point → grid index (pure, no database)."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon, box

from wangge.geo.pointindex import GridIndex


def naive(grids, xs, ys):
    ordered = sorted(grids, key=lambda cg: cg[0])
    out = []
    for x, y in zip(xs, ys, strict=True):
        p = shapely.Point(x, y)
        out.append(next((c for c, g in ordered if g.intersects(p)), None))
    return out


@pytest.fixture
def simple():
    # Two unit squares sharing the border x=1, listed with the higher code first
    # so "lowest code" is not the same as "first in input".
    return GridIndex(
        [
            ("110101001001002", box(1, 0, 2, 1)),
            ("110101001001001", box(0, 0, 1, 1)),
        ]
    )


def test_inside_and_outside(simple):
    assert simple.locate_one(0.5, 0.5) == "110101001001001"
    assert simple.locate_one(1.5, 0.5) == "110101001001002"
    assert simple.locate_one(3, 3) is None
    assert simple.locate_one(-0.5, 0.5) is None
    idx = simple.locate([0.5, 1.5, 5.0], [0.5, 0.5, 5.0])
    assert idx.tolist() == [1, 0, -1]
    assert simple.codes == ["110101001001002", "110101001001001"]


def test_shared_border_goes_to_lowest_code(simple):
    assert simple.locate_one(1.0, 0.5) == "110101001001001"
    # shared corner and outer border: still assigned, exactly once
    assert simple.locate_codes([1.0, 1.0, 2.0, 0.0], [0.0, 1.0, 0.5, 0.0]) == [
        "110101001001001",
        "110101001001001",
        "110101001001002",
        "110101001001001",
    ]


def test_multipolygon_second_part_and_hole():
    mp = MultiPolygon([box(0, 0, 1, 1), box(5, 5, 6, 6)])
    holed = Polygon([(10, 0), (20, 0), (20, 10), (10, 10)], [[(12, 2), (18, 2), (18, 8), (12, 8)]])
    inner = box(12, 2, 18, 8)
    idx = GridIndex([("A", mp), ("B", holed)])
    assert idx.locate_one(5.5, 5.5) == "A"
    assert idx.locate_one(3, 3) is None
    assert idx.locate_one(11, 5) == "B"
    assert idx.locate_one(15, 5) is None  # in the hole
    assert idx.locate_one(12, 5) == "B"  # on the hole's ring
    idx2 = GridIndex([("B", holed), ("C", inner)])
    assert idx2.locate_one(15, 5) == "C"
    assert idx2.locate_one(12, 5) == "B"  # shared ring: lowest code


def test_shapes_nan_and_empty(simple):
    out = simple.locate(np.full((2, 2), 0.5), 0.5)
    assert out.shape == (2, 2)
    assert (out == 1).all()
    assert simple.locate([np.nan, 0.5], [0.5, np.nan]).tolist() == [-1, -1]
    assert simple.locate([], []).tolist() == []
    empty = GridIndex([])
    assert empty.locate([0.0], [0.0]).tolist() == [-1]
    assert empty.locate_one(0, 0) is None


def test_rejects_bad_input():
    with pytest.raises(ValueError, match="重复"):
        GridIndex([("A", box(0, 0, 1, 1)), ("A", box(1, 0, 2, 1))])
    with pytest.raises(TypeError):
        GridIndex([("A", shapely.Point(0, 0))])


def _voronoi_grids(n, seed):
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = 116.3, 39.85, 116.5, 39.97
    frame = shapely.box(x0, y0, x1, y1)
    seeds = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame))
    cells = shapely.segmentize(shapely.intersection(cells, frame), 0.002)
    cells = shapely.transform(
        cells,
        lambda c: np.column_stack(
            [c[:, 0] + 0.001 * np.sin(900 * c[:, 1]), c[:, 1] + 0.001 * np.sin(900 * c[:, 0])]
        ),
    )
    # shuffle codes against spatial order
    codes = [f"{v:03d}" for v in rng.permutation(len(cells))]
    return list(zip(codes, cells, strict=True))


def test_agrees_with_naive_loop_on_random_points():
    grids = _voronoi_grids(60, seed=7)
    index = GridIndex(grids)
    rng = np.random.default_rng(8)
    xs = rng.uniform(116.29, 116.51, 3000)
    ys = rng.uniform(39.84, 39.98, 3000)
    # plus points exactly on vertices (borders shared by 2-3 grids)
    verts = shapely.get_coordinates(np.array([g for _, g in grids]))[::7]
    xs = np.concatenate([xs, verts[:, 0]])
    ys = np.concatenate([ys, verts[:, 1]])
    assert index.locate_codes(xs, ys) == naive(grids, xs.tolist(), ys.tolist())


def test_overlapping_input_is_deterministic():
    index = GridIndex([("B", box(0, 0, 2, 2)), ("A", box(1, 1, 3, 3))])
    assert index.locate_one(1.5, 1.5) == "A"
    assert index.locate_one(0.5, 0.5) == "B"
    assert index.locate_one(2.5, 2.5) == "A"


def test_million_points_fast():
    import time

    grids = _voronoi_grids(200, seed=3)
    index = GridIndex(grids)
    rng = np.random.default_rng(4)
    xs = rng.uniform(116.29, 116.51, 1_000_000)
    ys = rng.uniform(39.84, 39.98, 1_000_000)
    t = time.perf_counter()
    out = index.locate(xs, ys)
    assert time.perf_counter() - t < 1.5
    assert 700_000 < (out >= 0).sum() < 900_000


def test_points_on_polygon_and_raster_edges_match_naive():
    # Unit squares whose edges coincide with raster cell edges (binary fractions),
    # queried on a lattice hitting edges and corners exactly.
    grids = [
        (f"{(7 * i + 3 * j) % 100:02d}{i}{j}", box(i, j, i + 1, j + 1))
        for i in range(10)
        for j in range(10)
    ]
    index = GridIndex(grids)
    ticks = np.arange(-1, 45) / 4
    xs, ys = (a.ravel() for a in np.meshgrid(ticks, ticks))
    assert index.locate_codes(xs, ys) == naive(grids, xs.tolist(), ys.tolist())
