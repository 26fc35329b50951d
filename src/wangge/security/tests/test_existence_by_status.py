"""Whether a record exists must not show through the status code.

The attack sweep found tasks (their page, the API, the re-inspection screen) and special
inspections (专项检查) answering 403 for an existing id outside the user's scope and 404 for a
missing one: ids are sequential, so a grid worker could count which tasks and campaigns existed
in other grids. People, cases, notices and import batches already answered both alike.

Specified here, for reads and actions, pages and API:
- an id outside the user's scope is answered exactly like an id that does not exist (404, the
  same Chinese body), nothing is done, and the refusal is in the audit log naming the record;
- a record the user sees but may not do this to stays a 403 with its Chinese reason, audited.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Max
from django.test import Client
from django.utils import timezone

from wangge.access.models import Role
from wangge.access.services import assign_role
from wangge.audit.models import AuditEntry
from wangge.core.testing import PASSWORD, SampleDistrict
from wangge.inspections import campaigns, notices, reinspection, services
from wangge.inspections.models import Campaign, NoticeKind, PlaceKind
from wangge.inspections.testing import build_sample_places, photo
from wangge.tasks.models import Task, TaskKind, TaskStatus
from wangge.tasks.services import assign_task, create_task

pytestmark = pytest.mark.django_db

Request = Callable[[Client, int], Any]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _user(username: str, *roles: tuple[str, Any]) -> Any:
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    for role, region in roles:
        assign_role(None, user, role, region)
    return user


def _visit(sample: SampleDistrict, grid: int) -> Task:
    """A visit task in the sample's grid `grid` (two households a grid)."""
    return create_task(None, kind=TaskKind.VISIT, household=sample.households[2 * grid])


def _recheck(sample: SampleDistrict) -> Task:
    """The re-inspection task of a notice issued at the first grid's place."""
    places = build_sample_places(sample)
    grid = sample.users["grid"]
    hazard = services.record_hazard(
        grid, places.places[0], category="partition", description="三楼隔出六间", photos=[photo()]
    )
    notice = notices.issue_notice(
        grid, unit=places.unit, hazards=[hazard], kind=NoticeKind.DEADLINE, deadline_days=5
    )
    (task,) = reinspection.tasks_of(notice)
    return task


def _campaign(sample: SampleDistrict) -> Campaign:
    today = timezone.localdate()
    return campaigns.create_campaign(
        sample.users["street"],
        name="三清四查",
        place_kinds=[PlaceKind.RENTAL_SITE],
        checklist="fire_rental_site",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=14),
        region=sample.street,
    )


