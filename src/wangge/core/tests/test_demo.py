"""The demo generator: realistic enough to trust what the platform shows about it.

Each check guards something a demo user or a benchmark relies on: the same seed gives the same
people, a second run changes nothing, every ID number is valid and agrees with the person's
gender and birth date, buildings lie in their grid, grids tile their community, and each demo
account sees only its own region.
"""

from __future__ import annotations

import datetime
import itertools
from collections import Counter, defaultdict

import pytest
import shapely
from django.contrib.auth import get_user_model

from wangge.access.audit import verify_chain
from wangge.access.models import AuditEntry
from wangge.addresses.models import Building, Room, RoomUse
from wangge.core.demo import (
    DEMO_PASSWORD,
    REFERENCE_DATE,
    DemoExists,
    DemoSummary,
    build_demo,
)
from wangge.fusion.demo import _NEWCOMERS
from wangge.fusion.demo import LABEL as DEMO_LEDGER
from wangge.fusion.models import BatchStatus, ImportBatch
from wangge.fusion.services import undo_batch
from wangge.geo.models import Region, RegionLevel, StaffAssignment, StaffPost
from wangge.geo.pointindex import GridIndex
from wangge.people.demo_district import DemoGenerator
from wangge.people.idnumber import check_id_number
from wangge.people.models import Household, Person, Residence, ResidenceType

pytestmark = pytest.mark.django_db

SIZE = 300
SEED = 20201


@pytest.fixture
def demo() -> DemoSummary:
    return build_demo(size=SIZE, seed=SEED)


def _snapshot() -> list[tuple[str, str, str, str]]:
    return sorted(
        Person.objects.values_list(
            "name", "id_number", "household__room__address_code", "grid__code"
        )
    )


def test_builds_the_district(demo: DemoSummary) -> None:
    summary = build_demo(size=SIZE, seed=SEED)
    counts = summary.counts
    assert counts["communities"] == 5
    assert 15 <= counts["grids"] <= 30
    # the generated residents, and the newcomers of the demo's imported ledger
    assert counts["residents"] == SIZE + len(_NEWCOMERS)
    assert counts["rooms"] >= counts["households"] > 0
    assert counts["rented_rooms"] > 0
    assert {a.username for a in summary.accounts} == {
        "admin",
        "street",
        "community",
        "grid",
        "police",
    }
    names = dict(Region.objects.filter(level=RegionLevel.COMMUNITY).values_list("code", "name"))
    assert names["110105001001"] == "幸福一村社区"
    assert names["110105001005"] == "呼家楼社区"
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_staff and admin.check_password(DEMO_PASSWORD)
    # Staff status must not let the demo admin make itself superuser in the Django admin.
    assert not admin.is_superuser and not admin.has_perm("auth.change_user")
    assert admin.has_perm("people.change_person") and admin.has_perm("audit.view_auditentry")
    grid_user = get_user_model().objects.get(username="grid")
    worker = StaffAssignment.objects.get(user=grid_user)
    assert worker.post == StaffPost.GRID_WORKER and worker.region.code == "110105001001001"
    for grid in Region.objects.filter(level=RegionLevel.GRID):
        posts = Counter(grid.staff.values_list("post", flat=True))
        assert posts[StaffPost.GRID_LEADER] == 1
        assert 1 <= posts[StaffPost.GRID_WORKER] <= 2
        assert posts[StaffPost.POLICE] == 1 and posts[StaffPost.DOCTOR] == 1
    assert AuditEntry.objects.filter(action="import", object_type="demo").count() == 1


def test_same_seed_same_data() -> None:
    first, second = DemoGenerator(SIZE, 7), DemoGenerator(SIZE, 7)
    assert first.regions() == second.regions()
    assert first.staff() == second.staff()
    for a, b in itertools.zip_longest(first.batches(), second.batches()):
        assert a == b
    other = DemoGenerator(SIZE, 8)
    assert [p.name for b in other.batches() for p in b.persons] != [
        p.name for b in first.batches() for p in b.persons
    ]

    build_demo(size=SIZE, seed=7)
    before = _snapshot()
    build_demo(size=SIZE, seed=7, reset=True)
    assert _snapshot() == before


def test_second_run_changes_nothing(demo: DemoSummary) -> None:
    before = (_snapshot(), Building.objects.count(), Residence.objects.count())
    entries = AuditEntry.objects.count()
    summary = build_demo(size=SIZE, seed=SEED)
    assert not summary.created
    assert (_snapshot(), Building.objects.count(), Residence.objects.count()) == before
    assert AuditEntry.objects.count() == entries
    assert summary.message.endswith("未做任何改动")


