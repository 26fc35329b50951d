"""The demo district's pure generator: from ``(size, seed)`` alone, with no database access, the
region geometry, staff and a stream of batches of buildings, rooms, households, persons and
residences as plain rows.

Why it exists: a grid-governance platform cannot be judged on an empty database, and benchmarks
need the shape of real data (irregular grids, 楼房 and 平房院落, families and group rentals, ~40%
floating population, duplicate names such as 王伟) at up to 500,000 residents. Every random draw
comes from generators seeded by ``seed``, and ages are taken at the fixed ``REFERENCE_DATE``, so
the same seed gives the same names, ID numbers and addresses on any day.

It lives with people because households and residents are what it models; the rows are written
by each app's own demo module (geo, addresses, people: see core.demo for the order).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from wangge.addresses.demo import BuildingRow, RoomRow
from wangge.addresses.models import BuildingKind, RoomUse
from wangge.core.demo import BATCH_SIZE, DISTRICT_CODE, MIN_SIZE, REFERENCE_DATE, STREET_CODE
from wangge.core.errors import ServiceError
from wangge.geo.demo import _KX, RegionRow, StaffRow, _centroid, _geojson, _layout
from wangge.geo.models import RegionLevel, StaffPost
from wangge.people.demo import HouseholdRow, PersonRow, ResidenceRow
from wangge.people.demo_catalogues import (
    _COMMUNITIES,
    _COURTYARD_ROOMS,
    _DUTIES,
    _HEALTH_CENTRE,
    _MAIN_ROADS,
    _MONGOLIAN_GIVEN,
    _POLICE_STATION,
    _CommunityPlan,
)
from wangge.people.demo_residents import Member, Residents, age_at_reference
from wangge.people.idnumber import make_id_number
from wangge.people.models import Relation, ResidenceType

_EXPECTED_PER_ROOM = 2.25  # residents per room, averaged over uses; sizes the last building


@dataclass
class Batch:
    buildings: list[BuildingRow] = field(default_factory=list)
    rooms: list[RoomRow] = field(default_factory=list)
    households: list[HouseholdRow] = field(default_factory=list)
    persons: list[PersonRow] = field(default_factory=list)
    residences: list[ResidenceRow] = field(default_factory=list)
    staff: list[StaffRow] = field(default_factory=list)  # 楼栋长 of the batch's buildings


@dataclass(frozen=True)
class _GridPlan:
    code: str
    community: _CommunityPlan
    community_code: str
    polygon: BaseGeometry
    target: int


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split total in proportion to weights, in whole numbers that add up to total exactly.

    Largest remainders, so ``--size 500000`` means 500,000 residents, not "about".
    """
    scale = total / sum(weights)
    shares = [w * scale for w in weights]
    whole = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: whole[i] - shares[i])
    for i in by_remainder[: total - sum(whole)]:
        whole[i] += 1
    return whole


