"""The workbench as a grid worker and an office see it, the task page's actions, visit rounds,
and the JSON the offline web app keeps (`/api/tasks/mine`)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from wangge.core.testing import SampleDistrict
from wangge.tasks import services
from wangge.tasks.models import Task, TaskKind, TaskStatus


def login(client: Client, username: str) -> Client:
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


def visit(sample: SampleDistrict, index: int, due: datetime.date | None = None) -> Task:
    return services.create_task(
        None,
        kind=TaskKind.VISIT,
        household=sample.households[index],
        due_date=due or timezone.localdate(),
    )


@pytest.mark.django_db
def test_a_grid_worker_lands_on_the_workbench_after_login(sample: SampleDistrict) -> None:
    client = login(Client(), "grid")
    assert client.get("/").url == "/tasks/"  # type: ignore[attr-defined]
    office = login(Client(), "community")
    assert office.get("/").status_code in (200, 302)
    assert office.get("/").get("Location", "") != "/tasks/"


@pytest.mark.django_db
def test_a_department_handler_lands_on_the_cases(sample: SampleDistrict) -> None:
    """The police handler's nav offers 接诉即办, not the map: the day starts there."""
    client = login(Client(), "police")
    assert client.get("/").url == "/cases/"  # type: ignore[attr-defined]


@pytest.mark.django_db
def test_todays_and_overdue_tasks_by_building_with_one_tap_to_the_form(
    sample: SampleDistrict,
) -> None:
    today = timezone.localdate()
    late = visit(sample, 1, today - datetime.timedelta(days=3))
    now = visit(sample, 0)
    later = visit(sample, 0, today + datetime.timedelta(days=30))
    elsewhere = visit(sample, 2)  # the next grid: not theirs
    page = login(Client(), "grid").get("/tasks/").content.decode()
    assert "幸福路10号3号楼" in page  # the building heads its tasks
    assert page.index("2单元301室") < page.index("2单元302室")  # up the stairwell in order
    assert (
        f"form=household_visit&amp;task={now.pk}" in page
        or f"/forms/household_visit/fill/?task={now.pk}" in page.replace("&amp;", "&")
    )
    assert f"task={late.pk}" in page and "逾期" in page
    assert f"task={later.pk}" not in page  # not due yet: counted, not listed
    assert f"task={elsewhere.pk}" not in page
    assert "未走访" in page


@pytest.mark.django_db
def test_households_not_visited_for_n_days_leave_the_list_once_visited(
    sample: SampleDistrict, settings: Any
) -> None:
    settings.WANGGE_VISIT_INTERVAL_DAYS = 30
    client = login(Client(), "grid")
    page = client.get("/tasks/").content.decode()
    assert "30 天以上未走访的户（2）" in page
    task = visit(sample, 0)
    services.complete_task(sample.users["grid"], task, result="到访")
    page = client.get("/tasks/").content.decode()
    assert "30 天以上未走访的户（1）" in page


@pytest.mark.django_db
def test_the_workbench_links_past_its_short_list_to_every_household_not_visited(
    sample: SampleDistrict, settings: Any
) -> None:
    from wangge.tasks import selectors

    settings.WANGGE_VISIT_INTERVAL_DAYS = 30
    client = login(Client(), "grid")
    page = client.get("/tasks/").content.decode()
    assert "/tasks/not-visited/" not in page  # both households already fit on the workbench
    settings_shown = selectors.NOT_VISITED_SHOWN
    try:
        selectors.NOT_VISITED_SHOWN = 1
        page = client.get("/tasks/").content.decode()
        assert "查看全部 2 户" in page and "/tasks/not-visited/" in page
    finally:
        selectors.NOT_VISITED_SHOWN = settings_shown
    full = client.get("/tasks/not-visited/").content.decode()
    labels = [h.room.label for h in sample.households[:2] if h.room is not None]
    assert len(labels) == 2
    assert all(label in full for label in labels)
    assert full.index(labels[0]) < full.index(labels[1])  # address order
    other = sample.households[2].room
    assert other is not None and other.label not in full  # the next grid: not theirs


