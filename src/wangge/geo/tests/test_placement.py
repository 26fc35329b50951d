"""Registry rooms into grids: noise forgiven within the tolerance, one building in one grid."""

import shapely

from wangge.geo.placement import GridShape, RoomPoint, place_rooms

LAT = 39.905
METRE_LON = 1 / (111_195 * 0.7672)  # degrees of longitude per metre at 39.9°N


def _box(x0: float, x1: float) -> shapely.Geometry:
    return shapely.box(x0, 39.90, x1, 39.91)


GRIDS = [
    GridShape("G1", "C1", _box(116.40, 116.41)),
    GridShape("G2", "C1", _box(116.41, 116.42)),
    GridShape("G3", "C2", _box(116.42, 116.43)),
]


def _room(where: str, lon: float, building: str = "1", community: str = "C1") -> RoomPoint:
    return RoomPoint(where, ("路", "1", building), community, lon, LAT)


def test_points_inside_their_community_are_placed_without_a_word() -> None:
    result = place_rooms(
        [_room("a", 116.405, "1"), _room("b", 116.415, "2")], GRIDS, tolerance_m=30
    )
    assert result.grids == ["G1", "G2"]
    assert (result.warnings, result.errors) == ([], [])


def test_a_point_a_few_metres_outside_is_snapped_with_a_warning() -> None:
    result = place_rooms([_room("第5行", 116.40 - 12 * METRE_LON)], GRIDS, tolerance_m=30)
    assert result.grids == ["G1"]
    assert result.errors == []
    [(where, message)] = result.warnings
    assert where == "第5行" and "12 米" in message and "G1" in message


def test_a_point_beyond_the_tolerance_is_refused_with_its_distance() -> None:
    result = place_rooms([_room("第7行", 116.40 - 85 * METRE_LON)], GRIDS, tolerance_m=30)
    assert result.grids == [None]
    [(where, message)] = result.errors
    assert where == "第7行" and "85 米" in message and "30 米" in message


def test_a_point_in_another_communitys_grid_counts_as_outside_its_own() -> None:
    # 20 m inside C2's grid G3, i.e. 20 m outside C1 (whose grid G2 ends at 116.42).
    result = place_rooms([_room("r", 116.42 + 20 * METRE_LON)], GRIDS, tolerance_m=30)
    assert result.grids == ["G2"]
    assert "20 米" in result.warnings[0][1]


def test_a_building_straddling_a_border_ends_up_in_one_grid_and_is_reported() -> None:
    rooms = [
        _room("第2行", 116.4098),
        _room("第3行", 116.4097),
        _room("第4行", 116.4101),  # this room's point lies across the border, in G2
    ]
    result = place_rooms(rooms, GRIDS, tolerance_m=30)
    assert result.grids == ["G1", "G1", "G1"]
    [(where, message)] = result.warnings
    assert where == "第2行" and "1 个房间" in message and "G2" in message


def test_a_community_without_grids_is_an_error_not_a_crash() -> None:
    result = place_rooms([_room("r", 116.405, community="C9")], GRIDS, tolerance_m=30)
    assert result.grids == [None]
    assert "C9" in result.errors[0][1]


def test_no_rooms_and_no_grids() -> None:
    assert place_rooms([], [], tolerance_m=30).grids == []
