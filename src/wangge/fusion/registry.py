"""The standard address registry as the fusion pipeline needs it: a matcher and room → grid.

Built either from the interchange files (`addresses.csv` + `grids.geojson`, so `wangge fuse`
runs with no database) or from rows the platform hands over. Pure Python, no Django.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import polars as pl

from wangge.addresses.matcher import (
    AddressMatcher,
    RegistryRoom,
    building_key,
    number_key,
    road_key,
    room_key,
    unit_key,
)
from wangge.addresses.numerals import (
    NUMERAL_CHARS,
    normalize_table,
    normalize_text,
    numerals_to_digits,
)
from wangge.fusion.vector_checks import replacements
from wangge.geo.placement import GridShape, RoomPoint, place_rooms


class RegistryError(ValueError):
    """The registry files cannot be used; the message is Chinese and says where."""


_HALF_WIDTH: Final = str.maketrans("０１２３４５６７８９－", "0123456789-", " \u3000\t")
_SPACES: Final = re.compile(r"\s+")
_CJK: Final = "\u4e00-\u9fff"
_NUMERAL_CLASS: Final = "".join(sorted(NUMERAL_CHARS))


def _admin_head(chars: str) -> str:
    """What may stand before the road in a plainly written address: city, district, street,
    community (in the key form a community such as 幸福1村社区 may hold digits)."""
    return (
        f"(?:[{_CJK}]{{2,3}}市)?(?:[{chars}]{{1,6}}?区)?"
        f"(?:[{chars}]{{1,8}}?(?:街道|地区))?(?:[{chars}]{{1,8}}?社区)?"
    )


# A building written "4楼" is only read as a building when a unit follows ("4楼1门"): before a
# room alone it could be a floor, and that is for the full parser to weigh.
_PLAIN_TAIL: Final = (
    r"(\d+)(?:号院|号|院)(?:(\d+)(?:号楼|栋|幢|号|-|楼(?=\d+(?:单元|门))))?(?:(\d+)(?:单元|门|-))?"
    r"([东西南北]?\d+)(?:室|号|户)?"
)
# The same for Polars, whose Rust regex has no look-around: a building marked "楼" is checked
# afterwards to be followed by 单元/门.
_PLAIN_TAIL_RS: Final = (
    r"(?P<number>[0-9]+)(?:号院|号|院)(?:(?P<building>[0-9]+)(?P<bmark>号楼|栋|幢|号|-|楼))?"
    r"(?:(?P<unit>[0-9]+)(?P<umark>单元|门|-))?(?P<room>[东西南北]?[0-9]+)(?:室|号|户)?"
)
_KEY_SEPARATOR: Final = "\x1f"


def _comparison_form(texts: pl.Series) -> pl.Series:
    """`numerals_to_digits(normalize_text(text))` without white space, for a whole column."""
    normal = texts.str.replace_many(*replacements(normalize_table())).str.replace_all(r"\s+", "")
    runs = normal.str.extract_all(f"[{_NUMERAL_CLASS}]+").explode().drop_nulls().unique().to_list()
    if not runs:
        return normal
    runs.sort(key=len, reverse=True)
    return normal.str.replace_many(runs, [numerals_to_digits(r) for r in runs], leftmost=True)


_COLUMN_SLICE: Final = 200_000


@dataclass(frozen=True)
class ExactKeys:
    """The registry's exact room keys and road names, with the column versions of
    `Registry.quick_match` and `Registry.key_match` over them.

    Polars runs the same patterns in Rust, which is what makes a million addresses cheap; the
    tests hold both columns to the scalar versions."""

    road_keys: dict[str, str]  # road as written in the registry → its key
    roads: str  # alternation of the registry's road names, longest first
    keyed_roads: str  # alternation of their keys, longest first
    frame: pl.DataFrame  # key (parts joined by _KEY_SEPARATOR), code; only unshared keys

    def quick_match_column(self, texts: pl.Series) -> pl.Series:
        """Null where `Registry.quick_match` would say None."""
        return self.code_at(self._positions(texts, keyed=False))

    def key_match_column(self, texts: pl.Series) -> pl.Series:
        """Null where `Registry.key_match` would say None. The comparison form is built in
        Polars: the normalising table as replacements, every distinct run of Chinese numerals
        converted once in Python and put back longest first (so a run is always replaced
        whole, as `numerals_to_digits` does)."""
        return self.code_at(self._positions(texts, keyed=True))

    def codes(self, texts: pl.Series) -> pl.Series:
        """The room of each address the exact keys answer: as written, else in the
        comparison form."""
        return self.code_at(self.positions(texts))

    def positions(self, texts: pl.Series) -> pl.Series:
        """`codes` as row numbers of `frame` (a tenth of the bytes to send between
        processes); `code_at` turns them into codes."""
        quick = self._positions(texts, keyed=False)
        keyed = self._positions(
            pl.select(pl.when(quick.is_null()).then(texts)).to_series(), keyed=True
        )
        return pl.select(pl.coalesce(quick, keyed)).to_series().alias(texts.name)

    def code_at(self, positions: pl.Series) -> pl.Series:
        return self.frame.get_column("code").gather(positions).alias(positions.name)

    def _positions(self, texts: pl.Series, *, keyed: bool) -> pl.Series:
        if not (self.keyed_roads if keyed else self.roads):
            return pl.repeat(None, len(texts), dtype=pl.UInt32, eager=True).alias(texts.name)
        return self._sliced(texts, keyed=keyed)

    def _sliced(self, texts: pl.Series, *, keyed: bool) -> pl.Series:
        if texts.null_count() * 2 > len(texts):
            # Mostly null (what an earlier pass left): match the few, then spread them.
            given = texts.is_not_null()
            found = self._sliced(texts.filter(given), keyed=keyed)
            return (
                pl.repeat(None, len(texts), dtype=pl.UInt32, eager=True)
                .alias(texts.name)
                .scatter(given.arg_true(), found)
            )
        # Slices of 200k keep the intermediate columns (every part of every address) small.
        return pl.concat(
            [
                self._exact_column(texts.slice(start, _COLUMN_SLICE), keyed=keyed)
                for start in range(0, max(len(texts), 1), _COLUMN_SLICE)
            ]
        ).alias(texts.name)

    def _exact_column(self, texts: pl.Series, *, keyed: bool) -> pl.Series:
        if len(texts) == 0:
            return pl.Series(texts.name, [], dtype=pl.UInt32)
        if keyed:
            form = _comparison_form(texts.cast(pl.Utf8))
            head, roads = _admin_head(_CJK + "0-9"), self.keyed_roads
        else:
            form = texts.cast(pl.Utf8).str.replace_many(*replacements(_HALF_WIDTH))
            head, roads = _admin_head(_CJK), self.roads
        frame = form.str.extract_groups(
            f"^{head}(?P<road>{roads}){_PLAIN_TAIL_RS}$"
        ).struct.unnest()
        zeros = r"^0+([0-9])"
        plain = pl.col("room").is_not_null() & (
            (pl.col("bmark") != "楼") | pl.col("umark").is_in(["单元", "门"])
        ).fill_null(True)
        road_key = (
            pl.col("road")
            if keyed
            else pl.col("road").replace_strict(self.road_keys, default=None, return_dtype=pl.Utf8)
        )
        key = pl.concat_str(
            [
                road_key,
                pl.col("number").str.replace(zeros, "$1"),
                pl.col("building").fill_null("").str.replace(zeros, "$1"),
                pl.col("unit").fill_null("").str.replace(zeros, "$1"),
                pl.col("room").str.replace(r"^([东西南北]?)0+([0-9])", "${1}${2}"),
            ],
            separator=_KEY_SEPARATOR,
        )
        return (
            frame.select(pl.when(plain).then(key).alias("key"))
            .join(
                self.frame.select("key").with_row_index("position"),
                on="key",
                how="left",
                maintain_order="left",
            )
            .get_column("position")
            .alias(texts.name)
        )


@dataclass
class Registry:
    matcher: AddressMatcher
    grid_of_room: dict[str, str] = field(default_factory=dict)
    community_by_name: dict[str, str] = field(default_factory=dict)
    # Corrections made while placing the registry's rooms (points snapped into their community,
    # buildings straddling a grid border), for the operator to read.
    warnings: list[str] = field(default_factory=list)
    # Exact keys of rooms, for addresses written plainly (most rows); see quick_match.
    _exact: dict[tuple[str, str, str, str, str], str | None] = field(default_factory=dict)
    _road_keys: dict[str, str] = field(default_factory=dict)
    _plain: re.Pattern[str] | None = None  # head, road, tail of a plainly written address
    _keyed: re.Pattern[str] | None = None  # the same over the key form
    _roads_alternation: str = ""  # the registry's road names, longest first
    _keyed_alternation: str = ""  # their keys, longest first
    _exact_keys: ExactKeys | None = None
    _grid_frame: pl.DataFrame | None = None

    def release(self) -> None:
        """Drop the matching structures once a batch is normalised; the registry is then only
        good for grid lookups (and for nothing, once the caller lets go of it)."""
        self.matcher = AddressMatcher([])
        self._exact.clear()
        self._road_keys.clear()
        self._plain = self._keyed = None
        self._roads_alternation = self._keyed_alternation = ""
        self._exact_keys = None

    def index_exact(self, rooms: Iterable[RegistryRoom]) -> None:
        for room in rooms:
            rk = self._road_keys.get(room.road)
            if rk is None:
                rk = self._road_keys[room.road] = road_key(room.road)
            key = (
                rk,
                number_key(room.number),
                building_key(room.building),
                unit_key(room.unit),
                room_key(room.room),
            )
            # A key two rooms share is no exact answer: leave it to the matcher.
            self._exact[key] = None if key in self._exact else room.address_code
        # Longest first, and the road anywhere after an administrative head: a community
        # named like a road (金台里社区 … 金台北街) must not hide the road that follows.
        names = sorted((r for r in self._road_keys if r), key=len, reverse=True)
        keys = sorted({k for k in self._road_keys.values() if k}, key=len, reverse=True)
        self._roads_alternation = "|".join(map(re.escape, names))
        self._keyed_alternation = "|".join(map(re.escape, keys))
        self._plain = (
            re.compile(f"{_admin_head(_CJK)}({self._roads_alternation}){_PLAIN_TAIL}")
            if names
            else None
        )
        self._keyed = (
            re.compile(f"{_admin_head(_CJK + '0-9')}({self._keyed_alternation}){_PLAIN_TAIL}")
            if keys
            else None
        )
        self._exact_keys = None

    def quick_match(self, text: str) -> str | None:
        """The room of a plainly written address ('朝阳区幸福路10号3号楼2单元301室',
        '幸福路10号院3-2-301') by exact keys, without the full parser.

        Anything less plain (numerals, typos, omissions, other markers) returns None and goes
        through the parser and matcher, which also explain misses.
        """
        if self._plain is None:
            return None
        return self._exact_of(self._plain.fullmatch(text.translate(_HALF_WIDTH)), keyed=False)

    def key_match(self, text: str) -> str | None:
        """Like `quick_match`, on the comparison form of the text: simplified, half-width and
        with Chinese numerals as digits ('幸福路十号院三号楼二单元三〇一室', '幸福路10號院…').

        Only an exact key shared by no other room answers; anything else is for the matcher.
        """
        if self._keyed is None:
            return None
        form = _SPACES.sub("", numerals_to_digits(normalize_text(text)))
        return self._exact_of(self._keyed.fullmatch(form), keyed=True)

    def _exact_of(self, found: re.Match[str] | None, *, keyed: bool) -> str | None:
        if found is None:
            return None
        road, number, building, unit, room = found.groups()
        return self._exact.get(
            (
                road if keyed else self._road_keys[road],
                number_key(number),
                building_key(building or ""),
                unit_key(unit or ""),
                room_key(room),
            )
        )

    def quick_match_column(self, texts: pl.Series) -> pl.Series:
        """`quick_match` over a whole column at once (null where it would say None)."""
        return self.exact_keys().quick_match_column(texts)

    def key_match_column(self, texts: pl.Series) -> pl.Series:
        """`key_match` over a whole column."""
        return self.exact_keys().key_match_column(texts)

    def exact_keys(self) -> ExactKeys:
        """The exact keys as the column matches need them, a few megabytes that can be sent
        to another process (the matcher is hundreds)."""
        if self._exact_keys is None:
            unique = [(key, code) for key, code in self._exact.items() if code is not None]
            self._exact_keys = ExactKeys(
                road_keys=dict(self._road_keys),
                roads=self._roads_alternation,
                keyed_roads=self._keyed_alternation,
                frame=pl.DataFrame(
                    {
                        "key": [_KEY_SEPARATOR.join(key) for key, _ in unique],
                        "code": [code for _, code in unique],
                    },
                    schema={"key": pl.Utf8, "code": pl.Utf8},
                ),
            )
        return self._exact_keys

    def grids_of(self, codes: pl.Series) -> pl.Series:
        """The grid of each room code (null where unknown), for a whole column."""
        if self._grid_frame is None:
            self._grid_frame = pl.DataFrame(
                {"code": list(self.grid_of_room), "grid": list(self.grid_of_room.values())},
                schema={"code": pl.Utf8, "grid": pl.Utf8},
            )
        return (
            codes.cast(pl.Utf8)
            .alias("code")
            .to_frame()
            .join(self._grid_frame, on="code", how="left", maintain_order="left")
            .get_column("grid")
            .alias(codes.name)
        )

    def common_grid(self, codes: Iterable[str]) -> str | None:
        """The grid of an address found only down to its building: when every candidate room
        lies in one grid, the person is placed in that grid even though the room is unknown."""
        grids = {self.grid_of_room.get(code) for code in codes}
        if len(grids) == 1:
            return grids.pop()
        return None

    @classmethod
    def build(
        cls,
        rooms: Iterable[tuple[RegistryRoom, str]],
        *,
        community_names: dict[str, str] | None = None,
    ) -> Registry:
        """``rooms`` are (room, grid code or '') pairs."""
        room_list: list[RegistryRoom] = []
        grid_of: dict[str, str] = {}
        for room, grid in rooms:
            room_list.append(room)
            if grid:
                grid_of[room.address_code] = grid
        by_name = {name: code for code, name in (community_names or {}).items()}
        registry = cls(AddressMatcher(room_list), grid_of, by_name)
        registry.index_exact(room_list)
        return registry

    @classmethod
    def from_files(
        cls, addresses: str | Path, grids: str | Path | None, *, snap_metres: float = 30.0
    ) -> Registry:
        from wangge.addresses.registry_file import read_address_file
        from wangge.geo.gridfile import read_grid_file

        rows, problems = read_address_file(addresses)
        if problems:
            shown = "；".join(str(p) for p in problems[:5])
            more = f"（另有 {len(problems) - 5} 处）" if len(problems) > 5 else ""
            raise RegistryError(f"标准地址文件有误：{shown}{more}")
        grid_codes = [""] * len(rows)
        warnings: list[str] = []
        names: dict[str, str] = {}
        if grids is not None:
            features, errors = read_grid_file(Path(grids))
            if errors:
                shown = "；".join(e.message for e in errors[:5])
                raise RegistryError(f"网格文件有误：{shown}")
            names = {f.code: f.name for f in features if f.level == "community"}
            shapes = [
                GridShape(f.code, f.parent_code or "", f.geometry)
                for f in features
                if f.level == "grid"
            ]
            if shapes and rows:
                placement = place_rooms(
                    [
                        RoomPoint(
                            f"第{r.row}行",
                            (r.road, r.number, r.building),
                            r.community_code,
                            r.lon,
                            r.lat,
                        )
                        for r in rows
                    ],
                    shapes,
                    tolerance_m=snap_metres,
                )
                if placement.errors:
                    shown = "；".join(f"{w}：{m}" for w, m in placement.errors[:5])
                    more = (
                        f"（另有 {len(placement.errors) - 5} 处）"
                        if len(placement.errors) > 5
                        else ""
                    )
                    raise RegistryError(f"标准地址无法落入网格：{shown}{more}")
                grid_codes = [g or "" for g in placement.grids]
                warnings = [f"标准地址{w}：{m}" for w, m in placement.warnings]
        registry = cls.build(
            (
                (
                    RegistryRoom(
                        r.address_code,
                        r.community_code,
                        r.road,
                        r.number,
                        r.building,
                        r.unit,
                        r.room,
                    ),
                    grid,
                )
                for r, grid in zip(rows, grid_codes, strict=True)
            ),
            community_names=names,
        )
        registry.warnings = warnings
        return registry
