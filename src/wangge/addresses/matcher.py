"""Match free-text ledger addresses to rooms of the standard address registry.

The registry has one row per room (:class:`RegistryRoom`); a ledger has one hand-typed address
per row.  :class:`AddressMatcher` indexes the registry once (a million rooms in a few seconds)
and then answers :meth:`AddressMatcher.match` for tens of thousands of addresses per second.

The guiding rule is **never guess**: when two rooms fit, the answer is not one of them but a
lower level with both as ``candidates``, and ``reason`` (Chinese, shown to the clerk) says why.
A clean exact match has ``reason == ''`` and confidence 1.0.

Matching rules, in the order they are tried:

=================================  ==============  =========  ===================================
situation                          result level    factor     reason (example)
=================================  ==============  =========  ===================================
road+门牌号+楼栋+单元+户室 exact   room            1.0        '' (room "0301" = "301", 三号楼 = 3)
road spelt differently (繁体,      room            1.0        '' -- all keys are normalised
全角, 三里 vs 3里)
unit missing, building+room        room            ×0.9       未写单元号，按楼栋和户室唯一确定
unique
building missing, only one         room            ×0.8       未写楼栋号，按户室唯一确定
building has the room
门牌号 missing, unique under road  room            ×0.85      未写门牌号，按楼栋和户室唯一确定
门牌号/楼栋/单元 missing but there room            ×0.95      未写门牌号，该处只有一个门牌号
was only one to take
门牌号 not found but it names a    room            ×0.7       门牌号…未找到，按楼栋号唯一确定
building under the road
no road, compound name = road      room            ×0.95      按小区名“…”对应道路“…”
name (suffix 小区 etc. dropped)
no road, community given, (门牌,   room            ×0.85      未写道路，按社区内楼栋、单元、户室
楼栋, 单元, 户室) unique there                                唯一确定
road unknown, one similar road     room            ×0.85      道路“幸福璐”按近似匹配为“幸福路”
(幸福路北 = 幸福北路, else same
pinyin, else RapidFuzz ratio >=
cutoff with one candidate whose
directions and road type agree)
several rooms fit, exactly one in  room            ×0.95      有2个候选户室，按社区确定
the given community
room lies in another community     room            ×0.9       该户室登记在其他社区（…）
several rooms fit                  building/road   --         有2个候选户室，无法确定
                                   /none
building found, no room written    building        0.5        地址只到楼栋，缺少户室号
building found, unit/room absent   building        0.4        3号楼无2单元 / 3号楼2单元无301室
road found, 门牌号/楼栋 absent     road            0.3        门牌号10号在幸福路下未找到
several similar roads              none            0          道路“…”有2个相近候选…，无法确定
neither road nor community         none            0          未识别出道路或门牌号
=================================  ==============  =========  ===================================

Factors multiply; ``address_code`` is set only for level ``room``.  For other levels
``candidates`` holds up to five room codes the clerk may choose from (same building, same room
in other units, or the tied rooms), never a pick among them.

Pure Python, no Django: the importer feeds rows from the database into :class:`RegistryRoom`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

from wangge.addresses.keys import (
    building_key,
    building_label,
    number_key,
    road_key,
    room_key,
    room_label,
    unit_key,
)
from wangge.addresses.parser import ParsedAddress, parse_address
from wangge.addresses.registry_roads import RegistryRoads

__all__ = [
    "AddressMatch",
    "AddressMatcher",
    "Level",
    "RegistryRoom",
    "building_key",
    "number_key",
    "road_key",
    "room_key",
    "unit_key",
]

Level = Literal["room", "building", "road", "none"]

MAX_CANDIDATES: Final = 5


@dataclass(frozen=True, slots=True)
class RegistryRoom:
    """One room of the standard address registry; '' for an empty building or unit."""

    address_code: str
    community_code: str
    road: str
    number: str
    building: str
    unit: str
    room: str


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """The outcome of matching one address.

    ``address_code`` is set only when ``level == 'room'``.  ``reason`` is '' for a clean exact
    match and otherwise explains, in Chinese, a doubt (on a room match) or a miss.
    ``candidates`` are at most five registry codes offered as suggestions.
    """

    address_code: str | None
    level: Level
    confidence: float
    reason: str
    candidates: tuple[str, ...] = ()


# --------------------------------------------------------------------------------------------
# The matcher
# --------------------------------------------------------------------------------------------

_RoomDict = dict[str, int]
_UnitDict = dict[str, _RoomDict]
_BuildingDict = dict[str, _UnitDict]
_NumberDict = dict[str, _BuildingDict]

# A hit is (index of the room, road key, number key, building key, unit key).
_Hit = tuple[int, str, str, str, str]


@dataclass(slots=True)
class _Search:
    """Result of walking the index with some components unknown."""

    hits: list[_Hit]
    factor: float
    notes: list[str]


class AddressMatcher:
    """An in-memory index of the registry for matching ledger addresses.

    Built once per import from an iterable of :class:`RegistryRoom`.  Internally a nested dict
    road → 门牌号 → 楼栋 → 单元 → 户室 → row index over normalised keys (shared prefixes keep a
    million rooms to a few hundred MB and a few seconds), plus a per-community index of which
    (road, 门牌号) pairs hold a given building, used when the ledger leaves the road out.
    """

    def __init__(self, rooms: Iterable[RegistryRoom], *, fuzzy_cutoff: float = 80.0) -> None:
        self._codes: list[str] = []
        self._communities: list[str] = []
        self._tree: dict[str, _NumberDict] = {}
        self._duplicates: dict[int, list[int]] = {}
        self._road_names: dict[str, str] = {}
        self._community_roads: dict[str, set[str]] = {}
        self._community_buildings: dict[str, dict[str, set[tuple[str, str]]]] = {}
        # community → 楼栋 → 单元 → 户室 → row indexes, for addresses without a road; and for
        # each row the (road, 门牌号, 楼栋) it belongs to, as an id into _building_keys.
        self._community_rooms: dict[str, dict[str, dict[str, dict[str, list[int]]]]] = {}
        self._building_of: list[int] = []
        self._building_keys: list[tuple[str, str, str]] = []
        self._load(rooms)
        self._roads = RegistryRoads(
            self._road_names, self._community_roads, fuzzy_cutoff=fuzzy_cutoff
        )

    # -- building -----------------------------------------------------------------------------

    def _load(self, rooms: Iterable[RegistryRoom]) -> None:
        roads: dict[str, str] = {}
        numbers: dict[str, str] = {}
        buildings: dict[str, str] = {}
        units: dict[str, str] = {}
        room_keys: dict[str, str] = {}
        communities: dict[str, str] = {}
        codes = self._codes
        comms = self._communities
        tree = self._tree
        duplicates = self._duplicates
        community_buildings = self._community_buildings
        community_rooms = self._community_rooms
        building_of = self._building_of
        building_keys = self._building_keys
        building_ids: dict[tuple[str, str, str], int] = {}
        community_roads = self._community_roads
        road_names = self._road_names
        last: tuple[str, str, str, str] | None = None
        for row in rooms:
            rk = roads.get(row.road)
            if rk is None:
                rk = roads[row.road] = road_key(row.road)
                road_names.setdefault(rk, row.road.strip())
            nk = numbers.get(row.number)
            if nk is None:
                nk = numbers[row.number] = number_key(row.number)
            bk = buildings.get(row.building)
            if bk is None:
                bk = buildings[row.building] = building_key(row.building)
            uk = units.get(row.unit)
            if uk is None:
                uk = units[row.unit] = unit_key(row.unit)
            mk = room_keys.get(row.room)
            if mk is None:
                mk = room_keys[row.room] = room_key(row.room)
            cc = communities.get(row.community_code)
            if cc is None:
                cc = communities[row.community_code] = row.community_code.strip()

            index = len(codes)
            codes.append(row.address_code)
            comms.append(cc)
            bkey = (rk, nk, bk)
            bid = building_ids.get(bkey)
            if bid is None:
                bid = building_ids[bkey] = len(building_keys)
                building_keys.append(bkey)
            building_of.append(bid)

            by_number = tree.get(rk)
            if by_number is None:
                by_number = tree[rk] = {}
            by_building = by_number.get(nk)
            if by_building is None:
                by_building = by_number[nk] = {}
            by_unit = by_building.get(bk)
            if by_unit is None:
                by_unit = by_building[bk] = {}
            by_room = by_unit.get(uk)
            if by_room is None:
                by_room = by_unit[uk] = {}
            first = by_room.get(mk)
            if first is None:
                by_room[mk] = index
            else:
                duplicates.setdefault(first, [first]).append(index)

            key = (cc, rk, nk, bk)
            if key != last:
                last = key
                per_building = community_buildings.get(cc)
                if per_building is None:
                    per_building = community_buildings[cc] = {}
                    community_roads[cc] = set()
                pairs = per_building.get(bk)
                if pairs is None:
                    pairs = per_building[bk] = set()
                pairs.add((rk, nk))
                community_roads[cc].add(rk)
            c_units = community_rooms.get(cc)
            if c_units is None:
                c_units = community_rooms[cc] = {}
            c_by_unit = c_units.get(bk)
            if c_by_unit is None:
                c_by_unit = c_units[bk] = {}
            c_by_room = c_by_unit.get(uk)
            if c_by_room is None:
                c_by_room = c_by_unit[uk] = {}
            indexes = c_by_room.get(mk)
            if indexes is None:
                c_by_room[mk] = [index]
            else:
                indexes.append(index)

    def __len__(self) -> int:
        return len(self._codes)

    # -- public API ---------------------------------------------------------------------------

    def match(
        self, text_or_parsed: str | ParsedAddress, *, community_code: str | None = None
    ) -> AddressMatch:
        """Match one address (text or an already parsed one) to a registry room.

        ``community_code`` is the community the ledger belongs to, when known: it lets an
        address without a road be found by building/unit/room within that community, breaks
        ties, and flags rooms registered elsewhere.
        """
        if isinstance(text_or_parsed, ParsedAddress):
            parsed = text_or_parsed
        else:
            parsed = parse_address(text_or_parsed)
        cc = community_code.strip() if community_code else None
        try:
            return self._match(parsed, cc or None)
        except Exception:  # pragma: no cover - defence in depth; a row must never stop an import
            return AddressMatch(None, "none", 0.0, "地址无法解析", ())

    def match_many(
        self,
        texts: Sequence[str],
        community_codes: Sequence[str | None] | None = None,
    ) -> list[AddressMatch]:
        """Match many addresses; repeated (text, community) pairs are matched once."""
        if community_codes is not None and len(community_codes) != len(texts):
            raise ValueError("community_codes 的长度必须与 texts 相同")
        cache: dict[tuple[str, str | None], AddressMatch] = {}
        out: list[AddressMatch] = []
        for i, text in enumerate(texts):
            cc = community_codes[i] if community_codes is not None else None
            key = (text, cc)
            result = cache.get(key)
            if result is None:
                result = cache[key] = self.match(text, community_code=cc)
            out.append(result)
        return out

    def rooms_under(
        self,
        text_or_parsed: str | ParsedAddress,
        *,
        community_code: str | None = None,
        limit: int | None = None,
    ) -> tuple[str, ...]:
        """Every room the written address covers, in registry order: a search, not a match.

        "幸福路10号" covers all rooms of that door, "幸福路10号3号楼2单元" those of one unit,
        "幸福路" the whole road; components left out are wildcards (where :meth:`match` would
        refuse to choose). The road is resolved as in :meth:`match` (spelling variants, one
        similar road); an address :meth:`match` places in one room gives that room alone.
        A component written but absent from the registry gives nothing.
        """
        if isinstance(text_or_parsed, ParsedAddress):
            p = text_or_parsed
        else:
            p = parse_address(text_or_parsed)
        cc = community_code.strip() if community_code else None
        try:
            found = self._match(p, cc or None)
            if found.level == "room" and found.address_code is not None:
                return (found.address_code,)
            if not p.road and p.rest:
                p = self._roads.from_rest(p)
            roads, _factor, _notes, _failure = self._roads.resolve(p, cc or None)
        except Exception:  # pragma: no cover - same defence as match()
            return ()
        if not roads:
            return ()
        wanted = [
            number_key(p.number) if p.number else None,
            building_key(p.building) if p.building else None,
            unit_key(p.unit) if p.unit else None,
            room_key(p.room) if p.room else None,
        ]
        # road → 门牌号 → 楼栋 → 单元 → 户室: a written key narrows, a missing one takes all
        nodes: list[Any] = [self._tree[roads[0]]]
        for key in wanted:
            below: list[Any] = []
            for node in nodes:
                if key is None:
                    below.extend(node.values())
                elif key in node:
                    below.append(node[key])
            nodes = below
        out: list[str] = []
        for index in nodes:
            for i in self._expand(index):
                out.append(self._codes[i])
                if limit is not None and len(out) >= limit:
                    return tuple(out)
        return tuple(out)

    # -- matching -----------------------------------------------------------------------------

    def _match(self, p: ParsedAddress, cc: str | None) -> AddressMatch:
        if not p.road and p.rest:
            p = self._roads.from_rest(p)
        number = number_key(p.number) if p.number else None
        building = building_key(p.building) if p.building else None
        unit = unit_key(p.unit) if p.unit else None
        room = room_key(p.room) if p.room else None
        if room is not None and p.floor and room.isdigit() and len(room) <= 2:
            room = f"{int(p.floor)}{int(room):02d}" if p.floor.isdigit() else room  # 3层01 → 301

        if not (p.road or p.compound or number or building or unit or room):
            return AddressMatch(None, "none", 0.0, "未识别出道路或门牌号")

        roads, factor, notes, failure = self._roads.resolve(p, cc)
        if roads:
            return self._match_on_road(roads[0], number, building, unit, room, cc, factor, notes)

        # No usable road: fall back to the community, if the ledger told us which one.
        if cc is not None and cc in self._community_buildings and (building or room):
            result = self._match_in_community(number, building, unit, room, cc)
            if failure is None:
                return result
            # A written road that does not exist is a real error: report it, offer candidates.
            codes = result.candidates or ((result.address_code,) if result.address_code else ())
            return AddressMatch(None, "none", 0.0, failure, codes[:MAX_CANDIDATES])
        return AddressMatch(None, "none", 0.0, failure or "未识别出道路或门牌号")

    # -- walking the tree ---------------------------------------------------------------------

    def _expand(self, index: int) -> list[int]:
        return self._duplicates.get(index, [index])

    def _search(
        self,
        road: str,
        number: str | None,
        building: str | None,
        unit: str | None,
        room: str,
    ) -> _Search:
        """All rooms under ``road`` matching the known components; ``None`` is a wildcard.

        A missing building means the courtyard ('' building) when the 门牌号 has one, and any
        building otherwise; a missing unit likewise.  A component that was left out costs
        confidence and adds a note: a little when there was only one value to take (the road
        has a single 门牌号), more when the wildcard had to choose among several.
        """
        by_number = self._tree[road]
        hits: list[_Hit] = []
        # 0: written (or a courtyard/no-unit building), 1: omitted, one option, 2: omitted, chosen
        used_number = used_building = used_unit = 0
        numbers = [number] if number is not None else list(by_number)
        for nk in numbers:
            by_building = by_number.get(nk)
            if by_building is None:
                continue
            bkeys = _candidate_keys(by_building, building)
            for bk in bkeys:
                by_unit = by_building.get(bk)
                if by_unit is None:
                    continue
                ukeys = _candidate_keys(by_unit, unit)
                for uk in ukeys:
                    by_room = by_unit.get(uk)
                    if by_room is None:
                        continue
                    index = by_room.get(room)
                    if index is None:
                        continue
                    for i in self._expand(index):
                        hits.append((i, road, nk, bk, uk))
                    if number is None:
                        used_number = max(used_number, 2 if len(numbers) > 1 else 1)
                    if building is None and bk:
                        used_building = max(used_building, 2 if len(bkeys) > 1 else 1)
                    if unit is None and uk:
                        used_unit = max(used_unit, 2 if len(ukeys) > 1 else 1)
        factor = 1.0
        notes: list[str] = []
        for used, choice, single, name in (
            (used_number, 0.85, "未写门牌号，按楼栋和户室唯一确定", "门牌号"),
            (used_building, 0.8, "未写楼栋号，按户室唯一确定", "楼栋号"),
            (used_unit, 0.9, "未写单元号，按楼栋和户室唯一确定", "单元号"),
        ):
            if used == 2:
                factor *= choice
                notes.append(single)
            elif used == 1:
                factor *= 0.95
                notes.append(f"未写{name}，该处只有一个{name}")
        return _Search(hits, factor, notes)

    def _decide(
        self,
        search: _Search,
        cc: str | None,
        factor: float,
        notes: list[str],
        *,
        road_known: bool,
    ) -> AddressMatch | None:
        """Turn search hits into a match, or ``None`` when there were no hits."""
        hits = search.hits
        if not hits:
            return None
        factor *= search.factor
        notes = notes + search.notes
        if len(hits) > 1 and cc is not None:
            local = [h for h in hits if self._communities[h[0]] == cc]
            if len(local) == 1:
                hits = local
                factor *= 0.95
                notes.append(f"有{len(search.hits)}个候选户室，按社区确定")
        if len(hits) == 1:
            index = hits[0][0]
            home = self._communities[index]
            if cc is not None and home != cc:
                factor *= 0.9
                notes.append(f"该户室登记在其他社区（{home}）")
            return AddressMatch(self._codes[index], "room", round(factor, 3), "；".join(notes), ())
        codes = tuple(self._codes[h[0]] for h in hits[:MAX_CANDIDATES])
        same_building = len({h[1:4] for h in hits}) == 1
        level: Level = "building" if same_building else ("road" if road_known else "none")
        confidence = {"building": 0.4, "road": 0.2, "none": 0.0}[level] * factor
        return AddressMatch(
            None, level, round(confidence, 3), f"有{len(hits)}个候选户室，无法确定", codes
        )

    def _rooms_of(self, by_unit: _UnitDict, unit: str | None) -> tuple[str, ...]:
        """Up to five room codes of a building (or of one unit of it), for suggestions."""
        out: list[str] = []
        for uk, by_room in by_unit.items():
            if unit is not None and uk != unit:
                continue
            for index in by_room.values():
                out.append(self._codes[index])
                if len(out) >= MAX_CANDIDATES:
                    return tuple(out)
        return tuple(out)

    def _match_on_road(
        self,
        road: str,
        number: str | None,
        building: str | None,
        unit: str | None,
        room: str | None,
        cc: str | None,
        factor: float,
        notes: list[str],
    ) -> AddressMatch:
        by_number = self._tree[road]
        road_name = self._roads.names[road]

        if number is not None and number not in by_number:
            missing = f"门牌号{number}号在{road_name}下未找到"
            # "幸福路3号2单元301": the writer may have meant building 3 and omitted the 门牌号.
            if building is None and room is not None:
                search = self._search(road, None, number, unit, room)
                result = self._decide(
                    search, cc, factor * 0.7 / 0.85, [*notes, missing], road_known=True
                )
                if result is not None and result.level == "room":
                    notes_fixed = result.reason.replace(
                        "未写门牌号，按楼栋和户室唯一确定", "按楼栋号唯一确定"
                    )
                    return AddressMatch(result.address_code, "room", result.confidence, notes_fixed)
            return AddressMatch(None, "road", round(0.3 * factor, 3), "；".join([*notes, missing]))

        if room is not None:
            result = self._decide(
                self._search(road, number, building, unit, room), cc, factor, notes, road_known=True
            )
            if result is not None:
                return result

        return self._explain_miss(road, road_name, number, building, unit, room, factor, notes)

    def _explain_miss(
        self,
        road: str,
        road_name: str,
        number: str | None,
        building: str | None,
        unit: str | None,
        room: str | None,
        factor: float,
        notes: list[str],
    ) -> AddressMatch:
        """No room found under a known road: say which component is missing or wrong."""
        by_number = self._tree[road]
        numbers = [number] if number is not None else list(by_number)
        where = f"{road_name}{number}号" if number is not None else road_name
        if building is None:
            courtyards = [n for n in numbers if "" in by_number[n]]
            if len(courtyards) == 1 and (number is not None or len(numbers) == 1):
                building, numbers = "", courtyards
            elif number is not None and len(by_number[number]) == 1:
                building = next(iter(by_number[number]))
            else:
                reason = "地址只到门牌号，缺少楼栋和户室号" if room is None else "缺少楼栋号"
                if number is None:
                    reason = "缺少门牌号和楼栋号"
                return AddressMatch(
                    None, "road", round(0.3 * factor, 3), "；".join([*notes, reason])
                )
        owners = [n for n in numbers if building in by_number[n]]
        label = building_label(building)
        if not owners:
            reason = f"{where}无{label}" if number is not None else f"{road_name}下未找到{label}"
            return AddressMatch(None, "road", round(0.3 * factor, 3), "；".join([*notes, reason]))
        if len(owners) > 1:
            codes: list[str] = []
            for n in owners:
                codes.extend(self._rooms_of(by_number[n][building], unit))
            reason = f"{road_name}下有{len(owners)}处{label}，缺少门牌号"
            return AddressMatch(
                None,
                "road",
                round(0.3 * factor, 3),
                "；".join([*notes, reason]),
                tuple(codes[:MAX_CANDIDATES]),
            )
        by_unit = by_number[owners[0]][building]
        if unit is not None and unit not in by_unit:
            reason = f"{label}无{unit}单元"
            same_room: list[str] = []
            if room is not None:
                for by_room in by_unit.values():
                    if room in by_room:
                        same_room.append(self._codes[by_room[room]])
            return AddressMatch(
                None,
                "building",
                round(0.4 * factor, 3),
                "；".join([*notes, reason]),
                tuple(same_room[:MAX_CANDIDATES]),
            )
        if room is None:
            reason = "地址只到楼栋，缺少户室号" if building else "地址只到门牌号，缺少户室号"
            return AddressMatch(
                None,
                "building",
                round(0.5 * factor, 3),
                "；".join([*notes, reason]),
                self._rooms_of(by_unit, unit),
            )
        unit_label = f"{unit}单元" if unit else ""
        reason = f"{label if building else where}{unit_label}无{room_label(room)}"
        return AddressMatch(
            None,
            "building",
            round(0.4 * factor, 3),
            "；".join([*notes, reason]),
            self._rooms_of(by_unit, unit),
        )

    def _match_in_community(
        self,
        number: str | None,
        building: str | None,
        unit: str | None,
        room: str | None,
        cc: str,
    ) -> AddressMatch:
        """No road written: look for the building/unit/room among the community's buildings."""
        per_building = self._community_buildings[cc]
        pairs = per_building.get(building or "", set())
        if number is not None:
            pairs = {(r, n) for r, n in pairs if n == number}
        label = building_label(building or "")
        if not pairs:
            return AddressMatch(None, "none", 0.0, f"未写道路，社区内未找到{label}")
        notes = ["未写道路，按社区内楼栋、单元、户室唯一确定"]
        if room is None:
            if len(pairs) == 1:
                road, nk = next(iter(pairs))
                by_unit = self._tree[road][nk][building or ""]
                return AddressMatch(
                    None, "building", 0.4, "地址只到楼栋，缺少户室号", self._rooms_of(by_unit, unit)
                )
            return AddressMatch(
                None, "none", 0.0, f"社区内有{len(pairs)}处{label}，未写道路和户室号"
            )
        # One walk down the community index instead of one search per (road, 门牌号).
        units = self._community_rooms[cc].get(building or "", {})
        unit_keys = [unit] if unit is not None else list(units)
        found: list[tuple[int, str]] = []
        for uk in unit_keys:
            indexes = units.get(uk, {}).get(room)
            if not indexes:
                continue
            if number is None:
                found.extend((index, uk) for index in indexes)
            else:
                building_keys, building_of = self._building_keys, self._building_of
                found.extend(
                    (index, uk)
                    for index in indexes
                    if building_keys[building_of[index]][1] == number
                )
        if len(found) > MAX_CANDIDATES:
            # Common room numbers ("1-1-101") can fit hundreds of rooms in a big community:
            # answer without materialising them all.
            buildings = {self._building_of[index] for index, _ in found}
            level: Level = "building" if len(buildings) == 1 else "none"
            return AddressMatch(
                None,
                level,
                0.0 if level == "none" else 0.3,
                f"有{len(found)}个候选户室，无法确定",
                tuple(self._codes[index] for index, _ in found[:MAX_CANDIDATES]),
            )
        hits: list[_Hit] = []
        for index, uk in found:
            road, nk, bk = self._building_keys[self._building_of[index]]
            hits.append((index, road, nk, bk, uk))
        factor = 0.85
        search_notes: list[str] = []
        if unit is None and len(unit_keys) > 1 and any(h[4] for h in hits):
            factor *= 0.9
            search_notes.append("未写单元号，按楼栋和户室唯一确定")
        result = self._decide(
            _Search(hits, 1.0, search_notes), None, factor, notes, road_known=False
        )
        if result is not None:
            return result
        return AddressMatch(None, "none", 0.0, f"未写道路，社区内{label}未找到该户室")


def _candidate_keys(options: Mapping[str, object], written: str | None) -> list[str]:
    """Keys to try for a building or unit: the written one, else the bare '' one, else all."""
    if written is not None:
        return [written]
    if "" in options:
        return [""]
    return list(options)
