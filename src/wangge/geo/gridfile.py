"""Reading and validating the ``grids.geojson`` interchange format.

Why this exists: the region tree (区 → 街道 → 社区 → 网格) is drawn by street
offices in QGIS, ArcGIS, AMap tools or by a surveying contractor, and handed
over as one GeoJSON file.  A bad file (a grid that spills into the next
community, two grids that overlap, a file exported in projected metres, codes
that do not nest) silently corrupts every statistic built on top of it, so the
import must refuse it *and* tell a non-technical operator everything that is
wrong in one pass, in Chinese, feature by feature.  Hence this module never
stops at the first problem: it collects all of them.

Format (RFC 7946 GeoJSON, UTF-8, WGS-84 lon/lat)::

    {"type": "FeatureCollection", "features": [
      {"type": "Feature",
       "properties": {"code": "110101001001001", "name": "第一网格",
                      "level": "grid", "parent_code": "110101001001"},
       "geometry": {"type": "Polygon", "coordinates": [...]}}]}

* ``code``: ASCII digits only, at most 24 characters (a whole JSON number is
  read as its digits).  A district is a 6-digit GB/T 2260 code; a child's
  code starts with its parent's code and is longer (street 9, community 12,
  grid 15 digits recommended).  This prefix rule is what lets the rest of
  Wangge select a whole subtree with one ``code LIKE 'prefix%'`` query.
* ``level``: ``district`` | ``street`` | ``community`` | ``grid``; a child is
  exactly one level below its parent.
  Other names GIS attribute tables use (网格编码, 网格名称, 层级 with 社区/网格,
  上级编码…) are read as these (`grid_properties`); a missing level is read from
  the code's length (6/9/12/15).
* ``parent_code``: null/empty for a top region (any level may be the top of a
  deployment, e.g. a single street office), else a code in the same file or a
  region already stored (passed in as ``existing``).
* geometry: Polygon or MultiPolygon, closed rings, valid, lon/lat degrees.
  CGCS2000 (EPSG:4490) is accepted as equivalent to WGS-84 (they differ by
  centimetres); GCJ-02 input cannot be detected and must not be used.

Pure Python (json + Shapely + NumPy), no Django, so it can be unit-tested and
reused by a CLI validator.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
import shapely.errors

from wangge.geo.divisions import division
from wangge.geo.grid_properties import normalise_features

__all__ = [
    "CHILD_MIN_INSIDE",
    "LEVELS",
    "LEVEL_DEPTH",
    "LEVEL_LABELS",
    "SIBLING_MAX_OVERLAP",
    "GridFileError",
    "RegionFeature",
    "read_grid_file",
]

#: Region levels, top to bottom (mirrors ``geo.models.RegionLevel``).
LEVELS: tuple[str, ...] = ("district", "street", "community", "grid")
LEVEL_DEPTH: dict[str, int] = {level: depth for depth, level in enumerate(LEVELS)}
LEVEL_LABELS: dict[str, str] = {
    "district": "区",
    "street": "街道",
    "community": "社区",
    "grid": "网格",
}

#: A child must have at least this share of its area inside its parent.  Not
#: 100%: boundaries digitised separately never match to the millimetre.
CHILD_MIN_INSIDE = 0.995
#: Siblings may overlap by at most this share of the smaller one's area, so
#: digitising slivers pass but a real double-assigned block does not.
SIBLING_MAX_OVERLAP = 1e-4

_MAX_CODE_LEN = 24  # Region.code max_length
_MAX_NAME_LEN = 100  # Region.name max_length
_DISTRICT_CODE_LEN = 6  # GB/T 2260 county-level code
_RECOMMENDED_LEN = {"district": 6, "street": 9, "community": 12, "grid": 15}
_CODE_RE = re.compile(r"[0-9]+")
# Geographic CRS names accepted in the obsolete GeoJSON-2008 "crs" member.
_OK_CRS = ("CRS84", "EPSG::4326", "EPSG:4326", "EPSG::4490", "EPSG:4490")
# Coordinates this far beyond ±180/±90 are not a typo but projected metres.
_PROJECTED_THRESHOLD = 1000.0

_GEOS_REASONS = {
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "环自相交",
    "Too few points": "顶点过少",
    "Hole lies outside shell": "内环（洞）位于外环之外",
    "Nested holes": "内环相互嵌套",
    "Interior is disconnected": "内部不连通",
    "Nested shells": "多个外环相互嵌套",
    "Duplicate Rings": "存在重复的环",
    "Invalid Coordinate": "坐标无效",
}


@dataclass(frozen=True)
class RegionFeature:
    """One region read from the file, geometry as a 2-D Shapely geometry (lon/lat)."""

    code: str
    name: str
    level: str
    parent_code: str | None
    geometry: shapely.Geometry


@dataclass(frozen=True)
class GridFileError:
    """One problem in the file.

    ``feature_index`` is 0-based (``None`` for file-level problems); the
    Chinese ``message`` counts from 1 ("第 3 个要素") because it is shown to
    operators who count that way.
    """

    code: str | None
    feature_index: int | None
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass
class _Parsed:
    """A feature whose properties and geometry could be read (maybe still invalid)."""

    index: int
    code: str
    name: str
    level: str | None  # None when the level is unknown (already reported)
    parent_code: str | None
    geometry: shapely.Geometry | None  # None when it could not be built
    geometry_ok: bool = False  # valid, polygonal, lon/lat: safe for area tests


class _Collector:
    def __init__(self) -> None:
        self.errors: list[GridFileError] = []

    def add(self, index: int | None, code: str | None, message: str) -> None:
        if index is None:
            full = message
        else:
            who = f"第 {index + 1} 个要素"
            if code:
                who += f"（编码 {code}）"
            full = f"{who}：{message}"
        self.errors.append(GridFileError(code=code, feature_index=index, message=full))


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------


def read_grid_file(
    data: bytes | str | os.PathLike[str],
    *,
    existing: Mapping[str, tuple[str, shapely.Geometry | None]] | None = None,
) -> tuple[list[RegionFeature], list[GridFileError]]:
    """Parse and validate a ``grids.geojson`` file; return (features, errors).

    ``data`` is the file's bytes, a path (``os.PathLike``, or a ``str`` that
    does not start with ``{`` or ``[``), or the JSON text itself (a ``str``
    starting with ``{`` or ``[`` after whitespace).  ``existing`` maps codes of regions already stored to
    ``(level, geometry or None)``, so a file of grids may hang under stored
    communities and be checked against their boundaries.

    Every problem found is returned, never raised.  ``features`` holds every
    feature whose code, name, level and geometry could be read (first
    occurrence of each code; the geometry may still be invalid), sorted
    parents-first, then by code.  **Import them only if ``errors`` is
    empty** -- a partially valid tree is not safe to store.
    """
    out = _Collector()
    existing = existing or {}
    doc = _load_json(data, out)
    if doc is None:
        return [], out.errors
    raw_features = _check_collection(doc, out)
    if raw_features is None:
        return [], out.errors
    raw_features = normalise_features(raw_features)  # 网格编码, numeric codes, 社区/网格 …

    parsed: list[_Parsed] = []
    for index, raw in enumerate(raw_features):
        item = _parse_feature(index, raw, out)
        if item is not None:
            parsed.append(item)

    by_code = _check_duplicates(parsed, out)
    _check_hierarchy(by_code, existing, out)
    _check_containment(by_code, existing, out)
    _check_sibling_overlaps(by_code, out)

    depth = _depths(by_code)
    ordered = sorted(by_code.values(), key=lambda p: (depth[p.code], p.code))
    features = [
        RegionFeature(
            code=p.code,
            name=p.name,
            level=p.level,
            parent_code=p.parent_code,
            geometry=p.geometry,
        )
        for p in ordered
        if p.geometry is not None and p.level is not None and p.name
    ]
    errors = sorted(out.errors, key=lambda e: -1 if e.feature_index is None else e.feature_index)
    return features, errors


# --------------------------------------------------------------------------
# File and collection level
# --------------------------------------------------------------------------


def _reject_constant(name: str) -> Any:
    raise ValueError(f"JSON 中不允许出现 {name}")


def _load_json(data: bytes | str | os.PathLike[str], out: _Collector) -> Any:
    """Decode bytes/path/text to a JSON value, or record why not and return None."""
    text: str
    if isinstance(data, str) and data.lstrip().startswith(("{", "[")):
        text = data
    else:
        if isinstance(data, bytes | bytearray):
            raw = bytes(data)
        else:
            try:
                raw = Path(data).read_bytes()
            except OSError as exc:
                out.add(None, None, f"无法读取文件 {os.fspath(data)}：{exc.strerror or exc}")
                return None
        try:
            # utf-8-sig: Windows tools often prepend a BOM; that is harmless.
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            out.add(
                None,
                None,
                f"文件不是 UTF-8 编码（第 {exc.start + 1} 个字节无法解码）。"
                "如果是 GBK/GB18030 编码，请在导出时选择 UTF-8 后重新上传。",
            )
            return None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        out.add(None, None, f"不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}")
    except ValueError as exc:
        out.add(None, None, f"不是有效的 JSON：{exc}")
    except RecursionError:
        out.add(None, None, "不是有效的 JSON：嵌套层级过深")
    return None


def _check_collection(doc: Any, out: _Collector) -> list[Any] | None:
    if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
        got = doc.get("type") if isinstance(doc, dict) else _type_name(doc)
        out.add(
            None,
            None,
            f'文件必须是 GeoJSON FeatureCollection（顶层 "type": "FeatureCollection"），实际为 {got!r}',
        )
        return None
    features = doc.get("features")
    if not isinstance(features, list):
        out.add(None, None, 'FeatureCollection 缺少 "features" 数组')
        return None
    if not features:
        out.add(None, None, "文件中没有任何要素（features 为空）")
        return None
    crs = doc.get("crs")
    if crs is not None:
        props = crs.get("properties") if isinstance(crs, dict) else None
        name = props.get("name") if isinstance(props, dict) else None
        name_s = name if isinstance(name, str) else ""
        if not any(name_s.upper().endswith(ok) for ok in _OK_CRS):
            out.add(
                None,
                None,
                f"坐标参考系为 {name_s or crs!r}，必须是 WGS-84 经纬度（EPSG:4326 / CRS84）；"
                "请在导出时转换坐标系",
            )
    return features


# --------------------------------------------------------------------------
# Feature level
# --------------------------------------------------------------------------


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "布尔值"
    if isinstance(value, int | float):
        return "数字"
    if isinstance(value, str):
        return "字符串"
    if isinstance(value, list):
        return "数组"
    if isinstance(value, dict):
        return "对象"
    return type(value).__name__


def _parse_feature(index: int, raw: Any, out: _Collector) -> _Parsed | None:
    """Check one feature's properties and geometry; None if it cannot be used at all."""
    if not isinstance(raw, dict) or raw.get("type") != "Feature":
        out.add(index, None, '不是 GeoJSON Feature 对象（缺少 "type": "Feature"）')
        return None
    props = raw.get("properties")
    if not isinstance(props, dict):
        out.add(index, None, f"properties 必须是对象，实际为 {_type_name(props)}")
        props = {}

    usable = True
    code = props.get("code")
    code_s: str | None = None
    if code is None or code == "":
        out.add(index, None, "缺少 code（区域编码）")
        usable = False
    elif not isinstance(code, str):
        out.add(
            index,
            None,
            f'code 必须是字符串（例如 "110101"），实际为{_type_name(code)} {code!r}；'
            "写成数字会丢失前导零",
        )
        usable = False
    elif not _CODE_RE.fullmatch(code):
        out.add(index, code, f"code 只能由数字 0-9 组成，实际为 {code!r}")
        usable = False
    else:
        code_s = code
        if len(code) > _MAX_CODE_LEN:
            out.add(index, code, f"code 长度 {len(code)} 超过上限 {_MAX_CODE_LEN} 位")

    name = props.get("name")
    name_s = ""
    if name is None or (isinstance(name, str) and not name.strip()):
        out.add(index, code_s, "缺少 name（区域名称）")
    elif not isinstance(name, str):
        out.add(index, code_s, f"name 必须是字符串，实际为{_type_name(name)}")
    else:
        name_s = name.strip()
        if len(name_s) > _MAX_NAME_LEN:
            out.add(index, code_s, f"name 长度 {len(name_s)} 超过上限 {_MAX_NAME_LEN} 个字符")

    level = props.get("level")
    level_s: str | None = None
    allowed = " / ".join(f"{lv}（{LEVEL_LABELS[lv]}）" for lv in LEVELS)
    if level is None or level == "":
        out.add(index, code_s, f"缺少 level（层级），应为 {allowed} 之一")
    elif not isinstance(level, str):
        out.add(index, code_s, f"level 必须是字符串，实际为{_type_name(level)}")
    elif level not in LEVEL_DEPTH:
        out.add(index, code_s, f"未知的层级 level={level!r}，应为 {allowed} 之一")
    else:
        level_s = level

    parent = props.get("parent_code")
    parent_s: str | None = None
    if parent is None or parent == "":
        parent_s = None
    elif not isinstance(parent, str):
        out.add(
            index,
            code_s,
            f"parent_code 必须是字符串或 null，实际为{_type_name(parent)} {parent!r}",
        )
    elif not _CODE_RE.fullmatch(parent):
        out.add(index, code_s, f"parent_code 只能由数字 0-9 组成，实际为 {parent!r}")
    else:
        parent_s = parent

    if code_s is not None:
        _check_code_shape(index, code_s, level_s, parent_s, out)

    geometry, geometry_ok = _parse_geometry(index, code_s, raw.get("geometry"), out)
    if not usable or code_s is None:
        return None
    return _Parsed(
        index=index,
        code=code_s,
        name=name_s,
        level=level_s,
        parent_code=parent_s,
        geometry=geometry,
        geometry_ok=geometry_ok,
    )


def _check_code_shape(
    index: int, code: str, level: str | None, parent: str | None, out: _Collector
) -> None:
    """Code rules that need only the feature itself."""
    if level == "district" and len(code) != _DISTRICT_CODE_LEN:
        out.add(
            index,
            code,
            f"区的编码必须是 {_DISTRICT_CODE_LEN} 位 GB/T 2260 行政区划代码，实际为 {len(code)} 位",
        )
    if parent is not None:
        if parent == code:
            out.add(index, code, "parent_code 不能是自身编码")
            return
        if not (code.startswith(parent) and len(code) > len(parent)):
            hint = ""
            if level in _RECOMMENDED_LEN and _RECOMMENDED_LEN[level] > len(parent):
                hint = f"，建议为 {_RECOMMENDED_LEN[level]} 位"
            out.add(
                index,
                code,
                f"编码必须以上级编码 {parent} 开头并且比它更长{hint}",
            )


def _translate_reason(reason: str) -> str:
    head = reason.split("[", 1)[0].strip()
    zh = _GEOS_REASONS.get(head)
    return f"{zh}（{reason}）" if zh else reason


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ring_array(ring: Any) -> np.ndarray | str:
    """A GeoJSON ring as an (n, 2) float array (altitude dropped), or a Chinese reason why not."""
    if not isinstance(ring, list):
        return f"环必须是坐标数组，实际为{_type_name(ring)}"
    bad = "每个坐标必须是由 2 个（或 3 个）数字组成的数组 [经度, 纬度]"
    try:
        arr = np.array(ring)
        fast = arr.ndim == 2 and arr.shape[1] >= 2 and arr.dtype.kind in "iuf"
    except (ValueError, TypeError, OverflowError):
        fast = False
    if not fast:
        # Slow path: positions of mixed length (2-D and 3-D mixed is legal
        # GeoJSON) or something that is not a number at all.
        for k, p in enumerate(ring):
            if not (isinstance(p, list) and len(p) >= 2 and all(_is_number(v) for v in p)):
                shown = json.dumps(p, ensure_ascii=False)[:40]
                return f"第 {k + 1} 个坐标 {shown} 无效，{bad}"
        try:
            arr = np.array([p[:2] for p in ring], dtype=np.float64).reshape(-1, 2)
        except OverflowError:
            return "坐标中含有非有限数值"
    if arr.shape[0] < 4:
        return f"环至少需要 4 个坐标点（首尾相同），实际只有 {arr.shape[0]} 个"
    arr = arr[:, :2].astype(np.float64)
    if not np.isfinite(arr).all():
        return "坐标中含有非有限数值"
    if not np.array_equal(arr[0], arr[-1]):
        return "环未闭合：首尾坐标必须相同"
    return arr


def _parse_geometry(
    index: int, code: str | None, geom: Any, out: _Collector
) -> tuple[shapely.Geometry | None, bool]:
    """Build and check the geometry; returns (geometry or None, fully OK?)."""
    if geom is None:
        out.add(index, code, "缺少几何（geometry 为 null）")
        return None, False
    if not isinstance(geom, dict):
        out.add(index, code, f"geometry 必须是对象，实际为{_type_name(geom)}")
        return None, False
    gtype = geom.get("type")
    if gtype not in ("Polygon", "MultiPolygon"):
        out.add(index, code, f"几何类型必须是 Polygon 或 MultiPolygon，实际为 {gtype!r}")
        return None, False
    coords = geom.get("coordinates")
    polys_raw = [coords] if gtype == "Polygon" else coords
    if not isinstance(polys_raw, list) or not polys_raw or not isinstance(coords, list):
        out.add(index, code, f"{gtype} 的 coordinates 为空或不是数组")
        return None, False
    polygons: list[shapely.Polygon] = []
    for part_no, rings in enumerate(polys_raw, start=1):
        where = f"第 {part_no} 个多边形" if gtype == "MultiPolygon" else "多边形"
        if not isinstance(rings, list) or not rings:
            out.add(index, code, f"{where}的坐标为空或不是数组")
            return None, False
        arrays: list[np.ndarray] = []
        for ring_no, ring in enumerate(rings):
            arr = _ring_array(ring)
            if isinstance(arr, str):
                ring_name = "外环" if ring_no == 0 else f"第 {ring_no} 个内环"
                out.add(index, code, f"{where}{ring_name}：{arr}")
                return None, False
            arrays.append(arr)
        polygons.append(shapely.Polygon(arrays[0], arrays[1:]))
    geometry: shapely.Geometry = (
        polygons[0] if gtype == "Polygon" else shapely.MultiPolygon(polygons)
    )

    ok = _check_lonlat(index, code, geometry, out)
    reason = shapely.is_valid_reason(geometry)
    if reason != "Valid Geometry":
        out.add(index, code, f"几何无效：{_translate_reason(str(reason))}")
        ok = False
    elif shapely.area(geometry) <= 0:
        out.add(index, code, "几何面积为零")
        ok = False
    return geometry, ok


def _check_lonlat(
    index: int, code: str | None, geometry: shapely.Geometry, out: _Collector
) -> bool:
    xy = shapely.get_coordinates(geometry)
    lon, lat = xy[:, 0], xy[:, 1]
    if ((lon >= -180) & (lon <= 180) & (lat >= -90) & (lat <= 90)).all():
        return True
    extreme = float(np.max(np.abs(xy)))
    if extreme > _PROJECTED_THRESHOLD:
        out.add(
            index,
            code,
            f"坐标超出经纬度范围（最大绝对值 {extreme:,.0f}），看起来是投影坐标（米）；"
            "请先转换为 WGS-84 经纬度（EPSG:4326）再导出",
        )
    elif ((lat >= -180) & (lat <= 180) & (lon >= -90) & (lon <= 90)).all():
        out.add(index, code, "坐标超出经纬度范围，经度和纬度可能写反了（应为 [经度, 纬度]）")
    else:
        bad = int(np.flatnonzero(~((np.abs(lon) <= 180) & (np.abs(lat) <= 90)))[0])
        out.add(
            index,
            code,
            f"坐标超出经纬度范围：[{lon[bad]:g}, {lat[bad]:g}]（经度应在 ±180、纬度应在 ±90 之间）",
        )
    return False


# --------------------------------------------------------------------------
# Cross-feature checks
# --------------------------------------------------------------------------


def _check_duplicates(parsed: list[_Parsed], out: _Collector) -> dict[str, _Parsed]:
    by_code: dict[str, _Parsed] = {}
    for item in parsed:
        first = by_code.get(item.code)
        if first is None:
            by_code[item.code] = item
        else:
            out.add(item.index, item.code, f"编码重复：与第 {first.index + 1} 个要素相同")
    return by_code


def _check_hierarchy(
    by_code: dict[str, _Parsed],
    existing: Mapping[str, tuple[str, shapely.Geometry | None]],
    out: _Collector,
) -> None:
    """Unknown parents, cycles, and level order (first occurrence of each code)."""
    in_cycle = _report_cycles(by_code, out)
    depths = [LEVEL_DEPTH[i.level] for i in by_code.values() if i.level in LEVEL_DEPTH]
    top_depth = min(depths, default=0)
    for item in by_code.values():
        parent = item.parent_code
        if parent is None and item.level in LEVEL_DEPTH and LEVEL_DEPTH[item.level] > top_depth:
            # Only the file's top level may float free; a lower region without a parent is a
            # forgotten parent_code, not a new tree.
            out.add(
                item.index,
                item.code,
                f"缺少上级编码（parent_code）：只有文件中最高层级"
                f"（{LEVEL_LABELS[LEVELS[top_depth]]}）的区域可以没有上级",
            )
            continue
        if parent is None or item.code in in_cycle:
            continue
        if item.level == "district":
            out.add(item.index, item.code, "区是最高层级，不能有上级（parent_code 应为空）")
            continue
        if parent in by_code:
            parent_level = by_code[parent].level
        elif parent in existing:
            parent_level = existing[parent][0]
        elif item.level == "street" and district_name(parent):
            parent_level = "district"  # created from its GB/T 2260 code when the file is loaded
        else:
            out.add(
                item.index,
                item.code,
                f"上级编码 {parent} 不存在：既不在本文件中，也不是系统中已有的区域"
                + ("，也不是现行的区县代码（GB/T 2260）" if item.level == "street" else ""),
            )
            continue
        if item.level is None or parent_level not in LEVEL_DEPTH:
            continue
        if LEVEL_DEPTH[parent_level] != LEVEL_DEPTH[item.level] - 1:
            want = LEVELS[LEVEL_DEPTH[item.level] - 1]
            out.add(
                item.index,
                item.code,
                f"层级不匹配：{LEVEL_LABELS[item.level]}的上级必须是{LEVEL_LABELS[want]}，"
                f"而上级 {parent} 是{LEVEL_LABELS[parent_level]}",
            )


def district_name(code: str) -> str | None:
    """The official name of a district-level GB/T 2260 code in force today, else None.

    A street office's own grid file holds the street and what lies below it; its district is
    named only by the street's parent code, so the district is taken from the national table
    rather than refusing the file.
    """
    if len(code) != 6 or not code.isdigit():
        return None
    entry = division(code)
    if entry is None or entry.level != "county" or entry.current is None:
        return None
    return entry.current.name


def implied_districts(
    features: list[RegionFeature], existing: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """(code, official name) of the districts that streets in the file hang under but that
    neither the file nor the stored tree holds."""
    in_file = {f.code for f in features}
    implied: dict[str, str] = {}
    for feature in features:
        parent = feature.parent_code
        if feature.level != "street" or not parent or parent in in_file or parent in existing:
            continue
        name = district_name(parent)
        if name:
            implied[parent] = name
    return sorted(implied.items())


def _report_cycles(by_code: dict[str, _Parsed], out: _Collector) -> set[str]:
    """Report each parent cycle once; return the codes on cycles."""
    state: dict[str, int] = {}  # 1 = on current path, 2 = done
    on_cycle: set[str] = set()
    for start in sorted(by_code):
        path: list[str] = []
        node: str | None = start
        while node is not None and node in by_code and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = by_code[node].parent_code
        if node is not None and state.get(node) == 1:
            cycle = path[path.index(node) :]
            on_cycle.update(cycle)
            first = min(cycle, key=lambda c: by_code[c].index)
            chain = " → ".join([*cycle, cycle[0]])
            if len(cycle) > 1:  # a self-parent was reported with the code checks
                out.add(by_code[first].index, first, f"上级关系形成循环：{chain}")
        for done in path:
            state[done] = 2
    return on_cycle


def _check_containment(
    by_code: dict[str, _Parsed],
    existing: Mapping[str, tuple[str, shapely.Geometry | None]],
    out: _Collector,
) -> None:
    """Each child must lie (≥ CHILD_MIN_INSIDE of its area) inside its parent."""
    for item in by_code.values():
        parent = item.parent_code
        if parent is None or parent == item.code or not item.geometry_ok:
            continue
        parent_geom: shapely.Geometry | None
        if parent in by_code:
            p = by_code[parent]
            parent_geom = p.geometry if p.geometry_ok else None
        elif parent in existing:
            parent_geom = existing[parent][1]
            if parent_geom is not None and not shapely.is_valid(parent_geom):
                parent_geom = shapely.make_valid(parent_geom)
        else:
            parent_geom = None
        if parent_geom is None or shapely.is_empty(parent_geom):
            continue
        child = item.geometry
        area = float(shapely.area(child))
        if area <= 0:
            continue
        try:
            inside = float(shapely.area(shapely.intersection(child, parent_geom))) / area
        except shapely.errors.GEOSException:  # pragma: no cover - stored geometry beyond repair
            continue
        if inside < CHILD_MIN_INSIDE:
            out.add(
                item.index,
                item.code,
                f"没有落在上级 {parent} 的范围内：只有 {inside:.1%} 的面积在上级边界内"
                f"（至少需要 {CHILD_MIN_INSIDE:.1%}）",
            )


def _check_sibling_overlaps(by_code: dict[str, _Parsed], out: _Collector) -> None:
    """Regions with the same parent must not overlap (touching is fine)."""
    groups: dict[str | None, list[_Parsed]] = {}
    for item in by_code.values():
        if item.geometry_ok:
            groups.setdefault(item.parent_code, []).append(item)
    for members in groups.values():
        if len(members) < 2:
            continue
        geoms = np.array([m.geometry for m in members], dtype=object)
        areas = shapely.area(geoms)
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        keep = left < right
        for i, j in zip(left[keep].tolist(), right[keep].tolist(), strict=True):
            try:
                shared = float(shapely.area(shapely.intersection(geoms[i], geoms[j])))
            except shapely.errors.GEOSException:  # pragma: no cover - robust overlay failed
                continue
            smaller = float(min(areas[i], areas[j]))
            if smaller > 0 and shared > SIBLING_MAX_OVERLAP * smaller:
                a, b = members[i], members[j]
                first, second = (a, b) if a.index < b.index else (b, a)
                out.add(
                    second.index,
                    second.code,
                    f"与同级区域 {first.code}（第 {first.index + 1} 个要素）重叠，"
                    f"重叠面积占较小者的 {shared / smaller:.2%}",
                )


def _depths(by_code: dict[str, _Parsed]) -> dict[str, int]:
    """Depth within the file (0 = parent outside the file); cycles sort last."""
    depth: dict[str, int] = {}
    cycle_depth = len(by_code) + 1

    def walk(code: str) -> int:
        chain: list[str] = []
        node: str | None = code
        while node is not None and node in by_code and node not in depth:
            if node in chain:  # cycle
                for c in chain:
                    depth[c] = cycle_depth
                return depth[code]
            chain.append(node)
            node = by_code[node].parent_code
        base = depth.get(node, -1) if node is not None and node in by_code else -1
        for c in reversed(chain):
            base = base + 1
            depth[c] = base
        return depth[code]

    for code in by_code:
        walk(code)
    return depth
