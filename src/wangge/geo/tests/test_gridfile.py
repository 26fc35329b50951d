"""Tests for reading/validating grids.geojson (pure, no database; fixtures built in code)."""

from __future__ import annotations

import json

import pytest
import shapely
from shapely.geometry import box, mapping

from wangge.geo.gridfile import GridFileError, RegionFeature, read_grid_file

# District 110101 covers the whole box; two streets split it west/east; the west
# street has two communities (north/south); the north-west community has two grids.
DISTRICT = box(116.30, 39.85, 116.50, 39.97)
STREET_W = box(116.30, 39.85, 116.40, 39.97)
STREET_E = box(116.40, 39.85, 116.50, 39.97)
COMM_N = box(116.30, 39.91, 116.40, 39.97)
COMM_S = box(116.30, 39.85, 116.40, 39.91)
GRID_A = box(116.30, 39.91, 116.35, 39.97)
GRID_B = box(116.35, 39.91, 116.40, 39.97)


def feat(code, name, level, parent, geom, **extra):
    props = {"code": code, "name": name, "level": level, "parent_code": parent, **extra}
    geometry = geom if (geom is None or isinstance(geom, dict)) else mapping(geom)
    return {"type": "Feature", "properties": props, "geometry": geometry}


def fc(*features, **top):
    return json.dumps({"type": "FeatureCollection", "features": list(features), **top}).encode()


def good_features():
    return [
        feat("110101", "东城区", "district", None, DISTRICT),
        feat("110101001", "东华门街道", "street", "110101", STREET_W),
        feat("110101002", "景山街道", "street", "110101", STREET_E),
        feat("110101001001", "多福巷社区", "community", "110101001", COMM_N),
        feat("110101001002", "银闸社区", "community", "110101001", COMM_S),
        feat("110101001001001", "第一网格", "grid", "110101001001", GRID_A),
        feat("110101001001002", "第二网格", "grid", "110101001001", GRID_B),
    ]


def errors_of(data, **kw):
    _, errors = read_grid_file(data, **kw)
    return errors


def one_error(data, **kw):
    errors = errors_of(data, **kw)
    assert len(errors) == 1, [e.message for e in errors]
    return errors[0]


# ---------------------------------------------------------------- good input


def test_good_file_parents_first():
    shuffled = list(reversed(good_features()))
    features, errors = read_grid_file(fc(*shuffled))
    assert errors == []
    assert [f.code for f in features] == [
        "110101",
        "110101001",
        "110101002",
        "110101001001",
        "110101001002",
        "110101001001001",
        "110101001001002",
    ]
    top = features[0]
    assert isinstance(top, RegionFeature)
    assert top.parent_code is None
    assert top.level == "district"
    assert top.name == "东城区"
    assert top.geometry.equals(DISTRICT)
    assert features[-1].parent_code == "110101001001"


def test_accepts_text_path_bom_multipolygon_z_and_empty_parent(tmp_path):
    mp = shapely.MultiPolygon(
        [box(116.30, 39.91, 116.32, 39.93), box(116.33, 39.94, 116.35, 39.96)]
    )
    gj = mapping(mp)
    # add a Z value to the first vertex of the first ring
    coords = json.loads(json.dumps(gj))["coordinates"]
    coords[0][0][0] = [*coords[0][0][0], 43.5]
    coords[0][0][-1] = [*coords[0][0][-1], 43.5]
    data = fc(
        feat("110101001001", "多福巷社区", "community", "", COMM_N),
        feat(
            "110101001001001",
            "第一网格",
            "grid",
            "110101001001",
            {"type": "MultiPolygon", "coordinates": coords},
        ),
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
    )
    for source in (data, data.decode(), b"\xef\xbb\xbf" + data):
        features, errors = read_grid_file(source)
        assert errors == []
        assert features[0].parent_code is None
        assert features[1].geometry.geom_type == "MultiPolygon"
        assert not features[1].geometry.has_z
    path = tmp_path / "grids.geojson"
    path.write_bytes(data)
    assert read_grid_file(path)[1] == []
    assert read_grid_file(str(path))[1] == []


def test_grids_under_existing_communities():
    existing = {"110101001001": ("community", COMM_N), "110101001": ("street", None)}
    data = fc(
        feat("110101001001001", "第一网格", "grid", "110101001001", GRID_A),
        feat("110101001001002", "第二网格", "grid", "110101001001", GRID_B),
        feat("110101001003", "新社区", "community", "110101001", box(116.3, 39.85, 116.31, 39.86)),
    )
    features, errors = read_grid_file(data, existing=existing)
    assert errors == []
    assert len(features) == 3


