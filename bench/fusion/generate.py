"""Generate a synthetic district, its residents and ~2 noisy ledger rows per resident.

Usage (from the repository root)::

    python -m bench.fusion.generate --people 500000 --out /tmp/fusion --seed 7

Why it exists: ledger fusion can only be judged against a known truth.  This module builds one
(one district → one street → five communities → grids, a standard address registry of apartment
rooms and courtyard houses, ~40% floating population, families that share surnames and phones,
twins, very common names) and then writes the ledgers that offices would keep about those people,
each office with its own headers, column order, file format and habits, and each row damaged by
the mistakes clerks make, at the rates listed in ``NOISE`` (see README.md).

Outputs in ``--out``:

* ``grids.geojson`` and ``addresses.csv`` (DESIGN.md interchange formats);
* ``ledgers/*.xlsx|*.csv`` - the ledgers to fuse;
* ``truth.csv`` - one row per ledger person-row: ``source_file, source_sheet, source_row,
  person_id, address_code, grid_code`` (``source_row`` as DESIGN.md defines it: the row number
  the spreadsheet shows, title and header rows counted; for CSV the line number, header = 1);
* ``ledgers.json`` - per file: format, encoding, sheets with header/data row ranges and the role
  of every column.  The Splink reference reads the ledgers with it; ``wangge fuse`` must not;
* ``stats.json`` - sizes and the number of times each kind of noise was applied.

Everything is drawn from ``random.Random`` instances seeded from ``--seed``, so one seed gives
byte-identical files.  The xlsx files are written by a small writer of our own (inline strings,
one style for dates, merged title/header cells) because openpyxl needs ~15 s for the 150k rows.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import math
import random
import re
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wangge.people.idnumber import make_id_number

DISTRICT_CODE = "110105"
STREET_CODE = "110105001"
# Ages are taken at this date; the ledgers are dated in 2021-2022 around it.
REFERENCE_DATE = dt.date(2022, 6, 30)
# Ledgers dated before this use a moved household's previous room.
MOVE_DATE = dt.date(2022, 4, 15)

# --------------------------------------------------------------------------------------------
# Noise rates (per ledger row, before the per-office multipliers in the profiles below)
# --------------------------------------------------------------------------------------------

NOISE: dict[str, float] = {
    # names
    "name_homophone": 0.025,  # one character replaced by a same-pinyin (or look-alike) character
    "name_traditional": 0.015,  # 王偉 for 王伟
    "name_space": 0.02,  # 王 伟, 王  伟
    # ID numbers (of rows whose office records IDs; "missing" is per office, see profiles)
    "id_wrong_digit": 0.015,  # one digit changed: check digit fails
    "id_swap": 0.01,  # two adjacent different digits swapped: check digit fails (almost always)
    "id_15": 0.015,  # old 15-digit number (only for people born 1900-1999)
    "id_lower_x": 0.5,  # share of X-final numbers written with a lowercase x
    "id_scientific": 0.01,  # CSV exported from Excel: '1.10105199001011E+17' (digit-only IDs)
    "id_fullwidth": 0.005,  # １１０１０５…
    "id_spaces": 0.005,  # 110105 19900101 1234
    "id_numeric_cell": 0.01,  # xlsx: the number stored as a float cell (last digits lost)
    # phones
    "phone_household": 0.10,  # an adult's row carries the household's (head's) phone
    "phone_old": 0.7,  # share of rows using the old number, in ledgers older than the change
    "phone_plus86": 0.02,
    "phone_dashes": 0.03,
    "phone_spaces": 0.02,
    "phone_fullwidth": 0.005,
    # addresses
    "addr_not_in_registry": 0.025,  # a room the building does not have, or an address elsewhere
    "addr_road_typo": 0.02,  # one character of the road name replaced by a homophone
    "addr_no_unit": 0.02,  # 3号楼301: unit left out
    "addr_traditional": 0.01,
    "addr_fullwidth": 0.01,
    # duplicates
    "dup_in_ledger": 0.01,  # a person written twice in the same ledger (testing: 3x this)
}
# Share of people with a changed phone number, and of households that moved room in spring 2022.
PHONE_CHANGED = 0.12
HOUSEHOLD_MOVED = 0.04

# --------------------------------------------------------------------------------------------
# Catalogues
# --------------------------------------------------------------------------------------------

SURNAMES: tuple[tuple[str, float], ...] = (
    ("王", 71), ("李", 70), ("张", 67), ("刘", 51), ("陈", 46), ("杨", 32), ("黄", 24),
    ("赵", 22), ("吴", 20), ("周", 19), ("徐", 14), ("孙", 14), ("马", 13), ("朱", 13),
    ("胡", 12), ("郭", 11), ("何", 11), ("高", 10), ("林", 10), ("罗", 9), ("郑", 8),
    ("梁", 7), ("谢", 6), ("宋", 6), ("唐", 5.5), ("许", 5.5), ("韩", 5.4), ("冯", 5),
    ("邓", 5), ("曹", 5), ("彭", 4.7), ("曾", 4.5), ("肖", 4.5), ("田", 4.3), ("董", 4.3),
    ("袁", 4.2), ("潘", 4), ("于", 4), ("蒋", 3.8), ("蔡", 3.8), ("余", 3.6), ("杜", 3.5),
    ("叶", 3.5), ("程", 3.4), ("苏", 3.3), ("魏", 3.3), ("吕", 3.2), ("丁", 3.2), ("任", 3.1),
    ("沈", 3), ("姚", 2.9), ("卢", 2.8), ("姜", 2.8), ("崔", 2.7), ("钟", 2.7), ("谭", 2.6),
    ("陆", 2.5), ("汪", 2.4), ("范", 2.4), ("金", 2.3), ("石", 2.2), ("廖", 2.1), ("贾", 2.1),
    ("夏", 2), ("韦", 2), ("付", 2), ("方", 2), ("白", 1.9), ("邹", 1.9), ("孟", 1.9),
    ("熊", 1.8), ("秦", 1.8), ("邱", 1.8), ("江", 1.8), ("尹", 1.7), ("薛", 1.7), ("闫", 1.6),
    ("段", 1.6), ("雷", 1.5), ("侯", 1.5), ("龙", 1.5), ("史", 1.5), ("陶", 1.4), ("黎", 1.4),
    ("贺", 1.4), ("顾", 1.3), ("毛", 1.3), ("郝", 1.3), ("龚", 1.3), ("邵", 1.3), ("万", 1.2),
    ("钱", 1.2), ("严", 1.2), ("武", 1.1), ("戴", 1.1), ("孔", 1), ("常", 1), ("欧阳", 0.3),
    ("司马", 0.1),
)  # fmt: skip

# Given names by birth era and gender, Zipf-like weights: 伟/娜/静/敏/丽 dominate the 1960s-80s,
# which is why any real ledger holds dozens of 王伟 and 李娜.
GIVEN: dict[tuple[str, str], tuple[tuple[str, float], ...]] = {
    ("old", "男"): (
        ("建国", 6), ("国庆", 4), ("建华", 4), ("建军", 4), ("国强", 3), ("志强", 3),
        ("德明", 2), ("振华", 2), ("福海", 1), ("长顺", 1), ("文华", 2), ("宝山", 1),
        ("永和", 1), ("德胜", 1), ("玉林", 1), ("树林", 1), ("学军", 1), ("军", 3),
        ("平", 3), ("明", 3), ("华", 3), ("刚", 2), ("林", 1), ("斌", 1),
    ),
    ("old", "女"): (
        ("秀英", 8), ("桂英", 5), ("秀兰", 5), ("玉兰", 5), ("淑珍", 4), ("凤英", 3),
        ("淑兰", 3), ("桂兰", 3), ("玉珍", 3), ("秀珍", 3), ("淑英", 2), ("桂珍", 2),
        ("素芬", 1), ("玉梅", 1), ("秀荣", 1), ("兰英", 1), ("淑华", 2), ("英", 2),
        ("兰", 1), ("珍", 1), ("霞", 1), ("华", 2),
    ),
    ("mid", "男"): (
        ("伟", 12), ("勇", 6), ("军", 6), ("磊", 7), ("强", 6), ("涛", 5), ("斌", 5),
        ("杰", 5), ("刚", 4), ("鹏", 3), ("超", 4), ("明", 4), ("波", 3), ("辉", 3),
        ("亮", 3), ("峰", 3), ("建平", 1), ("海涛", 2), ("志刚", 2), ("立新", 1), ("卫东", 1),
        ("红军", 1), ("志勇", 2), ("晓东", 2), ("建伟", 1), ("永刚", 1), ("海波", 1),
        ("文斌", 1), ("宏伟", 1), ("国栋", 1), ("振宇", 1), ("俊杰", 1), ("建新", 1),
    ),
    ("mid", "女"): (
        ("娜", 9), ("静", 9), ("敏", 8), ("丽", 9), ("艳", 7), ("娟", 6), ("霞", 4),
        ("燕", 5), ("芳", 9), ("颖", 2), ("倩", 2), ("婷", 2), ("丹", 3), ("红", 5), ("梅", 3),
        ("洁", 2), ("玲", 3), ("丽娟", 1), ("秀梅", 1), ("晓燕", 2), ("海燕", 2), ("红梅", 1),
        ("春梅", 1), ("丽华", 1), ("晓红", 1), ("雪梅", 1), ("艳红", 1), ("美玲", 1),
        ("丽丽", 1), ("婷婷", 1), ("晶晶", 1),
    ),
    ("young", "男"): (
        ("浩", 3), ("宇", 3), ("鑫", 3), ("磊", 2), ("帅", 2), ("凯", 2), ("浩然", 2),
        ("子轩", 2), ("宇航", 1), ("俊杰", 1), ("家豪", 1), ("博文", 1), ("天宇", 1),
        ("志远", 1), ("晨阳", 1), ("一鸣", 1), ("思远", 1), ("宇轩", 2), ("梓豪", 1),
        ("子豪", 1), ("浩宇", 1), ("文博", 1), ("明轩", 1), ("嘉伟", 1), ("伟", 2),
    ),
    ("young", "女"): (
        ("欣", 2), ("悦", 2), ("琳", 2), ("雪", 2), ("欣怡", 2), ("梓涵", 2), ("雨桐", 1),
        ("思雨", 1), ("诗涵", 1), ("佳怡", 1), ("子涵", 1), ("梦琪", 1), ("雨欣", 1),
        ("可欣", 1), ("佳琪", 1), ("心怡", 1), ("思琪", 1), ("婉婷", 1), ("雅婷", 1),
        ("佳慧", 1), ("娜", 2), ("静", 2),
    ),
    ("kid", "男"): (
        ("一诺", 2), ("沐宸", 2), ("浩宇", 1), ("奕辰", 1), ("宇泽", 1), ("子墨", 1),
        ("梓睿", 1), ("锦程", 1), ("子骞", 1), ("皓轩", 1), ("思源", 1), ("俊熙", 1),
        ("铭泽", 1), ("瑞霖", 1), ("承泽", 1), ("睿", 1), ("晨", 1),
    ),
    ("kid", "女"): (
        ("一诺", 1), ("若汐", 2), ("梓萱", 2), ("语桐", 1), ("可馨", 1), ("欣妍", 1),
        ("诗琪", 1), ("安琪", 1), ("雨萱", 1), ("思彤", 1), ("芷若", 1), ("沐瑶", 1),
        ("梓晴", 1), ("依诺", 1), ("书瑶", 1), ("悦", 1),
    ),
}  # fmt: skip

BEIJING_CODES: tuple[tuple[str, float], ...] = (
    ("110105", 58), ("110101", 5), ("110102", 5), ("110103", 2), ("110104", 2),
    ("110106", 4), ("110107", 1), ("110108", 5), ("110111", 1), ("110112", 2),
    ("110113", 1), ("110114", 1), ("110115", 1),
)  # fmt: skip
# Home counties of the floating population (ID region code, 户籍地).
ORIGINS: tuple[tuple[str, str, float], ...] = (
    ("130102", "河北省石家庄市长安区", 4), ("130181", "河北省辛集市", 3),
    ("130229", "河北省唐山市玉田县", 3), ("130424", "河北省邯郸市成安县", 3),
    ("130682", "河北省定州市", 3), ("131002", "河北省廊坊市安次区", 4),
    ("410105", "河南省郑州市金水区", 3), ("410221", "河南省开封市杞县", 3),
    ("411302", "河南省南阳市宛城区", 3), ("411424", "河南省商丘市柘城县", 3),
    ("411625", "河南省周口市郸城县", 3), ("370102", "山东省济南市历下区", 2),
    ("370481", "山东省滕州市", 2), ("371302", "山东省临沂市兰山区", 3),
    ("340104", "安徽省合肥市蜀山区", 2), ("341202", "安徽省阜阳市颍州区", 3),
    ("230102", "黑龙江省哈尔滨市道里区", 2), ("140105", "山西省太原市小店区", 2),
    ("510104", "四川省成都市锦江区", 2), ("511321", "四川省南充市南部县", 2),
    ("420111", "湖北省武汉市洪山区", 2), ("150102", "内蒙古自治区呼和浩特市新城区", 1),
    ("210102", "辽宁省沈阳市和平区", 2), ("220104", "吉林省长春市朝阳区", 1),
    ("430104", "湖南省长沙市岳麓区", 1), ("320102", "江苏省南京市玄武区", 1),
    ("120104", "天津市南开区", 2), ("610113", "陕西省西安市雁塔区", 1),
    ("620102", "甘肃省兰州市城关区", 1), ("360121", "江西省南昌市南昌县", 1),
    ("500101", "重庆市万州区", 1), ("440106", "广东省广州市天河区", 1),
)  # fmt: skip
ETHNICITIES: tuple[tuple[str, float], ...] = (
    ("汉族", 930), ("满族", 25), ("回族", 20), ("蒙古族", 8), ("朝鲜族", 4), ("土家族", 3),
    ("壮族", 3), ("苗族", 2),
)  # fmt: skip
MOBILE_PREFIXES = tuple(
    str(n) for n in (*range(130, 140), *range(150, 154), *range(155, 160), 166, 176, 177, 178)
) + tuple(str(n) for n in (180, 181, 182, 183, 185, 186, 187, 188, 189, 198, 199))


@dataclass(frozen=True)
class CommunityPlan:
    name: str
    roads: tuple[str, ...]  # roads with compounds (院) of apartment buildings
    lanes: tuple[str, ...]  # 胡同 / 条 with courtyard houses
    courtyard_share: float


COMMUNITIES: tuple[CommunityPlan, ...] = (
    CommunityPlan("幸福一村社区", ("幸福路", "幸福一村西街", "幸福一村中街", "工体东路"),
                  ("农丰里胡同", "幸福一村一巷", "新东路头条"), 0.30),
    CommunityPlan("金台里社区", ("金台路", "金台里", "金台北街", "东三环中路"),
                  ("金台西胡同", "红庙北里胡同"), 0.15),
    CommunityPlan("光华里社区", ("光华路", "光华东里", "光华西里", "东大桥路"),
                  ("光华里胡同", "永安里东胡同"), 0.10),
    CommunityPlan("团结湖社区", ("团结湖路", "团结湖北路", "团结湖中路", "水碓子东路"),
                  ("团结湖二条", "团结湖三条", "水碓子胡同"), 0.12),
    CommunityPlan("呼家楼社区", ("呼家楼北街", "呼家楼南街", "呼家楼西里", "关东店北街"),
                  ("呼家楼三条", "核桃园胡同", "小庄东胡同"), 0.20),
)  # fmt: skip
COURTYARD_ROOMS = ("1", "2", "3", "东1", "东2", "西1", "西2", "南1", "南2", "北1", "北2")
OTHER_DISTRICT_ADDRESSES = (
    "海淀区中关村大街27号", "丰台区方庄芳古园一区12号楼3单元502", "东城区东四十条22号",
    "通州区梨园镇云景里5号楼1单元201", "昌平区回龙观龙泽苑东区9号楼601",
    "大兴区黄村镇兴华大街3号", "朝阳区望京西园三区311号楼1502", "西城区白纸坊东街8号院2号楼",
)  # fmt: skip
CN_DIGITS = "零一二三四五六七八九"
FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")
# Look-alike characters clerks confuse when copying handwriting.
LOOKALIKES: dict[str, str] = {
    "己": "已", "未": "末", "王": "玉", "土": "士", "人": "入", "大": "太", "日": "曰",
    "亮": "谅", "娟": "绢", "斌": "赋", "杰": "木", "鹏": "朋", "霞": "瑕",
}  # fmt: skip


def _cn_number(n: int) -> str:
    """1-99 as written in addresses: 三, 十二, 二十, 二十三."""
    if n < 10:
        return CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CN_DIGITS[tens]
    return head + "十" + (CN_DIGITS[ones] if ones else "")


class Weighted:
    """Weighted choice with precomputed cumulative weights (random.choices recomputes them)."""

    def __init__(self, items: Sequence[tuple[Any, float]]) -> None:
        self.values = [v for v, _ in items]
        self.cum: list[float] = []
        total = 0.0
        for _, w in items:
            total += w
            self.cum.append(total)

    def pick(self, rng: random.Random) -> Any:
        return rng.choices(self.values, cum_weights=self.cum)[0]


# --------------------------------------------------------------------------------------------
# Character tables for noise
# --------------------------------------------------------------------------------------------


class CharNoise:
    """Same-pinyin substitutes (from the 3,755 common GB2312 level-1 characters) and
    simplified→traditional forms, computed once per run."""

    def __init__(self) -> None:
        from pypinyin import Style, pinyin

        common: list[str] = []
        for hi in range(0xB0, 0xD8):
            for lo in range(0xA1, 0xFF):
                with contextlib.suppress(UnicodeDecodeError):
                    common.append(bytes([hi, lo]).decode("gb2312"))
        by_tone: dict[str, list[str]] = {}
        by_sound: dict[str, list[str]] = {}
        self.tone_of: dict[str, str] = {}
        for ch in common:
            p = pinyin(ch, style=Style.TONE3)[0][0]
            self.tone_of[ch] = p
            by_tone.setdefault(p, []).append(ch)
            by_sound.setdefault(p.rstrip("12345"), []).append(ch)
        self.by_tone = by_tone
        self.by_sound = by_sound
        self._trad: dict[str, str] = {}
        import opencc

        self._s2t = opencc.OpenCC("s2t")

    def homophone(self, ch: str, rng: random.Random) -> str:
        if ch in LOOKALIKES and rng.random() < 0.2:
            return LOOKALIKES[ch]
        p = self.tone_of.get(ch)
        if p is None:
            return ch
        pool = [c for c in self.by_tone[p] if c != ch]
        if not pool:
            pool = [c for c in self.by_sound[p.rstrip("12345")] if c != ch]
        return rng.choice(pool) if pool else ch

    def traditional(self, text: str) -> str:
        out = []
        for ch in text:
            t = self._trad.get(ch)
            if t is None:
                t = self._s2t.convert(ch)
                if len(t) != 1:
                    t = ch
                self._trad[ch] = t
            out.append(t)
        return "".join(out)


# --------------------------------------------------------------------------------------------
# Geography and registry
# --------------------------------------------------------------------------------------------


@dataclass
class Building:
    community: int
    grid_code: str
    road: str
    number: str
    name: str  # 楼栋号, "" for a courtyard
    units: int  # 0 for a courtyard
    floors: int
    lon: float
    lat: float
    rooms: list[int] = field(default_factory=list)


@dataclass
class Registry:
    buildings: list[Building]
    room_code: list[str]
    room_building: list[int]
    room_unit: list[str]
    room_name: list[str]
    room_grid: list[str]
    room_lonlat: list[tuple[float, float]]
    grids: list[tuple[str, int, list[tuple[float, float]]]]  # code, community, ring
    communities: list[tuple[str, list[tuple[float, float]]]]
    grid_rooms: dict[str, list[int]]


def _layout(
    people: int, rng: random.Random
) -> tuple[
    list[tuple[str, list[tuple[float, float]]]], list[tuple[str, int, list[tuple[float, float]]]]
]:
    """Five community strips over 116.44-116.48E / 39.90-39.93N, each cut into a lattice of grids.

    Interior lattice vertices are jittered so grids look hand-drawn; every vertex is computed and
    rounded once, so neighbouring grids share identical edges and tile their community exactly.
    """
    side = max(2, min(5, round(math.sqrt(people / len(COMMUNITIES) / 4000))))
    lon0, lon1, lat0, lat1 = 116.44, 116.48, 39.90, 39.93
    widths = [rng.uniform(0.8, 1.2) for _ in COMMUNITIES]
    xs = [lon0]
    for w in widths:
        xs.append(xs[-1] + (lon1 - lon0) * w / sum(widths))
    xs[-1] = lon1
    communities: list[tuple[str, list[tuple[float, float]]]] = []
    grids: list[tuple[str, int, list[tuple[float, float]]]] = []
    for c in range(len(COMMUNITIES)):
        code = f"{STREET_CODE}{c + 1:03d}"
        cx0, cx1 = xs[c], xs[c + 1]
        dx, dy = (cx1 - cx0) / side, (lat1 - lat0) / side
        vertex: dict[tuple[int, int], tuple[float, float]] = {}
        for i in range(side + 1):
            for j in range(side + 1):
                x = cx0 + dx * i + (rng.uniform(-0.15, 0.15) * dx if 0 < i < side else 0)
                y = lat0 + dy * j + (rng.uniform(-0.15, 0.15) * dy if 0 < j < side else 0)
                vertex[i, j] = (round(x, 6), round(y, 6))
        ring = (
            [vertex[i, 0] for i in range(side + 1)]
            + [vertex[side, j] for j in range(1, side + 1)]
            + [vertex[i, side] for i in range(side - 1, -1, -1)]
            + [vertex[0, j] for j in range(side - 1, -1, -1)]
        )
        communities.append((code, ring))
        k = 0
        for j in range(side):
            for i in range(side):
                k += 1
                quad = [vertex[i, j], vertex[i + 1, j], vertex[i + 1, j + 1], vertex[i, j + 1]]
                grids.append((f"{code}{k:03d}", c, [*quad, quad[0]]))
    return communities, grids


def _point_in_quad(ring: list[tuple[float, float]], u: float, v: float) -> tuple[float, float]:
    """Bilinear interpolation: for a convex quad, (u, v) in the unit square stays inside."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ring[:4]
    x = (1 - u) * (1 - v) * x0 + u * (1 - v) * x1 + u * v * x2 + (1 - u) * v * x3
    y = (1 - u) * (1 - v) * y0 + u * (1 - v) * y1 + u * v * y2 + (1 - u) * v * y3
    return x, y