def _missing(model: Any) -> int:
    return int(model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1000


def _shown(response: Any) -> tuple[int, str, str]:
    """What the client learns: status, content type and body, less what differs on every
    answer whatever the record (a page's masked CSRF token) and the path it was asked on (the
    language switch's `next`)."""
    body = response.content.decode()
    body = body.replace(response.request["PATH_INFO"], "<path>")
    body = re.sub(r"\b[A-Za-z0-9]{64}\b", "<csrf>", body)
    return response.status_code, response["Content-Type"], body


def _message(response: Any) -> str:
    if response["Content-Type"].startswith("application/json"):
        return str(response.json()["message"])
    return str(response.content.decode())


def _refused(username: str, object_type: str, pk: int) -> int:
    return AuditEntry.objects.filter(
        action="refused", username=username, object_type=object_type, object_id=str(pk)
    ).count()


TASK_REQUESTS: dict[str, Request] = {
    "page": lambda c, pk: c.get(f"/tasks/{pk}/"),
    "complete": lambda c, pk: c.post(
        f"/tasks/{pk}/", {"action": "complete", "result": "到访", "version": "1"}
    ),
    "assign": lambda c, pk: c.post(f"/tasks/{pk}/", {"action": "assign", "assignee": ""}),
    "cancel": lambda c, pk: c.post(f"/tasks/{pk}/", {"action": "cancel", "reason": "重复"}),
    "api": lambda c, pk: c.get(f"/api/tasks/{pk}"),
    "api complete": lambda c, pk: c.post(
        f"/api/tasks/{pk}/complete", {"result": "到访"}, content_type="application/json"
    ),
    "recheck screen": lambda c, pk: c.get(f"/inspections/rechecks/{pk}/"),
    "recheck send": lambda c, pk: c.post(f"/inspections/rechecks/{pk}/", {"version": "1"}),
}


@pytest.mark.parametrize("what", TASK_REQUESTS)
def test_a_task_of_another_grid_is_answered_as_one_that_does_not_exist(
    sample: SampleDistrict, what: str
) -> None:
    theirs = _visit(sample, 1)  # the grid worker works in grid 0
    request = TASK_REQUESTS[what]
    grid = _client(sample.users["grid"])
    missing = request(grid, _missing(Task))
    before = _refused("grid", "tasks.task", theirs.pk)
    denied = AuditEntry.objects.filter(action="denied", username="grid").count()
    outside = request(grid, theirs.pk)
    assert outside.status_code == 404
    assert _shown(outside) == _shown(missing)
    assert "未找到该任务，或不在您的工作范围内" in _message(outside)
    assert _refused("grid", "tasks.task", theirs.pk) == before + 1
    assert AuditEntry.objects.filter(action="denied", username="grid").count() == denied + 1
    theirs.refresh_from_db()
    assert theirs.status == TaskStatus.OPEN and theirs.version == 1


@pytest.mark.parametrize("what", ["recheck screen", "recheck send"])
def test_another_grids_recheck_is_answered_as_one_that_does_not_exist(
    sample: SampleDistrict, what: str
) -> None:
    recheck = _recheck(sample)  # in grid 0
    other = _user("grid2", (Role.GRID_WORKER, sample.grids[1]))
    request = TASK_REQUESTS[what]
    client = _client(other)
    missing = request(client, _missing(Task))
    outside = request(client, recheck.pk)
    assert outside.status_code == 404 and _shown(outside) == _shown(missing)
    assert _refused("grid2", "tasks.task", recheck.pk) == 1
    assert Task.objects.get(pk=recheck.pk).status == TaskStatus.OPEN


CAMPAIGN_REQUESTS: dict[str, Request] = {
    "page": lambda c, pk: c.get(f"/inspections/campaigns/{pk}/"),
    "start": lambda c, pk: c.post(f"/inspections/campaigns/{pk}/", {"action": "start"}),
    "member": lambda c, pk: c.post(
        f"/inspections/campaigns/{pk}/", {"action": "member", "username": "grid"}
    ),
}


@pytest.mark.parametrize("username", ["community", "grid", "police"])
@pytest.mark.parametrize("what", CAMPAIGN_REQUESTS)
def test_a_campaign_of_another_office_is_answered_as_one_that_does_not_exist(
    sample: SampleDistrict, what: str, username: str
) -> None:
    campaign = _campaign(sample)  # the street's: communities and grids do not see it
    request = CAMPAIGN_REQUESTS[what]
    client = _client(sample.users[username])
    missing = request(client, _missing(Campaign))
    outside = request(client, campaign.pk)
    assert outside.status_code == 404 and _shown(outside) == _shown(missing)
    assert "未找到该专项检查，或不在您的管辖范围内" in _message(outside)
    assert _refused(username, "inspections.campaign", campaign.pk) == 1
    campaign.refresh_from_db()
    assert campaign.started_at is None and not campaign.members.exists()


# -- seen, but not theirs to do: 403 with the reason ------------------------------------------


def test_a_grid_worker_sees_their_grids_task_but_may_not_assign_or_cancel_it(
    sample: SampleDistrict,
) -> None:
    task = _visit(sample, 0)
    grid = _client(sample.users["grid"])
    assert grid.get(f"/tasks/{task.pk}/").status_code == 200
    for action, reason in (
        ({"action": "assign", "assignee": ""}, "只有上级社区、街道可以分派任务"),
        ({"action": "cancel", "reason": "重复"}, "只有上级社区、街道可以取消任务"),
    ):
        before = _refused("grid", "tasks.task", task.pk)
        answer = grid.post(f"/tasks/{task.pk}/", action)
        assert answer.status_code == 403 and reason in answer.content.decode()
        assert _refused("grid", "tasks.task", task.pk) == before + 1
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN and task.version == 1


def test_an_officer_who_works_a_grid_of_another_community_may_not_reassign_there(
    sample: SampleDistrict,
) -> None:
    """A community officer who is also a grid worker in the next community's grid sees that
    grid's tasks (as its grid worker) but is not its office: no reassigning there."""
    dual = _user(
        "dual",
        (Role.COMMUNITY_OFFICER, sample.communities[0]),
        (Role.GRID_WORKER, sample.grids[2]),
    )
    task = _visit(sample, 2)
    client = _client(dual)
    assert client.get(f"/tasks/{task.pk}/").status_code == 200
    assert client.get(f"/api/tasks/{task.pk}").status_code == 200
    answer = client.post(f"/tasks/{task.pk}/", {"action": "assign", "assignee": dual.pk})
    assert answer.status_code == 403
    assert "只有上级社区、街道可以分派任务" in answer.content.decode()
    assert _refused("dual", "tasks.task", task.pk) == 1
    task.refresh_from_db()
    assert task.assignee is None
    # in their own community they are the office
    own = _visit(sample, 0)
    assert client.post(f"/tasks/{own.pk}/", {"action": "assign", "assignee": ""}).status_code == 302


def test_a_task_assigned_to_someone_else_is_refused_with_the_reason(
    sample: SampleDistrict,
) -> None:
    colleague = _user("grid0b", (Role.GRID_WORKER, sample.grids[0]))
    task = _visit(sample, 0)
    assign_task(sample.users["community"], task, colleague)
    grid = _client(sample.users["grid"])
    page = grid.post(f"/tasks/{task.pk}/", {"action": "complete", "result": "到访"})
    assert page.status_code == 403 and "该任务已分派给他人" in page.content.decode()
    api = grid.post(
        f"/api/tasks/{task.pk}/complete", {"result": "到访"}, content_type="application/json"
    )
    assert api.status_code == 403 and "该任务已分派给他人" in api.json()["message"]
    assert _refused("grid", "tasks.task", task.pk) == 2
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN


def test_a_recheck_assigned_to_someone_else_is_refused_with_the_reason(
    sample: SampleDistrict,
) -> None:
    recheck = _recheck(sample)
    colleague = _user("grid0b", (Role.GRID_WORKER, sample.grids[0]))
    assign_task(sample.users["community"], recheck, colleague)
    grid = _client(sample.users["grid"])
    url = f"/inspections/rechecks/{recheck.pk}/"
    assert grid.get(url).status_code == 200
    answer = grid.post(url, {"version": "2"})
    assert answer.status_code == 403 and "该回头看任务已分派给他人" in answer.content.decode()
    assert _refused("grid", "tasks.task", recheck.pk) == 1
    assert Task.objects.get(pk=recheck.pk).status == TaskStatus.OPEN


def test_whoever_set_up_a_campaign_still_reads_it_but_may_not_run_it(
    sample: SampleDistrict,
) -> None:
    """The campaign's creator sees it (`IsUser`); no longer staff over its street, they are
    refused its actions with the reason, not told it does not exist."""
    campaign = _campaign(sample)
    former = _user("former")  # set it up, has since left the street office
    Campaign.objects.filter(pk=campaign.pk).update(created_by=former)
    client = _client(former)
    url = f"/inspections/campaigns/{campaign.pk}/"
    assert client.get(url).status_code == 200
    for action in ({"action": "start"}, {"action": "member", "username": "grid"}):
        answer = client.post(url, action)
        assert answer.status_code == 403, action
        assert "只有组织该专项检查的街道、区工作人员可以操作" in answer.content.decode()
    assert _refused("former", "inspections.campaign", campaign.pk) == 2
    campaign.refresh_from_db()
    assert campaign.started_at is None and not campaign.members.exists()