def test_touching_siblings_and_small_slivers_are_fine():
    nudge = box(116.35 - 1e-7, 39.91, 116.40, 39.97)  # tiny overlap with GRID_A
    spill = box(116.30, 39.91, 116.35, 39.97 + 1e-5)  # 0.02% outside the community
    data = fc(
        feat("110101001001", "社区", "community", None, COMM_N),
        feat("110101001001001", "一", "grid", "110101001001", spill),
        feat("110101001001002", "二", "grid", "110101001001", nudge),
    )
    assert errors_of(data) == []


# --------------------------------------------------------------- file level


@pytest.mark.parametrize(
    ("data", "needle"),
    [
        (b"not json at all", "JSON"),
        (b'{"type": "FeatureCollection", "features": [', "JSON"),
        ('{"type": "FeatureCollection", "features": [NaN]}', "NaN"),
        (
            json.dumps({"type": "Feature", "properties": {}, "geometry": None}).encode(),
            "FeatureCollection",
        ),
        (b"[]", "FeatureCollection"),
        (b'{"type": "FeatureCollection"}', "features"),
        (b'{"type": "FeatureCollection", "features": []}', "没有任何要素"),
        ('{"type": "FeatureCollection", "name": "东城"}'.encode("gbk"), "UTF-8"),
    ],
)
def test_file_level_errors(data, needle):
    features, errors = read_grid_file(data)
    assert features == []
    assert len(errors) == 1
    assert errors[0].feature_index is None
    assert errors[0].code is None
    assert needle in errors[0].message


def test_missing_file(tmp_path):
    err = one_error(tmp_path / "nope.geojson")
    assert "无法读取文件" in err.message


def test_projected_crs_member():
    data = fc(*good_features(), crs={"type": "name", "properties": {"name": "EPSG:3857"}})
    err = one_error(data)
    assert "WGS-84" in err.message and err.feature_index is None
    cgcs = fc(
        *good_features(), crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::4490"}}
    )
    assert errors_of(cgcs) == []


def test_error_is_frozen_and_str():
    err = GridFileError(code="1", feature_index=0, message="消息")
    assert str(err) == "消息"
    with pytest.raises(AttributeError):
        err.message = "x"  # type: ignore[misc]


# ------------------------------------------------------------ properties


@pytest.mark.parametrize(
    ("props", "needle"),
    [
        ({"name": "x", "level": "district", "parent_code": None}, "缺少 code"),
        (
            {"code": 110101.5, "name": "x", "level": "district", "parent_code": None},
            "code 必须是字符串",
        ),
        ({"code": "11O101", "name": "x", "level": "district", "parent_code": None}, "只能由数字"),
        ({"code": "110101", "level": "district", "parent_code": None}, "缺少 name"),
        ({"code": "110101", "name": "  ", "level": "district", "parent_code": None}, "缺少 name"),
        (
            {"code": "110101", "name": 5, "level": "district", "parent_code": None},
            "name 必须是字符串",
        ),
        (
            {"code": "110101", "name": "x" * 101, "level": "district", "parent_code": None},
            "超过上限",
        ),
        ({"code": "11010", "name": "x", "parent_code": None}, "缺少 level"),
        ({"code": "110101", "name": "x", "level": 1, "parent_code": None}, "level 必须是字符串"),
        ({"code": "110101", "name": "x", "level": "village", "parent_code": None}, "未知的层级"),
        (
            {"code": "110101", "name": "x", "level": "district", "parent_code": [11]},
            "parent_code 必须是字符串",
        ),
        ({"code": "1101", "name": "x", "level": "district", "parent_code": None}, "6 位"),
        ({"code": "1" * 25, "name": "x", "level": "street", "parent_code": None}, "超过上限"),
    ],
)
def test_property_errors(props, needle):
    data = fc({"type": "Feature", "properties": props, "geometry": mapping(DISTRICT)})
    err = one_error(data)
    assert needle in err.message, err.message
    assert err.feature_index == 0
    assert err.message.startswith("第 1 个要素")


