"""The campaign pages: a street officer sets up 三清四查, adds the joint team, starts it and
follows its progress; others cannot organise or start one; bad input is a message, not a 500."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wangge.inspections.models import Campaign, CampaignCheck, CampaignMember
from wangge.tasks.models import Task, TaskKind

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _form(**changes: object) -> dict[str, object]:
    today = timezone.localdate()
    return {
        "name": "三清四查",
        "region": "110105001",
        "kinds": ["rental_site", "charging"],
        "checklist": "fire_rental_site",
        "starts_on": today.isoformat(),
        "ends_on": (today + datetime.timedelta(days=10)).isoformat(),
        "night_check": "on",
        "note": "重点查群租和电动车",
    } | changes


def test_a_street_officer_sets_up_starts_and_follows_a_campaign(sample, places):
    client = _client(sample.users["street"])
    listing = client.get(reverse("inspections:campaigns"))
    assert listing.status_code == 200 and "组织专项检查" in listing.content.decode()
    answer = client.post(reverse("inspections:campaigns"), _form())
    campaign = Campaign.objects.get()
    url = reverse("inspections:campaign", args=[campaign.pk])
    assert answer["Location"] == url
    assert campaign.night_check and campaign.place_kinds == ["charging", "rental_site"]
    client.post(url, {"action": "member", "username": "grid", "unit": "幸福一村社区"})
    client.post(
        url, {"action": "member", "username": "police", "department": places.department.code}
    )
    assert list(CampaignMember.objects.values_list("unit", flat=True).order_by("pk")) == [
        "幸福一村社区",
        "京广路消防救援站",
    ]
    shown = client.get(url).content.decode()
    assert "启动：向各场所派发检查任务" in shown and "0 / 0" in shown
    client.post(url, {"action": "start"})
    client.post(url, {"action": "start"})  # a second press makes nothing twice
    assert CampaignCheck.objects.count() == 2  # one rental site, one charging station
    assert Task.objects.filter(kind=TaskKind.INSPECTION).count() == 2
    page = client.get(url).content.decode()
    assert "0 / 2" in page and "测试场所0" in page and "夜查" in page
    assert "style=" not in page and "<script>" not in page  # CSP: no inline style or script
    listed = client.get(reverse("inspections:campaigns")).content.decode()
    assert "三清四查" in listed and "0 / 2" in listed


def test_bad_input_is_a_message_not_a_failure(sample, places):
    client = _client(sample.users["street"])
    for bad in (
        _form(starts_on="明天"),
        _form(kinds=[]),
        _form(kinds=["x" * 500]),
        _form(region="110105001001"),  # a community does not organise campaigns
        _form(checklist="nope"),
    ):
        answer = client.post(reverse("inspections:campaigns"), bad, follow=True)
        assert answer.status_code == 200
    assert not Campaign.objects.exists()
    client.post(reverse("inspections:campaigns"), _form())
    url = reverse("inspections:campaign", args=[Campaign.objects.get().pk])
    for post in (
        {"action": "member", "username": "no-such-user"},
        {"action": "member", "username": "grid", "department": "nope"},
        {"action": "explode"},
    ):
        answer = client.post(url, post, follow=True)
        assert answer.status_code == 200
    assert not CampaignMember.objects.exists()
    assert client.get(reverse("inspections:campaign", args=[999999])).status_code == 404


def test_others_neither_see_organise_nor_start_a_campaign(sample, places):
    _client(sample.users["street"]).post(reverse("inspections:campaigns"), _form())
    campaign = Campaign.objects.get()
    url = reverse("inspections:campaign", args=[campaign.pk])
    for username in ("community", "grid", "police", "nobody"):
        client = _client(sample.users[username])
        listing = client.get(reverse("inspections:campaigns")).content.decode()
        assert "三清四查" not in listing and "组织专项检查" not in listing
        client.post(reverse("inspections:campaigns"), _form(name="越权检查"))
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "start"}).status_code == 404
    assert Campaign.objects.count() == 1
    assert not Task.objects.exists()


def test_starting_runs_in_the_background_and_the_page_follows_the_job(sample, places, settings):
    """A district's campaign can reach thousands of places: the button hands the work to the
    job worker and shows its progress; who may not start it is told at once."""
    from wangge.jobs.models import Job, JobStatus
    from wangge.jobs.runner import execute

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client = _client(sample.users["street"])
    client.post(reverse("inspections:campaigns"), _form())
    campaign = Campaign.objects.get()
    url = reverse("inspections:campaign", args=[campaign.pk])
    answer = client.post(url, {"action": "start"})
    job = Job.objects.get(kind="campaign-start")
    assert answer["Location"] == f"/jobs/{job.pk}/?follow=result"
    assert job.status == JobStatus.QUEUED and not CampaignCheck.objects.exists()
    refused = _client(sample.users["grid"]).post(url, {"action": "start"}, follow=True)
    assert refused.status_code in (403, 404) or "只有" in refused.content.decode()
    assert Job.objects.filter(kind="campaign-start").count() == 1  # nothing queued for them
    execute(str(job.pk))
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.result["message"] == "已派发检查任务2个" and job.result_url == url
    assert CampaignCheck.objects.count() == 2
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已派发检查任务2个" in page and f'href="{url}"' in page
    polled = client.get(
        f"/jobs/{job.pk}/?part=progress&follow=result", headers={"HX-Request": "true"}
    )
    assert polled["HX-Redirect"] == url  # the page goes on to the campaign by itself
