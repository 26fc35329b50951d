"""The places registry: placed by registry address or grid, scoped reads and writes, the
responsible person's phone encrypted and masked, imported from an office's xlsx."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from openpyxl import Workbook

from wangge.core.errors import Forbidden, ValidationFailed
from wangge.core.testing import SampleDistrict
from wangge.inspections import selectors, services
from wangge.inspections.models import Place, PlaceKind
from wangge.inspections.testing import SamplePlaces


def _xlsx(rows: list[list[object]], title: str = "场所台账") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "第1网格"
    sheet.append([title])
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER: list[object] = [
    "场所名称",
    "场所类型",
    "地址编码",
    "网格编码",
    "负责人",
    "联系电话",
    "主管部门",
]


def test_a_place_at_a_registry_room_takes_its_building_grid_and_position(
    sample: SampleDistrict, places: SamplePlaces
):
    place = places.places[0]
    room = sample.grids[0].rooms.order_by("pk").first()
    assert room is not None
    assert place.room == room and place.building == room.building
    assert place.grid == sample.grids[0]
    assert place.lon == room.lon and place.address == room.label


def test_the_responsible_phone_is_encrypted_at_rest_and_masked_by_default(places: SamplePlaces):
    place = Place.objects.get(pk=places.places[0].pk)
    assert place.responsible_phone == "13800000000"
    assert place.responsible_phone_masked == "138******00"
    with connection.cursor() as cursor:
        cursor.execute("SELECT responsible_phone FROM inspections_place WHERE id = %s", [place.pk])
        stored = cursor.fetchone()[0]
    assert "13800000000" not in stored


def test_reads_are_scoped_and_the_department_in_charge_sees_its_places(
    sample: SampleDistrict, places: SamplePlaces
):
    mine = set(selectors.places(sample.users["community"]).values_list("pk", flat=True))
    assert mine == {places.places[0].pk, places.places[1].pk}
    grid = set(selectors.places(sample.users["grid"]).values_list("pk", flat=True))
    assert grid == {places.places[0].pk}
    assert not selectors.places(sample.users["nobody"]).exists()
    # the police handler is posted over community 2 and its department runs place 0
    police = set(selectors.places(sample.users["police"]).values_list("pk", flat=True))
    assert places.places[0].pk in police


def test_a_grid_worker_cannot_register_a_place_in_another_grid(sample: SampleDistrict, places):
    with pytest.raises(Forbidden):
        services.create_place(
            sample.users["grid"], name="外网格场所", kind=PlaceKind.SHOP, grid=sample.grids[3]
        )
    made = services.create_place(
        sample.users["grid"], name="本网格商铺", kind=PlaceKind.SHOP, grid=sample.grids[0]
    )
    assert made.grid == sample.grids[0]


def test_revealing_the_phone_needs_the_right_and_is_audited(sample: SampleDistrict, places):
    from wangge.audit.models import AuditEntry

    with pytest.raises(Forbidden):
        services.reveal_phone(sample.users["grid"], places.places[0])
    assert services.reveal_phone(sample.users["admin"], places.places[0]) == "13800000000"
    assert AuditEntry.objects.filter(action="reveal", object_type="inspections.place").exists()


def test_an_xlsx_ledger_is_imported_and_imported_again_updates(
    sample: SampleDistrict, places: SamplePlaces
):
    code = sample.grids[1].rooms.order_by("pk").first().address_code  # type: ignore[union-attr]
    data = _xlsx(
        [
            HEADER,
            ["幸福公寓", "规模性租赁场所", code, "", "王经理", "13911112222", "京广路消防救援站"],
            ["金台充电站", "充电桩", "", sample.grids[2].code, "李站长", "", ""],
        ]
    )
    result = services.import_places(sample.users["street"], data, file_name="场所.xlsx")
    assert (result.created, result.updated) == (2, 0)
    apartment = Place.objects.get(name="幸福公寓")
    assert apartment.kind == PlaceKind.RENTAL_SITE and apartment.grid == sample.grids[1]
    assert apartment.department == places.department
    assert apartment.responsible_phone == "13911112222"
    again = services.import_places(sample.users["street"], data, file_name="场所.xlsx")
    assert (again.created, again.updated) == (0, 2)


def test_an_ods_ledger_is_imported_as_the_xlsx_is(sample: SampleDistrict, places: SamplePlaces):
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    data = ods_bytes(
        OdsSheet(
            "第1网格",
            [
                ["场所台账"],
                HEADER,
                ["金台充电站", "充电桩", "", int(sample.grids[2].code), "李站长", 13911112222, ""],
            ],
        )
    )
    result = services.import_places(sample.users["street"], data, file_name="场所.ods")
    assert (result.created, result.updated) == (1, 0)
    station = Place.objects.get(name="金台充电站")
    assert station.grid == sample.grids[2] and station.responsible_phone == "13911112222"


def test_a_bad_ledger_is_refused_whole_with_a_chinese_reason_per_row(
    sample: SampleDistrict, places
):
    data = _xlsx(
        [
            HEADER,
            ["好场所", "企业", "", sample.grids[0].code, "", "", ""],
            ["", "企业", "", sample.grids[0].code, "", "", ""],
            ["怪场所", "游乐场", "", sample.grids[0].code, "", "", ""],
            ["无址场所", "企业", "", "", "", "", ""],
            ["错号场所", "企业", "NOPE", "", "", "", ""],
            ["错电话", "企业", "", sample.grids[0].code, "", "12345", ""],
        ]
    )
    with pytest.raises(ValidationFailed) as refused:
        services.import_places(sample.users["community"], data, file_name="场所.xlsx")
    text = refused.value.report()
    assert "工作表“第1网格”第4行：场所名称不能为空" in text
    assert "第5行：场所类型“游乐场”无效" in text
    assert "第6行：须填写地址编码或网格编码" in text
    assert "第7行：地址编码 NOPE 不在标准地址库中" in text
    assert "第8行：负责人电话无效" in text
    assert not Place.objects.filter(name="好场所").exists()


def test_a_failed_formulas_value_is_refused_with_its_row_and_column(sample: SampleDistrict, places):
    """#N/A of a VLOOKUP is no phone or grid code: said, not stored."""
    data = _xlsx([HEADER, ["好场所", "企业", "", "#N/A", "", "#REF!", ""]])
    with pytest.raises(ValidationFailed) as refused:
        services.import_places(sample.users["community"], data, file_name="场所.xlsx")
    assert (
        "工作表“第1网格”第3行：“网格编码”、“联系电话”是公式错误值“#N/A、#REF!”（公式出错）"
        in refused.value.report()
    )


