"""A checklist filled on the workbench reaches the hazard ledger through the forms app's ordinary
OpenRosa submission path: each failed item becomes a hazard with its photo, the inspection task
is completed, a failed item without a photo is refused as a whole with the reason."""

from __future__ import annotations

import pytest

from wangge.forms.models import Change, ChangeStatus, Submission, SubmissionStatus
from wangge.forms.tests.openrosa_client import fill
from wangge.inspections.models import CampaignCheck, Hazard, HazardCategory, Place
from wangge.inspections.testing import checklist_answers, collect, place_task, xform_of
from wangge.tasks.models import TaskKind, TaskStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checklist_forms")]


def test_a_checklist_sent_for_a_task_makes_hazards_with_photos_and_completes_it(sample, places):
    place = places.places[0]  # a rental site in the grid worker's grid
    task = place_task(sample, place, "fire_rental_site", title=f"消防检查：{place.name}")
    rosa = collect()
    xml, attachments = fill(
        xform_of(rosa, "fire_rental_site"),
        {},
        overrides=checklist_answers(
            "fire_rental_site",
            {"partition": "三楼隔成六间", "ebike": "楼道里三辆在充电"},
            task_id=str(task.pk),
            place_id="",
        ),
    )
    assert set(attachments) == {"partition_photo.jpg", "ebike_photo.jpg"}
    answer = rosa.submit(xml, attachments)
    assert answer.status == 201, answer.message
    assert "任务已完成" in answer.message

    hazards = list(Hazard.objects.filter(place=place).order_by("pk"))
    assert [h.category for h in hazards] == [
        HazardCategory.PARTITION,
        HazardCategory.EBIKE_CHARGING,
    ]
    assert "三楼隔成六间" in hazards[0].description and hazards[0].severity == "serious"
    assert all(h.photos.count() == 1 for h in hazards)
    assert all(h.found_by == sample.users["grid"] for h in hazards)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.result_data["hazards"] == [h.pk for h in hazards]
    assert task.result == "检查完成：发现隐患2处"
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED
    assert submission.grid_id == place.grid_id
    made = Change.objects.filter(submission=submission, model="hazard")
    assert sorted(int(c.object_id) for c in made) == [h.pk for h in hazards]


def test_a_failed_item_without_its_photo_is_refused_and_nothing_written(sample, places):
    place = places.places[0]
    rosa = collect()
    xml, attachments = fill(
        xform_of(rosa, "fire_rental_site"),
        {},
        overrides=checklist_answers(
            "fire_rental_site",
            {"exits": "后门上锁"},
            exits_photo="",
            place_id=str(place.pk),
            task_id="",
        ),
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 400
    assert "不合格项必须拍照" in answer.message and "安全出口" in answer.message
    assert not Hazard.objects.exists()
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.REFUSED
    assert submission.grid_id == place.grid_id  # the grid's office sees it in its list
    refusal = Change.objects.get(submission=submission)
    assert refusal.status == ChangeStatus.REFUSED and refusal.field == "rule"
    # the photo named but never uploaded is refused the same way
    xml, attachments = fill(
        xform_of(rosa, "fire_rental_site"),
        {},
        overrides=checklist_answers(
            "fire_rental_site", {"exits": ""}, place_id=str(place.pk), task_id=""
        ),
    )
    assert rosa.submit(xml, {}).status == 400
    assert not Hazard.objects.exists()


def test_a_place_named_in_the_submission_completes_its_open_inspection_task(sample, places):
    place = places.places[0]
    task = place_task(sample, place, "flood_risk")
    rosa = collect()
    xml, attachments = fill(
        xform_of(rosa, "flood_risk"),
        {},
        overrides=checklist_answers("flood_risk", {}, place_id=str(place.pk), task_id=""),
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 201, answer.message
    assert not Hazard.objects.exists()
    assert Place.objects.get(pk=place.pk).last_checked_at is not None
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.result == "检查完成：全部合格"


def test_a_place_outside_the_senders_grid_is_refused_as_out_of_scope(sample, places):
    elsewhere = places.places[1]  # another grid's place
    rosa = collect()
    xml, attachments = fill(
        xform_of(rosa, "charging_facility"),
        {},
        overrides=checklist_answers(
            "charging_facility", {"cables": "破皮"}, place_id=str(elsewhere.pk), task_id=""
        ),
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 403
    assert not Hazard.objects.exists()
    assert Submission.objects.get().status == SubmissionStatus.REFUSED


def test_no_place_at_all_is_refused_with_a_message(sample, places):
    rosa = collect()
    xml, attachments = fill(
        xform_of(rosa, "flood_risk"),
        {},
        overrides=checklist_answers("flood_risk", {}, place_id="", task_id=""),
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 400 and "未指明检查的场所" in answer.message


def test_a_campaign_inspection_sent_from_collect_counts_in_its_progress(sample, places):
    import datetime

    from django.utils import timezone

    from wangge.inspections import campaigns

    place = places.places[0]
    campaign = campaigns.create_campaign(
        sample.users["street"],
        name="三清四查",
        place_kinds=["rental_site"],
        checklist="fire_rental_site",
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + datetime.timedelta(days=7),
        region=sample.street,
        members=[campaigns.Member(sample.users["grid"])],
    )
    campaigns.start_campaign(sample.users["street"], campaign)
    check = CampaignCheck.objects.get(campaign=campaign)
    assert check.task.assignee == sample.users["grid"] and check.task.kind == TaskKind.INSPECTION
    rosa = collect()
    xml, attachments = fill(
        xform_of(rosa, "fire_rental_site"),
        {},
        overrides=checklist_answers(
            "fire_rental_site", {"wiring": "插线板串接"}, place_id=str(place.pk), task_id=""
        ),
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 201, answer.message
    check.refresh_from_db()
    check.task.refresh_from_db()
    assert check.task.status == TaskStatus.DONE and check.hazards_found == 1
    progress = campaigns.progress(campaign)
    assert (progress.total, progress.done, progress.hazards) == (1, 1, 1)


def test_a_photo_attachment_that_does_not_decode_refuses_the_checklist(sample, places):
    """ODK Collect sent the file whole but it is not a picture that opens (cut short on the
    phone, or crafted): the checklist is refused with the reason, no hazard without evidence."""
    place = places.places[0]
    rosa = collect()
    xml, attachments = fill(
        xform_of(rosa, "fire_rental_site"),
        {},
        overrides=checklist_answers(
            "fire_rental_site", {"exits": "后门上锁"}, place_id=str(place.pk)
        ),
    )
    data, kind = attachments["exits_photo.jpg"]
    answer = rosa.submit(xml, {"exits_photo.jpg": (data[: len(data) // 2], kind)})
    assert answer.status == 400
    assert "照片无法使用" in answer.message and "“exits_photo.jpg”已损坏或不完整" in answer.message
    assert not Hazard.objects.exists()
    assert Submission.objects.get().status == SubmissionStatus.REFUSED