def test_properties_not_object_and_not_a_feature():
    errors = errors_of(
        fc(
            {"type": "Feature", "properties": None, "geometry": mapping(DISTRICT)},
            {"type": "Point", "coordinates": [116.4, 39.9]},
            "hello",
        )
    )
    messages = [e.message for e in errors]
    assert any("properties 必须是对象" in m for m in messages)
    assert [e.feature_index for e in errors if "不是 GeoJSON Feature" in e.message] == [1, 2]


def test_all_errors_reported_together():
    features = good_features()
    features[1]["properties"]["level"] = "town"
    features[2]["properties"]["name"] = None
    features[5]["geometry"] = None
    features[6]["properties"]["code"] = [110101001001002]
    errors = errors_of(fc(*features))
    assert [e.feature_index for e in errors] == [1, 2, 5, 6]
    assert errors[0].code == "110101001"


def test_a_gis_attribute_table_is_read_in_the_format_s_words():
    """网格编码/网格名称 as numbers and Chinese levels, no levels or parents at all: the same
    regions as the format's own file."""
    own = good_features()
    written = []
    for n, feature in enumerate(own):
        props = feature["properties"]
        table: dict[str, object] = {"网格编码": int(props["code"]), "网格名称": props["name"]}
        if n % 2:  # every other feature says its level in Chinese; the rest leave it out
            table["层级"] = {"district": "区", "street": "街道", "community": "社区"}.get(
                props["level"], "网格"
            )
        written.append({**feature, "properties": table})
    assert errors_of(fc(*written)) == []
    read, _ = read_grid_file(fc(*written))
    expected, _ = read_grid_file(fc(*own))
    assert [(r.code, r.name, r.level, r.parent_code) for r in read] == [
        (r.code, r.name, r.level, r.parent_code) for r in expected
    ]


def test_an_explicit_null_parent_still_makes_a_top_region():
    top = feat("110101001", "街道", "street", None, STREET_W)
    (region,), errors = read_grid_file(fc(top))
    assert errors == [] and region.parent_code is None


# ------------------------------------------------------------- hierarchy


def test_duplicate_codes():
    features = good_features()
    features.append(feat("110101001001002", "重复", "grid", "110101001001", GRID_B))
    err = one_error(fc(*features))
    assert err.feature_index == 7
    assert "编码重复" in err.message and "第 7 个要素" in err.message


def test_unknown_parent():
    data = fc(feat("110101009001", "孤儿社区", "community", "110101009", COMM_N))
    err = one_error(data)
    assert "上级编码 110101009 不存在" in err.message


def test_existing_parent_checks_level_and_geometry():
    data = fc(feat("110101001001001", "第一网格", "grid", "110101001001", GRID_A))
    assert errors_of(data, existing={"110101001001": ("community", COMM_N)}) == []
    err = one_error(data, existing={"110101001001": ("street", None)})
    assert "网格的上级必须是社区" in err.message
    err = one_error(data, existing={"110101001001": ("community", COMM_S)})
    assert "没有落在上级" in err.message


def test_cyclic_parents():
    data = fc(
        feat("110101001001", "甲", "community", "110101001002", COMM_N),
        feat("110101001002", "乙", "community", "110101001001", COMM_S),
    )
    errors = errors_of(data)
    cyc = [e for e in errors if "循环" in e.message]
    assert len(cyc) == 1
    assert "110101001001 → 110101001002 → 110101001001" in cyc[0].message
    # the codes also fail the prefix rule, which is reported separately
    assert sum("开头" in e.message for e in errors) == 2


def test_self_parent():
    err = one_error(fc(feat("110101001", "街道", "street", "110101001", STREET_W)))
    assert "不能是自身" in err.message


def test_wrong_level_order():
    features = good_features()
    features[5]["properties"]["parent_code"] = "110101001"  # grid under a street
    features[5]["properties"]["code"] = "110101001901"
    errors = errors_of(fc(*features))
    assert {e.feature_index for e in errors} == {5}
    assert any("网格的上级必须是社区，而上级 110101001 是街道" in e.message for e in errors)


def test_district_cannot_have_parent():
    features = good_features()
    features[0]["properties"]["parent_code"] = "11"
    err = one_error(fc(*features))
    assert "区是最高层级" in err.message


def test_code_must_extend_parent():
    features = good_features()
    features[6]["properties"]["code"] = "110101002001002"
    err = one_error(fc(*features))
    assert err.code == "110101002001002"
    assert "必须以上级编码 110101001001 开头" in err.message
    features[6]["properties"]["code"] = "110101001001"  # its own parent, and a duplicate
    messages = [e.message for e in errors_of(fc(*features))]
    assert any("不能是自身" in m for m in messages)
    assert any("编码重复" in m for m in messages)


