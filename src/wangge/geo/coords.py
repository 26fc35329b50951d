"""WGS-84 ↔ GCJ-02 coordinate conversion.

Why this module exists: Chinese law requires web maps served inside China
(AMap/高德, Tencent/腾讯, and others) to use the obfuscated GCJ-02 datum
("Mars coordinates"), which is shifted by up to several hundred metres from
WGS-84 in a non-linear way.  Wangge stores *everything* in WGS-84 (GPS, GB/T
2260 boundary files, Tianditu, OSM) so data stays exchangeable; conversion
happens only at the edge, when drawing on a GCJ-02 tile layer or when a
resident's phone app reports GCJ-02 positions.

The forward formula is the widely published reverse-engineered one
(Krasovsky 1940 ellipsoid, a = 6378245.0, e² = 0.00669342162296594323) and
agrees with the official one to well under a metre.  There is no closed-form
inverse, so ``gcj02_to_wgs84`` solves ``wgs84_to_gcj02(x) = g`` by
fixed-point iteration; the shift field is so smooth (Jacobian ≈ 1e-3) that
it converges to 1e-9° in three or four steps.

Outside a rough bounding box of China the obfuscation is not applied (that is
how every map vendor behaves), so both directions are the identity there.

Pure Python + NumPy, no Django: the scalar functions are for single points in
request handlers, the ``*_array`` variants for bulk imports and tiles.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "A",
    "EE",
    "TILE_CRS",
    "from_wgs84",
    "to_wgs84",
    "gcj02_to_wgs84",
    "gcj02_to_wgs84_array",
    "out_of_china",
    "wgs84_to_gcj02",
    "wgs84_to_gcj02_array",
]

#: Semi-major axis of the Krasovsky 1940 ellipsoid used by GCJ-02 (metres).
A = 6378245.0
#: First eccentricity squared of the Krasovsky 1940 ellipsoid.
EE = 0.00669342162296594323

# The bounding box used by the de-facto reference implementations
# (e.g. wandergis/coordTransform).  It is deliberately coarse: it is what the
# map vendors use to decide whether to shift, not China's real border.
_LON_MIN, _LON_MAX = 73.66, 135.05
_LAT_MIN, _LAT_MAX = 3.86, 53.55

# Inverse iteration: stop when the correction is below this (degrees);
# 1e-10° ≈ 0.01 mm, far below the 1e-6° contract.
_INV_TOL = 1e-10
_INV_MAX_ITER = 30


def out_of_china(lon: float, lat: float) -> bool:
    """Return True when (lon, lat) lies outside the box where GCJ-02 shifts apply.

    Why: GCJ-02 is only defined inside China; vendors leave foreign points as
    WGS-84, so converting them would *introduce* a several-hundred-metre error.
    """
    return not (_LON_MIN < lon < _LON_MAX and _LAT_MIN < lat < _LAT_MAX)


def _transform_lat(x: float, y: float) -> float:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * math.sin(y / 12.0 * math.pi) + 320.0 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: float, y: float) -> float:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    ret += (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def _shift(lon: float, lat: float) -> tuple[float, float]:
    """The GCJ-02 offset (dlon, dlat) in degrees, applied unconditionally.

    Kept separate from the bounding-box test so the inverse can iterate on a
    smooth function even for points whose shifted image leaves the box.
    """
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = math.sin(radlat)
    magic = 1.0 - EE * magic * magic
    sqrtmagic = math.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * math.cos(radlat) * math.pi)
    return dlon, dlat


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """Convert a WGS-84 (GPS) position to GCJ-02 (AMap/Tencent tiles).

    Points outside China are returned unchanged, matching vendor behaviour.
    """
    lon = float(lon)
    lat = float(lat)
    if out_of_china(lon, lat):
        return lon, lat
    dlon, dlat = _shift(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """Convert a GCJ-02 position back to WGS-84 (error < 1e-6°, in practice ~1e-10°).

    Why iterative: the popular one-step "subtract the shift at the GCJ point"
    inverse is off by up to ~1-2 m, which is enough to drop a household into
    the neighbouring grid when a boundary runs along a street.
    """
    glon = float(lon)
    glat = float(lat)
    wlon, wlat = glon, glat
    for _ in range(_INV_MAX_ITER):
        dlon, dlat = _shift(wlon, wlat)
        nlon = glon - dlon
        nlat = glat - dlat
        done = abs(nlon - wlon) < _INV_TOL and abs(nlat - wlat) < _INV_TOL
        wlon, wlat = nlon, nlat
        if done:
            break
    if out_of_china(wlon, wlat):
        # The forward map is the identity out there, so a GCJ point whose
        # preimage would be outside the box is its own preimage.
        return glon, glat
    return wlon, wlat


# --------------------------------------------------------------------------
# Vectorised variants
# --------------------------------------------------------------------------


def _out_of_china_array(lon: NDArray[np.float64], lat: NDArray[np.float64]) -> NDArray[np.bool_]:
    inside = (lon > _LON_MIN) & (lon < _LON_MAX) & (lat > _LAT_MIN) & (lat < _LAT_MAX)
    return ~inside


def _shift_array(
    lon: NDArray[np.float64], lat: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    pi = math.pi
    x = lon - 105.0
    y = lat - 35.0
    common = (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
    dlat = dlat + common
    dlat = dlat + (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    dlat = dlat + (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
    dlon = dlon + common
    dlon = dlon + (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    dlon = dlon + (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    radlat = lat / 180.0 * pi
    magic = np.sin(radlat)
    magic = 1.0 - EE * magic * magic
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((A * (1.0 - EE)) / (magic * sqrtmagic) * pi)
    dlon = (dlon * 180.0) / (A / sqrtmagic * np.cos(radlat) * pi)
    return dlon, dlat


def _as_float_arrays(
    lons: ArrayLike, lats: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    lon = np.asarray(lons, dtype=np.float64)
    lat = np.asarray(lats, dtype=np.float64)
    lon, lat = np.broadcast_arrays(lon, lat)
    return lon, lat


def wgs84_to_gcj02_array(
    lons: ArrayLike, lats: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised :func:`wgs84_to_gcj02`; returns new float64 arrays (broadcast shape).

    Why: converting a 100k-household import or a tile's worth of polygon
    vertices point-by-point in Python takes seconds; NumPy takes milliseconds.
    """
    lon, lat = _as_float_arrays(lons, lats)
    dlon, dlat = _shift_array(lon, lat)
    outside = _out_of_china_array(lon, lat)
    out_lon = np.where(outside, lon, lon + dlon)
    out_lat = np.where(outside, lat, lat + dlat)
    return out_lon, out_lat