@pytest.mark.django_db
def test_the_not_visited_list_is_empty_for_office_staff_and_pages_past_the_end_safely(
    sample: SampleDistrict,
) -> None:
    """The office is not told "every household was visited lately" (its list is empty because
    the list is a grid worker's, not because the grids are done): it is sent to the workbench."""
    office = login(Client(), "community").get("/tasks/not-visited/")
    page = office.content.decode()
    assert office.status_code == 200 and "所有户近期都已走访" not in page
    assert "各网格的走访覆盖见工作台" in page
    grid = login(Client(), "grid").get("/tasks/not-visited/?page=99999999999999999999")
    assert grid.status_code == 200


@pytest.mark.django_db
def test_the_office_sees_each_grid_behind_first_and_its_coverage(sample: SampleDistrict) -> None:
    today = timezone.localdate()
    visit(sample, 2, today - datetime.timedelta(days=2))  # grid 2 of 幸福一村 is behind
    done = visit(sample, 0)
    services.complete_task(sample.users["grid"], done)
    page = login(Client(), "community").get("/tasks/").content.decode()
    assert page.index(sample.grids[1].code) < page.index(sample.grids[0].code)
    assert "覆盖 <b>50%</b>" in page  # one of grid 1's two households visited this month
    assert sample.grids[2].code not in page  # the other community's grids


@pytest.mark.django_db
def test_the_office_sees_each_grids_worker_by_name_not_login(sample: SampleDistrict) -> None:
    sample.users["grid"].first_name = "李强"
    sample.users["grid"].save(update_fields=["first_name"])
    page = login(Client(), "community").get("/tasks/").content.decode()
    assert '<div class="wb-gridwho">李强</div>' in page
    assert '<div class="wb-gridwho">grid</div>' not in page


@pytest.mark.django_db
def test_the_office_assigns_reassigns_and_cancels_on_the_task_page(
    sample: SampleDistrict,
) -> None:
    task = visit(sample, 0)
    office = login(Client(), "community")
    page = office.get(f"/tasks/{task.pk}/").content.decode()
    assert "分派给" in page and ">grid<" in page
    office.post(
        f"/tasks/{task.pk}/",
        {"action": "assign", "assignee": sample.users["grid"].pk, "version": task.version},
    )
    task.refresh_from_db()
    assert task.assignee == sample.users["grid"]
    # Staff are shown by name once their account has one; the login stays what they type.
    sample.users["grid"].first_name = "李强"
    sample.users["grid"].save(update_fields=["first_name"])
    named = office.get(f"/tasks/{task.pk}/").content.decode()
    assert "<dd>李强</dd>" in named and ">李强</option>" in named
    stale = office.post(
        f"/tasks/{task.pk}/", {"action": "cancel", "reason": "重复", "version": 1}, follow=True
    )
    assert "已被他人修改" in stale.content.decode()
    office.post(f"/tasks/{task.pk}/", {"action": "cancel", "reason": "重复", "version": 2})
    task.refresh_from_db()
    assert task.status == TaskStatus.CANCELLED
    worker_page = login(Client(), "grid").get(f"/tasks/{task.pk}/").content.decode()
    assert "分派给" not in worker_page and "取消任务" not in worker_page


@pytest.mark.django_db
def test_a_grid_worker_completes_their_task_and_is_refused_anothers(
    sample: SampleDistrict,
) -> None:
    mine, theirs = visit(sample, 0), visit(sample, 2)
    client = login(Client(), "grid")
    response = client.post(
        f"/tasks/{mine.pk}/", {"action": "complete", "result": "在家，无变化", "version": 1}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.status == TaskStatus.DONE
    assert client.get(f"/tasks/{theirs.pk}/").status_code == 404
    assert client.post(f"/tasks/{theirs.pk}/", {"action": "complete"}).status_code == 404


@pytest.mark.django_db
def test_a_visit_round_for_the_buildings_an_office_picks(sample: SampleDistrict) -> None:
    office = login(Client(), "community")
    page = office.get(f"/tasks/round/?grid={sample.grids[0].pk}").content.decode()
    assert "幸福路10号3号楼" in page
    office.post("/tasks/round/", {"building": [sample.buildings[0].pk], "days": "5"})
    assert Task.objects.filter(kind=TaskKind.VISIT, region=sample.grids[0]).count() == 2
    refused = office.post("/tasks/round/", {"building": [sample.buildings[2].pk]}, follow=True)
    assert "不在您的管辖范围内" in refused.content.decode()
    assert login(Client(), "grid").get("/tasks/round/").status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "field, value", [("priority", "-5"), ("priority", "9" * 20), ("building", "9" * 20)]
)
def test_a_visit_round_with_a_number_out_of_range_is_refused_not_a_500(
    sample: SampleDistrict, field: str, value: str
) -> None:
    """A hand-made POST: a priority outside 低–紧急 or an id past int64 is refused in words."""
    office = login(Client(), "community")
    data = {"building": [sample.buildings[0].pk], "days": "5", field: value}
    response = office.post("/tasks/round/", data, follow=True)
    assert response.status_code in (200, 400)
    assert "优先级" in response.content.decode() or "编号" in response.content.decode()
    assert not Task.objects.filter(kind=TaskKind.VISIT).exists()


