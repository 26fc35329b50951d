"""`wangge load-grids`: a whole region tree from one file, validated before anything is stored."""

import json

import pytest
from django.core.management import CommandError, call_command

from wangge.core.errors import ValidationFailed
from wangge.geo.models import Region
from wangge.geo.services import load_grids

pytestmark = pytest.mark.django_db


def _square(x0: float, x1: float) -> dict:
    ring = [
        [116.4 + x0 * 0.01, 39.9],
        [116.4 + x1 * 0.01, 39.9],
        [116.4 + x1 * 0.01, 39.91],
        [116.4 + x0 * 0.01, 39.91],
        [116.4 + x0 * 0.01, 39.9],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def _feature(code, name, level, parent, geometry) -> dict:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent},
    }


def _tree() -> list[dict]:
    return [
        _feature("110105", "朝阳区", "district", None, _square(0, 4)),
        _feature("110105001", "京广路街道", "street", "110105", _square(0, 4)),
        _feature("110105001001", "幸福一村社区", "community", "110105001", _square(0, 2)),
        _feature("110105001001001", "第1网格", "grid", "110105001001", _square(0, 1)),
        _feature("110105001001002", "第2网格", "grid", "110105001001", _square(1, 2)),
    ]


def _write(tmp_path, features) -> str:
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), "utf-8")
    return str(path)


def test_a_good_file_builds_the_tree(tmp_path):
    summary = load_grids(None, _write(tmp_path, list(reversed(_tree()))))  # order does not matter
    assert (summary.created, summary.updated) == (5, 0)
    grid = Region.objects.get(code="110105001001002")
    assert grid.parent is not None and grid.parent.code == "110105001001"
    assert grid.level == "grid"
    assert (grid.boundary_geojson or {})["type"] == "Polygon"
    assert grid.centroid_lon == pytest.approx(116.415)


def test_reloading_updates_in_place(tmp_path):
    load_grids(None, _write(tmp_path, _tree()))
    renamed = _tree()
    renamed[3]["properties"]["name"] = "幸福第一网格"
    assert load_grids(None, _write(tmp_path, renamed)).updated == 5
    assert Region.objects.get(code="110105001001001").name == "幸福第一网格"


def test_grids_can_hang_under_stored_communities(tmp_path):
    load_grids(None, _write(tmp_path, _tree()[:3]))
    summary = load_grids(None, _write(tmp_path, _tree()[3:]))
    assert summary.created == 2


def test_problems_name_the_feature_and_nothing_is_stored(tmp_path):
    bad = _tree()
    bad[4]["geometry"] = _square(0.5, 1.5)  # overlaps its sibling
    bad.append(_feature("110105009001", "孤儿社区", "community", "110105009", _square(2, 3)))
    bad.append(_feature("110105001001001", "重复", "grid", "110105001001", _square(0, 1)))
    with pytest.raises(ValidationFailed) as caught:
        load_grids(None, _write(tmp_path, bad))
    report = caught.value.report()
    assert "110105009001" in report  # unknown parent
    assert "110105001001002" in report or "110105001001001" in report  # overlap / duplicate
    assert Region.objects.count() == 0


def test_command_output(tmp_path, capsys):
    call_command("load_grids", _write(tmp_path, _tree()))
    assert "新建 5" in capsys.readouterr().out
    (tmp_path / "broken.geojson").write_text("{not json", "utf-8")
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("load_grids", str(tmp_path / "broken.geojson"))


def test_a_street_file_without_its_district_takes_the_district_from_gb2260(tmp_path):
    """A street office hands over its own file: the street, its communities and grids."""
    summary = load_grids(None, _write(tmp_path, _tree()[1:]))
    assert summary.created == 5
    district = Region.objects.get(code="110105")
    assert (district.name, district.level, district.boundary) == ("朝阳区", "district", "")
    assert Region.objects.get(code="110105001").parent == district


def test_a_street_under_a_code_that_is_no_district_is_refused(tmp_path):
    street = _tree()[1:]
    for feature in street:
        props = feature["properties"]
        props["code"] = "119905" + props["code"][6:]
        if props["parent_code"]:
            props["parent_code"] = "119905" + props["parent_code"][6:]
    with pytest.raises(ValidationFailed) as caught:
        load_grids(None, _write(tmp_path, street))
    assert "119905" in str(caught.value.problems[0]) and "GB/T 2260" in str(
        caught.value.problems[0]
    )
    assert not Region.objects.exists()
