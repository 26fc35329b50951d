"""Region statistics count exactly what the user's scope holds."""

import pytest

from wangge.core.errors import NotFound
from wangge.core.testing import SampleDistrict
from wangge.geo.services import region_map_features, region_summary

pytestmark = pytest.mark.django_db


def test_street_summary_and_breakdown_by_community(sample: SampleDistrict):
    summary = region_summary(sample.users["street"], sample.street.code)
    assert (summary.buildings, summary.rooms, summary.households) == (4, 8, 8)
    assert (summary.residents, summary.floating, summary.overseas) == (16, 8, 0)
    assert summary.rented_rooms == 4
    assert summary.breakdown == [
        {
            "name": "幸福一村社区",
            "code": "110105001001",
            "registered": 4,
            "floating": 4,
            "overseas": 0,
        },
        {
            "name": "金台里社区",
            "code": "110105001002",
            "registered": 4,
            "floating": 4,
            "overseas": 0,
        },
    ]


def test_a_grid_has_no_breakdown_and_counts_only_itself(sample: SampleDistrict):
    summary = region_summary(sample.users["grid"], sample.grids[0].code)
    assert summary.residents == 4 and summary.breakdown == []


def test_regions_outside_scope_or_unknown_are_refused_alike(sample: SampleDistrict):
    with pytest.raises(NotFound) as outside:
        region_summary(sample.users["community"], sample.communities[1].code)
    with pytest.raises(NotFound) as unknown:
        region_summary(sample.users["community"], "110105001003")
    assert outside.value.message.replace(sample.communities[1].code, "…") == (
        unknown.value.message.replace("110105001003", "…")
    )
    with pytest.raises(NotFound):
        region_summary(sample.users["admin"], "999")
    with pytest.raises(NotFound):
        region_map_features(sample.users["nobody"], sample.street.code)


def test_a_region_code_with_nul_is_unknown(sample: SampleDistrict):
    """/regions/%00/ reached the database as it came: PostgreSQL refuses a NUL (a 500)."""
    with pytest.raises(NotFound):
        region_summary(sample.users["admin"], sample.street.code + "\x00")


def _ring(center: tuple[float, float], radius: float, points: int) -> str:
    """A surveyed-looking boundary: a circle with a point every few centimetres."""
    import json
    import math

    lon, lat = center
    ring = [
        [
            lon + radius * math.cos(2 * math.pi * i / points),
            lat + radius * math.sin(2 * math.pi * i / points),
        ]
        for i in range(points)
    ]
    return json.dumps({"type": "Polygon", "coordinates": [[*ring, ring[0]]]})


def test_a_surveyed_boundary_is_drawn_with_few_points_and_the_same_shape(
    sample: SampleDistrict,
):
    import shapely

    from wangge.geo.models import Region
    from wangge.geo.services import DISPLAY_MAX_VERTICES

    grid = sample.grids[0]
    stored = _ring((116.45, 39.92), 0.002, 50_000)  # ~200 m across, a point every 2.5 cm
    Region.objects.filter(pk=grid.pk).update(boundary=stored)

    features = region_map_features(sample.users["admin"], grid.code)["features"]
    drawn = next(f for f in features if f["properties"].get("code") == grid.code)["geometry"]

    shape = shapely.geometry.shape(drawn)
    exact = shapely.from_geojson(stored)
    assert shapely.get_num_coordinates(shape) <= DISPLAY_MAX_VERTICES
    assert shape.is_valid
    # nowhere farther than about a metre from the surveyed line
    assert shapely.hausdorff_distance(shape, exact) < 1e-5
    # what is stored (and used for placement) is untouched
    assert Region.objects.get(pk=grid.pk).boundary == stored


def test_an_ordinary_boundary_is_drawn_exactly_as_stored(sample: SampleDistrict):
    import json

    from wangge.geo.models import Region

    grid = sample.grids[0]
    stored = _ring((116.45, 39.92), 0.002, 200)
    Region.objects.filter(pk=grid.pk).update(boundary=stored)

    features = region_map_features(sample.users["admin"], grid.code)["features"]
    drawn = next(f for f in features if f["properties"].get("code") == grid.code)["geometry"]
    assert drawn == json.loads(stored)
