"""Where a road's name starts when a place's name is glued before it.

Split out of :mod:`wangge.addresses.parser`: "梁辉经济开发区振兴西路" → 振兴西路 by the words
that end a place (:func:`road_start`), "下沙文渊北路" → 文渊北路 by the town and village tables
(:func:`place_cut`). The parser calls both on every road it reads.
"""

from __future__ import annotations

import re
from typing import Final

from wangge.addresses.grammar import HIGHWAY
from wangge.addresses.places import places

__all__ = ["place_cut", "road_start"]

# Where a name before the road ends: a village, a zone, a town, an office, "opposite".
_ROAD_CUT: Final = re.compile(
    r"(?:工业园区?|科技园区?|电商园区?|物流园区?|产业园区?|经济园区?|工业城|工业区|开发区|园区|"
    r"新村|小区|花园|家园|街道|办事处|市场|商城|广场|对面|旁边|附近|中心|新城|基地|厂房|[村镇乡市区县城])"
)
_DIRECTION: Final = frozenset("东西南北中")
_ROAD_TYPE: Final = re.compile(r"(?:大街|大道|胡同|路|街|道|巷|弄|条|里)$")


def road_start(road: str) -> tuple[str, int]:
    """Where the road really starts in a match that may have swallowed the name before it.

    "梁辉经济开发区振兴西路" → 振兴西路, "西朱村九龙北路" → 九龙北路, "金乡镇油东街" → 油东街,
    "汽车北站对面莫干山路" → 莫干山路, "模具城金型路" → 金型路, "西湖科技园区西园路" → 西园路;
    the cut is taken only when a road of at least three characters is left, it does not start
    with a number, and what is left is not just a direction and a road type (中关村南大街 is
    one road). A one-character place word (城, 村) cuts only after two characters (皇城根北街).
    """
    start = 0
    left = road[2:]
    if road.startswith("新区") and len(left) >= 3 and not left[0].isdigit():
        # 红谷滩新区红谷中大道, 龙华新区梅坂大道: the district was read by its short name, and
        # its 新区 (the new area named after it) is no part of the road.
        start = 2
    for m in _ROAD_CUT.finditer(road, 1):
        left = road[m.end() :]
        if left[:1] in _DIRECTION and not _ROAD_TYPE.sub("", left[1:]):
            continue  # 中关村南大街: a road named after the place, not after it
        if m.end() - m.start() == 1 and m.start() < 2:
            continue
        if len(left) >= 3 and (not left[0].isdigit() or HIGHWAY.fullmatch(left)):
            # 幸福一村一巷, 松园新村3巷: a lane numbered within the place keeps its name.
            start = m.end()
    return road, start


# A road's own name once the place before it is cut: two or three characters, then a
# direction, a numeral and the road type (文渊北路, 莫干山路, 纬3路).
_ROAD_TAIL: Final = re.compile(
    r"[东西南北中]?(?:[0-9]+)?(?:大街|大道|胡同|路|街|道|巷|弄|条|里|线)[东西南北]?"
    r"(?:[0-9]+(?:弄|巷|条|里))?$"
)


# Characters that end a place's name, so a cut before them splits one name (建国门外大街 is
# not 建国 + 门外大街, 荷叶塘 not 荷叶 + 塘…).
_PLACE_END: Final = frozenset(
    "0123456789一二三四五六七八九十门桥庄屯营河口关寺堂塔坊沟店家楼岗湖山里村塘坟埭岙坑湾洋浦港头"
)


# Directions and road types: "北里胡同" left after 红庙 has no name of its own.
_NOT_A_NAME: Final = frozenset("东西南北中路街道巷弄条里胡同大")


def place_cut(road: str, start: int, codes: tuple[str, ...]) -> int:
    """Cut a town's or village's name glued before the road: "下沙文渊北路" → 文渊北路.

    The part before the cut must be made of known town names (of the province read in this
    address, anywhere in China when none was) or village names (of the county read), and the
    road left must keep a name of two or three characters before its direction and type: a
    name of four or more was itself cut wrongly (胡家坟振兴路 is not 胡家 + 坟振兴路), and it
    must not start with a character that ends place names (门, 桥, 塘).
    """
    known = places()
    if not known.towns:
        return start
    counties = tuple(c for c in codes if not c.endswith("00"))
    name_end = len(_ROAD_TAIL.sub("", road))
    if name_end - start < 4:
        return start  # a name of three characters or fewer: nothing glued before it
    n = len(road)
    reach = [False] * (n + 1)
    reach[start] = True
    best = start
    for i in range(start, name_end - 1):
        if not reach[i]:
            continue
        for j in range(i + 2, min(name_end - 1, i + 8) + 1):
            piece = road[i:j]
            if known.is_town(piece, codes) or (counties and known.is_village(piece, counties)):
                reach[j] = True
    for i in range(name_end - 2, start, -1):
        own = road[i:name_end]
        if (
            reach[i]
            and 2 <= len(own) <= 3
            and road[i] not in _PLACE_END
            and any(ch not in _NOT_A_NAME for ch in own)
            and not any(ch in "路街巷弄" for ch in own)  # 新东路头条: one lane, not 新东 + 路头条
        ):
            best = i
            break
    return best
