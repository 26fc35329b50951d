"""A notice issued on the spot rides with the checklist: the phone numbers it from the block
reserved to the inspector, the server issues it for the hazards the checklist made, with that
serial and the submission's instanceID as its client id, and schedules the re-inspection. A
serial the server will not accept leaves the hazards recorded and says why."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from wangge.core.testing import PASSWORD
from wangge.forms.models import Submission, SubmissionStatus
from wangge.forms.tests.openrosa_client import OpenRosaClient, fill
from wangge.inspections import numbering, reinspection
from wangge.inspections.models import Hazard, HazardStatus, Notice, NoticeKind
from wangge.inspections.testing import checklist_answers, place_task, xform_of
from wangge.tasks.models import TaskStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checklist_forms")]


def _send(rosa: OpenRosaClient, place_id: int, task_id: str = "", **notice: str):
    xml, attachments = fill(
        xform_of(rosa, "fire_rental_site"),
        {},
        overrides=checklist_answers(
            "fire_rental_site",
            {"partition": "三楼隔成六间", "ebike": "楼道里三辆在充电"},
            task_id=task_id,
            place_id=str(place_id),
            notice_unit="",
            notice_serial="",
            notice_year="",
            notice_issued_at="",
            notice_days="",
        )
        | {f"/data/{k}": v for k, v in notice.items()},
        instance_id="uuid:0b6f2a58-6c1e-4c55-9d0e-4a7e1f0c0042",
    )
    return rosa.submit(xml, attachments)


def test_a_notice_numbered_offline_from_the_block_is_issued_with_the_checklist(sample, places):
    place = places.places[0]
    grid = sample.users["grid"]
    year = timezone.localdate().year
    block = numbering.reserve_block(grid, places.unit, year=year, size=5)
    task = place_task(sample, place, "fire_rental_site", title=f"消防检查：{place.name}")
    issued = timezone.now() - datetime.timedelta(hours=2)
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    answer = _send(
        rosa,
        place.pk,
        str(task.pk),
        notice_kind="deadline",
        notice_days="5",
        notice_unit=places.unit.code,
        notice_serial=str(block.first + 1),
        notice_year=str(year),
        notice_issued_at=issued.isoformat(),
    )
    assert answer.status == 201, answer.message
    number = f"京广消字〔{year}〕第{block.first + 1:04d}号"
    assert number in answer.message and "任务已完成" in answer.message
    notice = Notice.objects.get()
    assert notice.number == number and notice.kind == NoticeKind.DEADLINE
    assert notice.block == block and notice.issued_by == grid
    assert notice.client_id == "uuid:0b6f2a58-6c1e-4c55-9d0e-4a7e1f0c0042"
    assert abs((notice.issued_at - issued).total_seconds()) < 1  # the phone's time
    assert notice.deadline_days == 5 and notice.deadline is not None
    hazards = list(Hazard.objects.order_by("pk"))
    assert len(hazards) == 2
    assert {h.status for h in hazards} == {HazardStatus.NOTICE_ISSUED}
    assert {h.notice_id for h in hazards} == {notice.pk}
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and number in task.result
    assert task.result_data["notice"] == number
    (recheck,) = reinspection.tasks_of(notice)  # 回头看 on the deadline day
    assert recheck.due_date == timezone.localtime(notice.deadline).date()
    # The same submission sent again (a lost answer) makes nothing twice.
    again = _send(rosa, place.pk, str(task.pk), notice_kind="deadline")
    assert again.status in (200, 201, 202)
    assert Notice.objects.count() == 1 and Hazard.objects.count() == 2


def test_a_serial_outside_the_senders_block_keeps_the_hazards_and_says_why(sample, places):
    place = places.places[0]
    year = timezone.localdate().year
    # Someone else's block: the grid worker's phone may not use its numbers.
    other = numbering.reserve_block(sample.users["community"], places.unit, year=year, size=3)
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    answer = _send(
        rosa,
        place.pk,
        notice_kind="immediate",
        notice_unit=places.unit.code,
        notice_serial=str(other.first),
        notice_year=str(year),
    )
    assert answer.status == 201, answer.message
    assert "整改通知书未下达" in answer.message and "不在为您预留" in answer.message
    assert not Notice.objects.exists()
    assert list(Hazard.objects.values_list("status", flat=True)) == [HazardStatus.OPEN] * 2
    assert Submission.objects.get().status == SubmissionStatus.APPLIED


def test_without_a_reserved_serial_the_notice_takes_the_next_number_of_the_places_unit(
    sample, places
):
    place = places.places[0]
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    answer = _send(rosa, place.pk, notice_kind="immediate")
    assert answer.status == 201, answer.message
    notice = Notice.objects.get()
    assert notice.unit == places.unit and notice.block is None and notice.serial == 1
    assert notice.number in answer.message
    assert notice.kind == NoticeKind.IMMEDIATE and notice.deadline is None


def test_a_bad_deadline_is_reported_and_no_notice_is_issued(sample, places):
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    answer = _send(rosa, places.places[0].pk, notice_kind="deadline", notice_days="99")
    assert answer.status == 201, answer.message
    assert "整改通知书未下达" in answer.message and "工作日" in answer.message
    assert not Notice.objects.exists() and Hazard.objects.count() == 2


def test_the_units_a_phone_may_reserve_numbers_of_are_the_inspectors_own(sample, places):
    from wangge.inspections.tests.test_api import _client

    got = _client(sample.users["grid"]).get("/api/notices/units")
    assert got.status_code == 200
    assert got.json() == [{"code": "jgl-fire", "name": places.unit.name, "prefix": "京广消字"}]
    assert _client(sample.users["police"]).get("/api/notices/units").json() == []  # a department
    assert Client().get("/api/notices/units").status_code == 401


def test_the_re_inspection_task_page_links_to_its_notice(sample, places):
    from wangge.inspections import notices, services
    from wangge.inspections.testing import photo
    from wangge.inspections.tests.test_api import _client

    grid = sample.users["grid"]
    hazard = services.record_hazard(grid, places.places[0], category="clutter", photos=[photo()])
    notice = notices.issue_notice(
        grid, unit=places.unit, hazards=[hazard], kind="deadline", deadline_days=3
    )
    (recheck,) = reinspection.tasks_of(notice)
    page = _client(grid).get(f"/tasks/{recheck.pk}/").content.decode()
    assert f'id="task-subject" href="/inspections/notices/{notice.pk}/"' in page
    assert "打开整改通知书，逐项整改销号" in page
    assert "<br>" in page  # the note's lines (the items ordered fixed) stay lines


def test_an_unknown_notice_kind_is_refused_naming_it_and_the_kinds_there_are(sample, places):
    """A crafted checklist whose 整改通知书 answer is none of the form's choices is not read as
    "no notice" (hazards recorded, nothing ordered fixed): it is refused whole, saying so."""
    place = places.places[0]
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    answer = _send(rosa, place.pk, notice_kind="suspend")
    assert answer.status == 400
    assert "整改通知书（notice_kind）" in answer.message and "“suspend”" in answer.message
    for allowed in ("none（暂不下达）", "immediate（责令立即改正）", "deadline（责令限期改正）"):
        assert allowed in answer.message
    assert not Hazard.objects.exists() and not Notice.objects.exists()
    assert Submission.objects.get().status == SubmissionStatus.REFUSED
