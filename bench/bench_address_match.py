"""Benchmark: parse and match ~200k hand-typed addresses against a ~100k-room registry.

Why: the ledger import (a million rows) parses and matches every address; both must run at
tens of thousands of addresses per second on a small 2-core street-office server, and
building the index for a district's registry must take seconds.  Run with
``.venv/bin/python bench/bench_address_match.py [--rooms N] [--addresses N] [--seed N]``.

The registry is synthetic but shaped like a real one: 2-character roads with 路/街/胡同 suffixes,
several 门牌号 per road, apartment buildings with units and rooms, and some courtyards.  The
addresses are written in a random mix of the styles clerks use (full administrative prefix,
Chinese numerals, full-width, traditional characters, shorthand 3-2-301, 门 for 单元, no road),
with 10% deliberately wrong (unknown 门牌号, unit or room) so the miss paths are timed too.
Every fourth address repeats an earlier one, as in real ledgers.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter

from wangge.addresses.gazetteer import names
from wangge.addresses.matcher import AddressMatcher, RegistryRoom
from wangge.addresses.numerals import int_to_chinese
from wangge.addresses.parser import parse_address
from wangge.addresses.places import places

NAME_CHARS = (
    "幸福和平建设光明团结友谊胜利解放人民朝阳安定兴华振兴永安长青松柏金台红星文化育才青年新华"
)
SUFFIXES = ["路", "街", "大街", "胡同", "北路", "南里"]
TRADITIONAL = str.maketrans("号楼单门区阳东长兴华条", "號樓單門區陽東長興華條")
FULLWIDTH = {ord(c): ord(c) + 0xFEE0 for c in "0123456789-"}


def make_registry(n: int, rng: random.Random) -> list[RegistryRoom]:
    rooms: list[RegistryRoom] = []
    names: set[str] = set()
    while len(rooms) < n:
        name = "".join(rng.sample(NAME_CHARS, 2)) + rng.choice(SUFFIXES)
        if name in names:
            continue
        names.add(name)
        community = f"1101050{len(names) % 40:02d}"
        for number in rng.sample(range(1, 200), 8):
            if rng.random() < 0.15:  # a courtyard: rooms without building or unit
                for r in range(1, rng.randint(4, 12)):
                    room = rng.choice(["东", "西", "南", "北", ""]) + str(r)
                    code = f"Y{len(rooms):07d}"
                    rooms.append(RegistryRoom(code, community, name, str(number), "", "", room))
                continue
            for building in range(1, rng.randint(2, 6)):
                for unit in range(1, rng.randint(2, 5)):
                    for floor in range(1, 7):
                        for door in (1, 2):
                            room = f"{floor}{door:02d}"
                            code = f"R{len(rooms):07d}"
                            rooms.append(
                                RegistryRoom(
                                    code,
                                    community,
                                    name,
                                    str(number),
                                    str(building),
                                    str(unit),
                                    room,
                                )
                            )
    return rooms[:n]


def write(room: RegistryRoom, rng: random.Random) -> str:
    """One way a clerk might write this room."""
    road, n, b, u, r = room.road, room.number, room.building, room.unit, room.room
    if not b:
        return rng.choice([f"{road}{n}号{r}", f"{road}{n}号院{r}号", f"朝阳区{road}{n}号{r}"])
    cn = int_to_chinese
    style = rng.randrange(8)
    if style == 0:
        return f"北京市朝阳区三里屯街道幸福一村社区{road}{n}号院{b}号楼{u}单元{r}室"
    if style == 1:
        return f"{road}{cn(int(n))}号{cn(int(b))}号楼{cn(int(u))}单元{cn(int(r), style='digits')}"
    if style == 2:
        return f"{road}{n}号{b}栋{u}单元{r}户".translate(FULLWIDTH)
    if style == 3:
        return f"{road}{n}号{b}号楼{u}单元{r}室".translate(TRADITIONAL)
    if style == 4:
        return f"{road}{n}号{b}-{u}-{r}"
    if style == 5:
        return f"{road}{n}号{b}号楼{u}门{r}"
    if style == 6:
        return f"{b}号楼{u}单元{r}"  # no road: needs the community
    return f"{road}{n}号{b}号楼{u}单元0{r}"


def spoil(text: str, rng: random.Random) -> str:
    """A wrong address: another 门牌号, unit or room that the registry does not have."""
    choice = rng.randrange(3)
    if choice == 0:
        return text.replace("号", "9号", 1)
    if choice == 1:
        return text.replace("单元", "9单元", 1) if "单元" in text else text + "9"
    return text + "9"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=100_000)
    parser.add_argument("--addresses", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    rooms = make_registry(args.rooms, rng)
    texts: list[str] = []
    communities: list[str | None] = []
    intended: list[str | None] = []  # the room meant, None for a spoiled address
    for i in range(args.addresses):
        if i % 4 == 3 and texts:
            j = rng.randrange(len(texts))
            texts.append(texts[j])
            communities.append(communities[j])
            intended.append(intended[j])
            continue
        room = rng.choice(rooms)
        text = write(room, rng)
        code: str | None = room.address_code
        if rng.random() < 0.1:
            text, code = spoil(text, rng), None
        texts.append(text)
        communities.append(room.community_code)
        intended.append(code)
    pairs = list(dict.fromkeys(zip(texts, communities, strict=True)))

    start = time.perf_counter()
    matcher = AddressMatcher(rooms)
    build = time.perf_counter() - start
    print(
        f"registry:   {len(matcher):,} rooms indexed in {build:.2f} s "
        f"({len(matcher) / build:,.0f} rooms/s, {build / len(matcher) * 1e6:.1f} µs a room; "
        "about 5 µs keeps a million rooms within a few seconds)"
    )

    names()
    places()  # the division and place tables load once per process (about a second): not timed
    parse_address.cache_clear()
    start = time.perf_counter()
    parsed = [parse_address(text) for text, _ in pairs]
    elapsed = time.perf_counter() - start
    print(
        f"parse:      {len(parsed):,} distinct addresses in {elapsed:.2f} s "
        f"({len(parsed) / elapsed:,.0f} addresses/s)"
    )

    start = time.perf_counter()
    for p, (_, community) in zip(parsed, pairs, strict=True):
        matcher.match(p, community_code=community)
    elapsed = time.perf_counter() - start
    print(
        f"match:      {len(parsed):,} pre-parsed addresses in {elapsed:.2f} s "
        f"({len(parsed) / elapsed:,.0f} addresses/s)"
    )

    parse_address.cache_clear()
    start = time.perf_counter()
    results = matcher.match_many(texts, communities)
    elapsed = time.perf_counter() - start
    print(
        f"match_many: {len(texts):,} ledger rows ({len(pairs):,} distinct), parse+match "
        f"in {elapsed:.2f} s ({len(texts) / elapsed:,.0f} rows/s)"
    )

    levels = Counter(r.level for r in results)
    clean = sum(1 for r in results if r.level == "room" and not r.reason)
    wrong = sum(
        1
        for r, code in zip(results, intended, strict=True)
        if code is not None and r.level == "room" and r.address_code != code
    )
    print(
        "levels:     "
        + ", ".join(f"{k} {v:,}" for k, v in levels.most_common())
        + f"; clean exact {clean:,}; wrong room for a correct address: {wrong}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