def build_registry(people: int, rng: random.Random) -> Registry:
    communities, grids = _layout(people, rng)
    # ~2.3 residents per room (vacancies included): rooms to build per grid, weighted.
    weights = [rng.uniform(0.7, 1.3) for _ in grids]
    total_rooms = people / 2.3 * 1.04
    buildings: list[Building] = []
    reg = Registry(buildings, [], [], [], [], [], [], grids, communities, {})
    next_number: dict[str, int] = {}
    for g_index, (grid_code, c, ring) in enumerate(grids):
        plan = COMMUNITIES[c]
        target = total_rooms * weights[g_index] / sum(weights)
        made = 0
        rooms_here: list[int] = []
        while made < target:
            courtyard = rng.random() < min(0.85, plan.courtyard_share * 3.5)
            u, v = rng.uniform(0.08, 0.92), rng.uniform(0.08, 0.92)
            if courtyard:
                # A door on a lane with a handful of rooms (平房院落): no building, no unit.
                road = rng.choice(plan.lanes)
                number = next_number.get(road, 1)
                next_number[road] = number + rng.choice((1, 1, 2))
                lon, lat = _point_in_quad(ring, u, v)
                b = Building(c, grid_code, road, str(number), "", 0, 1, lon, lat)
                names = rng.sample(COURTYARD_ROOMS, rng.randint(3, 7))
                for name in names:
                    made += 1
                    _add_room(reg, len(buildings), b, "", name, grid_code, rng)
                buildings.append(b)
                rooms_here.extend(b.rooms)
                continue
            # A compound (院) with several apartment buildings, all in this grid.
            road = rng.choice(plan.roads)
            number = next_number.get(road, 1)
            next_number[road] = number + rng.choice((1, 2, 2, 3))
            for b_no in range(1, rng.randint(2, 8) + 1):
                tower = rng.random() < 0.15
                floors = rng.randint(12, 18) if tower else rng.randint(5, 7)
                units = rng.randint(1, 2) if tower else rng.randint(2, 4)
                per_floor = rng.randint(2, 4) if tower else 2 + (rng.random() < 0.3)
                lon, lat = _point_in_quad(
                    ring,
                    min(0.95, max(0.05, u + rng.uniform(-0.03, 0.03))),
                    min(0.95, max(0.05, v + rng.uniform(-0.03, 0.03))),
                )
                b = Building(c, grid_code, road, str(number), str(b_no), units, floors, lon, lat)
                for unit in range(1, units + 1):
                    for floor in range(1, floors + 1):
                        for k in range(1, per_floor + 1):
                            made += 1
                            _add_room(reg, len(buildings), b, str(unit), f"{floor}{k:02d}",
                                      grid_code, rng)  # fmt: skip
                buildings.append(b)
                rooms_here.extend(b.rooms)
        reg.grid_rooms[grid_code] = rooms_here
    return reg


