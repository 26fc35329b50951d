"""Which registry road a written road means: exact, spelt differently, or one similar road.

Part of matching ledger addresses (`addresses.matcher`): the matcher walks its tree of rooms
under a road, and this finds the road. A road is found by its normalised key, then as a
registered road the parser cut a place off (工人体育场北路), then as the one road close to it
(幸福路北 = 幸福北路, else the same pinyin, else a RapidFuzz ratio at or above the cutoff whose
directions and road type agree), preferring the roads of the ledger's community. Two similar
roads are a failure, never a choice. A compound name may stand for a road (小区 dropped).

Pure Python, no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from wangge.addresses.keys import (
    COMPOUND_SUFFIX,
    fuzzy_compatible,
    pinyin_key,
    road_key,
    road_variant,
)
from wangge.addresses.parser import ParsedAddress


class RegistryRoads:
    """The registry's roads by key, with their names and the roads of each community.

    ``names`` maps each road key to the road's name as registered; ``community_roads`` each
    community code to its road keys. The indexes by variant and by pinyin are built on first
    need (pypinyin is slowish), and answers for unknown roads are cached per (key, community).
    """

    def __init__(
        self,
        names: dict[str, str],
        community_roads: dict[str, set[str]],
        *,
        fuzzy_cutoff: float = 80.0,
    ) -> None:
        self.names = names
        self.fuzzy_cutoff = fuzzy_cutoff
        self._community_roads = community_roads
        self._keys: list[str] = list(names)
        self._similar_cache: dict[tuple[str, str | None], tuple[str, ...]] = {}
        self._pinyin_index: dict[str, list[str]] | None = None
        self._variant_index: dict[tuple[str, str, str], list[str]] | None = None

    def from_rest(self, p: ParsedAddress) -> ParsedAddress:
        """Road names that contain a marker word (呼家楼西里, 八王坟) leave the parser's road
        empty; the registry knows them, so the longest registered road inside the leftover
        text is taken as the road."""
        key = road_key(p.rest)
        if key in self.names:
            return replace(p, road=p.rest, rest="")
        found = max((k for k in self.names if k and k in key), key=len, default=None)
        if found is None or len(found) < 2:
            return p
        return replace(p, road=self.names[found], rest="")

    def _with_rest(self, road: str, rest: str) -> str | None:
        """A registered road whose name the parser cut as a place before it: the parser reads
        "工人体育场北路" (工人 is a town's name elsewhere) as road 体育场北路 with 工人 set
        aside; the registry knows 工人体育场北路, so that is the road."""
        if not rest:
            return None
        rest = rest[-24:]  # the cut part was set aside last; bounded work on odd input
        key = road_key(road)
        for end in range(len(rest), 0, -1):
            for begin in range(max(0, end - 8), end):
                joined = road_key(rest[begin:end]) + key
                if joined in self.names:
                    return joined
        return None

    def resolve(
        self, p: ParsedAddress, cc: str | None
    ) -> tuple[list[str], float, list[str], str | None]:
        """Find the registry road meant by the parsed road or compound name.

        Returns (road keys, confidence factor, notes, failure reason).  At most one road key is
        returned: two similar roads are a failure, not a choice.
        """
        failure: str | None = None
        if p.road:
            key = road_key(p.road)
            if key in self.names:
                return [key], 1.0, [], None
            joined = self._with_rest(p.road, p.rest)
            if joined is not None:
                return [joined], 1.0, [], None
            similar = self.similar(key, cc)
            written = p.road
            if not similar and p.rest:
                # 幸福伊村1巷: the parser cut 幸福 (a town's name) off a misspelt road; the
                # place and the road together are close to a registered one.
                for size in range(1, min(8, len(p.rest)) + 1):
                    joined = p.rest[-size:] + p.road
                    similar = self.similar(road_key(joined), cc)
                    if similar:
                        written = joined
                        break
            if len(similar) == 1:
                name = self.names[similar[0]]
                return list(similar), 0.85, [f"道路“{written}”按近似匹配为“{name}”"], None
            if similar:
                names = "、".join(self.names[k] for k in similar[:3])
                failure = f"道路“{written}”有{len(similar)}个相近候选（{names}），无法确定"
            else:
                failure = f"未找到道路“{p.road}”"
        if p.compound:
            full = road_key(p.compound)
            if full in self.names:
                return [full], 1.0, [], None
            stripped = COMPOUND_SUFFIX.sub("", full)
            if stripped and stripped in self.names:
                name = self.names[stripped]
                return [stripped], 0.95, [f"按小区名“{p.compound}”对应道路“{name}”"], None
            similar = self.similar(stripped or full, cc)
            if len(similar) == 1:
                name = self.names[similar[0]]
                return list(similar), 0.8, [f"小区名“{p.compound}”按近似匹配为道路“{name}”"], None
        return [], 0.0, [], failure

    def similar(self, key: str, cc: str | None) -> tuple[str, ...]:
        """Roads that the (unknown) road ``key`` probably means: same pinyin, else RapidFuzz."""
        cache_key = (key, cc)
        cached = self._similar_cache.get(cache_key)
        if cached is not None:
            return cached
        result: tuple[str, ...] = ()
        if key:
            # 幸福路北 ↔ 幸福北路: the same road with its direction moved.  Checked first,
            # because plain fuzzy scoring prefers 幸福路 (a different road) for 幸福路北.
            homophones = self._by_variant().get(road_variant(key), [])
            if not homophones:
                homophones = self._by_pinyin().get(pinyin_key(key), [])
            if cc is not None and len(homophones) > 1:
                local = self._community_roads.get(cc, set())
                homophones = [k for k in homophones if k in local] or homophones
            if homophones:
                result = tuple(homophones)
            else:
                scopes: list[Sequence[str]] = []
                if cc is not None and cc in self._community_roads:
                    scopes.append(sorted(self._community_roads[cc]))
                scopes.append(self._keys)
                for choices in scopes:
                    result = self._fuzzy(key, choices)
                    if result:
                        break
        if len(self._similar_cache) > 100_000:
            self._similar_cache.clear()
        self._similar_cache[cache_key] = result
        return result

    def _fuzzy(self, key: str, choices: Sequence[str]) -> tuple[str, ...]:
        from rapidfuzz import fuzz, process

        found = process.extract(
            key, choices, scorer=fuzz.ratio, score_cutoff=self.fuzzy_cutoff, limit=3
        )
        # A similar spelling is not enough when the directions or the road type (路/街/巷…)
        # differ: 幸福东路 is not 幸福路, 幸福路 is not 幸福大街.
        return tuple(choice for choice, _score, _index in found if fuzzy_compatible(key, choice))

    def _by_variant(self) -> dict[tuple[str, str, str], list[str]]:
        """(road type, directions, base) → road keys; built on first need."""
        if self._variant_index is None:
            index: dict[tuple[str, str, str], list[str]] = {}
            for key in self._keys:
                index.setdefault(road_variant(key), []).append(key)
            self._variant_index = index
        return self._variant_index

    def _by_pinyin(self) -> dict[str, list[str]]:
        """Pinyin (toneless) → road keys; built on first need, since pypinyin is slowish."""
        if self._pinyin_index is None:
            index: dict[str, list[str]] = {}
            for key in self._keys:
                index.setdefault(pinyin_key(key), []).append(key)
            self._pinyin_index = index
        return self._pinyin_index
