"""Benchmark: the per-process address locator that places cases and answers address searches.

Why: every web and worker process keeps one `AddressLocator` over the whole registry
(`wangge.addresses.locating`), built on first use; its build time is the first placing
request's wait and its size is paid per process. Locating a room, a door or a road is done on
every address-only report and every address search. Run with
``.venv/bin/python bench/bench_address_locator.py [--rooms 1000000]``; prints build seconds,
peak memory of the process and microseconds per locate (room, door, road).

The registry is synthetic: roads of 20 doors × 5 buildings × 2 units × 10 rooms (2,000 rooms
a road), 50 communities of 10 grids, each door in one grid.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections.abc import Iterator

from wangge.addresses.locator import AddressLocator, RegionInfo, RoomPlace
from wangge.addresses.matcher import RegistryRoom

ROOMS_PER_ROAD = 2000


def _regions() -> dict[str, RegionInfo]:
    regions = {"D": RegionInfo("", "district", "区"), "S": RegionInfo("D", "street", "街道")}
    for c in range(50):
        regions[f"C{c}"] = RegionInfo("S", "community", f"社区{c}")
        for g in range(10):
            regions[f"C{c}G{g}"] = RegionInfo(f"C{c}", "grid", f"第{g}网格")
    return regions


def _rooms(roads: int) -> Iterator[tuple[RegistryRoom, RoomPlace]]:
    n = 0
    for road in range(roads):
        community = road % 50
        for number in range(1, 21):
            grid = f"C{community}G{(road + number) % 10}"
            for building in range(1, 6):
                for unit in (1, 2):
                    for floor in range(1, 6):
                        for door in (1, 2):
                            n += 1
                            yield (
                                RegistryRoom(
                                    f"R{n}",
                                    f"C{community}",
                                    f"测试{road}路",
                                    str(number),
                                    str(building),
                                    str(unit),
                                    f"{floor}0{door}",
                                ),
                                RoomPlace(grid, 116.4 + road * 1e-4, 39.9 + number * 1e-4),
                            )


def _per_call(locator: AddressLocator, texts: list[str]) -> float:
    started = time.perf_counter()
    for text in texts:
        locator.locate(text)
    return (time.perf_counter() - started) / len(texts) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rooms", type=int, default=1_000_000)
    args = parser.parse_args()
    roads = max(1, args.rooms // ROOMS_PER_ROAD)
    started = time.perf_counter()
    locator = AddressLocator(_rooms(roads), _regions())
    built = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rooms {len(locator):,}: build {built:.1f} s, peak RSS {peak:.0f} MB")
    rooms = [
        f"测试{i % roads}路{i % 20 + 1}号{i % 5 + 1}号楼{i % 2 + 1}单元{i % 5 + 1}0{i % 2 + 1}室"
        for i in range(20_000)
    ]
    doors = [f"测试{i % roads}路{i % 20 + 1}号" for i in range(2_000)]
    streets = [f"测试{i % roads}路东口" for i in range(200)]
    print(f"locate a room  {_per_call(locator, rooms):8.1f} µs")
    print(f"locate a door  {_per_call(locator, doors):8.1f} µs (100 rooms, one grid)")
    print(f"locate a road  {_per_call(locator, streets):8.1f} µs (2,000 rooms, ten grids)")


if __name__ == "__main__":
    main()
