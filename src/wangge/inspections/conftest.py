from __future__ import annotations

from collections.abc import Iterator

import pytest

from wangge.core.testing import SampleDistrict
from wangge.forms import submissions
from wangge.forms.auth import forget_all
from wangge.inspections.checklists import load_checklists
from wangge.inspections.testing import SamplePlaces, build_sample_places


@pytest.fixture
def places(sample: SampleDistrict) -> SamplePlaces:
    return build_sample_places(sample)


@pytest.fixture
def checklist_forms(sample: SampleDistrict) -> Iterator[None]:
    """The checklists loaded as forms, with no remembered log-in or form version of an earlier
    test (its rows were rolled back, the caches were not)."""
    forget_all()
    submissions._versions.clear()
    load_checklists()
    yield
    submissions._versions.clear()
    forget_all()
