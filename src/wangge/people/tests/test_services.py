"""Household files, search and reveal: scoped to the actor, audited, masked unless revealed."""

import datetime

import pytest

from wangge.access.models import AuditEntry
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.testing import SampleDistrict
from wangge.people import services
from wangge.people.idnumber import make_id_number
from wangge.people.models import Person, Residence

pytestmark = pytest.mark.django_db


def test_household_file_lists_current_and_former_members(sample: SampleDistrict):
    household = sample.households[0]
    mover = sample.persons[4]  # lives in another household of the same grid
    services.move_person(
        sample.users["admin"], mover, household, relation="other", since=datetime.date(2024, 1, 1)
    )
    file = services.get_household_file(sample.users["grid"], household.pk)
    assert {r.person.pk for r in file.current} == {*[p.pk for p in sample.persons[:2]], mover.pk}
    previous = services.get_household_file(sample.users["community"], sample.households[2].pk)
    assert mover.pk in {r.person.pk for r in previous.former}
    assert Residence.objects.filter(person=mover).count() == 2


def test_household_outside_scope_is_not_found(sample: SampleDistrict):
    with pytest.raises(NotFound):
        services.get_household_file(sample.users["grid"], sample.households[-1].pk)


def test_opening_a_person_is_audited(sample: SampleDistrict):
    person = sample.persons[0]
    services.get_person(sample.users["community"], person.pk)
    entry = AuditEntry.objects.latest("pk")
    assert (entry.username, entry.action, entry.object_id) == ("community", "view", str(person.pk))


def test_search_by_id_number_phone_name_and_address(sample: SampleDistrict):
    admin = sample.users["admin"]
    person = sample.persons[3]
    assert services.search_people(admin, person.id_number.lower()) == [person]
    assert services.search_people(admin, f"+86 {person.phone[:3]} {person.phone[3:]}") == [person]
    assert person in services.search_people(admin, person.name[:1])
    by_address = services.search_people(admin, "幸福路10号3号楼2单元302")
    assert {p.pk for p in by_address} == {sample.persons[2].pk, sample.persons[3].pk}


@pytest.mark.parametrize(
    "text",
    ["幸福路十号三号楼二单元302室", "幸福路10号院3-2-302", "朝阳区幸福路10号3号楼2单元0302"],
)
def test_search_by_address_reads_it_as_the_registry_matcher_does(sample: SampleDistrict, text: str):
    found = services.search_people(sample.users["admin"], text)
    assert {p.pk for p in found} == {sample.persons[2].pk, sample.persons[3].pk}


def test_search_by_a_door_or_a_road_finds_everyone_there(sample: SampleDistrict):
    admin = sample.users["admin"]
    door = {p.pk for p in services.search_people(admin, "幸福路10号")}
    assert door == {p.pk for p in sample.persons[:4]}
    road = services.search_people(admin, "幸福路", limit=500)
    assert len(road) == len(sample.persons)
    # scoped like every search: the grid worker sees the road's residents of their grid only
    mine = services.search_people(sample.users["grid"], "幸福路", limit=500)
    assert {p.grid_id for p in mine} == {sample.grids[0].pk}


def test_an_address_the_registry_lacks_is_searched_as_a_name(sample: SampleDistrict):
    assert services.search_people(sample.users["admin"], "人民路5号") == []


def test_search_stays_within_scope(sample: SampleDistrict):
    outsider = sample.persons[-1]
    assert services.search_people(sample.users["grid"], outsider.id_number) == []
    names = {p.pk for p in services.search_people(sample.users["grid"], outsider.name)}
    assert outsider.pk not in names


def test_search_refuses_absurd_queries(sample: SampleDistrict):
    with pytest.raises(ServiceError, match="过长"):
        services.search_people(sample.users["admin"], "王" * 101)
    assert services.search_people(sample.users["admin"], "   ") == []


def test_reveal_needs_the_permission_and_is_audited(sample: SampleDistrict):
    person = sample.persons[0]
    with pytest.raises(Forbidden):
        services.reveal_identifiers(sample.users["grid"], person.pk)
    revealed = services.reveal_identifiers(sample.users["community"], person.pk)
    assert revealed.id_number == person.id_number
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "reveal" and entry.object_id == str(person.pk)


def test_reveal_outside_scope_is_not_found_even_with_the_permission(sample: SampleDistrict):
    with pytest.raises(NotFound):
        services.reveal_identifiers(sample.users["community"], sample.persons[-1].pk)


def test_a_number_someone_holds_is_never_given_to_a_second_person(sample: SampleDistrict):
    officer = sample.users["community"]
    holder = sample.persons[8]  # outside the officer's scope: the refusal names nobody
    assert services.person_with_id_number(holder.id_number) == holder
    spaced = f"{holder.id_number[:6]} {holder.id_number[6:14]} {holder.id_number[14:]}"
    assert services.person_with_id_number(spaced) == holder  # found by the blind index
    with pytest.raises(ServiceError) as refused:
        services.create_person(
            officer, {"name": "重复", "id_number": holder.id_number}, grid_id=sample.grids[0].pk
        )
    assert refused.value.message == "平台中已有该身份证号码的人员，未重复建档"
    assert holder.name not in refused.value.message
    index = services.id_number_index(holder.id_number)
    assert list(Person.objects.filter(id_number_index=index)) == [holder]
    assert services.person_with_id_number("") is None


def test_a_number_an_unpublished_import_is_writing_is_taken_but_its_person_not_shown(
    sample: SampleDistrict, settings
):
    """A ledger import's persons stay hidden until it publishes (core.hidden): their numbers
    are taken meanwhile (no second person), yet nothing is attached to the unpublished one."""
    from wangge.core import hidden

    settings.WANGGE_HIDDEN_CHECK_MS = 0
    officer = sample.users["community"]
    number = make_id_number("110105", datetime.date(1979, 3, 4), 71, "男")
    importing = Person.objects.create(name="导入中", id_number=number, grid=sample.grids[0])
    hidden.hide("batch-1", Person._meta.db_table, [importing.pk])

    with pytest.raises(services.IdNumberBeingImported) as busy:
        services.person_with_id_number(number)
    assert busy.value.message == "该身份证号码的人员正随台账导入，请在导入完成后再办理"
    with pytest.raises(services.IdNumberTaken):
        services.create_person(
            officer, {"name": "重复", "id_number": number}, grid_id=sample.grids[0].pk
        )
    assert (
        Person._base_manager.filter(id_number_index=services.id_number_index(number)).count() == 1
    )

    hidden.publish("batch-1")
    assert services.person_with_id_number(number) == importing