BAD_IDS = ["abc", "-1", "0", "1e3", "１２", "9" * 20, str(2**63), "9" * 5000]


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_IDS)
@pytest.mark.parametrize("field", ["assignee", "version"])
def test_a_task_action_with_a_bad_number_is_a_400_in_words(
    sample: SampleDistrict, field: str, value: str
) -> None:
    """The assignee and the version come from the page (`core.bounds.parse_record_id`, the one
    parser cases and inspections use too); a hand-made POST is refused naming what was wrong
    (a bad version: a 400; a bad assignee: shown on the task page, as every refused action
    is), and the task is left as it was. `int()` used to take "１２" as 12 and "-1" as an id."""
    task = visit(sample, 0)
    office = login(Client(), "community")
    data = {"action": "assign", "assignee": sample.users["grid"].pk, "version": task.version}
    response = office.post(f"/tasks/{task.pk}/", {**data, field: value}, follow=True)
    if field == "version":
        assert response.status_code == 400
    else:
        assert response.redirect_chain == [(f"/tasks/{task.pk}/", 302)]
    label = {"assignee": "用户编号", "version": "版本号"}[field]
    assert f"不是有效的{label}" in response.content.decode()
    task.refresh_from_db()
    assert task.assignee is None and task.version == 1


@pytest.mark.django_db
@pytest.mark.parametrize("value", BAD_IDS)
def test_a_visit_round_with_a_bad_grid_is_a_400_in_words(
    sample: SampleDistrict, value: str
) -> None:
    response = login(Client(), "community").get("/tasks/round/", {"grid": value})
    assert response.status_code == 400
    assert "不是有效的网格编号" in response.content.decode()


@pytest.mark.django_db
def test_a_task_id_past_int64_in_the_path_is_a_404(sample: SampleDistrict) -> None:
    office = login(Client(), "community")
    assert office.get(f"/tasks/{2**63}/").status_code == 404
    assert office.get(f"/tasks/{'9' * 40}/").status_code == 404
    assert office.post(f"/tasks/{'9' * 40}/", {"action": "cancel"}).status_code == 404