def test_a_second_run_says_what_it_put_back(demo: DemoSummary) -> None:
    """The demo ledger's import undone (a fuzzer did it): the run imports it again and says
    so, not 未做任何改动."""
    batch = ImportBatch.objects.get(label=DEMO_LEDGER, status=BatchStatus.COMMITTED)
    undo_batch(get_user_model().objects.get(username="community"), batch.pk)
    summary = build_demo(size=SIZE, seed=SEED)
    assert not summary.created
    assert "已重新导入" in summary.message and "未做任何改动" not in summary.message
    assert ImportBatch.objects.filter(label=DEMO_LEDGER, status=BatchStatus.COMMITTED).exists()


def test_other_size_needs_reset(demo: DemoSummary) -> None:
    with pytest.raises(DemoExists):
        build_demo(size=SIZE + 100, seed=SEED)
    summary = build_demo(size=SIZE + 100, seed=SEED, reset=True)
    assert summary.created
    assert Region.objects.filter(code="110105").count() == 1
    assert Person.objects.count() == summary.counts["residents"]
    assert get_user_model().objects.filter(username="grid").count() == 1


def test_reset_keeps_the_audit_chain_intact(demo: DemoSummary) -> None:
    build_demo(size=SIZE + 50, seed=SEED, reset=True)
    checked, problem = verify_chain()
    assert problem is None and checked > 0


def test_never_takes_over_a_real_account_named_admin() -> None:
    real = get_user_model().objects.create_user("admin", password="real-secret-1")
    with pytest.raises(DemoExists):
        build_demo(size=SIZE, seed=SEED)
    real.refresh_from_db()
    assert real.check_password("real-secret-1")
    assert not Region.objects.filter(code="110105").exists()


def test_never_touches_a_district_it_did_not_build() -> None:
    Region.objects.create(code="110105", name="朝阳区", level=RegionLevel.DISTRICT)
    with pytest.raises(DemoExists):
        build_demo(size=SIZE, seed=SEED, reset=True)


def test_id_numbers_valid_and_consistent(demo: DemoSummary) -> None:
    persons = list(Person.objects.all())
    seen = set()
    for person in persons:
        check = check_id_number(person.id_number, today=REFERENCE_DATE)
        assert check.valid, (person.name, person.id_number, check.reason)
        assert check.gender == person.gender
        assert check.birth_date == person.birth_date
        seen.add(check.normalized)
        if person.residence_type == ResidenceType.OVERSEAS:
            assert person.id_number[:2] in {"81", "82", "83"}
    assert len(seen) == len(persons)
    registered = [p for p in persons if p.residence_type == ResidenceType.REGISTERED]
    assert sum(p.id_number.startswith("11") for p in registered) > 0.7 * len(registered)


def test_buildings_inside_their_grid(demo: DemoSummary) -> None:
    grids = list(Region.objects.filter(level="grid"))
    polygons = {r.pk: shapely.from_geojson(r.boundary) for r in grids}
    buildings = list(Building.objects.select_related("grid"))
    for building in buildings:
        assert building.grid_id is not None
        assert polygons[building.grid_id].contains(shapely.Point(building.lon, building.lat))
        assert building.grid.parent_id == building.community_id
    # The platform's own point-in-grid lookup agrees, so a re-assignment would move nobody.
    index = GridIndex([(r.code, polygons[r.pk]) for r in grids])
    located = index.locate_codes([b.lon for b in buildings], [b.lat for b in buildings])
    assert located == [b.grid.code for b in buildings]
    for room in Room.objects.select_related("building"):
        assert room.grid_id == room.building.grid_id
    for household in Household.objects.select_related("room"):
        assert household.room is not None and household.grid_id == household.room.grid_id


def test_regions_nested_and_non_overlapping(demo: DemoSummary) -> None:
    regions = {r.code: r for r in Region.objects.all()}
    shapes = {code: shapely.from_geojson(r.boundary) for code, r in regions.items()}
    assert all(shape.is_valid for shape in shapes.values())
    children = defaultdict(list)
    for code, region in regions.items():
        if region.parent is not None:
            parent = region.parent.code
            assert code.startswith(parent)
            assert shapes[parent].covers(shapes[code]), code
            children[parent].append(shapes[code])
        assert region.centroid_lon is not None
        assert shapes[code].contains(shapely.Point(region.centroid_lon, region.centroid_lat))
    for parent, kids in children.items():
        assert shapely.coverage_is_valid(kids), parent
        if regions[parent].level != RegionLevel.DISTRICT:
            assert sum(k.area for k in kids) == pytest.approx(shapes[parent].area, rel=1e-9)
    minx, miny, maxx, maxy = shapes["110105001"].bounds
    assert 116.43 < minx < maxx < 116.49 and 39.89 < miny < maxy < 39.94