class DemoGenerator:
    """Everything the demo contains, from (size, seed) alone: no database access.

    ``regions()`` and ``staff()`` are small lists; ``batches()`` streams the address registry and
    population in batches of about ``BATCH_SIZE`` persons, so 500,000 residents never sit in
    memory at once. Keys are 0-based running numbers; the writer turns them into primary keys.
    """

    def __init__(self, size: int, seed: int) -> None:
        if size < MIN_SIZE:
            raise ServiceError(f"演示数据规模至少为{MIN_SIZE}人")
        self.size = size
        self.seed = seed
        geo_rng = np.random.default_rng(seed)
        plan_rng = random.Random(f"{seed}/plan")
        # Real grids hold a few hundred households; a demo with many residents gets more grids.
        scale = round(size / len(_COMMUNITIES) / 1500)
        self._grid_counts = [max(plan_rng.randint(3, 6), scale) for _ in _COMMUNITIES]
        self._layout = _layout(geo_rng, self._grid_counts)
        weights = [[plan_rng.uniform(0.6, 1.4) for _ in grids] for grids in self._layout.grids]
        targets = iter(_apportion(size, [w for grid_weights in weights for w in grid_weights]))
        self._grids: list[_GridPlan] = []
        for c_index, (plan, polys) in enumerate(zip(_COMMUNITIES, self._layout.grids, strict=True)):
            community_code = f"{STREET_CODE}{c_index + 1:03d}"
            for g_index, poly in enumerate(polys):
                self._grids.append(
                    _GridPlan(
                        f"{community_code}{g_index + 1:03d}",
                        plan,
                        community_code,
                        poly,
                        next(targets),
                    )
                )
        self._residents = Residents()

    # -- regions and staff ------------------------------------------------------------------

    def regions(self) -> list[RegionRow]:
        layout = self._layout
        rows = [
            RegionRow(
                DISTRICT_CODE, "朝阳区", RegionLevel.DISTRICT, None,
                _geojson(layout.district), *_centroid(layout.district),
            ),
            RegionRow(
                STREET_CODE, "京广路街道", RegionLevel.STREET, DISTRICT_CODE,
                _geojson(layout.street), *_centroid(layout.street),
            ),
        ]  # fmt: skip
        for c_index, (plan, poly) in enumerate(zip(_COMMUNITIES, layout.communities, strict=True)):
            code = f"{STREET_CODE}{c_index + 1:03d}"
            rows.append(
                RegionRow(
                    code, plan.name, RegionLevel.COMMUNITY, STREET_CODE,
                    _geojson(poly), *_centroid(poly),
                )
            )  # fmt: skip
        for grid in self._grids:
            rows.append(
                RegionRow(
                    grid.code, f"第{int(grid.code[-3:])}网格", RegionLevel.GRID,
                    grid.community_code, _geojson(grid.polygon), *_centroid(grid.polygon),
                )
            )  # fmt: skip
        return rows

    def staff(self) -> list[StaffRow]:
        """定人定岗: per grid 网格长, 网格员, 片警, 片医; per community 物业 and 志愿者.

        楼栋长 are residents of their building, so they come with the buildings in ``batches()``.
        """
        rng = random.Random(f"{self.seed}/staff")
        rows: list[StaffRow] = []
        phones: set[int] = set()

        def add(region: str, post: str, department: str, age: tuple[int, int] = (24, 55)) -> None:
            gender = "男" if rng.random() < 0.5 else "女"
            birth = self._residents.birth(rng, *age)
            rows.append(
                StaffRow(
                    region, post, self._residents.name(rng, gender, birth), department,
                    self._residents.mobile(rng, phones), _DUTIES[post],
                )
            )  # fmt: skip

        for c_index, plan in enumerate(_COMMUNITIES):
            community_code = f"{STREET_CODE}{c_index + 1:03d}"
            committee = f"{plan.name.removesuffix('社区')}社区居委会"
            for grid in (g for g in self._grids if g.community_code == community_code):
                add(grid.code, StaffPost.GRID_LEADER, committee, (32, 55))
                for _ in range(rng.randint(1, 2)):
                    add(grid.code, StaffPost.GRID_WORKER, committee)
                add(grid.code, StaffPost.POLICE, _POLICE_STATION, (26, 50))
                add(grid.code, StaffPost.DOCTOR, _HEALTH_CENTRE, (28, 58))
            extra = self.size // 25000
            for _ in range(rng.randint(1, 2) + extra // 4):
                add(community_code, StaffPost.PROPERTY, plan.property_company)
            for _ in range(rng.randint(3, 8) + extra):
                add(community_code, StaffPost.VOLUNTEER, f"{plan.name}志愿服务队", (18, 72))
        return rows

    # -- population -------------------------------------------------------------------------

    def batches(self, batch_persons: int = BATCH_SIZE) -> Iterator[Batch]:
        """The address registry and population, building by building, in batches."""
        state = _State(rng=random.Random(f"{self.seed}/people"))
        # Staff phones are drawn from their own stream; residents must not get one of them.
        state.phones.update(int(row.phone) for row in self.staff())
        batch = Batch()
        for grid in self._grids:
            placer = _Placer(grid.polygon, random.Random(f"{self.seed}/place/{grid.code}"))
            remaining = grid.target
            building_index = 0
            while remaining > 0:
                before = state.persons
                self._building(state, grid, placer, building_index, remaining, batch)
                building_index += 1
                remaining -= state.persons - before
                if len(batch.persons) >= batch_persons:
                    yield batch
                    batch = Batch()
        if batch.persons or batch.buildings:
            yield batch

    def _building(
        self,
        state: _State,
        grid: _GridPlan,
        placer: _Placer,
        index: int,
        remaining: int,
        batch: Batch,
    ) -> None:
        rng = state.rng
        plan = grid.community
        courtyard = rng.random() < plan.courtyard_share or remaining < 45
        lon, lat = placer.place()
        if courtyard:
            road = rng.choice(plan.lanes)
            number = state.next_number(road, rng)
            room_count = rng.randint(3, 9)
            if room_count * _EXPECTED_PER_ROOM > remaining * 1.3:
                room_count = max(1, round(remaining / _EXPECTED_PER_ROOM))
            names = list(_COURTYARD_ROOMS[:4]) + rng.sample(_COURTYARD_ROOMS[4:], 9)
            layout: list[tuple[str | None, str, int]] = [
                (None, name, 1) for name in sorted(names[:room_count], key=_COURTYARD_ROOMS.index)
            ]
            units: tuple[str, ...] = ()
            kind, name = BuildingKind.COURTYARD, ""
        else:
            floors = rng.randint(6, 18)
            unit_count = rng.randint(2, 4)
            per_floor = rng.randint(2, 4)
            capacity = remaining * 1.15 / _EXPECTED_PER_ROOM
            while floors * unit_count * per_floor > capacity:
                if floors > 6:
                    floors = max(6, floors - 2)
                elif unit_count > 2:
                    unit_count -= 1
                elif per_floor > 2:
                    per_floor -= 1
                else:
                    break
            road, number, name = state.compound_building(grid.code, plan, rng)
            units = tuple(str(u) for u in range(1, unit_count + 1))
            layout = [
                (unit, f"{floor}{room:02d}", floor)
                for unit in units
                for floor in range(1, floors + 1)
                for room in range(1, per_floor + 1)
            ]
            kind = BuildingKind.APARTMENT
        building_key = state.buildings
        state.buildings += 1
        batch.buildings.append(
            BuildingRow(
                building_key, grid.community_code, grid.code, road, number, name, kind,
                lon, lat, units,
            )
        )  # fmt: skip
        label = f"{road}{number}号" + (f"{name}号楼" if name else "")
        first_person = len(batch.persons)
        for r_index, (unit, room_name, floor) in enumerate(layout):
            use = self._room_use(rng, kind, floor, road)
            if use in (RoomUse.OWNER_OCCUPIED, RoomUse.RENTED) and remaining <= 0:
                # The grid is full: the rest of the building is not lived in, and says so.
                use = RoomUse.VACANT
            room_key = state.rooms
            state.rooms += 1
            batch.rooms.append(
                RoomRow(
                    room_key, building_key, unit, room_name, use,
                    f"{grid.code}{index:04d}{r_index:04d}", grid.code, lon, lat,
                )
            )  # fmt: skip
            if use in (RoomUse.OWNER_OCCUPIED, RoomUse.RENTED):
                address = label + (f"{unit}单元" if unit else "") + room_name
                remaining -= self._household(
                    state, grid, room_key, use == RoomUse.RENTED, address, batch, remaining
                )
        if kind == BuildingKind.APARTMENT:
            self._building_leader(state, grid, label, batch, first_person)

    @staticmethod
    def _building_leader(
        state: _State, grid: _GridPlan, label: str, batch: Batch, first_person: int
    ) -> None:
        """Some 楼房 have a 楼栋长: a registered resident of that very building, with their phone."""
        rng = state.rng
        if rng.random() >= 0.35:
            return
        candidates = [
            p
            for p in batch.persons[first_person:]
            if p.residence_type == ResidenceType.REGISTERED
            and p.phone.startswith("1")
            and 35 <= age_at_reference(p.birth_date) <= 75
        ]
        if not candidates:
            return
        leader = rng.choice(candidates)
        batch.staff.append(
            StaffRow(
                grid.code,
                StaffPost.BUILDING_LEADER,
                leader.name,
                f"{grid.community.name.removesuffix('社区')}社区居委会",
                leader.phone,
                f"{label}楼栋长：{_DUTIES[StaffPost.BUILDING_LEADER]}",
            )
        )

    @staticmethod
    def _room_use(rng: random.Random, kind: str, floor: int, road: str) -> str:
        x = rng.random()
        if kind == BuildingKind.APARTMENT and floor == 1 and road in _MAIN_ROADS and x < 0.3:
            return RoomUse.COMMERCIAL
        courtyard = kind == BuildingKind.COURTYARD
        cuts = (0.47, 0.86, 0.96) if courtyard else (0.52, 0.88, 0.985)
        if x < cuts[0]:
            return RoomUse.OWNER_OCCUPIED
        if x < cuts[1]:
            return RoomUse.RENTED
        if x < cuts[2]:
            return RoomUse.VACANT
        return RoomUse.COMMERCIAL

    # -- households ---------------------------------------------------------------------------

    def _household(
        self,
        state: _State,
        grid: _GridPlan,
        room_key: int,
        rental: bool,
        address: str,
        batch: Batch,
        limit: int,
    ) -> int:
        """Add one household of at most ``limit`` persons; return how many persons it has."""
        rng = state.rng
        members = self._residents.tenants(rng) if rental else self._residents.family(rng)
        # The grid's last household is cut to fit (head first, so the head always stays).
        del members[max(1, limit) :]
        household_key = state.households
        state.households += 1
        state.rental_flags.append(rental)
        move_in = self._move_in(rng, members[0].birth, rental)
        self._residents.surnames_for(rng, members)
        ethnicity = self._residents.ethnicity(rng)
        hukou = f"北京市朝阳区{address}"
        phones: list[str] = []
        for member in members:
            key = state.persons
            state.persons += 1
            if member.kind == ResidenceType.OVERSEAS:
                ethnicity_here = ""
            elif member.relation == Relation.TENANT or rng.random() < 0.1:
                ethnicity_here = self._residents.ethnicity(rng)
            else:
                ethnicity_here = ethnicity
            code, residence_text = self._residents.origin(rng, member, hukou, rental)
            if ethnicity_here == "维吾尔族":
                name = self._residents.uyghur_name(rng, member.gender)
            elif ethnicity_here == "蒙古族" and rng.random() < 0.5:
                name = rng.choice(_MONGOLIAN_GIVEN[member.gender])
            else:
                surname = member.surname or self._residents.surname(rng)
                name = surname + self._residents.given_name(rng, member.gender, member.birth)
            since = max(move_in, member.birth)
            if member.relation == Relation.PARENT and rng.random() < 0.5:
                since = since + datetime.timedelta(
                    days=rng.randint(0, max(0, (REFERENCE_DATE - since).days - 1))
                )
            phone = self._residents.member_phone(rng, member, phones, state.phones)
            id_number = state.id_number(code, member.birth, member.gender)
            batch.persons.append(
                PersonRow(
                    key, name, id_number, member.gender, member.birth, phone, ethnicity_here,
                    residence_text, member.kind, grid.code, household_key, (),
                )
            )  # fmt: skip
            batch.residences.append(ResidenceRow(key, household_key, member.relation, since, None))
            if household_key > 0 and rng.random() < 0.05:
                self._earlier_residence(state, key, member.birth, since, batch)
        self._tag(rng, members, rental, batch)
        head_key = state.persons - len(members)
        batch.households.append(HouseholdRow(household_key, room_key, grid.code, head_key, rental))
        return len(members)

    @staticmethod
    def _move_in(rng: random.Random, head_birth: datetime.date, rental: bool) -> datetime.date:
        if rental:
            return REFERENCE_DATE - datetime.timedelta(days=rng.randint(20, 5 * 365))
        earliest = max(datetime.date(1980, 1, 1), head_birth + datetime.timedelta(days=20 * 365))
        span = (REFERENCE_DATE - earliest).days - 30
        if span <= 0:
            return REFERENCE_DATE - datetime.timedelta(days=30)
        return earliest + datetime.timedelta(days=rng.randint(0, span))

    def _earlier_residence(
        self,
        state: _State,
        person_key: int,
        birth: datetime.date,
        since: datetime.date,
        batch: Batch,
    ) -> None:
        """A move within the street: an ended residence in some earlier household."""
        rng = state.rng
        until = since - datetime.timedelta(days=rng.randint(1, 60))
        earlier_since = until - datetime.timedelta(days=rng.randint(180, 3000))
        if earlier_since <= birth:
            return
        household = rng.randrange(state.households - 1)
        relation = Relation.TENANT if state.rental_flags[household] else Relation.OTHER
        batch.residences.append(
            ResidenceRow(person_key, household, relation, earlier_since, until, "街道内搬迁")
        )

    # -- tags -------------------------------------------------------------------------------

    def _tag(self, rng: random.Random, members: list[Member], rental: bool, batch: Batch) -> None:
        rows = batch.persons[-len(members) :]
        ages = [age_at_reference(m.birth) for m in members]
        alone = len(members) == 1
        all_elderly = all(a >= 60 for a in ages)
        registered = members[0].kind == ResidenceType.REGISTERED
        low_income = (
            registered
            and not rental
            and rng.random() < (0.06 if alone or len(members) == 2 and ages[1] < 18 else 0.012)
        )
        for i, (member, age, row) in enumerate(zip(members, ages, rows, strict=True)):
            tags: list[str] = []
            if alone and age >= 70:
                tags.append("elderly_alone")
                if registered and rng.random() < 0.03:
                    tags.append("five_guarantees")
            elif all_elderly and len(members) >= 2:
                tags.append("empty_nest")
            if rng.random() < (0.012 if age < 18 else 0.022 if age < 60 else 0.06):
                tags.append("disabled")
            if low_income:
                tags.append("low_income")
            if age >= 18 and rng.random() < 0.004:
                tags.append("key_attention")
            if age >= 22 and rng.random() < (0.035 if member.gender == "男" else 0.003):
                tags.append("veteran")
            if tags:
                batch.persons[len(batch.persons) - len(members) + i] = _with_tags(row, tags)


def _with_tags(row: PersonRow, tags: list[str]) -> PersonRow:
    return PersonRow(
        row.key, row.name, row.id_number, row.gender, row.birth_date, row.phone, row.ethnicity,
        row.registered_residence, row.residence_type, row.grid_code, row.household_key,
        tuple(tags),
    )  # fmt: skip


class _State:
    """Running counters and the sets that keep IDs and 门牌号 unique across the street."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.buildings = 0
        self.rooms = 0
        self.households = 0
        self.persons = 0
        self.rental_flags = bytearray()
        self._ids: set[int] = set()
        self.phones: set[int] = set()  # numbers handed out so far, as integers (smaller)
        self._numbers: dict[str, int] = {}
        self._compound: dict[str, tuple[str, str, int, int]] = {}

    def next_number(self, road: str, rng: random.Random) -> str:
        number = self._numbers.get(road, 0) + rng.randint(1, 3)
        self._numbers[road] = number
        return str(number)

    def compound_building(
        self, grid_code: str, plan: _CommunityPlan, rng: random.Random
    ) -> tuple[str, str, str]:
        """Next 楼 in this grid's current 小区 (one 门牌号, buildings 1, 2, 3…), or a new 小区."""
        current = self._compound.get(grid_code)
        if current is None or current[2] >= current[3]:
            road = rng.choice(plan.roads)
            current = (road, self.next_number(road, rng), 0, rng.randint(2, 8))
        road, number, built, planned = current
        self._compound[grid_code] = (road, number, built + 1, planned)
        return road, number, str(built + 1)

    def id_number(self, code: str, birth: datetime.date, gender: str) -> str:
        for _ in range(5000):
            number = make_id_number(code, birth, self.rng.randrange(1000), gender)
            key = int(number[:17])
            if key not in self._ids:
                self._ids.add(key)
                return number
        raise RuntimeError(f"无法为 {code} {birth} 生成不重复的身份证号")


class _Placer:
    """Building points inside a grid, kept off its edges and apart from each other."""

    def __init__(self, polygon: BaseGeometry, rng: random.Random) -> None:
        inner = polygon.buffer(-0.00015)
        if inner.is_empty or inner.area < polygon.area * 0.2:
            inner = polygon.buffer(-0.00002)
        if inner.is_empty:
            inner = polygon
        shapely.prepare(inner)
        self.inner = inner
        self.rng = rng
        self.placed: list[tuple[float, float]] = []
        self.spacing = 0.00028

    def place(self) -> tuple[float, float]:
        minx, miny, maxx, maxy = self.inner.bounds
        candidate = (round((minx + maxx) / 2, 6), round((miny + maxy) / 2, 6))
        for attempt in range(400):
            if attempt and attempt % 80 == 0:
                self.spacing *= 0.75
            x = round(self.rng.uniform(minx, maxx), 6)
            y = round(self.rng.uniform(miny, maxy), 6)
            if not shapely.contains_xy(self.inner, x, y):
                continue
            candidate = (x, y)
            limit = self.spacing**2
            if all((x - px) ** 2 + ((y - py) / _KX) ** 2 >= limit for px, py in self.placed):
                break
        if not shapely.contains_xy(self.inner, *candidate):
            point = self.inner.point_on_surface()
            candidate = (point.x, point.y)
        self.placed.append(candidate)
        return candidate