def _add_room(
    reg: Registry, b_index: int, b: Building, unit: str, name: str, grid: str, rng: random.Random
) -> None:
    index = len(reg.room_code)
    community_code = grid[:12]
    reg.room_code.append(f"{community_code}{index + 1:08d}")
    reg.room_building.append(b_index)
    reg.room_unit.append(unit)
    reg.room_name.append(name)
    reg.room_grid.append(grid)
    reg.room_lonlat.append(
        (round(b.lon + rng.uniform(-2e-5, 2e-5), 6), round(b.lat + rng.uniform(-2e-5, 2e-5), 6))
    )
    b.rooms.append(index)


# --------------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------------


class Person:
    __slots__ = (
        "birth", "floating", "gender", "household", "id", "idx", "name", "old_phone",
        "old_room", "origin", "phone", "relation", "room", "surname",
    )  # fmt: skip

    def __init__(self) -> None:
        self.idx = 0
        self.name = ""
        self.surname = ""
        self.gender = "男"
        self.birth = REFERENCE_DATE
        self.id = ""
        self.phone = ""  # own mobile ('' = none)
        self.old_phone = ""
        self.room = 0
        self.old_room = -1
        self.household = 0
        self.floating = False
        self.origin = ""  # 户籍地 text
        self.relation = "户主"

    @property
    def pid(self) -> str:
        return f"P{self.idx + 1:07d}"


