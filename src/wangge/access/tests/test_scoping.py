"""One scoping mechanism: every model's policy answers the same for a queryset and a record."""

from __future__ import annotations

from typing import Any

import pytest

from wangge.access.models import AuditEntry
from wangge.access.scoping import POLICIES, Right, allows, require, scope_for, visible_to
from wangge.addresses.models import Building, Room, Unit
from wangge.core.errors import Forbidden
from wangge.core.testing import SampleDistrict
from wangge.geo.models import Region, StaffAssignment
from wangge.people.models import Household, Person, Residence

pytestmark = pytest.mark.django_db

MODELS: list[Any] = [Person, Household, Residence, Room, Building, Unit, Region, StaffAssignment]


@pytest.mark.parametrize("role", ["admin", "street", "community", "grid", "police", "nobody"])
def test_queryset_and_record_checks_agree_for_every_policy(role: str, sample: SampleDistrict):
    from wangge.cases.models import Case
    from wangge.cases.testing import build_sample_cases

    build_sample_cases(sample)
    user = sample.users[role]
    for model in [*MODELS, Case]:
        assert model._meta.label_lower in POLICIES
        for right in POLICIES[model._meta.label_lower].rules:
            seen = set(visible_to(user, model.objects.all(), right).values_list("pk", flat=True))
            every = list(model.objects.all())
            assert every, model
            assert seen == {o.pk for o in every if allows(user, o, right)}, (model, right)


def test_change_rights_follow_the_role(sample: SampleDistrict):
    person = sample.persons[0]  # 幸福一村 第1网格
    other = sample.persons[-1]  # 金台里 第2网格
    for role in ("admin", "street", "community", "grid"):
        assert allows(sample.users[role], person, Right.CHANGE), role
    for role in ("community", "grid", "nobody"):
        assert not allows(sample.users[role], other, Right.CHANGE), role
    # a department handler's street is for its cases: it neither reads nor changes the
    # residents' files there (least privilege); the buildings stay on its map
    police = sample.users["police"]
    assert not allows(police, other, Right.VIEW) and not allows(police, other, Right.CHANGE)
    home = other.household
    assert home is not None and home.room is not None
    assert not allows(police, home, Right.VIEW)
    assert allows(police, home.room, Right.VIEW)


def test_unplaced_records_belong_to_the_district(sample: SampleDistrict):
    unplaced = Person.objects.create(name="未落点")
    assert allows(sample.users["admin"], unplaced, Right.CHANGE)
    for role in ("street", "community", "grid", "police"):
        assert not allows(sample.users[role], unplaced, Right.VIEW), role
        assert not allows(sample.users[role], unplaced, Right.CHANGE), role
    assert scope_for(sample.users["admin"]).writes_unplaced
    assert not scope_for(sample.users["street"]).writes_unplaced


def test_refusals_raise_and_are_logged(sample: SampleDistrict):
    other = sample.persons[-1]
    before = AuditEntry.objects.filter(action="refused").count()
    with pytest.raises(Forbidden):
        require(sample.users["community"], other, Right.CHANGE)
    entry = AuditEntry.objects.filter(action="refused").order_by("pk").last()
    assert AuditEntry.objects.filter(action="refused").count() == before + 1
    assert entry is not None and entry.object_id == str(other.pk)
    assert entry.detail == {"right": "change"} and entry.username == "community"
    require(sample.users["community"], sample.persons[0], Right.CHANGE)  # in scope: no error
