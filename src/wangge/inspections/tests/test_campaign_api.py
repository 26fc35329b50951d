"""GET /api/inspections: a campaign's inspections, scoped like their places (offices and grid
workers by grid, a department by the places it is in charge of), filtered by region, campaign,
status and period, paginated with a capped count."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from wangge.inspections import campaigns
from wangge.inspections.models import CampaignCheck
from wangge.tasks.services import complete_task

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def started(sample, places):
    today = timezone.localdate()
    campaign = campaigns.create_campaign(
        sample.users["street"],
        name="三清四查",
        place_kinds=["rental_site", "charging", "shop", "compound"],
        checklist="fire_rental_site",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=7),
        region=sample.street,
        night_check=True,
    )
    campaigns.start_campaign(sample.users["street"], campaign)
    first = CampaignCheck.objects.select_related("task").get(place=places.places[0])
    complete_task(sample.users["grid"], first.task, result="检查完成")
    return campaign


def test_offices_see_every_inspection_and_filter_them(sample, places, started):
    street = _client(sample.users["street"])
    body = street.get("/api/inspections").json()
    assert body["count"] == 4
    item = next(i for i in body["items"] if i["place_id"] == places.places[0].pk)
    assert item["campaign"] == "三清四查" and item["night_check"] is True
    assert item["status"] == "done" and item["completed_at"] and item["overdue"] is False
    assert item["checklist"] == "fire_rental_site" and item["grid_code"] == sample.grids[0].code
    done = street.get("/api/inspections?status=done").json()
    assert [i["place_id"] for i in done["items"]] == [places.places[0].pk]
    assert street.get("/api/inspections?status=open").json()["count"] == 3
    in_community = street.get(f"/api/inspections?region={sample.communities[1].code}").json()
    assert {i["grid_code"] for i in in_community["items"]} == {
        sample.grids[2].code,
        sample.grids[3].code,
    }
    assert street.get(f"/api/inspections?campaign={started.pk}").json()["count"] == 4
    assert street.get(f"/api/inspections?campaign={started.pk + 1}").json()["count"] == 0
    today = timezone.localdate()
    # the period: done ones by the day they were done, open ones by their due date
    assert street.get(f"/api/inspections?start={today}&end={today}").json()["count"] == 1
    later = today + datetime.timedelta(days=7)
    assert street.get(f"/api/inspections?start={later}").json()["count"] == 3
    paged = street.get("/api/inspections?page_size=2&page=2").json()
    assert len(paged["items"]) == 2 and paged["count"] == 4


def test_grid_workers_and_departments_see_their_own_share(sample, places, started):
    grid = _client(sample.users["grid"]).get("/api/inspections").json()
    assert [i["grid_code"] for i in grid["items"]] == [sample.grids[0].code]
    # the police: the place their department is in charge of, and their own community's
    police = _client(sample.users["police"]).get("/api/inspections").json()
    assert places.places[0].pk in {i["place_id"] for i in police["items"]}
    by_region = _client(sample.users["police"]).get(
        f"/api/inspections?region={sample.communities[0].code}"
    )
    assert by_region.status_code == 200
    assert [i["place_id"] for i in by_region.json()["items"]] == [places.places[0].pk]
    assert _client(sample.users["nobody"]).get("/api/inspections").json()["count"] == 0
    assert Client().get("/api/inspections").status_code in (401, 403)


@pytest.mark.parametrize(
    "query",
    [
        "status=burning",
        "region=999",
        "campaign=0",
        "campaign=abc",
        "start=2026-02-30",
        "start=2026-12-05&end=2026-12-01",
        "page=0",
    ],
)
def test_bad_filters_are_refused_with_a_message(sample, places, started, query):
    answer = _client(sample.users["street"]).get(f"/api/inspections?{query}")
    assert 400 <= answer.status_code < 500