@dataclass
class Household:
    index: int
    room: int
    members: list[Person]
    phone: str  # contact phone of the household (the head's, or a landline for elderly)
    landline: str
    rented: bool
    old_room: int = -1


class Population:
    def __init__(self, registry: Registry, people: int, rng: random.Random) -> None:
        self.rng = rng
        self.reg = registry
        self.persons: list[Person] = []
        self.households: list[Household] = []
        self._ids: set[str] = set()
        self._phones: set[str] = set()
        self._surnames = Weighted(SURNAMES)
        self._given = {k: Weighted(v) for k, v in GIVEN.items()}
        self._beijing = Weighted(BEIJING_CODES)
        self._origins = Weighted([((code, text), w) for code, text, w in ORIGINS])
        self.twins = 0
        self.same_name_family = 0
        n_rooms = len(registry.room_code)
        order = list(range(n_rooms))
        rng.shuffle(order)
        for room in order:
            if len(self.persons) >= people:
                break
            if rng.random() < 0.06:
                continue  # vacant
            self._household(room)
        # Households that moved in spring 2022: older ledgers still show their previous room,
        # somewhere else in the same community.
        for hh in self.households:
            if rng.random() < HOUSEHOLD_MOVED:
                grid = registry.room_grid[hh.room]
                same_community = [
                    g for g in registry.grid_rooms if g[:12] == grid[:12] and registry.grid_rooms[g]
                ]
                old = rng.choice(registry.grid_rooms[rng.choice(same_community)])
                if old != hh.room:
                    hh.old_room = old
                    for p in hh.members:
                        p.old_room = old

    # -- attribute draws ---------------------------------------------------------------------

    def _birth(self, age: float) -> dt.date:
        days = int(age * 365.2425) + self.rng.randint(0, 364)
        return REFERENCE_DATE - dt.timedelta(days=days)

    def _given_name(self, birth: dt.date, gender: str) -> str:
        y = birth.year
        era = "old" if y < 1960 else "mid" if y < 1990 else "young" if y < 2010 else "kid"
        return str(self._given[era, gender].pick(self.rng))

    def _mobile(self) -> str:
        while True:
            p = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if p not in self._phones:
                self._phones.add(p)
                return p

    def _id(self, region: str, birth: dt.date, gender: str) -> str:
        while True:
            n = make_id_number(region, birth, self.rng.randrange(1000), gender)
            if n not in self._ids:
                self._ids.add(n)
                return n

    def _person(
        self,
        hh: int,
        room: int,
        surname: str,
        age: float,
        gender: str,
        relation: str,
        origin: tuple[str, str] | None,
        *,
        birth: dt.date | None = None,
        given: str | None = None,
    ) -> Person:
        p = Person()
        p.idx = len(self.persons)
        p.surname = surname
        p.gender = gender
        p.birth = birth or self._birth(age)
        p.name = surname + (given or self._given_name(p.birth, gender))
        region = origin[0] if origin else str(self._beijing.pick(self.rng))
        p.floating = origin is not None
        p.origin = origin[1] if origin else "北京市朝阳区"
        p.id = self._id(region, p.birth, gender)
        real_age = (REFERENCE_DATE - p.birth).days / 365.2425
        if real_age >= 14 and not (real_age >= 75 and self.rng.random() < 0.5):
            p.phone = self._mobile()
            if self.rng.random() < PHONE_CHANGED:
                p.old_phone = self._mobile()
        p.room = room
        p.household = hh
        p.relation = relation
        self.persons.append(p)
        return p

    def _household(self, room: int) -> None:
        rng = self.rng
        hh = len(self.households)
        kind = rng.choices(
            ("family", "elderly", "floating_family", "group", "floating_single"),
            (46, 12, 20, 12, 10),
        )[0]
        members: list[Person] = []
        floating = kind in ("floating_family", "group", "floating_single")
        origin = self._origins.pick(rng) if floating else None

        def other(o: tuple[str, str] | None) -> tuple[str, str] | None:
            return self._origins.pick(rng) if o and rng.random() < 0.3 else o

        if kind == "group":
            # 群租: unrelated young workers, each from their own county.
            for i in range(rng.randint(2, 6)):
                members.append(
                    self._person(
                        hh,
                        room,
                        self._surnames.pick(rng),
                        rng.uniform(18, 45),
                        rng.choice("男男女"),
                        "户主" if i == 0 else "合租",
                        self._origins.pick(rng),
                    )  # fmt: skip
                )
        elif kind == "elderly":
            age = rng.uniform(62, 92)
            g = rng.choice("男女")
            head = self._person(hh, room, self._surnames.pick(rng), age, g, "户主", None)
            members.append(head)
            if rng.random() < 0.55:
                members.append(
                    self._person(
                        hh,
                        room,
                        self._surnames.pick(rng),
                        age + rng.uniform(-5, 5),
                        "女" if g == "男" else "男",
                        "配偶",
                        None,
                    )  # fmt: skip
                )
        else:
            single = kind == "floating_single"
            age = rng.uniform(22, 42) if single else rng.uniform(26, 72)
            surname = self._surnames.pick(rng)
            head = self._person(hh, room, surname, age, rng.choice("男男男女"), "户主", origin)
            members.append(head)
            spouse_p = 0.3 if single else 0.88
            if rng.random() < spouse_p:
                members.append(
                    self._person(
                        hh,
                        room,
                        self._surnames.pick(rng),
                        max(18.5, age + rng.uniform(-6, 4)),
                        "女" if head.gender == "男" else "男",
                        "配偶",
                        other(origin),
                    )  # fmt: skip
                )
            if not single and age < 60:
                n_kids = rng.choices((0, 1, 2, 3), (25, 50, 22, 3))[0]
                kid_max = max(0.2, age - 21)
                for _ in range(n_kids):
                    kid_age = rng.uniform(0.1, min(kid_max, 30))
                    kid = self._person(
                        hh, room, surname, kid_age, rng.choice("男女"), "子女", origin
                    )
                    members.append(kid)
                    if rng.random() < 0.03:
                        # Twins: same birth day, same surname, same phone; names often alike.
                        given = kid.name[len(surname) :]
                        twin_given = (
                            given[0] + self.rng.choice("宇轩涵然辰怡")
                            if len(given) == 2 and rng.random() < 0.5
                            else None
                        )
                        members.append(
                            self._person(
                                hh,
                                room,
                                surname,
                                0,
                                rng.choice("男女"),
                                "子女",
                                origin,
                                birth=kid.birth,
                                given=twin_given,
                            )  # fmt: skip
                        )
                        self.twins += 1
            if not single and age < 50 and rng.random() < 0.18:
                # A grandparent of the head's surname; sometimes a grandchild carries the same name.
                gp = self._person(hh, room, surname, age + rng.uniform(24, 34),
                                  rng.choice("男女"), "父母", origin)  # fmt: skip
                members.append(gp)
                kids = [m for m in members if m.relation == "子女" and m.gender == gp.gender]
                if kids and rng.random() < 0.03:
                    kids[0].name = gp.name
                    self.same_name_family += 1
        head = members[0]
        landline = ""
        if not floating and rng.random() < 0.35:
            landline = f"010-{rng.choice('65678')}{rng.randrange(10**7):07d}"
        phone = head.phone or next((m.phone for m in members if m.phone), "") or landline
        self.households.append(Household(hh, room, members, phone, landline, floating))


# --------------------------------------------------------------------------------------------
# Rendering noisy fields
# --------------------------------------------------------------------------------------------


