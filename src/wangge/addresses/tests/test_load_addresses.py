"""Loading the standard address registry: any encoding or header language, all or nothing."""

from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from wangge.addresses.models import Building, Room, Unit
from wangge.addresses.services import load_addresses
from wangge.core.errors import Forbidden, ValidationFailed
from wangge.core.testing import LAT0, LON0, STEP, SampleDistrict

pytestmark = pytest.mark.django_db

ZH = "地址编码,社区编码,街路巷,门牌号,楼栋号,单元号,户室号,纬度,经度,用途"
EN = "address_code,community_code,road,number,building,unit,room,lat,lon,use"


def _lonlat(grid_x: float) -> tuple[float, float]:
    return LON0 + grid_x * STEP, LAT0 + 0.5 * STEP


def _rows() -> list[str]:
    lon, lat = _lonlat(0.3)
    lon2, lat2 = _lonlat(2.6)
    return [
        f"A001,110105001001,光华路,5,1,1,101,{lat},{lon},自住",
        f"A002,110105001001,光华路,5,1,1,102,{lat},{lon},出租",
        f"A003,110105001001,光华路,5,1,2,201,{lat},{lon},",
        f"A004,110105001002,农丰里胡同,7号,,,东3,{lat2},{lon2},自住",
    ]


def _csv(tmp_path: Path, lines: list[str], *, header: str = ZH, encoding: str = "utf-8") -> Path:
    path = tmp_path / "addresses.csv"
    path.write_bytes("\n".join([header, *lines]).encode(encoding))
    return path


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_chinese_headers_in_any_common_encoding(sample: SampleDistrict, tmp_path, encoding):
    summary = load_addresses(None, _csv(tmp_path, _rows(), encoding=encoding))
    assert (summary.rows, summary.buildings_created, summary.rooms_created) == (4, 2, 4)
    room = Room.objects.select_related("grid", "unit", "building").get(address_code="A002")
    assert room.grid == sample.grids[0] and room.use == "rented" and room.unit.name == "1"
    courtyard = Room.objects.select_related("building").get(address_code="A004")
    assert courtyard.unit is None and courtyard.building.kind == "courtyard"
    assert courtyard.building.number == "7" and courtyard.grid == sample.grids[2]
    assert Unit.objects.filter(building=room.building).count() == 2


def test_english_headers_and_xlsx(sample: SampleDistrict, tmp_path):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(EN.split(","))
    for line in _rows():
        cells = line.split(",")
        sheet.append([*cells[:7], float(cells[7]), float(cells[8]), cells[9]])
    path = tmp_path / "addresses.xlsx"
    workbook.save(path)
    assert load_addresses(None, path).rooms_created == 4


def test_an_ods_registry_loads_as_the_csv_does(sample: SampleDistrict, tmp_path):
    # WPS and LibreOffice save .ods; codes typed as numbers keep no ".0".
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    cells: list[list[object]] = [list(ZH.split(","))]
    for line in _rows():
        text = line.split(",")
        cells.append([*text[:1], int(text[1]), *text[2:7], float(text[7]), float(text[8]), text[9]])
    path = tmp_path / "addresses.ods"
    path.write_bytes(ods_bytes(OdsSheet("地址", cells)))
    assert load_addresses(None, path).rooms_created == 4
    assert Room.objects.get(address_code="A004").building.community.code == "110105001002"


def test_reloading_updates_rooms_in_place(sample: SampleDistrict, tmp_path):
    load_addresses(None, _csv(tmp_path, _rows()))
    changed = [r.replace(",自住", ",空置") for r in _rows()]
    summary = load_addresses(None, _csv(tmp_path, changed))
    assert (summary.rooms_created, summary.rooms_updated, summary.buildings_created) == (0, 2, 0)
    assert Room.objects.get(address_code="A001").use == "vacant"


