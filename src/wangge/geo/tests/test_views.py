"""Region pages by code: a region outside the user's scope is answered as an unknown code is
(404, the same words), as people, cases and places are, and the refusal is in the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.audit.models import AuditEntry
from wangge.core.testing import SampleDistrict
from wangge.geo.models import Region, RegionLevel

pytestmark = pytest.mark.django_db

PAGES = ("/regions/{code}/", "/regions/{code}/map/", "/regions/{code}/features.geojson")
API = "/api/regions/{code}"

# Each role's own region (inside) and one of the sample's regions it does not reach.
ROLES = {
    "admin": ("district", None),
    "street": ("street", None),
    "community": ("communities.0", "communities.1"),
    "grid": ("grids.0", "grids.1"),
    "police": ("communities.1", "communities.0"),
}


def _region(sample: SampleDistrict, path: str | None) -> Region | None:
    if path is None:
        return None
    name, _, index = path.partition(".")
    value = getattr(sample, name)
    return value[int(index)] if index else value


@pytest.fixture
def elsewhere(sample: SampleDistrict) -> Region:
    """A neighbouring district: outside every role of the sample."""
    return Region.objects.create(code="110106", name="丰台区", level=RegionLevel.DISTRICT)


def _client(sample: SampleDistrict, role: str) -> Client:
    client = Client()
    client.force_login(sample.users[role])
    return client


def _denied(role: str, path: str) -> int:
    return AuditEntry.objects.filter(action="denied", username=role, detail__path=path).count()


@pytest.mark.parametrize("role", [*ROLES, "nobody"])
def test_a_region_outside_the_scope_is_a_404_like_an_unknown_code_and_audited(
    sample: SampleDistrict, elsewhere: Region, role: str
) -> None:
    client = _client(sample, role)
    sibling = _region(sample, ROLES.get(role, (None, None))[1])
    outside = [elsewhere.code] + ([sibling.code] if sibling else [])
    for code in outside:
        for page in PAGES:
            path = page.format(code=code)
            response = client.get(path)
            assert response.status_code == 404, (role, path)
            assert f"未找到区域“{code}”，或不在您的管辖范围内" in response.content.decode()
            assert _denied(role, path) == 1
        path = API.format(code=code)
        response = client.get(path)
        assert response.status_code == 404, (role, path)
        assert response.json()["message"] == f"未找到区域“{code}”，或不在您的管辖范围内"
        assert _denied(role, path) == 1
    # An unknown code says exactly the same: nothing tells the two apart.
    unknown = client.get("/api/regions/110107").json()["message"]
    assert unknown == "未找到区域“110107”，或不在您的管辖范围内"


@pytest.mark.parametrize("role", list(ROLES))
def test_a_region_inside_the_scope_still_opens(
    sample: SampleDistrict, elsewhere: Region, role: str
) -> None:
    client = _client(sample, role)
    inside = _region(sample, ROLES[role][0])
    assert inside is not None
    for page in (*PAGES, API):
        path = page.format(code=inside.code)
        assert client.get(path).status_code == 200, (role, path)
        assert _denied(role, path) == 0
