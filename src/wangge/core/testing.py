"""A small, fully known district for tests: two communities, four grids, people in each.

Tests across apps share it so that "who sees what" is asserted against one picture:

    110105 朝阳区 ─ 110105001 京广路街道 ─┬─ 110105001001 幸福一村社区 ─┬─ …001001 第1网格 (x 0-1)
                                          │                             └─ …001002 第2网格 (x 1-2)
                                          └─ 110105001002 金台里社区 ───┬─ …002001 第1网格 (x 2-3)
                                                                        └─ …002002 第2网格 (x 3-4)
Each grid has one building with two rooms; each room one household of two persons.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from wangge.access.models import Role
from wangge.access.services import assign_role
from wangge.addresses.models import Building, Room, RoomUse, Unit
from wangge.geo.models import Region, RegionLevel, StaffAssignment, StaffPost
from wangge.people.idnumber import make_id_number
from wangge.people.models import Household, Person, Relation, Residence, ResidenceType, Tag

# The smallest real PNG (1×1 red pixel): it decodes, as every uploaded photo must
# (core.images.check_image).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xffV\xc7/\r\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)

PASSWORD = "test-pass-123"
LON0, LAT0 = 116.40, 39.90
STEP = 0.01


def square(x0: float, x1: float, y0: float = 0.0, y1: float = 1.0) -> str:
    ring = [
        [LON0 + x0 * STEP, LAT0 + y0 * STEP],
        [LON0 + x1 * STEP, LAT0 + y0 * STEP],
        [LON0 + x1 * STEP, LAT0 + y1 * STEP],
        [LON0 + x0 * STEP, LAT0 + y1 * STEP],
        [LON0 + x0 * STEP, LAT0 + y0 * STEP],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


@dataclass
class SampleDistrict:
    district: Region
    street: Region
    communities: list[Region]
    grids: list[Region]
    persons: list[Person] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    buildings: list[Building] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)

    def persons_in(self, region: Region) -> set[int]:
        return {p.pk for p in self.persons if p.grid and p.grid.code.startswith(region.code)}


def _region(code: str, name: str, level: str, parent: Region | None, boundary: str) -> Region:
    return Region.objects.create(
        code=code, name=name, level=level, parent=parent, boundary=boundary
    )


def build_sample_district() -> SampleDistrict:
    district = _region("110105", "朝阳区", RegionLevel.DISTRICT, None, square(-1, 5, -1, 2))
    street = _region("110105001", "京广路街道", RegionLevel.STREET, district, square(0, 4))
    communities = [
        _region("110105001001", "幸福一村社区", RegionLevel.COMMUNITY, street, square(0, 2)),
        _region("110105001002", "金台里社区", RegionLevel.COMMUNITY, street, square(2, 4)),
    ]
    grids = []
    for c_index, community in enumerate(communities):
        for g in range(2):
            x = c_index * 2 + g
            grids.append(
                _region(
                    f"{community.code}{g + 1:03d}",
                    f"第{g + 1}网格",
                    RegionLevel.GRID,
                    community,
                    square(x, x + 1),
                )
            )
    sample = SampleDistrict(district, street, communities, grids)
    tag = Tag.objects.create(code="elderly_alone", name="独居老人")
    surnames = "王李张刘陈杨黄赵"
    for g_index, grid in enumerate(grids):
        StaffAssignment.objects.create(
            region=grid, post=StaffPost.GRID_WORKER, name=f"网格员{g_index}", phone="13900000000"
        )
        lon = LON0 + (g_index + 0.5) * STEP
        building = Building.objects.create(
            community=communities[g_index // 2],
            grid=grid,
            road="幸福路",
            number=str(10 + g_index),
            name="3",
            lon=lon,
            lat=LAT0 + 0.5 * STEP,
        )
        sample.buildings.append(building)
        unit = Unit.objects.create(building=building, name="2")
        for r_index, room_name in enumerate(["301", "302"]):
            room = Room.objects.create(
                address_code=f"{grid.code}{r_index:04d}",
                building=building,
                unit=unit,
                name=room_name,
                use=RoomUse.RENTED if r_index else RoomUse.OWNER_OCCUPIED,
                grid=grid,
                lon=lon,
                lat=LAT0 + 0.5 * STEP,
            )
            household = Household.objects.create(room=room, grid=grid, is_rental=bool(r_index))
            sample.households.append(household)
            for m_index in range(2):
                n = len(sample.persons)
                birth = datetime.date(1950 + n, 1 + n % 12, 1 + n % 28)
                gender = "男" if m_index == 0 else "女"
                person = Person.objects.create(
                    name=f"{surnames[n % len(surnames)]}测{n}",
                    id_number=make_id_number("110105", birth, 100 + n, gender),
                    gender=gender,
                    birth_date=birth,
                    phone=f"139{n:08d}",
                    residence_type=(
                        ResidenceType.FLOATING if r_index else ResidenceType.REGISTERED
                    ),
                    grid=grid,
                    household=household,
                )
                Residence.objects.create(
                    person=person,
                    household=household,
                    relation=Relation.HEAD if m_index == 0 else Relation.SPOUSE,
                    since=datetime.date(2015, 1, 1),
                )
                if m_index == 0:
                    household.head = person
                    household.save(update_fields=["head"])
                if n % 5 == 0:
                    person.tags.add(tag)
                sample.persons.append(person)
    sample.users = make_role_users(sample)
    return sample


def make_role_users(sample: SampleDistrict) -> dict[str, Any]:
    user_model = get_user_model()
    plan = {
        "admin": (Role.DISTRICT_ADMIN, sample.district, ""),
        "street": (Role.STREET_OFFICER, sample.street, ""),
        "community": (Role.COMMUNITY_OFFICER, sample.communities[0], ""),
        "grid": (Role.GRID_WORKER, sample.grids[0], ""),
        "police": (Role.DEPARTMENT_HANDLER, sample.communities[1], "派出所"),
    }
    users: dict[str, Any] = {}
    for username, (role, region, department) in plan.items():
        user = user_model.objects.create_user(username=username, password=PASSWORD)
        assign_role(None, user, role, region, department=department)
        users[username] = user
    users["nobody"] = user_model.objects.create_user(username="nobody", password=PASSWORD)
    return users


def english_client(user: Any) -> Client:
    """A test client logged in as ``user`` who chose English with the 中文/English switch (the
    ``django_language`` cookie), as the English-mode tests of every app need one."""
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client
