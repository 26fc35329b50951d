"""The shipped checklists compile as XLSForm forms with a photo required on a failed item, and a
filled checklist makes one hazard per failed item."""

from __future__ import annotations

import pytest

from wangge.core.errors import ServiceError
from wangge.forms.services import forms_for
from wangge.forms.xlsform import compile_xlsform
from wangge.inspections.checklists import CHECKLISTS, load_checklists, record_checklist, xlsform
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