def test_an_office_cannot_import_places_outside_its_region(sample: SampleDistrict, places):
    data = _xlsx([HEADER, ["远处场所", "企业", "", sample.grids[3].code, "", "", ""]])
    with pytest.raises(ValidationFailed) as refused:
        services.import_places(sample.users["community"], data, file_name="x.xlsx")
    assert "不在您的管辖范围内" in refused.value.report()


def test_a_bad_ledger_is_refused_in_english_for_a_user_who_chose_english(
    sample: SampleDistrict, places
):
    """The places reader (pure code) gives its reasons as templates the page says in English:
    the row, the wrong phone's own reason, the wrong type."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from wangge.core.testing import english_client

    data = _xlsx(
        [
            HEADER,
            ["怪场所", "游乐场", "", sample.grids[0].code, "", "", ""],
            ["错电话", "企业", "", sample.grids[0].code, "", "12345", ""],
        ]
    )
    client = english_client(sample.users["community"])
    upload = {"file": SimpleUploadedFile("场所.xlsx", data)}
    page = client.post("/inspections/places/import/", upload).content.decode()
    # field and reason joined with the English colon (the list says "：" as `translate "："`)
    assert "sheet “第1网格”, row 3: place type “游乐场” is not valid" in page
    assert (
        "sheet “第1网格”, row 4: The contact&#x27;s phone is not valid"
        " (wrong number of digits: 5)" in page
    )
    assert "无效" not in page and "号码位数" not in page  # the column names stay Chinese
    assert "：" not in page.split('class="problems"')[1].split("</ul>")[0]