class Noise:
    """Turns true values into what a clerk wrote, counting every kind of damage it applies."""

    def __init__(self, chars: CharNoise, reg: Registry, pop: Population) -> None:
        self.chars = chars
        self.reg = reg
        self.pop = pop
        self.counts: Counter[str] = Counter()

    # names -----------------------------------------------------------------------------------

    def name(self, p: Person, rng: random.Random, scale: float = 1.0) -> str:
        text = p.name
        if rng.random() < NOISE["name_homophone"] * scale:
            i = rng.randrange(len(text))
            text = text[:i] + self.chars.homophone(text[i], rng) + text[i + 1 :]
            self.counts["name_homophone"] += 1
        if rng.random() < NOISE["name_traditional"] * scale:
            trad = self.chars.traditional(text)
            if trad != text:
                self.counts["name_traditional"] += 1
            text = trad
        if rng.random() < NOISE["name_space"] * scale:
            cut = 1 if len(text) < 4 else len(p.surname)
            text = text[:cut] + rng.choice((" ", "  ", "\u3000")) + text[cut:]
            self.counts["name_space"] += 1
        if rng.random() < 0.01:
            text = text + " "
        return text

    # ID numbers ------------------------------------------------------------------------------

    def id_number(
        self, p: Person, rng: random.Random, missing: float, *, xlsx: bool = False
    ) -> str | float:
        if rng.random() < missing:
            self.counts["id_missing"] += 1
            return rng.choice(("", "", "", "无", "不详")) if missing > 0.2 else ""
        text = p.id
        r = rng.random()
        if r < NOISE["id_wrong_digit"]:
            i = rng.randrange(17)
            text = text[:i] + str((int(text[i]) + rng.randint(1, 9)) % 10) + text[i + 1 :]
            self.counts["id_wrong_digit"] += 1
        elif r < NOISE["id_wrong_digit"] + NOISE["id_swap"]:
            for _ in range(10):
                i = rng.randrange(17)
                if text[i] != text[i + 1]:
                    text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
                    self.counts["id_swap"] += 1
                    break
        elif (
            r
            < NOISE["id_wrong_digit"]
            + NOISE["id_swap"]
            + NOISE["id_15"] * (4 if missing > 0.2 else 1)
            and 1900 <= p.birth.year <= 1999
        ):
            text = text[:6] + text[8:17]
            self.counts["id_15"] += 1
        if text.endswith("X") and rng.random() < NOISE["id_lower_x"]:
            text = text[:-1] + "x"
            self.counts["id_lower_x"] += 1
        r = rng.random()
        if xlsx:
            if r < NOISE["id_numeric_cell"] and text.isdigit() and len(text) == 18:
                self.counts["id_numeric_cell"] += 1
                return float(text)
        elif r < NOISE["id_scientific"] and text.isdigit() and len(text) == 18:
            self.counts["id_scientific"] += 1
            return f"{float(text):.14E}"
        r = rng.random()
        if r < NOISE["id_fullwidth"]:
            text = text.translate(FULLWIDTH)
            self.counts["id_fullwidth"] += 1
        elif r < NOISE["id_fullwidth"] + NOISE["id_spaces"] and len(text) == 18:
            text = f"{text[:6]} {text[6:14]} {text[14:]}"
            self.counts["id_spaces"] += 1
        return text

    # phones ----------------------------------------------------------------------------------

    def phone(
        self,
        p: Person,
        rng: random.Random,
        missing: float,
        old_ledger: bool,
        *,
        landline: float = 0,
    ) -> str:
        hh = self.pop.households[p.household]
        if rng.random() < missing:
            self.counts["phone_missing"] += 1
            return ""
        if landline and hh.landline and rng.random() < landline:
            self.counts["phone_landline"] += 1
            return hh.landline if rng.random() < 0.6 else hh.landline[4:]
        number = p.phone
        if p.old_phone and old_ledger and rng.random() < NOISE["phone_old"]:
            number = p.old_phone
            self.counts["phone_old"] += 1
        if not number or rng.random() < NOISE["phone_household"]:
            if number != hh.phone:
                self.counts["phone_household"] += 1
            number = hh.phone
        if not number or number.startswith("010"):
            return number
        r = rng.random()
        if r < NOISE["phone_plus86"]:
            number = rng.choice(("+86", "+86 ", "86")) + number
            self.counts["phone_plus86"] += 1
        elif r < NOISE["phone_plus86"] + NOISE["phone_dashes"]:
            number = f"{number[:3]}-{number[3:7]}-{number[7:]}"
            self.counts["phone_dashes"] += 1
        elif r < NOISE["phone_plus86"] + NOISE["phone_dashes"] + NOISE["phone_spaces"]:
            number = f"{number[:3]} {number[3:7]} {number[7:]}"
            self.counts["phone_spaces"] += 1
        elif r < 0.075:
            number = number.translate(FULLWIDTH)
            self.counts["phone_fullwidth"] += 1
        return number

    # addresses -------------------------------------------------------------------------------

    def address(
        self, room: int, rng: random.Random, styles: Weighted, *, elsewhere: bool = True
    ) -> tuple[str, str, str]:
        """(written address, truth address_code, truth grid_code) of one row."""
        reg = self.reg
        b = reg.buildings[reg.room_building[room]]
        plan = COMMUNITIES[b.community]
        code, grid = reg.room_code[room], reg.room_grid[room]
        road, number, unit, name = b.road, b.number, reg.room_unit[room], reg.room_name[room]
        building = b.name
        if rng.random() < NOISE["addr_not_in_registry"]:
            if elsewhere and rng.random() < 0.4:
                self.counts["addr_elsewhere"] += 1
                return rng.choice(OTHER_DISTRICT_ADDRESSES), "", ""
            # A room the building does not have (floor above the roof, or a new courtyard room).
            self.counts["addr_no_such_room"] += 1
            code = ""
            name = f"{b.floors + rng.randint(1, 9)}0{rng.randint(1, 2)}" if building else "后9"
        if rng.random() < NOISE["addr_road_typo"]:
            i = rng.randrange(len(road) - 1)
            road = road[:i] + self.chars.homophone(road[i], rng) + road[i + 1 :]
            self.counts["addr_road_typo"] += 1
        style = styles.pick(rng)
        prefix = {
            "full": f"北京市朝阳区京广路街道{plan.name}",
            "city": "北京市朝阳区",
            "district": "朝阳区",
            "community": plan.name,
            "plain": "",
        }[style]
        if not building:
            yard = rng.choice(("号", "号", "号院"))
            text = f"{prefix}{road}{number}{yard}{name}"
        else:
            cn = rng.random() < 0.08
            bno = _cn_number(int(building)) if cn else building
            num = _cn_number(int(number)) if cn and int(number) < 100 else number
            compound = f"{road}{num}{rng.choice(('号院', '号院', '号', '院'))}"
            if rng.random() < 0.12:
                text = f"{prefix}{compound}{building}-{unit}-{name}"
                self.counts["addr_shorthand"] += 1
            else:
                btxt = bno + rng.choice(("号楼", "号楼", "号楼", "栋", "幢", "楼"))
                utxt = (_cn_number(int(unit)) if cn else unit) + rng.choice(("单元", "单元", "门"))
                if rng.random() < NOISE["addr_no_unit"]:
                    utxt = ""
                    self.counts["addr_no_unit"] += 1
                rtxt = name + rng.choice(("室", "", "", "号", "户"))
                text = f"{prefix}{compound}{btxt}{utxt}{rtxt}"
        r = rng.random()
        if r < NOISE["addr_traditional"]:
            text = self.chars.traditional(text)
            self.counts["addr_traditional"] += 1
        elif r < NOISE["addr_traditional"] + NOISE["addr_fullwidth"]:
            text = text.translate(FULLWIDTH)
            self.counts["addr_fullwidth"] += 1
        return text, code, grid


# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------

Cell = str | int | float | dt.date | None
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _col(n: int) -> str:
    s = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def _xml(text: str) -> str:
    text = _XML_BAD.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@dataclass
class SheetOut:
    name: str
    rows: list[list[Cell]]  # every row as shown, from row 1
    merges: list[str] = field(default_factory=list)


def write_xlsx(path: Path, sheets: list[SheetOut]) -> None:
    """A minimal, fast xlsx writer: inline strings, one date style, merged cells."""
    epoch = dt.date(1899, 12, 30)
    cols = [_col(i) for i in range(64)]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:

        class _Fixed:
            """Member timestamps fixed, so one seed gives byte-identical files."""

            @staticmethod
            def writestr(name: str, data: str) -> None:
                info = zipfile.ZipInfo(name, date_time=(2022, 6, 30, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data, compresslevel=1)

        z = _Fixed
        sheet_entries = "".join(
            f'<sheet name="{_xml(s.name)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, s in enumerate(sheets)
        )
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            + "".join(
                f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                for i in range(len(sheets))
            )
            + "</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f"<sheets>{sheet_entries}</sheets></workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(
                f'<Relationship Id="rId{i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{i + 1}.xml"/>'
                for i in range(len(sheets))
            )
            + f'<Relationship Id="rId{len(sheets) + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            "</Relationships>",
        )
        z.writestr(
            "xl/styles.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
            '<fills count="2"><fill><patternFill patternType="none"/></fill>'
            '<fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
            '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
            "</cellXfs>"
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>",
        )
        for i, s in enumerate(sheets):
            parts = [
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            ]
            for r, row in enumerate(s.rows, start=1):
                cells = []
                for c, v in enumerate(row):
                    if v is None or v == "":
                        continue
                    ref = f"{cols[c]}{r}"
                    if isinstance(v, str):
                        cells.append(
                            f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{_xml(v)}</t></is></c>'
                        )
                    elif isinstance(v, dt.date):
                        cells.append(f'<c r="{ref}" s="1"><v>{(v - epoch).days}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}"><v>{v!r}</v></c>')
                if cells:
                    parts.append(f'<row r="{r}">{"".join(cells)}</row>')
            parts.append("</sheetData>")
            if s.merges:
                parts.append(
                    f'<mergeCells count="{len(s.merges)}">'
                    + "".join(f'<mergeCell ref="{m}"/>' for m in s.merges)
                    + "</mergeCells>"
                )
            parts.append("</worksheet>")
            z.writestr(f"xl/worksheets/sheet{i + 1}.xml", "".join(parts))