def test_population_looks_like_a_beijing_street(demo: DemoSummary) -> None:
    persons = list(Person.objects.select_related("household"))
    floating = [p for p in persons if p.residence_type == ResidenceType.FLOATING]
    assert 0.30 <= len(floating) / len(persons) <= 0.50
    in_rentals = [p for p in persons if p.household and p.household.is_rental]
    share_rentals = sum(p in floating for p in in_rentals) / len(in_rentals)
    assert share_rentals > 0.6 > len(floating) / len(persons)
    for p in floating:
        assert p.registered_residence and not p.registered_residence.startswith("北京")
    current = Residence.objects.filter(until__isnull=True)
    assert current.count() == len(persons)
    assert all(r.household_id == r.person.household_id for r in current.select_related("person"))
    ended = list(Residence.objects.filter(until__isnull=False))
    assert ended and len(ended) < 0.12 * len(persons)
    for residence in ended:
        later = Residence.objects.get(person=residence.person_id, until__isnull=True)
        assert residence.since and residence.until and later.since
        assert residence.since < residence.until < later.since
        assert residence.household_id != later.household_id
    for household in Household.objects.all():
        assert household.head is not None and household.head.household_id == household.pk
    rented = set(Room.objects.filter(use=RoomUse.RENTED).values_list("pk", flat=True))
    assert all(h.room_id in rented for h in Household.objects.filter(is_rental=True))
    # Family members may share a phone; strangers never do.
    households_by_phone = defaultdict(set)
    for p in persons:
        if p.phone:
            households_by_phone[p.phone].add(p.household_id)
    assert all(len(h) == 1 for h in households_by_phone.values())
    sizes = Counter(p.household_id for p in persons)
    for person in Person.objects.filter(tags__code="elderly_alone"):
        assert person.age(REFERENCE_DATE) >= 70 and sizes[person.household_id] == 1
    today = datetime.date.today()
    assert all(p.birth_date and p.birth_date <= today for p in persons)


def test_each_account_sees_only_its_region(demo: DemoSummary) -> None:
    users = get_user_model().objects.in_bulk(
        ["admin", "street", "community", "grid", "police"], field_name="username"
    )
    expected = {
        "admin": "110105",
        "street": "110105001",
        "community": "110105001001",
        "grid": "110105001001001",
    }
    total = Person.objects.count()
    # the station's handler is posted on the street for its cases, not its residents' files
    assert not Person.objects.visible_to(users["police"]).exists()
    for username, code in expected.items():
        visible = Person.objects.visible_to(users[username])
        inside = Person.objects.filter(grid__code__startswith=code)
        assert set(visible.values_list("pk", flat=True)) == set(inside.values_list("pk", flat=True))
        assert visible.exists()
        if username == "grid":
            assert visible.count() < total


def test_building_leaders_live_in_their_building() -> None:
    build_demo(size=1500, seed=SEED)  # at 300 the grids are too small for many 楼房
    leaders = list(StaffAssignment.objects.filter(post=StaffPost.BUILDING_LEADER))
    assert leaders
    for leader in leaders:
        assert leader.region.level == RegionLevel.GRID
        label = leader.duties.split("楼栋长")[0]
        homes = Person.objects.filter(name=leader.name, phone_index=leader.phone_index)
        assert any(
            p.household.room.building.label == label and p.grid_id == leader.region_id
            for p in homes.select_related("household__room__building")
        ), (leader.name, label)


def test_address_search_finds_the_residents_of_every_demo_lane(demo: DemoSummary) -> None:
    """Every lane, road and courtyard of the demo street: searching a door finds everyone
    living behind it, and searching an occupied room's address finds its residents (the
    registry matcher reads 幸福一村一巷 as 幸福一村1巷 and 新东路头条 as one lane)."""
    from wangge.people.services import search_people

    admin = get_user_model().objects.get(username="admin")
    residents: dict[int, set[int]] = defaultdict(set)
    for pk, room_id in Person.objects.exclude(household=None).values_list(
        "pk", "household__room_id"
    ):
        residents[room_id].add(pk)
    lanes = set()
    for building in Building.objects.prefetch_related("rooms__unit"):
        lanes.add(building.road)
        at_door = set().union(*(residents[r.pk] for r in building.rooms.all()))
        door = f"{building.road}{building.number}号"
        found = {p.pk for p in search_people(admin, door, limit=1000)}
        assert at_door <= found, door
        for room in building.rooms.all():
            if residents[room.pk]:
                found = {p.pk for p in search_people(admin, room.label, limit=1000)}
                assert found == residents[room.pk], room.label
    assert {"新东路头条", "幸福一村一巷"} <= lanes
