"""ODK Collect fills an inspection checklist: it has no task to open the form from, so it picks
the place from `places.csv`, the roster of the places its user may inspect, served in the
checklist's manifest with its MD5. Driven through the real OpenRosa endpoints by the client
written from the OpenRosa spec (form list, manifest, media download, multipart submission)."""

from __future__ import annotations

import csv
import hashlib
import io
import logging

import pytest

from wangge.audit.models import AuditEntry
from wangge.core.testing import PASSWORD
from wangge.forms.models import Submission, SubmissionStatus
from wangge.forms.tests.openrosa_client import FormEntry, OpenRosaClient, fill
from wangge.inspections import services
from wangge.inspections.checklists import CHECKLISTS
from wangge.inspections.models import Hazard, HazardCategory, Place, PlaceKind
from wangge.inspections.testing import checklist_answers, collect, place_task
from wangge.tasks.models import TaskStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("checklist_forms")]


def listed(rosa: OpenRosaClient, code: str) -> FormEntry:
    """The form as Collect's plain form list offers it (no `?from=workbench`)."""
    answer, forms = rosa.form_list()
    assert answer.status == 200
    return next(f for f in forms if f.form_id == code)


def places_file(rosa: OpenRosaClient, code: str) -> tuple[str, bytes]:
    """(the manifest's hash of places.csv, the file downloaded from its downloadUrl)."""
    files = {name: (md5, url) for name, md5, url in rosa.manifest(listed(rosa, code))}
    md5, url = files["places.csv"]
    got = rosa.request("GET", url)
    assert got.status == 200 and got.headers["X-OpenRosa-Version"] == "1.0"
    return md5, got.body


def rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def collect_answers(code: str, place: str, failed: dict[str, str] | None = None) -> dict[str, str]:
    """What Collect sends: the hidden task_id and place_id empty (nothing fills them), the place
    chosen, every item passed but `failed`."""
    return checklist_answers(code, failed or {}, task_id="", place_id="", place=place)


def test_collect_is_offered_the_checklists_with_the_places_roster_in_their_manifest(sample, places):
    rosa = collect()
    _answer, plain = rosa.form_list()
    _answer, workbench = rosa.form_list(workbench=True)
    assert set(CHECKLISTS) <= {f.form_id for f in plain}
    assert {f.form_id for f in plain} == {f.form_id for f in workbench}
    for code in CHECKLISTS:
        entry = listed(rosa, code)
        assert entry.manifest_url
        md5, data = places_file(rosa, code)
        assert md5 == "md5:" + hashlib.md5(data).hexdigest()  # noqa: S324 - the spec's hash
    _md5, data = places_file(rosa, "fire_rental_site")
    mine = places.places[0]  # the only place in the grid worker's grid
    assert [r["name"] for r in rows(data)] == [str(mine.pk)]
    row = rows(data)[0]
    assert row["label"].startswith(mine.name) and row["kind"] == mine.get_kind_display()
    assert row["address"] and row["grid"] == sample.grids[0].name
    text = data.decode()
    assert mine.responsible_person not in text and mine.responsible_phone not in text
    # a community officer's roster holds every place of the grids they cover
    _md5, wider = places_file(collect("community"), "fire_rental_site")
    assert str(mine.pk) in {r["name"] for r in rows(wider)}
    assert len(rows(wider)) > 1


def test_the_places_roster_moves_when_a_place_is_added_renamed_or_removed(sample, places):
    rosa = collect()
    first_md5, _data = places_file(rosa, "flood_risk")
    added = services.create_place(
        None, name="新开充电站", kind=PlaceKind.CHARGING, address="幸福路12号", grid=sample.grids[0]
    )
    added_md5, data = places_file(rosa, "flood_risk")
    assert added_md5 != first_md5
    assert "新开充电站（幸福路12号）" in {r["label"] for r in rows(data)}
    added.name = "新开充电站（北区）"
    added.save()  # a rename (the admin, a ledger import) moves updated_at
    renamed_md5, data = places_file(rosa, "flood_risk")
    assert renamed_md5 != added_md5
    assert any(r["label"].startswith("新开充电站（北区）") for r in rows(data))
    added.delete()
    gone_md5, data = places_file(rosa, "flood_risk")
    assert str(added.pk) not in {r["name"] for r in rows(data)}
    assert gone_md5 == first_md5


