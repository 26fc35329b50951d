"""Region statistics count exactly what the user's scope holds."""

import pytest

from wangge.core.errors import Forbidden, NotFound
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


def test_regions_outside_scope_or_unknown_are_refused(sample: SampleDistrict):
    with pytest.raises(Forbidden):
        region_summary(sample.users["community"], sample.communities[1].code)
    with pytest.raises(NotFound):
        region_summary(sample.users["admin"], "999")
    with pytest.raises(Forbidden):
        region_map_features(sample.users["nobody"], sample.street.code)
