"""Where a written address lies (wangge.addresses.locator): no database needed.

The rules: a registry room gives its grid and position; a door, building or road gives the one
grid holding all of its rooms, else the smallest region above them (never a guess among
grids); a part the registry lacks is dropped and said; a community or street named in the text
is the last resort.
"""

from __future__ import annotations

import pytest

from wangge.addresses.locator import AddressLocator, RegionInfo, RoomPlace
from wangge.addresses.matcher import RegistryRoom

REGIONS = {
    "D": RegionInfo("", "district", "朝阳区"),
    "S": RegionInfo("D", "street", "京广路街道"),
    "C1": RegionInfo("S", "community", "幸福一村社区"),
    "C2": RegionInfo("S", "community", "金台社区"),
    "G1": RegionInfo("C1", "grid", "第1网格"),
    "G2": RegionInfo("C1", "grid", "第2网格"),
    "G3": RegionInfo("C2", "grid", "第3网格"),
}


def _rooms() -> list[tuple[RegistryRoom, RoomPlace]]:
    rooms = []
    # 幸福路10号: building 1 in grid G1, building 2 in grid G2 (both community C1).
    for building, grid, lon in (("1", "G1", 116.40), ("2", "G2", 116.41)):
        for room in ("101", "102"):
            rooms.append(
                (
                    RegistryRoom(
                        f"XF10-{building}-{room}", "C1", "幸福路", "10", building, "1", room
                    ),
                    RoomPlace(grid, lon, 39.90),
                )
            )
    # 幸福一村一巷3号: a courtyard in G1.
    for room, lon in (("1", 116.400), ("2", 116.402)):
        rooms.append(
            (
                RegistryRoom(f"YX3-{room}", "C1", "幸福一村一巷", "3", "", "", room),
                RoomPlace("G1", lon, 39.91),
            )
        )
    # 金台路 crosses both communities: door 1 in G3 (C2), door 2 in G1 (C1).
    rooms.append((RegistryRoom("JT1-101", "C2", "金台路", "1", "1", "1", "101"), RoomPlace("G3", 116.42, 39.92)))  # fmt: skip
    rooms.append((RegistryRoom("JT2-101", "C1", "金台路", "2", "1", "1", "101"), RoomPlace("G1", 116.40, 39.92)))  # fmt: skip
    return rooms


LOCATOR = AddressLocator(_rooms(), REGIONS)


def test_a_registry_room_gives_its_grid_and_position() -> None:
    found = LOCATOR.locate("朝阳区幸福路十号1号楼1单元101室")
    assert (found.level, found.grid, found.region, found.address_code) == (
        "room",
        "G1",
        "G1",
        "XF10-1-101",
    )
    assert (found.lon, found.lat) == (116.40, 39.90)


def test_a_courtyard_door_in_one_grid_gives_the_grid_and_the_courtyard() -> None:
    found = LOCATOR.locate("幸福一村1巷3号")
    assert (found.level, found.grid, found.address_code, found.rooms) == ("building", "G1", None, 2)
    assert found.lon == pytest.approx(116.401) and found.lat == pytest.approx(39.91)


def test_a_door_over_two_grids_stops_at_their_community() -> None:
    found = LOCATOR.locate("幸福路10号")
    assert (found.level, found.grid, found.region) == ("building", None, "C1")
    assert found.lon is None  # two buildings: no single position
    assert "2个网格" in found.reason


def test_a_road_over_two_communities_stops_at_the_street() -> None:
    found = LOCATOR.locate("金台路东侧")
    assert (found.level, found.grid, found.region) == ("road", None, "S")


def test_a_unit_the_registry_lacks_falls_back_to_the_building_and_says_so() -> None:
    found = LOCATOR.locate("幸福路10号2号楼5单元")
    assert (found.level, found.grid) == ("building", "G2")
    assert "单元" in found.reason


def test_a_door_the_registry_lacks_falls_back_to_the_road() -> None:
    found = LOCATOR.locate("金台路99号")
    assert (found.level, found.region) == ("road", "S")
    assert "门牌号" in found.reason


def test_a_named_community_is_the_last_resort() -> None:
    found = LOCATOR.locate("京广路街道幸福一村社区居委会对面")
    assert (found.level, found.region, found.grid) == ("region", "C1", None)
    assert LOCATOR.locate("京广路街道东边").region == "S"


@pytest.mark.parametrize("text", ["", "   ", "不知道在哪", "人民路5号"])
def test_nothing_known_is_none(text: str) -> None:
    found = LOCATOR.locate(text)
    assert (found.level, found.region, found.grid) == ("none", None, None)


def test_common_region() -> None:
    assert LOCATOR.common_region(["G1", "G2"]) == "C1"
    assert LOCATOR.common_region(["G1", "G3"]) == "S"
    assert LOCATOR.common_region(["G1"]) == "G1"
    assert LOCATOR.common_region(["G1", "elsewhere"]) is None
