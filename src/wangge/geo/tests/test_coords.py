"""Tests for WGS-84 ↔ GCJ-02 conversion (pure, no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wangge.geo.coords import (
    gcj02_to_wgs84,
    gcj02_to_wgs84_array,
    out_of_china,
    wgs84_to_gcj02,
    wgs84_to_gcj02_array,
)

# Tiananmen: the reference value of the published formula.
TIANANMEN_WGS = (116.397428, 39.90923)
TIANANMEN_GCJ = (116.403673, 39.910633)

china_lon = st.floats(min_value=73.67, max_value=135.04, allow_nan=False)
china_lat = st.floats(min_value=3.87, max_value=53.54, allow_nan=False)


def test_forward_reference_value():
    lon, lat = wgs84_to_gcj02(*TIANANMEN_WGS)
    assert lon == pytest.approx(TIANANMEN_GCJ[0], abs=1e-5)
    assert lat == pytest.approx(TIANANMEN_GCJ[1], abs=1e-5)


def test_inverse_reference_value():
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(*TIANANMEN_WGS))
    assert lon == pytest.approx(TIANANMEN_WGS[0], abs=1e-9)
    assert lat == pytest.approx(TIANANMEN_WGS[1], abs=1e-9)


def test_shift_is_a_few_hundred_metres_in_china():
    lon, lat = wgs84_to_gcj02(121.4737, 31.2304)  # Shanghai
    metres = math.hypot(
        (lon - 121.4737) * 111_320 * math.cos(math.radians(31.23)), (lat - 31.2304) * 110_574
    )
    assert 100 < metres < 1000


@pytest.mark.parametrize(
    ("lon", "lat"),
    [(2.3522, 48.8566), (-74.006, 40.7128), (139.6917, 35.6895), (0.0, 0.0), (116.4, 60.0)],
)
def test_no_change_outside_china(lon, lat):
    assert out_of_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)
    xs, ys = wgs84_to_gcj02_array([lon], [lat])
    assert (xs[0], ys[0]) == (lon, lat)
    xs, ys = gcj02_to_wgs84_array([lon], [lat])
    assert (xs[0], ys[0]) == (lon, lat)


def test_out_of_china_inside():
    assert not out_of_china(*TIANANMEN_WGS)


@settings(max_examples=300, deadline=None)
@given(china_lon, china_lat)
def test_round_trip_scalar(lon, lat):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert abs(back[0] - lon) < 1e-6
    assert abs(back[1] - lat) < 1e-6


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(china_lon, china_lat), min_size=1, max_size=50))
def test_array_matches_scalar_and_round_trips(points):
    lons = np.array([p[0] for p in points])
    lats = np.array([p[1] for p in points])
    glon, glat = wgs84_to_gcj02_array(lons, lats)
    for i, (lon, lat) in enumerate(points):
        s = wgs84_to_gcj02(lon, lat)
        assert glon[i] == pytest.approx(s[0], abs=1e-12)
        assert glat[i] == pytest.approx(s[1], abs=1e-12)
    wlon, wlat = gcj02_to_wgs84_array(glon, glat)
    assert np.max(np.abs(wlon - lons)) < 1e-6
    assert np.max(np.abs(wlat - lats)) < 1e-6


def test_array_shapes_and_nan():
    lons = np.full((2, 3), 116.4)
    glon, glat = wgs84_to_gcj02_array(lons, 39.9)
    assert glon.shape == glat.shape == (2, 3)
    wlon, wlat = gcj02_to_wgs84_array([116.4, np.nan], [39.9, 39.9])
    assert np.isnan(wlon[1])
    assert wlon[0] == pytest.approx(gcj02_to_wgs84(116.4, 39.9)[0], abs=1e-12)
    e1, e2 = wgs84_to_gcj02_array([], [])
    assert e1.size == e2.size == 0


def test_a_position_picked_on_tiles_is_stored_in_wgs84() -> None:
    from wangge.geo.coords import from_wgs84, to_wgs84

    picked = wgs84_to_gcj02(*TIANANMEN_WGS)  # where Tiananmen is drawn on AMap tiles
    lon, lat = to_wgs84(*picked, "gcj02")
    assert abs(lon - TIANANMEN_WGS[0]) < 1e-6 and abs(lat - TIANANMEN_WGS[1]) < 1e-6
    assert to_wgs84(*TIANANMEN_WGS, "wgs84") == TIANANMEN_WGS
    assert from_wgs84(*TIANANMEN_WGS, "gcj02") == picked
    assert from_wgs84(*TIANANMEN_WGS, "wgs84") == TIANANMEN_WGS
    with pytest.raises(ValueError, match="不支持的坐标系"):
        to_wgs84(116.4, 39.9, "bd09")
