"""The town and village table that cuts a place's name glued before a road."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from wangge.addresses.parser import parse_address
from wangge.addresses.places import _load, _read, places

SAMPLE = (
    "浙江省\t330000\t浙江\n"
    "\t杭州市\t330100\t杭州\n"
    "\t\t钱塘区\t330114\t钱塘\n"
    "\t\t\t下沙街道\n"
    "\t\t\t\t文海社区\n"
    "\t\t\t义蓬镇\n"
    "\t\t\t\t新围村\n"
    "\t\t\t\t东村\n"
)


def test_towns_by_short_and_full_name_and_villages_per_county() -> None:
    table = _read(io.StringIO(SAMPLE))
    assert table.is_town("下沙") and table.is_town("下沙街道") and table.is_town("义蓬")
    assert not table.is_town("文海")
    assert table.is_village("新围", ("330114",)) and table.is_village("文海社区", ("330114",))
    assert not table.is_village("新围", ("330100",))  # only under its own county
    assert not table.is_village("东", ("330114",))  # a one-character short name cuts nothing


@pytest.mark.skipif(not places().towns, reason="jionlp's data is not installed")
@pytest.mark.parametrize(
    ("text", "road"),
    [
        ("浙江杭州江干下沙文渊北路1166号10楼", "文渊北路"),
        ("浙江省杭州市临平世纪大道良熟新苑", "世纪大道"),
        ("嘉兴平湖新埭南新街福泰花园5-4-1230", "南新街"),
        ("上溪金塘路1945号", "金塘路"),
        ("鄞州区姜山镇胡家坟振兴路368", "振兴路"),  # a village of 鄞州区
        # Real road names are not cut: 工人体育场北路 and 莫干山路 keep their names.
        ("朝阳区工人体育场北路8号", "工人体育场北路"),
        ("莫干山路100号", "莫干山路"),
        ("幸福路10号3号楼2单元301", "幸福路"),
    ],
)
def test_a_town_or_village_glued_before_the_road_is_cut(text: str, road: str) -> None:
    assert parse_address(text).road == road


def test_a_damaged_data_file_gives_empty_tables(tmp_path: Path) -> None:
    broken = tmp_path / "china_location.zip"
    broken.write_bytes(b"not a zip archive")
    assert not _load(broken).towns
    garbled = tmp_path / "garbled.zip"
    with zipfile.ZipFile(garbled, "w") as archive:
        archive.writestr("china_location.txt", b"\xff\xfe\x00broken")
    assert not _load(garbled).towns
    table = _load(tmp_path / "absent.zip")
    assert not table.towns and not table.villages