@pytest.mark.django_db
def test_api_mine_lists_the_callers_open_tasks_for_the_offline_app(
    sample: SampleDistrict,
) -> None:
    today = timezone.localdate()
    late = visit(sample, 1, today - datetime.timedelta(days=1))
    now = visit(sample, 0)
    visit(sample, 2)
    client = login(Client(), "grid")
    body = client.get("/api/tasks/mine").json()
    assert body["count"] == 2 and [t["id"] for t in body["tasks"]] == [late.pk, now.pk]
    first = body["tasks"][0]
    assert first["overdue"] is True and first["form_id"] == "household_visit"
    assert first["building"]["label"] == "幸福路10号3号楼"
    assert first["region"]["code"] == sample.grids[0].code
    assert f"task={late.pk}" in first["fill_url"]
    done = client.post(
        f"/api/tasks/{now.pk}/complete",
        {"result": "到访", "result_data": {"present": 2}, "version": 1},
        content_type="application/json",
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    again = client.post(
        f"/api/tasks/{late.pk}/complete", {"version": 7}, content_type="application/json"
    )
    assert again.status_code == 409
    assert (
        client.get(f"/api/tasks/{Task.objects.get(region=sample.grids[1]).pk}").status_code == 404
    )


def test_the_task_list_filters_by_kind(sample):
    from django.test import Client

    from wangge.tasks.models import TaskKind
    from wangge.tasks.services import create_task

    create_task(None, kind=TaskKind.VISIT, household=sample.households[0])
    create_task(None, kind=TaskKind.REINSPECTION, region=sample.grids[0], title="回头看：某场所")
    client = Client()
    client.force_login(sample.users["grid"])
    page = client.get("/tasks/list/?kind=reinspection").content.decode()
    assert "回头看：某场所" in page and "入户走访" not in page.split("wb-list")[1]
    everything = client.get("/tasks/list/?kind=nonsense").content.decode()
    assert "回头看：某场所" in everything and everything.count("wb-task") == 2
    bench = client.get("/tasks/").content.decode()
    assert 'id="wb-rechecks"' in bench


@pytest.mark.django_db
def test_the_task_page_offers_its_form_only_to_those_who_fill_it(sample: SampleDistrict) -> None:
    """A visit's form is filled by grid workers and the community; a street officer looking at
    the same task gets no 填写表单 button (it led to a page saying 找不到表单 household_visit)."""
    from wangge.forms.services import load_shipped_forms

    load_shipped_forms()
    task = visit(sample, 0)
    for role in ("grid", "community"):
        page = login(Client(), role).get(f"/tasks/{task.pk}/").content.decode()
        assert "填写表单" in page and "form=household_visit" in page.replace("&amp;", "&")
    street = login(Client(), "street").get(f"/tasks/{task.pk}/")
    assert street.status_code == 200
    shown = street.content.decode()
    assert "填写表单" not in shown and "household_visit" not in shown


@pytest.mark.django_db
def test_a_late_visit_in_the_offices_list_opens_its_form_only_for_those_who_fill_it(
    sample: SampleDistrict,
) -> None:
    """The street's 督办 list led a street officer from a grid worker's late visit to a fill page
    that said 找不到表单 household_visit; the community, which fills visits, keeps the form."""
    task = visit(sample, 0, timezone.localdate() - datetime.timedelta(days=3))
    Task.objects.filter(pk=task.pk).update(escalation_level=2)
    fill = f"form=household_visit&amp;task={task.pk}"
    street = login(Client(), "street").get("/tasks/").content.decode()
    assert fill not in street and f'class="wb-open" href="/tasks/{task.pk}/"' in street
    community = login(Client(), "community").get("/tasks/").content.decode()
    assert fill in community


@pytest.mark.django_db
def test_the_assignment_message_names_the_worker_not_the_login(sample: SampleDistrict) -> None:
    task = visit(sample, 0)
    sample.users["grid"].first_name = "李强"
    sample.users["grid"].save(update_fields=["first_name"])
    answer = login(Client(), "community").post(
        f"/tasks/{task.pk}/",
        {"action": "assign", "assignee": sample.users["grid"].pk, "version": task.version},
        follow=True,
    )
    assert (
        "已分派给李强" in answer.content.decode() and "已分派给grid" not in answer.content.decode()
    )


@pytest.mark.django_db
def test_a_grid_worker_who_chose_english_is_refused_in_english(sample: SampleDistrict) -> None:
    """The task services' refusals follow the language the user chose: a grid worker may not
    cancel the grid's task (403, the reason in English), and a version that is not a number
    is named with its field, in English."""
    task = visit(sample, 0)
    client = login(Client(), "grid")
    client.cookies["django_language"] = "en"
    cancel = {"action": "cancel", "reason": "x", "version": task.version}
    refused = client.post(f"/tasks/{task.pk}/", cancel)
    assert refused.status_code == 403
    assert "Only the community or street above can cancel tasks" in refused.content.decode()
    wrong = client.post(f"/tasks/{task.pk}/", {"action": "complete", "version": "abc"})
    assert wrong.status_code == 400 and "“abc” is not a valid version" in wrong.content.decode()
    missing = client.get("/api/tasks/999999")
    assert missing.json()["message"] == "Task not found, or outside your area of work"


@pytest.mark.django_db
def test_a_tasks_building_and_household_are_singular_in_english(sample: SampleDistrict) -> None:
    """The task page's facts read "Buildings · 幸福一村一巷1号" and "Households · 1室" in English."""
    from wangge.core.testing import english_client

    task = visit(sample, 0)
    text = english_client(sample.users["grid"]).get(f"/tasks/{task.pk}/").content.decode()
    assert "<dt>Building</dt>" in text and "<dt>Household</dt>" in text