# -------------------------------------------------------------- geometry


def _with_geometry(geometry):
    return fc(feat("110101", "东城区", "district", None, geometry))


@pytest.mark.parametrize(
    ("geometry", "needle"),
    [
        (None, "缺少几何"),
        ({"type": "Point", "coordinates": [116.4, 39.9]}, "必须是 Polygon 或 MultiPolygon"),
        (
            mapping(shapely.LineString([(116.3, 39.9), (116.4, 39.9)])),
            "必须是 Polygon 或 MultiPolygon",
        ),
        ({"type": "Polygon", "coordinates": []}, "为空"),
        (
            {"type": "Polygon", "coordinates": [[[116.3, 39.9], [116.4, 39.9], [116.3, 39.9]]]},
            "至少需要 4 个",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [[[116.3, 39.9], [116.4, 39.9], [116.4, 40], [116.3, 40]]],
            },
            "未闭合",
        ),
        ({"type": "Polygon", "coordinates": [[["116.3", "39.9"]] * 4]}, "2 个（或 3 个）数字"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[116.3, 39.9], [116.4], [116.4, 40], [116.3, 39.9]]],
            },
            "第 2 个坐标 [116.4] 无效",
        ),
        (
            {
                "type": "Polygon",
                "coordinates": [
                    [[116.3, 39.9], [116.4, 40.0], [116.4, 39.9], [116.3, 40.0], [116.3, 39.9]]
                ],
            },
            "自相交",
        ),
        (mapping(box(440000, 4410000, 450000, 4420000)), "投影坐标"),
        (mapping(box(39.85, 116.30, 39.97, 116.50)), "写反"),
        (mapping(box(116.3, 39.8, 190.0, 39.9)), "超出经纬度范围"),
        (
            mapping(
                shapely.MultiPolygon(
                    [box(116.3, 39.9, 116.4, 40.0), box(116.35, 39.95, 116.45, 40.05)]
                )
            ),
            "几何无效",
        ),
    ],
)
def test_geometry_errors(geometry, needle):
    err = one_error(_with_geometry(geometry))
    assert needle in err.message, err.message
    assert err.code == "110101" and err.feature_index == 0


# ------------------------------------------------------ spatial relations


def test_child_not_within_parent():
    features = good_features()
    features[6]["geometry"] = mapping(
        box(116.37, 39.91, 116.42, 39.97)
    )  # spills into street E's area
    err = one_error(fc(*features))
    assert err.code == "110101001001002"
    assert "没有落在上级 110101001001 的范围内" in err.message
    assert "60.0%" in err.message


def test_overlapping_siblings():
    features = good_features()
    features[6]["geometry"] = mapping(box(116.34, 39.91, 116.40, 39.97))  # overlaps grid A by 0.01°
    err = one_error(fc(*features))
    assert err.feature_index == 6
    assert "与同级区域 110101001001001（第 6 个要素）重叠" in err.message


def test_invalid_geometry_skips_spatial_checks_without_crashing():
    features = good_features()
    bowtie = {
        "type": "Polygon",
        "coordinates": [
            [[116.3, 39.91], [116.4, 39.97], [116.4, 39.91], [116.3, 39.97], [116.3, 39.91]]
        ],
    }
    features[3]["geometry"] = bowtie
    errors = errors_of(fc(*features))
    assert [e.feature_index for e in errors] == [3]


def test_a_lower_region_without_parent_is_a_forgotten_parent_code():
    ring = [[116.40, 39.90], [116.41, 39.90], [116.41, 39.91], [116.40, 39.91], [116.40, 39.90]]
    geometry = {"type": "Polygon", "coordinates": [ring]}
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": "110105001",
                    "name": "街道",
                    "level": "street",
                    "parent_code": None,
                },
            },
            {
                "type": "Feature",
                "geometry": geometry,
                "properties": {
                    "code": "110105001001",
                    "name": "社区",
                    "level": "community",
                    "parent_code": "",
                },
            },
        ],
    }
    _features, errors = read_grid_file(json.dumps(doc))
    assert {e.code for e in errors} == {"110105001001"}
    assert any("缺少上级编码" in e.message for e in errors)
