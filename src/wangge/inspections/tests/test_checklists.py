"""The shipped checklists compile as XLSForm forms with a photo required on a failed item, and a
filled checklist makes one hazard per failed item."""

from __future__ import annotations

import shutil

import pytest

from wangge.core.errors import ServiceError
from wangge.forms.services import forms_for
from wangge.forms.xlsform import compile_xlsform
from wangge.inspections.checklists import (
    CHECKLISTS,
    VERSION,
    load_checklists,
    record_checklist,
    xlsform,
)
from wangge.inspections.models import Hazard, HazardCategory, Place
from wangge.inspections.testing import photo


@pytest.mark.parametrize("code", sorted(CHECKLISTS))
def test_each_checklist_compiles_with_a_required_photo_when_an_item_fails(code):
    compiled = compile_xlsform(xlsform(code), f"{code}.md")
    assert compiled.code == code
    first = CHECKLISTS[code].items[0].name
    assert f"/data/{first}_photo" in compiled.xform
    assert f"/data/{first}  = 'fail'" in compiled.xform
    assert 'required="true()"' in compiled.xform


@pytest.mark.parametrize("code", sorted(CHECKLISTS))
def test_each_checklist_asks_for_its_place_from_the_places_roster_unless_a_task_fills_it(code):
    compiled = compile_xlsform(xlsform(code), f"{code}.md")
    assert compiled.media == ["places.csv"]  # so its manifest lists the roster
    place = next(q for q in compiled.questions if q.name == "place")
    assert place.type == "select one from file"
    assert (
        '<bind nodeset="/data/place" type="string" required="true()"'
        " relevant=\" /data/task_id  = '' and  /data/place_id  = ''\"/>"
    ) in compiled.xform


@pytest.mark.skipif(shutil.which("java") is None, reason="ODK Validate runs on Java")
def test_odk_validate_accepts_every_checklist(tmp_path):
    """ODK Validate (pyxform's bundled JavaRosa checker, what Collect's form parser is) loads
    each checklist: its expressions, the places.csv itemset and the binds."""
    from pyxform.validators.odk_validate import ODKValidateError, check_xform

    for code in sorted(CHECKLISTS):
        path = tmp_path / f"{code}.xml"
        path.write_text(compile_xlsform(xlsform(code), f"{code}.md").xform, encoding="utf-8")
        try:
            warnings = check_xform(str(path))
        except ODKValidateError as exc:
            pytest.fail(f"{code}: {exc}")
        assert warnings == [], (code, warnings)


def test_loaded_checklists_are_offered_to_grid_workers(sample):
    load_checklists()
    offered = set(forms_for(sample.users["grid"]).values_list("form__code", flat=True))
    assert set(CHECKLISTS) <= offered


def test_a_filled_checklist_makes_a_hazard_per_failed_item(sample, places):
    grid = sample.users["grid"]
    place = places.places[0]
    answers = {i.name: "pass" for i in CHECKLISTS["fire_rental_site"].items}
    answers |= {"partition": "fail", "ebike": "fail", "ebike_note": "楼道里三辆在充电"}
    with pytest.raises(ServiceError, match="不合格项必须拍照"):
        record_checklist(grid, place, "fire_rental_site", answers, {"partition_photo": photo()})
    made = record_checklist(
        grid,
        place,
        "fire_rental_site",
        answers,
        {"partition_photo": photo(), "ebike_photo": photo()},
    )
    assert [h.category for h in made] == [
        HazardCategory.PARTITION,
        HazardCategory.EBIKE_CHARGING,
    ]
    assert made[0].severity == "serious" and "楼道里三辆在充电" in made[1].description
    assert all(h.photos.count() == 1 for h in made)
    passed = {i.name: "pass" for i in CHECKLISTS["flood_risk"].items}
    assert record_checklist(grid, place, "flood_risk", passed, {}) == []
    assert Place.objects.get(pk=place.pk).last_checked_at is not None
    assert Hazard.objects.count() == 2


def test_an_item_answered_with_neither_pass_nor_fail_is_refused_naming_the_item(sample, places):
    """`maybe` is not read as passed: the item, the value and the choices are named."""
    answers = {i.name: "pass" for i in CHECKLISTS["fire_rental_site"].items} | {"ebike": "maybe"}
    with pytest.raises(ServiceError) as refused:
        record_checklist(sample.users["grid"], places.places[0], "fire_rental_site", answers, {})
    assert "第3项（电动自行车未在室内、楼道停放或充电）" in refused.value.message
    assert (
        "“maybe”" in refused.value.message
        and "pass（合格）、fail（不合格）" in refused.value.message
    )
    assert not Hazard.objects.exists()


def test_a_checklist_form_with_a_notice_kind_the_server_does_not_know_is_refused_at_upload(sample):
    """An XLSForm uploaded as a checklist (its form_id one of the checklists') whose notice
    choices hold a kind the applier would not know is refused, naming the choices row."""
    from wangge.forms.services import upload_form

    source = xlsform("fire_rental_site").decode()
    crafted = source.replace(
        "| | notice_kind | deadline | 责令限期改正 |",
        "| | notice_kind | deadline | 责令限期改正 |\n| | notice_kind | suspend | 责令停业 |",
    ).replace(f"| {VERSION} |", "| 2099010101 |")
    with pytest.raises(ServiceError) as refused:
        upload_form(sample.users["admin"], crafted.encode(), "fire_rental_site.md")
    message = refused.value.message
    assert "choices表" in message and "notice_kind" in message and "“suspend”" in message
    assert "none（暂不下达）、immediate（责令立即改正）、deadline（责令限期改正）" in message
    # the shipped definition itself passes the same check
    assert upload_form(sample.users["admin"], xlsform("fire_rental_site"), "x.md").version