# --------------------------------------------------------------------------------------------
# Ledgers
# --------------------------------------------------------------------------------------------


@dataclass
class Column:
    header: str
    role: str
    group: str = ""  # upper header of a 2-row header (基本信息 / 居住信息)


@dataclass
class Ledger:
    """One output file being built: its sheets, metadata and truth rows."""

    file: str
    fmt: str  # "csv" | "xlsx"
    encoding: str
    office: str
    date: dt.date
    columns: list[Column]
    sheets: list[dict[str, Any]] = field(default_factory=list)
    truth: list[tuple[str, str, int, str, str, str]] = field(default_factory=list)

    def meta(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "format": self.fmt,
            "encoding": self.encoding,
            "office": self.office,
            "date": self.date.isoformat(),
            "columns": [c.role for c in self.columns],
            "headers": [c.header for c in self.columns],
            "sheets": [
                {k: v for k, v in s.items() if k != "out"} for s in self.sheets
            ],  # name, header_rows, first_data_row, last_data_row
            "rows": len(self.truth),
        }


class Writer:
    def __init__(self, out: Path, reg: Registry, pop: Population, noise: Noise, seed: int) -> None:
        self.out = out
        self.ledger_dir = out / "ledgers"
        self.ledger_dir.mkdir(parents=True, exist_ok=True)
        self.reg = reg
        self.pop = pop
        self.noise = noise
        self.seed = seed
        self.ledgers: list[Ledger] = []
        self.clerks = [p.name for p in pop.persons[:: max(1, len(pop.persons) // 200)]]

    def rng(self, key: str) -> random.Random:
        return random.Random(f"{self.seed}/{key}")

    # -- helpers ---------------------------------------------------------------------------

    def room_at(self, p: Person, date: dt.date) -> int:
        return p.old_room if p.old_room >= 0 and date < MOVE_DATE else p.room

    def age_at(self, p: Person, date: dt.date) -> int:
        return date.year - p.birth.year - ((date.month, date.day) < (p.birth.month, p.birth.day))

    def values(
        self,
        ledger: Ledger,
        p: Person,
        rng: random.Random,
        prof: dict[str, Any],
        extra: Callable[[str, Person, random.Random], Cell],
    ) -> tuple[list[Cell], str, str]:
        """One row's cells, in the ledger's column order, and the row's truth room and grid."""
        old = ledger.date < MOVE_DATE
        xlsx = ledger.fmt == "xlsx"
        room = self.room_at(p, ledger.date)
        addr_text, code, grid = self.noise.address(
            room, rng, prof["styles"], elsewhere=prof.get("elsewhere", True)
        )
        row: list[Cell] = []
        for col in ledger.columns:
            role = col.role
            if role == "name":
                row.append(self.noise.name(p, rng, prof.get("name_noise", 1.0)))
            elif role == "id_number":
                row.append(self.noise.id_number(p, rng, prof["id_missing"], xlsx=xlsx))
            elif role == "phone":
                row.append(
                    self.noise.phone(
                        p, rng, prof["phone_missing"], old, landline=prof.get("landline", 0)
                    )
                )
            elif role == "address":
                row.append(addr_text)
            elif role == "gender":
                row.append(p.gender if rng.random() > 0.02 else "")
            elif role == "age":
                row.append(self.age_at(p, ledger.date) + (rng.random() < 0.1))
            elif role == "birth":
                row.append(self.birth_cell(p, rng, xlsx, prof.get("birth_style", "day")))
            elif role == "origin":
                row.append(p.origin)
            else:
                row.append(extra(role, p, rng))
        return row, code, grid

    def birth_cell(self, p: Person, rng: random.Random, xlsx: bool, style: str) -> Cell:
        b = p.birth
        if xlsx and rng.random() < 0.4:
            return b if style == "day" else dt.date(b.year, b.month, 1)
        if style == "month":
            return rng.choice(
                (f"{b.year}.{b.month:02d}", f"{b.year}年{b.month}月", f"{b.year}-{b.month:02d}",
                 f"{b.year}{b.month:02d}", f"{b.year}.{b.month}")
            )  # fmt: skip
        return rng.choice(
            (f"{b:%Y-%m-%d}", f"{b.year}/{b.month}/{b.day}", f"{b:%Y%m%d}",
             f"{b.year}年{b.month}月{b.day}日", f"{b:%Y.%m.%d}")
        )  # fmt: skip

    def pick(self, rng: random.Random, persons: Iterable[Person], share: float) -> list[Person]:
        return [p for p in persons if rng.random() < share]

    def with_duplicates(
        self, rng: random.Random, persons: list[Person], rate: float
    ) -> list[Person]:
        out: list[Person] = []
        for p in persons:
            out.append(p)
            if rng.random() < rate:
                out.append(p)
                self.noise.counts["dup_in_ledger"] += 1
        return out

    # -- file writers ----------------------------------------------------------------------

    def write_csv(
        self,
        ledger: Ledger,
        persons: list[Person],
        rng: random.Random,
        prof: dict[str, Any],
        extra: Callable[[str, Person, random.Random], Cell],
    ) -> None:
        path = self.ledger_dir / ledger.file
        with path.open("w", encoding=ledger.encoding, newline="") as f:
            w = csv.writer(f)
            w.writerow([c.header for c in ledger.columns])
            line = 1
            for p in persons:
                row, code, grid = self.values(ledger, p, rng, prof, extra)
                w.writerow(["" if v is None else v for v in row])
                line += 1
                ledger.truth.append((ledger.file, "", line, p.pid, code, grid))
        ledger.sheets.append(
            {"name": "", "header_rows": [1], "first_data_row": 2, "last_data_row": line}
        )
        self.ledgers.append(ledger)

    def xlsx_sheet(
        self,
        ledger: Ledger,
        sheet_name: str,
        title: str,
        persons: list[Person],
        rng: random.Random,
        prof: dict[str, Any],
        extra: Callable[[str, Person, random.Random], Cell],
        *,
        two_row_header: bool,
    ) -> SheetOut:
        ncol = len(ledger.columns)
        last = _col(ncol - 1)
        rows: list[list[Cell]] = [[title]]
        merges = [f"A1:{last}1"]
        if two_row_header:
            top: list[Cell] = []
            for i, c in enumerate(ledger.columns):
                group = c.group
                starts = i == 0 or ledger.columns[i - 1].group != group
                top.append(group if (starts and group) else (c.header if not group else None))
            rows.append(top)
            rows.append([c.header if c.group else None for c in ledger.columns])
            i = 0
            while i < ncol:
                group = ledger.columns[i].group
                j = i
                while j + 1 < ncol and ledger.columns[j + 1].group == group:
                    j += 1
                if group:
                    if j > i:
                        merges.append(f"{_col(i)}2:{_col(j)}2")
                else:
                    merges.extend(f"{_col(k)}2:{_col(k)}3" for k in range(i, j + 1))
                i = j + 1
            header_rows = [2, 3]
        else:
            rows.append([c.header for c in ledger.columns])
            header_rows = [2]
        first = len(rows) + 1
        seq = 0
        for p in persons:
            if rng.random() < 0.002:
                rows.append([])  # a stray blank row
            row, code, grid = self.values(ledger, p, rng, prof, extra)
            seq += 1
            if ledger.columns[0].role == "seq":
                row[0] = seq
            rows.append(row)
            ledger.truth.append((ledger.file, sheet_name, len(rows), p.pid, code, grid))
        last_data = len(rows)
        rows.append([])
        rows.append([f"合计：{seq}人"])
        signer, checker = rng.choice(self.clerks), rng.choice(self.clerks)
        rows.append(
            [f"填表人：{signer}", None, None, f"审核人：{checker}", None, None,
             f"填表日期：{ledger.date.year}年{ledger.date.month}月{ledger.date.day}日"][:max(ncol, 7)]
        )  # fmt: skip
        ledger.sheets.append(
            {"name": sheet_name, "header_rows": header_rows, "first_data_row": first,
             "last_data_row": last_data}
        )  # fmt: skip
        return SheetOut(sheet_name, rows, merges)


def _extra_factory(
    writer: Writer, ledger_date: dt.date
) -> Callable[[str, Person, random.Random], Cell]:
    pop = writer.pop
    ethn = Weighted(ETHNICITIES)
    landlords: dict[int, tuple[str, str]] = {}

    def extra(role: str, p: Person, rng: random.Random) -> Cell:
        if role == "seq":
            return None
        if role == "ethnicity":
            return str(ethn.pick(rng))
        if role == "relation":
            return p.relation
        if role == "residence_type":
            return "流动人口" if p.floating else rng.choice(("户籍人口", "户籍", "常住"))
        if role == "house_use":
            return "出租" if pop.households[p.household].rented else "自住"
        if role in ("reg_date", "rent_start", "vaccine_date"):
            return (ledger_date - dt.timedelta(days=rng.randint(1, 900))).isoformat()
        if role == "test_time":
            t = dt.datetime.combine(ledger_date, dt.time(7)) + dt.timedelta(
                seconds=rng.randint(0, 13 * 3600)
            )
            return t.strftime("%Y-%m-%d %H:%M:%S") if rng.random() < 0.8 else f"{t:%Y/%m/%d %H:%M}"
        if role == "sample_point":
            return rng.choice(("社区广场采样点", "小区东门采样点", "便民采样车", "上门采样"))
        if role == "tube_code":
            return f"T{ledger_date:%y%m%d}{rng.randrange(10**6):06d}"
        if role == "id_type":
            return "居民身份证"
        if role == "reason":
            return rng.choice(("务工", "务工", "经商", "投亲靠友", "学习", "其他"))
        if role == "dose":
            return rng.choice(("第一剂", "第二剂", "加强针"))
        if role in ("landlord_name", "landlord_phone"):
            hh = pop.households[p.household]
            if hh.index not in landlords:
                # Landlords are often residents of the district themselves (another room).
                if rng.random() < 0.4:
                    owner = pop.persons[rng.randrange(len(pop.persons))]
                    landlords[hh.index] = (
                        owner.name,
                        owner.phone or pop.households[owner.household].phone,
                    )
                else:
                    fake = f"{Weighted(SURNAMES).pick(rng)}{rng.choice(('建国', '秀英', '伟', '丽', '志强', '桂兰'))}"
                    landlords[hh.index] = (
                        fake,
                        rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                    )
            name, phone = landlords[hh.index]
            return name if role == "landlord_name" else phone
        if role == "living_status":
            n = len(pop.households[p.household].members)
            return "独居" if n == 1 else rng.choice(("与配偶同住", "与子女同住", "其他"))
        if role in ("contact_name", "contact_phone"):
            hh = pop.households[p.household]
            others = [m for m in hh.members if m is not p and m.phone]
            if not others:
                return ""
            c = others[0]
            return c.name if role == "contact_name" else c.phone
        if role == "note":
            return rng.choice(("", "", "", "", "", "已核实", "电话未接通", "人户分离", "新增"))
        if role == "grid":
            return ""
        return ""

    return extra


def _styles(**w: float) -> Weighted:
    return Weighted(list(w.items()))


def write_ledgers(writer: Writer) -> None:
    pop, reg = writer.pop, writer.reg
    persons = pop.persons
    by_community: dict[int, list[Person]] = {}
    for p in persons:
        c = int(reg.room_grid[p.room][9:12]) - 1
        by_community.setdefault(c, []).append(p)

    def sort_by_room(ps: list[Person], date: dt.date) -> list[Person]:
        return sorted(ps, key=lambda p: (writer.room_at(p, date), p.idx))

    # 1. Community 实有人口台账: xlsx, one sheet per grid, each office its own layout.
    community_layouts: list[tuple[list[Column], bool]] = [
        ([Column("序号", "seq"), Column("姓名", "name"), Column("性别", "gender"),
          Column("民族", "ethnicity"), Column("身份证号码", "id_number"),
          Column("联系电话", "phone"), Column("现居住地址", "address"),
          Column("人口类型", "residence_type"), Column("与户主关系", "relation"),
          Column("备注", "note")], False),
        ([Column("序号", "seq"), Column("居民姓名", "name", "基本信息"),
          Column("性别", "gender", "基本信息"), Column("出生日期", "birth", "基本信息"),
          Column("公民身份号码", "id_number", "基本信息"), Column("住址", "address", "居住信息"),
          Column("房屋性质", "house_use", "居住信息"), Column("手机号", "phone", "居住信息"),
          Column("户籍地", "origin", "居住信息")], True),
        ([Column("序号", "seq"), Column("住址", "address"), Column("与户主关系", "relation"),
          Column("名字", "name"), Column("证件号码", "id_number"), Column("电话", "phone"),
          Column("民族", "ethnicity"), Column("备注", "note")], False),
        ([Column("序号", "seq"), Column("姓名", "name", "基本信息"),
          Column("身份证号", "id_number", "基本信息"), Column("性别", "gender", "基本信息"),
          Column("民族", "ethnicity", "基本信息"), Column("现住址", "address", "居住信息"),
          Column("联系方式", "phone", "居住信息"), Column("人员类别", "residence_type", "居住信息"),
          Column("备注", "note")], True),
        ([Column("序号", "seq"), Column("户主关系", "relation"), Column("姓名", "name"),
          Column("公民身份号码", "id_number"), Column("出生年月", "birth"),
          Column("房屋地址", "address"), Column("联系电话", "phone")], False),
    ]  # fmt: skip
    community_date = dt.date(2022, 3, 20)
    for c, plan in enumerate(COMMUNITIES):
        cols, two = community_layouts[c]
        ledger = Ledger(f"{plan.name}实有人口台账.xlsx", "xlsx", "", f"{plan.name}居委会",
                        community_date, cols)  # fmt: skip
        rng = writer.rng(f"community/{c}")
        prof = {
            "styles": _styles(plain=5, community=1, district=1, full=0.5),
            "id_missing": 0.04, "phone_missing": 0.05, "elsewhere": False, "landline": 0.1,
            "birth_style": "month" if any(col.header == "出生年月" for col in cols) else "day",
        }  # fmt: skip
        extra = _extra_factory(writer, community_date)
        chosen = writer.pick(rng, by_community.get(c, []), 0.25)
        chosen = writer.with_duplicates(rng, chosen, NOISE["dup_in_ledger"] * 0.5)
        by_grid: dict[str, list[Person]] = {}
        for p in sort_by_room(chosen, community_date):
            by_grid.setdefault(reg.room_grid[writer.room_at(p, community_date)], []).append(p)
        sheets = []
        for grid_code in sorted(by_grid):
            no = int(grid_code[-3:])
            sheets.append(
                writer.xlsx_sheet(
                    ledger,
                    f"第{no}网格",
                    f"{plan.name}实有人口台账（第{no}网格）",
                    by_grid[grid_code],
                    rng,
                    prof,
                    extra,
                    two_row_header=two,
                )  # fmt: skip
            )
        write_xlsx(writer.ledger_dir / ledger.file, sheets)
        writer.ledgers.append(ledger)

    # 2. Police station floating-population ledger: GBK CSV, full administrative addresses.
    police_date = dt.date(2022, 6, 10)
    ledger = Ledger("京广路派出所流动人口登记.csv", "csv", "gbk", "朝阳分局京广路派出所",
                    police_date,
                    [Column("姓名", "name"), Column("性别", "gender"), Column("民族", "ethnicity"),
                     Column("公民身份号码", "id_number"), Column("户籍地址", "origin"),
                     Column("暂住地址", "address"), Column("联系电话", "phone"),
                     Column("登记日期", "reg_date"), Column("暂住事由", "reason")])  # fmt: skip
    rng = writer.rng("police")
    prof = {"styles": _styles(full=3, city=3, district=2, plain=1), "id_missing": 0.01,
            "phone_missing": 0.03, "name_noise": 0.6}  # fmt: skip
    floating = [p for p in persons if p.floating]
    chosen = writer.pick(rng, floating, 0.85)
    rng.shuffle(chosen)
    writer.write_csv(ledger, chosen, rng, prof, _extra_factory(writer, police_date))

    # 3. Testing teams: one UTF-8-BOM CSV per community and round, with 检测时间.
    rounds = (dt.date(2022, 4, 8), dt.date(2022, 5, 6), dt.date(2022, 6, 2))
    test_layouts = [
        [Column("姓名", "name"), Column("证件类型", "id_type"), Column("证件号码", "id_number"),
         Column("手机号", "phone"), Column("住址", "address"), Column("检测时间", "test_time"),
         Column("采样点", "sample_point"), Column("采样管码", "tube_code")],
        [Column("检测时间", "test_time"), Column("名字", "name"), Column("手机号", "phone"),
         Column("身份证号码", "id_number"), Column("现居住地址", "address"),
         Column("采样管码", "tube_code")],
        [Column("采样管码", "tube_code"), Column("姓名", "name"), Column("身份证号", "id_number"),
         Column("联系电话", "phone"), Column("隔离地址", "address"),
         Column("检测时间", "test_time")],
    ]  # fmt: skip
    for r_index, date in enumerate(rounds):
        for c, plan in enumerate(COMMUNITIES):
            ledger = Ledger(f"核酸检测第{r_index + 1}轮_{plan.name}.csv", "csv", "utf-8-sig",
                            f"{plan.name}核酸检测队", date, test_layouts[(r_index + c) % 3])  # fmt: skip
            rng = writer.rng(f"test/{r_index}/{c}")
            prof = {"styles": _styles(plain=6, community=1, district=1),
                    "id_missing": 0.03, "phone_missing": 0.02, "name_noise": 1.5}  # fmt: skip
            chosen = writer.pick(rng, by_community.get(c, []), 0.30)
            chosen = writer.with_duplicates(rng, chosen, NOISE["dup_in_ledger"] * 3)
            rng.shuffle(chosen)
            writer.write_csv(ledger, chosen, rng, prof, _extra_factory(writer, date))

    # 4. Rental housing: one GB18030 CSV per community; tenant is the resident, landlord is not.
    rent_date = dt.date(2022, 5, 20)
    for c, plan in enumerate(COMMUNITIES):
        cols = [Column("房屋地址", "address"), Column("房东姓名", "landlord_name"),
                Column("房东电话", "landlord_phone"), Column("承租人姓名", "name"),
                Column("承租人身份证号", "id_number"), Column("承租人电话", "phone"),
                Column("起租日期", "rent_start"), Column("房屋用途", "house_use")]  # fmt: skip
        if c % 2:
            cols = [cols[3], cols[4], cols[5], cols[0], cols[1], cols[2], cols[6]]
        ledger = Ledger(f"出租房屋台账_{plan.name}.csv", "csv", "gb18030", "京广路街道出租房屋管理站",
                        rent_date, cols)  # fmt: skip
        rng = writer.rng(f"rent/{c}")
        prof = {"styles": _styles(plain=4, district=1, community=1), "id_missing": 0.05,
                "phone_missing": 0.04, "elsewhere": False}  # fmt: skip
        tenants = [p for p in by_community.get(c, []) if pop.households[p.household].rented]
        chosen = sort_by_room(writer.pick(rng, tenants, 0.6), rent_date)
        writer.write_csv(ledger, chosen, rng, prof, _extra_factory(writer, rent_date))

    # 5. Elderly ledger: xlsx, one sheet per community; 年龄 and 出生年月, IDs often missing.
    elder_date = dt.date(2022, 2, 15)
    ledger = Ledger("京广路街道老年人台账.xlsx", "xlsx", "", "京广路街道民政科", elder_date,
                    [Column("序号", "seq"), Column("姓名", "name"), Column("性别", "gender"),
                     Column("年龄", "age"), Column("出生年月", "birth"),
                     Column("身份证号", "id_number"), Column("家庭住址", "address"),
                     Column("联系电话", "phone"), Column("居住状况", "living_status"),
                     Column("紧急联系人", "contact_name"), Column("紧急联系人电话", "contact_phone")])  # fmt: skip
    rng = writer.rng("elderly")
    prof = {"styles": _styles(plain=5, community=2), "id_missing": 0.35, "phone_missing": 0.1,
            "landline": 0.5, "birth_style": "month", "elsewhere": False}  # fmt: skip
    extra = _extra_factory(writer, elder_date)
    sheets = []
    for c, plan in enumerate(COMMUNITIES):
        old = [p for p in by_community.get(c, []) if writer.age_at(p, elder_date) >= 60]
        chosen = sort_by_room(writer.pick(rng, old, 0.8), elder_date)
        sheets.append(
            writer.xlsx_sheet(
                ledger,
                plan.name,
                f"京广路街道{plan.name}60周岁以上老年人台账",
                chosen,
                rng,
                prof,
                extra,
                two_row_header=False,
            )  # fmt: skip
        )
    write_xlsx(writer.ledger_dir / ledger.file, sheets)
    writer.ledgers.append(ledger)

    # 6. Vaccination ledger of the health centre: UTF-8 CSV (no BOM), oldest of all.
    vac_date = dt.date(2021, 12, 10)
    ledger = Ledger("京广路社区卫生服务中心疫苗接种登记.csv", "csv", "utf-8", "京广路社区卫生服务中心",
                    vac_date,
                    [Column("接种日期", "vaccine_date"), Column("受种者姓名", "name"),
                     Column("性别", "gender"), Column("身份证号码", "id_number"),
                     Column("联系方式", "phone"), Column("居住地址", "address"),
                     Column("剂次", "dose")])  # fmt: skip
    rng = writer.rng("vaccine")
    prof = {"styles": _styles(district=3, plain=3, city=1), "id_missing": 0.02,
            "phone_missing": 0.05}  # fmt: skip
    chosen = writer.pick(rng, persons, 0.15)
    chosen = writer.with_duplicates(rng, chosen, NOISE["dup_in_ledger"])
    rng.shuffle(chosen)
    writer.write_csv(ledger, chosen, rng, prof, _extra_factory(writer, vac_date))


# --------------------------------------------------------------------------------------------
# Registry files
# --------------------------------------------------------------------------------------------


def write_geo(out: Path, reg: Registry) -> None:
    def feature(code: str, name: str, level: str, parent: str | None, ring: list[Any]) -> dict:
        return {
            "type": "Feature",
            "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
            "geometry": {"type": "Polygon", "coordinates": [[list(pt) for pt in ring]]},
        }

    street_ring = [
        (116.44, 39.90),
        (116.48, 39.90),
        (116.48, 39.93),
        (116.44, 39.93),
        (116.44, 39.90),
    ]
    district_ring = [
        (116.42, 39.88),
        (116.50, 39.88),
        (116.50, 39.95),
        (116.42, 39.95),
        (116.42, 39.88),
    ]
    features = [
        feature(DISTRICT_CODE, "朝阳区", "district", None, district_ring),
        feature(STREET_CODE, "京广路街道", "street", DISTRICT_CODE, street_ring),
    ]
    for c, (code, ring) in enumerate(reg.communities):
        features.append(
            feature(code, COMMUNITIES[c].name, "community", STREET_CODE, [*ring, ring[0]])
        )
    for code, _c, ring in reg.grids:
        features.append(feature(code, f"第{int(code[-3:])}网格", "grid", code[:12], ring))
    (out / "grids.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False),
        encoding="utf-8",
    )
    with (out / "addresses.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "address_code",
                "community_code",
                "road",
                "number",
                "building",
                "unit",
                "room",
                "lat",
                "lon",
            ]
        )
        for i, code in enumerate(reg.room_code):
            b = reg.buildings[reg.room_building[i]]
            lon, lat = reg.room_lonlat[i]
            w.writerow([code, code[:12], b.road, b.number, b.name, reg.room_unit[i],
                        reg.room_name[i], f"{lat:.6f}", f"{lon:.6f}"])  # fmt: skip


def generate(people: int, out: Path, seed: int) -> dict[str, Any]:
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    for old in (out / "ledgers").glob("*") if (out / "ledgers").exists() else []:
        old.unlink()
    reg = build_registry(people, random.Random(f"{seed}/registry"))
    pop = Population(reg, people, random.Random(f"{seed}/people"))
    t_pop = time.perf_counter()
    write_geo(out, reg)
    noise = Noise(CharNoise(), reg, pop)
    writer = Writer(out, reg, pop, noise, seed)
    write_ledgers(writer)
    with (out / "truth.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            ["source_file", "source_sheet", "source_row", "person_id", "address_code", "grid_code"]
        )
        for ledger in writer.ledgers:
            w.writerows(ledger.truth)
    with (out / "people.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "name", "gender", "birth_date", "id_number", "phone", "old_phone",
                    "floating", "household", "relation", "address_code", "old_address_code"])  # fmt: skip
        for p in pop.persons:
            w.writerow([p.pid, p.name, p.gender, p.birth.isoformat(), p.id, p.phone, p.old_phone,
                        int(p.floating), p.household, p.relation, reg.room_code[p.room],
                        reg.room_code[p.old_room] if p.old_room >= 0 else ""])  # fmt: skip
    (out / "ledgers.json").write_text(
        json.dumps([lg.meta() for lg in writer.ledgers], ensure_ascii=False, indent=1),
        encoding="utf-8",
    )
    rows = sum(len(lg.truth) for lg in writer.ledgers)
    xlsx_rows = sum(len(lg.truth) for lg in writer.ledgers if lg.fmt == "xlsx")
    stats = {
        "people": len(pop.persons),
        "floating_share": round(sum(p.floating for p in pop.persons) / len(pop.persons), 3),
        "households": len(pop.households),
        "moved_households": sum(h.old_room >= 0 for h in pop.households),
        "twins": pop.twins,
        "same_name_family": pop.same_name_family,
        "distinct_names": len({p.name for p in pop.persons}),
        "rooms": len(reg.room_code),
        "buildings": len(reg.buildings),
        "grids": len(reg.grids),
        "ledger_files": len(writer.ledgers),
        "ledger_rows": rows,
        "xlsx_rows": xlsx_rows,
        "noise_counts": dict(sorted(noise.counts.items())),
        "noise_rates": {k: round(v / rows, 4) for k, v in sorted(noise.counts.items())},
        "seconds": round(time.perf_counter() - t0, 1),
        "seconds_population": round(t_pop - t0, 1),
    }
    (out / "stats.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1), "utf-8")
    return stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=500_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    stats = generate(args.people, args.out, args.seed)
    print(json.dumps(stats, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
