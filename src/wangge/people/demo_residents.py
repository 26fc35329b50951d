"""The demo district's residents: who lives in a home, and what they are called and reached by.

Part of the pure demo generator (`people.demo_district`): the generator lays out buildings and
rooms and writes the rows; this draws a household's members (the family shapes of a Beijing
street for an owner-occupied home, tenants and shared flats for a rented one, with ages,
genders and where each one's 户口 is) and each person's details (name by era and ethnicity,
ID region code, home town, mobile or landline) from the weighted tables of
`people.demo_catalogues`. Every draw comes from the ``rng`` passed in, in the generator's order,
so the same seed gives the same residents. No database access (the relation and residence
choices are `people.models`' enums).
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from wangge.core.demo import REFERENCE_DATE
from wangge.people.demo_catalogues import (
    _BEIJING_CODES,
    _ETHNICITIES,
    _GIVEN,
    _MOBILE_PREFIXES,
    _ORIGINS,
    _OVERSEAS,
    _SURNAMES,
    _UYGHUR_GIVEN,
)
from wangge.people.models import Relation, ResidenceType


@dataclass
class Member:
    """One resident of a household being drawn, before they have a name and number."""

    relation: str
    gender: str
    birth: datetime.date
    surname: str | None = None
    kind: str = ResidenceType.REGISTERED
    origin: tuple[str, str] | None = None  # (ID region code, registered residence) if not local


def _years_before(date: datetime.date, years: float) -> datetime.date:
    return date - datetime.timedelta(days=round(years * 365.2425))


def age_at_reference(birth: datetime.date) -> int:
    ref = REFERENCE_DATE
    return ref.year - birth.year - ((ref.month, ref.day) < (birth.month, birth.day))


class Residents:
    """Draws households' members and persons' details from the demo's weighted tables."""

    def __init__(self) -> None:
        self._surnames = _weighted(_SURNAMES)
        self._given = {key: _weighted(pool) for key, pool in _GIVEN.items()}
        self._beijing = _weighted([((code, name), w) for code, name, w in _BEIJING_CODES])
        self._provinces = _weighted([(codes, w) for w, codes in _ORIGINS])
        self._ethnicities = _weighted(_ETHNICITIES)

    # -- a household's members -----------------------------------------------------------------

    def surnames_for(self, rng: random.Random, members: list[Member]) -> None:
        """Children take the father's surname, the head's father shares the head's."""
        head = members[0]
        head.surname = self.surname(rng)
        spouse = next((m for m in members if m.relation == Relation.SPOUSE), None)
        if spouse is not None:
            spouse.surname = self.surname(rng)
        father = head if head.gender == "男" or spouse is None else spouse
        for member in members[1:]:
            if member.relation in (Relation.CHILD, Relation.GRANDCHILD):
                member.surname = father.surname if rng.random() < 0.95 else head.surname
            elif member.relation == Relation.PARENT and member.gender == "男":
                member.surname = head.surname
            elif member.surname is None:
                member.surname = self.surname(rng)

    def family(self, rng: random.Random) -> list[Member]:
        """An owner-occupied household: one of the common family shapes of a Beijing street."""
        x = rng.random()
        female_head = rng.random() < 0.3
        head_gender, other = ("女", "男") if female_head else ("男", "女")
        members: list[Member]
        if x < 0.10:  # elderly living alone, more often a widow
            gender = "女" if rng.random() < 0.65 else "男"
            members = [Member(Relation.HEAD, gender, self.birth(rng, 66, 94))]
        elif x < 0.18:  # single adult
            members = [Member(Relation.HEAD, head_gender, self.birth(rng, 24, 65))]
        elif x < 0.33:  # elderly couple, children moved out (空巢)
            head = self.birth(rng, 60, 90)
            members = [
                Member(Relation.HEAD, head_gender, head),
                Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 60)),
            ]
        elif x < 0.45:  # couple without children
            head = self.birth(rng, 24, 59)
            members = [
                Member(Relation.HEAD, head_gender, head),
                Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 20)),
            ]
        elif x < 0.78:  # couple with children
            head = self.birth(rng, 27, 58)
            members = [
                Member(Relation.HEAD, head_gender, head),
                Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 22)),
            ]
            members += self._children(rng, head, rng.choice((1, 1, 1, 2, 2)), Relation.CHILD)
        elif x < 0.93:  # three generations: elderly parents of the head live in
            head = self.birth(rng, 30, 55)
            members = [
                Member(Relation.HEAD, head_gender, head),
                Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 22)),
            ]
            members += self._children(rng, head, rng.choice((1, 1, 2)), Relation.CHILD)
            father = _years_before(head, rng.uniform(23, 34))
            if age_at_reference(father) <= 96:
                parents = [("男", father), ("女", self._spouse_birth(rng, father, 45))]
                if rng.random() < 0.4:
                    parents.pop(rng.randrange(2))
                for gender, birth in parents:
                    members.append(Member(Relation.PARENT, gender, birth))
        elif x < 0.97:  # grandparents raising a grandchild
            head = self.birth(rng, 55, 75)
            members = [
                Member(Relation.HEAD, head_gender, head),
                Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 50)),
            ]
            child_birth = _years_before(head, rng.uniform(24, 34))
            members += self._children(rng, child_birth, 1, Relation.GRANDCHILD)
        else:  # single parent
            head = self.birth(rng, 28, 55)
            members = [Member(Relation.HEAD, head_gender, head)]
            members += self._children(rng, head, 1, Relation.CHILD)
        # Owner households are mostly 户籍; some bought here without moving their 户口, and
        # parents who came to help with grandchildren (老漂族) or a spouse from elsewhere often
        # keep theirs in the home town.
        kind = _household_kind(rng, overseas=0.004, floating=0.125)
        origin = self.hometown(rng) if kind == ResidenceType.FLOATING else None
        parents_origin = self.hometown(rng)
        for member in members:
            member.kind = kind
            member.origin = origin
            if kind == ResidenceType.REGISTERED:
                if member.relation == Relation.PARENT and rng.random() < 0.4:
                    member.kind, member.origin = ResidenceType.FLOATING, parents_origin
                elif member.relation == Relation.SPOUSE and rng.random() < 0.1:
                    member.kind, member.origin = ResidenceType.FLOATING, self.hometown(rng)
        if kind == ResidenceType.OVERSEAS:
            overseas = rng.choice(_OVERSEAS)
            for member in members:
                member.origin = overseas
        return members

    def tenants(self, rng: random.Random) -> list[Member]:
        """A rented room: single tenants, couples, young families or a shared flat (合租)."""
        x = rng.random()
        gender = "男" if rng.random() < 0.55 else "女"
        other = "女" if gender == "男" else "男"
        if x < 0.33:
            members = [Member(Relation.HEAD, gender, self.birth(rng, 19, 55))]
        elif x < 0.58:
            head = self.birth(rng, 22, 50)
            members = [
                Member(Relation.HEAD, gender, head),
                Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 20)),
            ]
        elif x < 0.75:
            head = self.birth(rng, 26, 45)
            members = [
                Member(Relation.HEAD, gender, head),
                Member(Relation.SPOUSE, other, self._spouse_birth(rng, head, 21)),
            ]
            members += self._children(rng, head, rng.choice((1, 1, 2)), Relation.CHILD)
        else:
            members = [Member(Relation.HEAD, gender, self.birth(rng, 20, 35))]
            for _ in range(rng.randint(1, 4)):
                g = "男" if rng.random() < 0.55 else "女"
                members.append(Member(Relation.TENANT, g, self.birth(rng, 19, 38)))
        kind = _household_kind(rng, overseas=0.012, floating=0.84)  # most tenants are floating
        family_origin = self.hometown(rng) if kind == ResidenceType.FLOATING else None
        overseas = rng.choice(_OVERSEAS)
        for member in members:
            member.kind = kind
            if kind == ResidenceType.OVERSEAS:
                member.origin = overseas
            elif member.relation == Relation.TENANT:
                # Flatmates are unrelated: each has their own 户籍 status and home town.
                if rng.random() < 0.9:
                    member.kind, member.origin = ResidenceType.FLOATING, self.hometown(rng)
                else:
                    member.kind, member.origin = ResidenceType.REGISTERED, None
            else:
                member.origin = family_origin
        return members

    def _children(
        self, rng: random.Random, parent: datetime.date, count: int, relation: str
    ) -> list[Member]:
        children = []
        for _ in range(count):
            birth = parent + datetime.timedelta(days=round(rng.uniform(23, 38) * 365.2425))
            if birth >= REFERENCE_DATE:
                birth = REFERENCE_DATE - datetime.timedelta(days=rng.randint(30, 2000))
            gender = "男" if rng.random() < 0.52 else "女"
            children.append(Member(relation, gender, birth))
        return children

    def _spouse_birth(self, rng: random.Random, head: datetime.date, min_age: int) -> datetime.date:
        birth = head + datetime.timedelta(days=round(rng.gauss(1.5, 3) * 365.2425))
        if age_at_reference(birth) < min_age:
            birth = _years_before(REFERENCE_DATE, min_age + rng.random())
        return min(birth, _years_before(REFERENCE_DATE, 18.1))

    # -- one person ----------------------------------------------------------------------------

    def origin(
        self, rng: random.Random, member: Member, hukou: str, rental: bool
    ) -> tuple[str, str]:
        """(ID region code, registered residence text) for one person."""
        if member.kind != ResidenceType.REGISTERED and member.origin:
            return member.origin
        code: str = _pick(rng, self._beijing)[0]
        if member.birth.year >= 2010 and code in ("110103", "110104"):
            code = "110101"
        if member.birth.year >= 1995 and rng.random() < 0.7:
            code = "110105"
        if rng.random() < 0.12 and age_at_reference(member.birth) >= 18:
            code = self.hometown(rng)[0]  # 户口 moved to Beijing later; the number keeps origin
        if rental:
            # Beijingers renting here keep their 户口 at home elsewhere in the city.
            home = _pick(rng, self._beijing)[1]
            return code, f"北京市{home}"
        return code, hukou

    def hometown(self, rng: random.Random) -> tuple[str, str]:
        codes: tuple[tuple[str, str], ...] = _pick(rng, self._provinces)
        return rng.choice(codes)

    def ethnicity(self, rng: random.Random) -> str:
        value: str = _pick(rng, self._ethnicities)
        return value

    def surname(self, rng: random.Random) -> str:
        value: str = _pick(rng, self._surnames)
        return value

    def given_name(self, rng: random.Random, gender: str, birth: datetime.date) -> str:
        year = birth.year
        era = "old" if year < 1960 else "mid" if year < 1990 else "young" if year < 2010 else "kid"
        value: str = _pick(rng, self._given[(era, gender)])
        return value

    def name(self, rng: random.Random, gender: str, birth: datetime.date) -> str:
        return self.surname(rng) + self.given_name(rng, gender, birth)

    @staticmethod
    def uyghur_name(rng: random.Random, gender: str) -> str:
        return f"{rng.choice(_UYGHUR_GIVEN[gender])}·{rng.choice(_UYGHUR_GIVEN['男'])}"

    @staticmethod
    def birth(rng: random.Random, min_age: int, max_age: int) -> datetime.date:
        days = rng.randint(round(min_age * 365.2425) + 1, round((max_age + 1) * 365.2425) - 1)
        return REFERENCE_DATE - datetime.timedelta(days=days)

    @staticmethod
    def mobile(rng: random.Random, used: set[int]) -> str:
        """A mobile number nobody else in the demo has.

        Strangers sharing a number would make phone search and record linkage look broken;
        family members who share one do so on purpose (see ``member_phone``).
        """
        while True:
            number = rng.choice(_MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"
            if int(number) not in used:
                used.add(int(number))
                return number

    @staticmethod
    def _landline(rng: random.Random, used: set[int]) -> str:
        while True:
            number = f"010-{rng.choice('68')}{rng.randrange(10**7):07d}"  # 座机
            key = int(number.replace("-", ""))
            if key not in used:
                used.add(key)
                return number

    def member_phone(
        self, rng: random.Random, member: Member, phones: list[str], used: set[int]
    ) -> str:
        """Mobiles for adults; children and some old people share a family member's number."""
        age = age_at_reference(member.birth)
        if age < 12:
            return phones[0] if phones and rng.random() < 0.3 else ""
        if age >= 80 and rng.random() < 0.5:
            if phones:
                return phones[0]
            return self._landline(rng, used)
        if phones and rng.random() < 0.05:
            return phones[0]
        phone = self.mobile(rng, used)
        phones.append(phone)
        return phone


def _household_kind(rng: random.Random, *, overseas: float, floating: float) -> str:
    """A household's residence type in one draw: overseas below ``overseas``, floating below
    ``floating`` (cumulative cuts, as the shares were first written), registered above."""
    y = rng.random()
    if y < overseas:
        return ResidenceType.OVERSEAS
    if y < floating:
        return ResidenceType.FLOATING
    return ResidenceType.REGISTERED


def _weighted(items: Sequence[tuple[Any, float]]) -> tuple[list[Any], list[float]]:
    values = [item[0] for item in items]
    cumulative: list[float] = []
    total = 0.0
    for _, weight in items:
        total += weight
        cumulative.append(total)
    return values, cumulative


def _pick(rng: random.Random, table: tuple[list[Any], list[float]]) -> Any:
    values, cumulative = table
    return rng.choices(values, cum_weights=cumulative)[0]
