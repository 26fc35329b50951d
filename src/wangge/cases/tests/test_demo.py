"""The demo street's cases (wangge.cases.demo): what a newcomer sees after `wangge demo`.

The dashboard and the case map have data from every grid, every state of the loop is there, the
`police` account belongs to a department and can act on its cases, and the 待定位 queues of the
street and of a community have work.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wangge.cases import metrics, placement, services
from wangge.cases.models import Case, CaseStatus, DepartmentMembership
from wangge.core.demo import DEMO_PASSWORD, build_demo
from wangge.geo.models import Region, RegionLevel

pytestmark = pytest.mark.django_db

SIZE = 300


@pytest.fixture
def demo() -> None:
    build_demo(size=SIZE, seed=20201)


def _user(name: str):
    return get_user_model().objects.get(username=name)


def test_cases_in_every_state_across_every_grid(demo: None) -> None:
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)
    grids = set(Region.objects.filter(level=RegionLevel.GRID).values_list("pk", flat=True))
    assert grids <= set(Case.objects.values_list("grid", flat=True))
    closed = Case.objects.filter(status=CaseStatus.CLOSED)
    assert closed.exists() and not closed.filter(rating="").exists()
    # a month of work: receipt numbers carry the day the case came in
    for case in Case.objects.all():
        assert case.number.startswith(f"{case.created_at.astimezone():%Y%m%d}")
    assert Case.objects.filter(
        status__in=[CaseStatus.DISPATCHED, CaseStatus.IN_PROGRESS],
        handle_deadline__lt=Case.objects.order_by("-created_at").first().created_at,  # type: ignore[union-attr]
    ).exists()  # some are overdue


def test_the_dashboard_and_the_case_map_have_data(demo: None) -> None:
    street = _user("street")
    result = metrics.case_metrics(street, group="community")
    assert len([row for row in result.rows if row.key is not None]) == 5  # every community
    assert result.total.resolution_rate and result.total.satisfaction_rate
    assert street.check_password(DEMO_PASSWORD)
    client = Client()
    client.force_login(street)
    features = client.get("/cases/map/data/").json()["features"]
    assert len(features) >= 10
    assert "响应率" in client.get("/cases/dashboard/").content.decode()


def test_police_belongs_to_the_station_and_handles_its_cases(demo: None) -> None:
    police = _user("police")
    membership = DepartmentMembership.objects.get(user=police)
    assert membership.department.name == "京广路派出所"
    mine = services.visible_cases(police)
    assert mine.exists() and not mine.exclude(department=membership.department).exists()
    waiting = mine.filter(status=CaseStatus.DISPATCHED).first()
    if waiting is None:  # the draw left none waiting: take one back to test signing in
        waiting = mine.first()
        assert waiting is not None
        Case.objects.filter(pk=waiting.pk).update(status=CaseStatus.DISPATCHED)
        waiting.refresh_from_db()
    signed = services.sign_in(police, waiting)
    assert signed.status == CaseStatus.IN_PROGRESS and signed.handler == police


def test_the_placement_queues_have_work(demo: None) -> None:
    street_queue = placement.to_place(_user("street"))
    assert street_queue.filter(location_conflict=True).exists()
    assert street_queue.filter(grid__isnull=True, region__level=RegionLevel.STREET).exists()
    assert placement.to_place(_user("community")).exists()


def test_a_rebuild_replaces_the_cases_and_the_same_seed_gives_the_same(demo: None) -> None:
    def picture() -> list[tuple[str, str, str]]:
        return sorted(Case.objects.values_list("title", "status", "grid__code").order_by())

    first = picture()
    build_demo(size=SIZE, seed=20201, reset=True)
    assert picture() == first
