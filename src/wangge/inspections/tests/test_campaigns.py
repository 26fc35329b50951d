"""Special inspections (专项检查): a street sets one up with a joint team, starting it puts one
inspection task per place of its kinds on the workbench (never twice), the checklists sent for
those tasks make the campaign's progress, and the counts count the places checked."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.inspections import campaigns, counts
from wangge.inspections.campaigns import Member, create_campaign, start_campaign
from wangge.inspections.checklists import CHECKLISTS
from wangge.inspections.models import CampaignCheck, PlaceKind
from wangge.inspections.services import create_place
from wangge.inspections.submitted import place_ref
from wangge.tasks.models import Task, TaskKind
from wangge.tasks.services import complete_task

pytestmark = pytest.mark.django_db


def rental_sites(sample, places):
    """A rental site in every grid (the fixture's first is one) and a second in the first."""
    extra = [
        create_place(None, name=f"出租大院{n}", kind=PlaceKind.RENTAL_SITE, grid=grid)
        for n, grid in enumerate(sample.grids[1:], start=1)
    ]
    extra.append(
        create_place(None, name="出租大院9", kind=PlaceKind.RENTAL_SITE, grid=sample.grids[0])
    )
    return [places.places[0], *extra]


def three_clear(sample, places, **changes):
    today = timezone.localdate()
    values = {
        "name": "三清四查",
        "place_kinds": [PlaceKind.RENTAL_SITE],
        "checklist": "fire_rental_site",
        "starts_on": today,
        "ends_on": today + datetime.timedelta(days=14),
        "region": sample.street,
        "night_check": True,
        "members": [
            Member(sample.users["grid"], unit="幸福一村社区"),
            Member(sample.users["police"], department=places.department),
            Member(sample.users["community"], unit="幸福一村社区居委会"),
        ],
    }
    return create_campaign(sample.users["street"], **(values | changes))


def test_starting_a_campaign_puts_one_inspection_task_per_place_on_the_workbench(sample, places):
    sites = rental_sites(sample, places)
    campaign = three_clear(sample, places)
    assert [m.unit for m in campaign.members.order_by("pk")] == [
        "幸福一村社区",
        "京广路消防救援站",  # a department member represents their department
        "幸福一村社区居委会",
    ]
    started = start_campaign(sample.users["street"], campaign)
    assert (started.created, started.existing) == (len(sites), 0)
    tasks = Task.objects.filter(kind=TaskKind.INSPECTION).order_by("pk")
    assert sorted(t.subject_ref for t in tasks) == sorted(place_ref(p) for p in sites)
    for task in tasks:
        assert task.form_code == "fire_rental_site"
        assert task.due_date == campaign.ends_on
        assert task.note.startswith("夜查")
        assert task.title.startswith("三清四查：")
    by_place = {c.place_id: c.task for c in CampaignCheck.objects.select_related("task")}
    # members who work in the place's grid take turns; the police member works in no grid, and
    # a grid no member works in goes to its grid worker post
    first_grid = [by_place[p.pk] for p in sites if p.grid_id == sample.grids[0].pk]
    assert {t.assignee for t in first_grid} == {sample.users["grid"], sample.users["community"]}
    assert by_place[sites[1].pk].assignee == sample.users["community"]  # grid 2, community 1
    outside = [
        by_place[p.pk] for p in sites if p.grid_id in (sample.grids[2].pk, sample.grids[3].pk)
    ]
    assert all(t.assignee is None and t.post == "grid_worker" for t in outside)
    assert not Task.objects.filter(assignee=sample.users["police"]).exists()

    # starting again makes nothing new; a place registered since gets its task
    again = start_campaign(sample.users["street"], campaign)
    assert (again.created, again.existing) == (0, len(sites))
    create_place(None, name="新登记大院", kind=PlaceKind.RENTAL_SITE, grid=sample.grids[3])
    assert start_campaign(sample.users["street"], campaign).created == 1
    assert Task.objects.filter(kind=TaskKind.INSPECTION).count() == len(sites) + 1


def test_only_the_street_or_district_organises_and_starts_a_campaign(sample, places):
    for username in ("community", "grid", "police", "nobody"):
        with pytest.raises(Forbidden):
            create_campaign(
                sample.users[username],
                name="三清四查",
                place_kinds=[PlaceKind.RENTAL_SITE],
                checklist="fire_rental_site",
                starts_on=timezone.localdate(),
                ends_on=timezone.localdate(),
                region=sample.street,
            )
    campaign = three_clear(sample, places, members=[])
    for username in ("community", "grid", "police"):
        with pytest.raises(Forbidden):
            start_campaign(sample.users[username], campaign)
    assert not Task.objects.exists()
    assert start_campaign(sample.users["admin"], campaign).created == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "请填写专项检查的名称"),
        ({"place_kinds": []}, "至少选择一种场所类型"),
        ({"place_kinds": ["playground"]}, "场所类型“playground”无效"),
        ({"checklist": "nope"}, "检查表“nope”不存在"),
        ({"ends_on": datetime.date(2020, 1, 1)}, "结束日期早于开始日期"),
        # the years core.bounds supports: year 9999 made inspection tasks due 9999-12-31
        ({"ends_on": datetime.date(9999, 12, 31)}, "日期 9999-12-31 超出支持的范围"),
        (
            {"starts_on": datetime.date(1, 1, 1), "ends_on": datetime.date(1, 1, 2)},
            "日期 0001-01-01 超出支持的范围",
        ),
    ],
)
def test_a_campaign_that_makes_no_sense_is_refused_with_a_message(sample, places, changes, message):
    with pytest.raises(ServiceError, match=message):
        three_clear(sample, places, **changes)