def _problems(tmp_path, lines, header=ZH) -> list[str]:
    before = (Building.objects.count(), Room.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        load_addresses(None, _csv(tmp_path, lines, header=header))
    assert (Building.objects.count(), Room.objects.count()) == before, "nothing half-written"
    return [str(p) for p in caught.value.problems]


def test_every_bad_row_is_reported_with_its_row_and_nothing_stored(sample, tmp_path):
    lon, lat = _lonlat(0.3)
    far_lon, far_lat = _lonlat(9)
    lines = [
        *_rows(),
        f"A001,110105001001,光华路,5,1,1,103,{lat},{lon},自住",
        f"B1,999999999999,光华路,5,1,1,104,{lat},{lon},自住",
        f"B2,110105001001,光华路,5,1,1,105,{far_lat},{far_lon},自住",
        f"B3,110105001001,光华路,5,1,1,106,{lon},{lat},自住",
        f"B4,110105001001,光华路,5,1,1,,{lat},{lon},自住",
        f"B5,110105001001,光华路,5,1,1,107,北纬39,{lon},自住",
        f"B6,110105001001,光华路,5,1,1,108,{lat},{lon},仓库",
        f"B7,110105001002,光华路,5,1,1,109,{lat},{lon},自住",
    ]
    problems = _problems(tmp_path, lines)
    text = "\n".join(problems)
    assert "第6行" in text and "与第2行重复" in text
    assert "社区编码 999999999999 不存在" in text
    assert "第8行" in text and "在社区 110105001001 的网格外" in text and "超过容差" in text
    assert "纬度和经度是否填反了" in text
    assert "户室号不能为空" in text
    assert "经纬度不是数字" in text
    assert "用途“仓库”无效" in text
    assert "第13行" in text  # a point in another community's grid
    assert len(problems) == 8


def test_missing_columns_are_named(sample, tmp_path):
    problems = _problems(tmp_path, ["x,y"], header="地址编码,街路巷")
    assert "缺少必需的列" in problems[0] and "社区编码" in problems[0] and "纬度" in problems[0]


def test_broken_files_get_a_clear_message(sample, tmp_path):
    broken = tmp_path / "addresses.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a real workbook")
    with pytest.raises(ValidationFailed) as caught:
        load_addresses(None, broken)
    assert "Excel文件已损坏" in str(caught.value.problems[0])
    weird = tmp_path / "addresses.csv"
    weird.write_bytes(b"\xff\xfe\x00\xd8" * 50)
    with pytest.raises(ValidationFailed) as caught:
        load_addresses(None, weird)
    assert "无法识别文本编码" in str(caught.value.problems[0])


def test_only_district_admins_may_load(sample: SampleDistrict, tmp_path):
    with pytest.raises(Forbidden):
        load_addresses(sample.users["street"], _csv(tmp_path, _rows()))
    assert load_addresses(sample.users["admin"], _csv(tmp_path, _rows())).rows == 4


def test_command_reports_problems_and_success(sample, tmp_path, capsys):
    call_command("load_addresses", str(_csv(tmp_path, _rows())))
    assert "已导入 4 个户室" in capsys.readouterr().out
    with pytest.raises(CommandError, match="未导入任何数据"):
        call_command("load_addresses", str(_csv(tmp_path, ["bad"])))
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("load_addresses", str(tmp_path / "nope.csv"))


def test_excel_float_artefacts_do_not_leak_into_codes():
    from wangge.core.tabular import cell_text

    assert cell_text(110105001001.0) == "110105001001"
    assert cell_text(39.905) == "39.905"
    assert cell_text(None) == ""


METRE_LON = 1 / (111_195 * 0.7672)  # degrees of longitude per metre near 39.9°N


def test_points_a_few_metres_outside_their_community_load_with_a_warning(sample, tmp_path):
    """Geocoding noise: 5-20 m outside the community is snapped in, row by row, and said."""
    lon, lat = _lonlat(0.3)
    west = LON0 - 12 * METRE_LON  # 12 m west of the district's first grid
    lines = [
        *_rows(),
        f"S1,110105001001,光华路,9,1,1,101,{lat},{west},自住",
        f"S2,110105001001,光华路,9,1,1,102,{lat},{west - 6 * METRE_LON},自住",
    ]
    summary = load_addresses(None, _csv(tmp_path, lines))
    assert summary.rows == 6
    assert Room.objects.get(address_code="S2").grid == sample.grids[0]
    assert [w.split("：")[0] for w in summary.warnings] == [
        "addresses.csv第6行",
        "addresses.csv第7行",
    ]
    assert "12 米" in summary.warnings[0] and "18 米" in summary.warnings[1]


def test_rooms_of_one_building_straddling_a_grid_border_share_one_grid(sample, tmp_path):
    border = LON0 + STEP  # between the first community's grids 1 and 2
    lat = LAT0 + 0.5 * STEP
    lines = [
        f"T{i},110105001001,光华路,11,2,1,{101 + i},{lat},{border + dx * METRE_LON},自住"
        for i, dx in enumerate([-8, -5, -3, 2])
    ]
    summary = load_addresses(None, _csv(tmp_path, lines))
    grids = set(Room.objects.filter(address_code__startswith="T").values_list("grid", flat=True))
    assert grids == {sample.grids[0].pk}
    assert len(summary.warnings) == 1 and "1 个房间" in summary.warnings[0]


def test_the_command_prints_the_warnings(sample, tmp_path, capsys):
    lon, lat = _lonlat(0.3)
    lines = [f"S1,110105001001,光华路,9,1,1,101,{lat},{LON0 - 12 * METRE_LON},自住"]
    call_command("load_addresses", str(_csv(tmp_path, lines)))
    assert "注意：addresses.csv第2行" in capsys.readouterr().err