def test_a_checklist_filled_in_collect_with_a_place_from_the_roster_makes_its_hazards(
    sample, places
):
    place = places.places[0]
    rosa = collect()
    xform, media = rosa.fetch_form("fire_rental_site")  # as Collect: list, form, manifest, media
    assert 'src="jr://file-csv/places.csv"' in xform
    chosen = rows(media["places.csv"])[0]["name"]  # the worker picks the place on the roster
    assert chosen == str(place.pk)
    xml, attachments = fill(
        xform, media, overrides=collect_answers("fire_rental_site", chosen, {"ebike": "楼道充电"})
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 201, answer.message
    hazard = Hazard.objects.get()
    assert hazard.place == place and hazard.category == HazardCategory.EBIKE_CHARGING
    assert hazard.found_by == sample.users["grid"] and hazard.photos.count() == 1
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED
    assert submission.grid_id == place.grid_id


def test_a_place_chosen_in_collect_completes_the_places_open_inspection_task(sample, places):
    place = places.places[0]
    task = place_task(sample, place, "charging_facility")
    rosa = collect()
    xform, media = rosa.fetch_form("charging_facility")
    xml, attachments = fill(
        xform, media, overrides=collect_answers("charging_facility", str(place.pk))
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 201, answer.message
    assert "任务已完成" in answer.message
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.result == "检查完成：全部合格"
    assert Place.objects.get(pk=place.pk).last_checked_at is not None


def test_a_place_outside_the_senders_scope_is_refused_in_chinese_logged_and_audited(
    sample, places, caplog
):
    elsewhere = places.places[1]  # another grid's place, not on this worker's roster
    rosa = collect()
    xform, media = rosa.fetch_form("charging_facility")
    assert str(elsewhere.pk) not in {r["name"] for r in rows(media["places.csv"])}
    xml, attachments = fill(
        xform, media, overrides=collect_answers("charging_facility", str(elsewhere.pk))
    )
    with caplog.at_level(logging.WARNING, logger="wangge.inspections"):
        answer = rosa.submit(xml, attachments)
    assert answer.status == 403
    assert answer.headers["X-OpenRosa-Version"] == "1.0"
    assert answer.message == (
        f"所选场所（编号{elsewhere.pk}）不在您的管辖范围内，检查表未写入；请从本人的场所名单中选择"
    )
    assert f"names place {elsewhere.pk}, outside their scope" in caplog.text
    assert AuditEntry.objects.filter(
        action="refused", object_type="inspections.place", object_id=str(elsewhere.pk)
    ).exists()
    assert not Hazard.objects.exists()
    assert Place.objects.get(pk=elsewhere.pk).last_checked_at is None
    assert Submission.objects.get().status == SubmissionStatus.REFUSED


@pytest.mark.parametrize("sent", ["999999", "第3家"])
def test_an_unknown_place_is_refused_in_chinese_and_logged(sample, places, caplog, sent):
    rosa = collect()
    xform, media = rosa.fetch_form("flood_risk")
    xml, attachments = fill(xform, media, overrides=collect_answers("flood_risk", sent))
    with caplog.at_level(logging.WARNING, logger="wangge.inspections"):
        answer = rosa.submit(xml, attachments)
    assert answer.status == 400
    if sent.isdigit():
        assert answer.message == (
            "所选场所（编号999999）不存在或已删除，检查表未写入；"
            "请在 ODK Collect 中更新表单（获取最新场所名单）后重新选择"
        )
        assert "names place 999999, which does not exist" in caplog.text
    else:
        assert answer.message == "场所编号“第3家”无效，检查表未写入；请从场所名单中重新选择"
    assert Submission.objects.get().status == SubmissionStatus.REFUSED
    assert not Hazard.objects.exists()


def test_a_place_chosen_that_is_not_the_tasks_place_is_refused(sample, places):
    """The place question is not shown when the workbench fills `task_id`; a client that sends
    both anyway is held to the task's place."""
    place, other = places.places[0], places.places[2]
    task = place_task(sample, place, "flood_risk")
    rosa = collect()
    xform, media = rosa.fetch_form("flood_risk")
    overrides = collect_answers("flood_risk", str(other.pk)) | {"/data/task_id": str(task.pk)}
    xml, attachments = fill(xform, media, overrides=overrides)
    answer = rosa.submit(xml, attachments)
    assert answer.status == 400 and "与任务的检查场所不一致" in answer.message
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def test_a_superuser_inspects_nowhere_and_is_told_so_not_sent_the_whole_district(
    sample, places, django_user_model
):
    """A superuser is offered every form and may record hazards at every place, but does not
    inspect in person: its roster is one notice row (`name` 0, no place's), not the whole
    district's places on a phone. The district grid centre's role is not offered the
    checklists at all, a department handler neither."""
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    _md5, data = places_file(collect("root"), "fire_rental_site")
    assert rows(data) == [
        {
            "name": "0",
            "label": "区级账号不做现场检查，不下发场所名单；请在工作台从检查任务打开检查表",
            "kind": "",
            "address": "",
            "grid": "",
        }
    ]
    # a street officer inspects: every place of the street's grids
    _md5, street = places_file(collect("street"), "fire_rental_site")
    assert {r["name"] for r in rows(street)} == {str(p.pk) for p in places.places if p.grid_id}
    for username in ("admin", "police"):
        _answer, offered = collect(username).form_list()
        assert not set(CHECKLISTS) & {f.form_id for f in offered}


def test_a_roster_over_the_cap_is_one_notice_row_and_choosing_it_is_refused_with_its_words(
    sample, places, monkeypatch
):
    from wangge.inspections import places_roster

    monkeypatch.setattr(places_roster, "MAX_PLACES", 1)
    rosa = collect("community")
    xform, media = rosa.fetch_form("charging_facility")
    (only,) = rows(media["places.csv"])
    count = places_roster.places_in_scope(sample.users["community"]).count()
    assert count > 1
    assert only["name"] == "0"
    assert only["label"] == (
        f"您负责的场所有{count}个，超过名单上限1个，未下发；请在工作台从检查任务打开检查表"
    )
    xml, attachments = fill(xform, media, overrides=collect_answers("charging_facility", "0"))
    answer = rosa.submit(xml, attachments)
    assert answer.status == 400
    assert answer.message == (
        "所选的是场所名单的提示，不是场所，检查表未写入；请在工作台从检查任务打开检查表"
    )
    assert not Hazard.objects.exists()
    assert Submission.objects.get().status == SubmissionStatus.REFUSED
    # under the cap again, the list comes back (the cap is in the roster's cache key)
    monkeypatch.setattr(places_roster, "MAX_PLACES", 5000)
    _md5, data = places_file(rosa, "charging_facility")
    assert len(rows(data)) == count