def test_a_campaign_is_organised_by_a_street_not_a_community(sample, places):
    with pytest.raises(ServiceError, match="街道或区组织"):
        three_clear(sample, places, region=sample.communities[0])


def test_a_campaign_that_has_ended_does_not_start(sample, places):
    long_ago = datetime.date(2025, 3, 1)
    campaign = three_clear(sample, places, starts_on=long_ago, ends_on=long_ago)
    with pytest.raises(ServiceError, match="已于2025-03-01结束"):
        start_campaign(sample.users["street"], campaign)


def test_progress_and_counts_follow_the_inspection_tasks(sample, places):
    from wangge.inspections.checklists import record_checklist
    from wangge.inspections.testing import photo

    rental_sites(sample, places)
    campaign = three_clear(sample, places, members=[])
    start_campaign(sample.users["street"], campaign)
    checks = list(CampaignCheck.objects.select_related("task", "place").order_by("pk"))
    # one checked with the checklist (2 hazards), one done on the workbench without a form
    answers = {i.name: "pass" for i in CHECKLISTS["fire_rental_site"].items}
    answers |= {"exits": "fail", "clutter": "fail"}
    grid = sample.users["grid"]
    first = checks[0]
    assert first.place.grid_id == sample.grids[0].pk
    record_checklist(
        grid,
        first.place,
        "fire_rental_site",
        answers,
        {"exits_photo": photo(), "clutter_photo": photo()},
    )
    campaigns.record_found(first.task_id, 2)
    complete_task(grid, first.task, result="检查完成")
    by_hand = next(c for c in checks[1:] if c.place.grid_id == sample.grids[0].pk)
    complete_task(grid, by_hand.task, result="现场检查无问题")
    made = campaigns.progress(campaign)
    assert (made.total, made.done, made.hazards, made.overdue) == (len(checks), 2, 2, 0)
    assert made.percent == round(200 / len(checks))
    assert campaigns.progress_of([campaign.pk, campaign.pk + 1]) == {
        campaign.pk: made,
        campaign.pk + 1: campaigns.Progress(0, 0, 0, 0, 0),
    }

    result = counts.counts(sample.users["street"], level="street")
    # both places are checked in the period: the one by its hazards, the other by its task
    assert result.total.checked.get(PlaceKind.RENTAL_SITE) == 2
    assert by_hand.place.last_checked_at is None


def test_campaigns_are_seen_by_the_street_and_each_check_like_its_place(sample, places):
    rental_sites(sample, places)
    campaign = three_clear(sample, places, members=[])
    start_campaign(sample.users["street"], campaign)
    assert list(campaigns.campaigns(sample.users["street"])) == [campaign]
    assert list(campaigns.campaigns(sample.users["community"])) == []
    with pytest.raises(NotFound):  # as if it did not exist
        campaigns.get_campaign(sample.users["grid"], campaign.pk)
    grid_checks = CampaignCheck.objects.visible_to(sample.users["grid"])
    assert {c.grid_id for c in grid_checks} == {sample.grids[0].pk}
    # the police handle for the department in charge of the first place
    police = CampaignCheck.objects.visible_to(sample.users["police"])
    assert places.places[0].pk in {c.place_id for c in police}