def gcj02_to_wgs84_array(
    lons: ArrayLike, lats: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Vectorised :func:`gcj02_to_wgs84` (same iteration, same < 1e-6° contract)."""
    glon, glat = _as_float_arrays(lons, lats)
    wlon = glon.copy()
    wlat = glat.copy()
    for _ in range(_INV_MAX_ITER):
        dlon, dlat = _shift_array(wlon, wlat)
        nlon = glon - dlon
        nlat = glat - dlat
        # NaN inputs stay NaN; nan_to_num keeps them from blocking convergence.
        step = np.nan_to_num(np.abs(nlon - wlon)) + np.nan_to_num(np.abs(nlat - wlat))
        wlon, wlat = nlon, nlat
        if float(np.max(step, initial=0.0)) < _INV_TOL:
            break
    outside = _out_of_china_array(wlon, wlat)
    return np.where(outside, glon, wlon), np.where(outside, glat, wlat)


#: The frames map tiles are drawn in (WANGGE_TILE_CRS).
TILE_CRS = ("wgs84", "gcj02")


def to_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A position picked on tiles drawn in ``crs``, as it is stored (WGS-84).

    Why: a click on GCJ-02 tiles (AMap, Tencent) is ~500 m from the WGS-84 point of the same
    spot in Beijing, enough to put a case in the wrong grid.
    """
    if crs == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if crs == "wgs84":
        return float(lon), float(lat)
    raise ValueError(f"不支持的坐标系：{crs}（可用 wgs84 或 gcj02）")


def from_wgs84(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """A stored (WGS-84) position as drawn on tiles in ``crs``."""
    if crs == "gcj02":
        return wgs84_to_gcj02(lon, lat)
    if crs == "wgs84":
        return float(lon), float(lat)
    raise ValueError(f"不支持的坐标系：{crs}（可用 wgs84 或 gcj02）")
