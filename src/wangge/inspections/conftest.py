from __future__ import annotations

import pytest

from wangge.core.testing import SampleDistrict
from wangge.inspections.testing import SamplePlaces, build_sample_places


@pytest.fixture
def places(sample: SampleDistrict) -> SamplePlaces:
    return build_sample_places(sample)
