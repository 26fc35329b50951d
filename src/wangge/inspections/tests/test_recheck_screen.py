"""回头看 on its own screen: the notice's items only, each fixed (after-photo, the hazard closed)
or not fixed (a remark), sent at once; the task completes with the result; who may send it."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from wangge.audit.models import AuditEntry
from wangge.core.errors import Forbidden, ServiceError
from wangge.inspections import notices, reinspection, services
from wangge.inspections.models import Hazard, HazardStatus, NoticeKind, PhotoStage
from wangge.inspections.testing import photo
from wangge.tasks.models import Task, TaskKind, TaskStatus

Outcome = reinspection.Outcome


def _issue(sample: Any, places: Any, *, days: int = 5, issued: Any = None) -> Any:
    grid = sample.users["grid"]
    place = places.places[0]
    hazards = [
        services.record_hazard(
            grid, place, category=c, description=t, photos=[photo()], found_at=issued
        )
        for c, t in (("partition", "三楼隔出六间"), ("ebike_charging", "楼道充电"))
    ]
    services.record_hazard(
        grid, place, category="clutter", description="不在通知书里", photos=[photo()]
    )
    notice = notices.issue_notice(
        grid,
        unit=places.unit,
        hazards=hazards,
        kind=NoticeKind.DEADLINE,
        deadline_days=days,
        issued_at=issued,
    )
    (task,) = reinspection.tasks_of(notice)
    return notice, task, hazards


def _other_grid_worker(sample: Any) -> Any:
    from django.contrib.auth import get_user_model

    from wangge.access.models import Role
    from wangge.access.services import assign_role

    user = get_user_model().objects.create_user(username="grid2", password="x-pass-123")
    assign_role(None, user, Role.GRID_WORKER, sample.grids[1])
    return user


def test_all_fixed_closes_the_hazards_and_passes(sample, places):
    notice, task, hazards = _issue(sample, places)
    result = reinspection.submit_recheck(
        sample.users["grid"],
        task,
        notice,
        [Outcome(h.pk, True, [photo(f"after{h.pk}.png")]) for h in hazards],
    )
    assert result.passed and not result.missed and result.follow_up is None
    for hazard in hazards:
        hazard.refresh_from_db()
        assert hazard.status == HazardStatus.RECTIFIED
        assert hazard.photos.filter(stage=PhotoStage.AFTER).count() == 1
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.completed_by == sample.users["grid"]
    assert task.result_data["passed"] is True
    assert task.result_data["fixed"] == [h.pk for h in hazards]
    assert "复查通过" in task.result
    # the hazard not on the notice is untouched
    assert Hazard.objects.get(description="不在通知书里").status == HazardStatus.OPEN
    # sent again: the task is done
    with pytest.raises(ServiceError, match="已完成"):
        reinspection.submit_recheck(sample.users["grid"], task, notice, [])


def test_nothing_is_written_unless_every_item_is_answered_properly(sample, places):
    notice, task, hazards = _issue(sample, places)
    grid = sample.users["grid"]
    with pytest.raises(ServiceError) as refused:
        reinspection.submit_recheck(
            grid, task, notice, [Outcome(hazards[0].pk, True, []), Outcome(hazards[1].pk, False)]
        )
    assert "第1项（违规隔断）已整改须拍整改后照片" in refused.value.message
    assert "第2项（电动车入户充电）未整改请填写说明" in refused.value.message
    with pytest.raises(ServiceError, match="请选择已整改或未整改"):
        reinspection.submit_recheck(grid, task, notice, [Outcome(hazards[0].pk, True, [photo()])])
    with pytest.raises(ServiceError, match="不是图片"):
        from django.core.files.uploadedfile import SimpleUploadedFile

        bad = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
        reinspection.submit_recheck(
            grid,
            task,
            notice,
            [Outcome(hazards[0].pk, True, [bad]), Outcome(hazards[1].pk, False, remark="没改")],
        )
    other = Hazard.objects.get(description="不在通知书里")
    with pytest.raises(ServiceError, match="不属于该整改通知书"):
        reinspection.submit_recheck(grid, task, notice, [Outcome(other.pk, True, [photo()])])
    assert {h.status for h in Hazard.objects.filter(pk__in=[h.pk for h in hazards])} == {
        HazardStatus.NOTICE_ISSUED
    }
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_unfixed_before_the_deadline_sets_another_reinspection_on_the_deadline_day(sample, places):
    notice, task, hazards = _issue(sample, places, days=10)
    result = reinspection.submit_recheck(
        sample.users["grid"],
        task,
        notice,
        [Outcome(hazards[0].pk, True, [photo()]), Outcome(hazards[1].pk, False, remark="还在充电")],
    )
    assert not result.passed and not result.missed
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.result_data["passed"] is False
    assert task.result_data["not_fixed"] == [{"hazard": hazards[1].pk, "remark": "还在充电"}]
    assert "还在充电" in task.result and "到期再次回头看" in task.result
    follow = result.follow_up
    assert follow.kind == TaskKind.REINSPECTION and follow.status == TaskStatus.OPEN
    assert follow.due_date == timezone.localtime(notice.deadline).date()
    assert "楼道充电" in follow.note and "三楼隔出六间" not in follow.note
    assert [t.pk for t in reinspection.tasks_of(notice)] == [task.pk, follow.pk]
    # the follow-up closes the last item: passed
    reinspection.submit_recheck(
        sample.users["grid"], follow, notice, [Outcome(hazards[1].pk, True, [photo()])]
    )
    follow.refresh_from_db()
    assert follow.result_data["passed"] is True


def test_unfixed_after_the_deadline_says_so_and_the_street_may_refer_it(sample, places):
    from wangge.inspections import referral

    issued = timezone.now() - datetime.timedelta(days=30)
    notice, task, hazards = _issue(sample, places, days=3, issued=issued)
    result = reinspection.submit_recheck(
        sample.users["grid"],
        task,
        notice,
        [Outcome(h.pk, False, remark="未整改") for h in hazards],
    )
    assert result.missed and result.follow_up is None
    task.refresh_from_db()
    assert task.result_data["missed"] is True and "转接诉即办" in task.result
    assert referral.missed(notice) and not referral.may_refer(sample.users["grid"], notice)
    case = referral.refer_missed_deadline(sample.users["street"], notice)
    assert case.department == places.department


def test_who_may_submit(sample, places):
    notice, task, hazards = _issue(sample, places)
    outcomes = [Outcome(h.pk, False, remark="没改") for h in hazards]
    for user in (_other_grid_worker(sample), sample.users["police"], sample.users["nobody"]):
        before = AuditEntry.objects.filter(action="refused").count()
        with pytest.raises(Forbidden):
            reinspection.submit_recheck(user, task, notice, outcomes)
        assert AuditEntry.objects.filter(action="refused").count() == before + 1
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Forbidden):
        reinspection.submit_recheck(AnonymousUser(), task, notice, outcomes)
    # assigned to another grid worker of the grid: they and the office may, the others not
    from django.contrib.auth import get_user_model

    from wangge.access.models import Role
    from wangge.access.services import assign_role
    from wangge.tasks.services import assign_task

    mate = get_user_model().objects.create_user(username="mate", password="x-pass-123")
    assign_role(None, mate, Role.GRID_WORKER, sample.grids[0])
    assign_task(sample.users["community"], task, mate)
    with pytest.raises(Forbidden, match="分派给他人"):
        reinspection.submit_recheck(sample.users["grid"], task, notice, outcomes)
    result = reinspection.submit_recheck(sample.users["community"], task, notice, outcomes)
    assert not result.passed
    assert Task.objects.get(pk=task.pk).completed_by == sample.users["community"]


# -- the screen ---------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_the_screen_lists_only_the_notices_items(sample, places):
    notice, task, hazards = _issue(sample, places)
    page = _client(sample.users["grid"]).get(f"/inspections/rechecks/{task.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "三楼隔出六间" in body and "楼道充电" in body and "不在通知书里" not in body
    assert body.count('type="file"') == 2 and notice.number in body
    for h in hazards:
        assert f'name="state-{h.pk}" value="fixed"' in body


def test_the_screen_submits_and_shows_the_result(sample, places):
    notice, task, hazards = _issue(sample, places)
    client = _client(sample.users["grid"])
    url = f"/inspections/rechecks/{task.pk}/"
    # a missing photo: refused, nothing written, the choices kept
    data: dict[str, Any] = {"version": task.version}
    data.update({f"state-{h.pk}": "fixed" for h in hazards})
    data[f"photo-{hazards[0].pk}"] = photo()
    refused = client.post(url, data)
    assert refused.status_code == 400
    assert "第2项（电动车入户充电）已整改须拍整改后照片" in refused.content.decode()
    assert Hazard.objects.filter(status=HazardStatus.RECTIFIED).count() == 0
    data[f"photo-{hazards[0].pk}"] = photo()
    data[f"photo-{hazards[1].pk}"] = photo()
    sent = client.post(url, data)
    assert sent.status_code == 302 and sent["Location"] == url
    shown = client.get(url).content.decode()
    assert "复查通过" in shown and 'id="recheck-result"' in shown
    assert Hazard.objects.filter(status=HazardStatus.RECTIFIED).count() == 2
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE


def test_the_screen_offers_the_referral_to_the_street_after_a_missed_deadline(sample, places):
    issued = timezone.now() - datetime.timedelta(days=30)
    notice, task, hazards = _issue(sample, places, days=3, issued=issued)
    data: dict[str, Any] = {f"state-{h.pk}": "not_fixed" for h in hazards}
    data.update({f"remark-{h.pk}": "没有改" for h in hazards})
    url = f"/inspections/rechecks/{task.pk}/"
    assert _client(sample.users["grid"]).post(url, data).status_code == 302
    seen_by_grid = _client(sample.users["grid"]).get(url).content.decode()
    assert 'id="missed"' in seen_by_grid and 'id="refer"' not in seen_by_grid
    seen_by_street = _client(sample.users["street"]).get(url).content.decode()
    assert 'id="refer"' in seen_by_street
    assert f"/inspections/notices/{notice.pk}/refer/" in seen_by_street


@pytest.mark.parametrize(
    "role,get,post",
    [
        ("grid", 200, 302),
        ("community", 200, 302),
        ("street", 200, 302),
        ("admin", 200, 302),
        # a task they may not see: as one that does not exist (task ids are sequential)
        ("other_grid", 404, 404),
        ("police", 404, 404),
        ("nobody", 404, 404),
        ("anonymous", 302, 302),
    ],
)
def test_every_role_on_the_screen(sample, places, role, get, post):
    notice, task, hazards = _issue(sample, places)
    user = {"other_grid": _other_grid_worker(sample), "anonymous": None}.get(
        role, sample.users.get(role)
    )
    client = _client(user)
    url = f"/inspections/rechecks/{task.pk}/"
    response = client.get(url)
    assert response.status_code == get
    if role == "anonymous":
        assert "/login" in response["Location"] or "login" in response["Location"]
    data: dict[str, Any] = {f"state-{h.pk}": "not_fixed" for h in hazards}
    data.update({f"remark-{h.pk}": "没有改" for h in hazards})
    before = AuditEntry.objects.filter(action="refused").count()
    assert client.post(url, data).status_code == post
    task.refresh_from_db()
    assert (task.status == TaskStatus.DONE) == (post == 302 and role != "anonymous")
    if post == 404:
        assert AuditEntry.objects.filter(action="refused").count() > before


def test_a_task_that_is_not_a_reinspection_goes_to_its_own_page(sample, places):
    from wangge.tasks.services import create_task

    visit = create_task(None, kind=TaskKind.VISIT, household=sample.households[0])
    response = _client(sample.users["grid"]).get(f"/inspections/rechecks/{visit.pk}/")
    assert response.status_code == 302 and response["Location"] == f"/tasks/{visit.pk}/"
    # and to someone who may not see it, nothing
    other = _client(_other_grid_worker(sample)).get(f"/inspections/rechecks/{visit.pk}/")
    assert other.status_code == 404
