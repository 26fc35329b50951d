"""Hotline work orders: read from the city system's export, taken in whole or not at all."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wangge.cases import services
from wangge.cases.hotline import parse_work_orders
from wangge.cases.models import Case, CaseEvent, CaseStatus, HotlineBatch
from wangge.cases.testing import grid_centre
from wangge.core.errors import Forbidden, ValidationFailed
from wangge.core.tabular import Sheet

HEADER = [
    "工单编号",
    "受理时间",
    "标题",
    "诉求内容",
    "诉求类别",
    "事发地址",
    "经度",
    "纬度",
    "街道",
    "社区",
    "来电人",
    "联系电话",
]


def xlsx(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "工单"
    sheet.append(["12345热线派单明细（2026年11月）"])  # a title row above the header
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def order(n: int, **changes: object) -> list[object]:
    row: dict[str, object] = {
        "工单编号": f"GD2026{n:05d}",
        "受理时间": "2026-11-20 09:30",
        "标题": "楼下噪音",
        "诉求内容": "夜间施工噪音扰民",
        "诉求类别": "噪音扰民",
        "事发地址": "幸福路10号",
        "经度": "",
        "纬度": "",
        "街道": "京广路街道",
        "社区": "幸福一村社区",
        "来电人": "钱先生",
        "联系电话": "13512345678",
    }
    row.update(changes)
    return [row[h] for h in HEADER]


def test_parser_reads_spellings_and_reports_rows():
    sheet = Sheet(
        "",
        [
            ["工单号", "来电时间", "反映内容", "经度", "纬度"],
            ["A1", "2026/11/20 9:30", "路灯不亮", "116.405", "39.905"],
            ["A1", "2026-11-20", "重复", "", ""],
            ["A2", "昨天", "时间不对", "", ""],
            ["A3", "", "", "", ""],
            ["A4", "", "经纬度反了", "39.9", "116.4"],
        ],
    )
    orders, problems = parse_work_orders([sheet])
    assert [o.external_id for o in orders] == ["A1"]
    assert orders[0].lon == 116.405 and orders[0].title == "路灯不亮"
    assert [str(p) for p in problems] == [
        "第3行：工单编号“A1”与第2行重复",
        "第4行：受理时间“昨天”无法识别，应如 2026-11-20 09:30",
        "第5行：标题和诉求内容都为空",
        "第6行：经纬度（39.9, 116.4）不在中国境内，请检查是否填反",
    ]


def test_a_failed_formulas_value_is_said_with_its_row_not_stored():
    sheet = Sheet(
        "导出",
        [
            ["工单号", "来电时间", "反映内容", "来电人电话"],
            ["A1", "2026-11-20", "路灯不亮", "#N/A"],
            ["A2", "2026-11-20", "Err:502", ""],
        ],
    )
    orders, problems = parse_work_orders([sheet])
    assert orders == []
    assert [str(p) for p in problems] == [
        "导出 第2行：“来电人电话”是公式错误值“#N/A”（公式出错）；"
        "请在表格中改正公式或填写正确的值后重新导入",
        "导出 第3行：“反映内容”是公式错误值“Err:502”（公式出错）；"
        "请在表格中改正公式或填写正确的值后重新导入",
    ]


def test_the_column_names_of_a_12345_system_export_are_understood():
    header = ["工单编码", "来电日期", "诉求人", "诉求人电话", "来电内容", "诉求分类"]
    header += ["问题发生地址", "街道（乡镇）", "社区（村）", "承办单位", "办理时限"]
    row = ["BJ2026112000123", "2026/11/20 09:30", "张先生", "13512345678", "楼下烧烤油烟大"]
    row += ["城乡建设-噪音扰民", "幸福路10号", "京广路街道", "幸福一村社区", "某某局", "2026-11-27"]
    (order,), problems = parse_work_orders([Sheet("导出", [header, row])])
    assert not problems
    assert (order.external_id, order.reporter_name, order.reporter_phone) == (
        "BJ2026112000123",
        "张先生",
        "13512345678",
    )
    assert order.description == "楼下烧烤油烟大" and order.category == "城乡建设-噪音扰民"
    assert (order.address, order.street, order.community) == (
        "幸福路10号",
        "京广路街道",
        "幸福一村社区",
    )
    assert order.created_at is not None and order.created_at.hour == 9


@pytest.mark.django_db
def test_import_places_routes_and_timestamps(sample, cases):
    lon, lat = grid_centre(sample, 3)
    data = xlsx(
        [
            order(1),
            order(2, 经度=lon, 纬度=lat, 街道="", 社区="", 事发地址="幸福路13号"),
            order(3, 诉求类别="H02", 社区="", 事发地址=""),
        ]
    )
    result = services.import_hotline_file(sample.users["street"], data, file_name="派单.xlsx")
    first, second, third = result.cases
    assert result.batch.case_count == 3 and result.batch.dispatched_count == 3
    # the registry places 幸福路10号 in its grid; the pin places the second; the third names
    # only its street
    assert first.grid == sample.grids[0] and first.placement == "building"
    assert second.placement == "point" and third.placement == "named"
    assert first.community == sample.communities[0] and first.department_id is not None
    assert first.department.name == "城管"  # type: ignore[union-attr]
    assert second.grid == sample.grids[3]
    assert second.department.name == "派出所"  # type: ignore[union-attr]
    assert third.region == sample.street and third.category.code == "H02"  # type: ignore[union-attr]
    assert first.created_at.isoformat() == "2026-11-20T09:30:00+08:00"
    assert first.status == CaseStatus.DISPATCHED and first.reporter_phone == "13512345678"
    stored = Case.objects.get(pk=first.pk)
    assert stored.reporter_phone == "13512345678" and stored.reporter_phone_index
    assert CaseEvent.objects.filter(case__batch=result.batch).count() == 6


@pytest.mark.django_db
def test_an_export_saved_as_ods_imports_as_its_xlsx_does(sample, cases):
    # A clerk who opened the export in WPS or LibreOffice and saved it keeps an .ods.
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    data = ods_bytes(
        OdsSheet("工单", [["12345热线派单明细（2026年11月）"], HEADER, order(1), order(2)])
    )
    result = services.import_hotline_file(sample.users["street"], data, file_name="派单.ods")
    first, second = result.cases
    assert result.batch.case_count == 2 and first.grid == sample.grids[0]
    assert first.created_at.isoformat() == "2026-11-20T09:30:00+08:00"
    assert first.reporter_phone == "13512345678"


@pytest.mark.django_db
def test_the_registry_locator_is_built_before_the_write_transaction(sample, cases, monkeypatch):
    # On SQLite the write lock is taken at BEGIN: built inside, the locator (seconds in a fresh
    # worker) held every other writer back until they failed with "database is locked".
    from django.db import connection

    from wangge.addresses import locating

    depths: list[int] = []
    build = locating._build

    def counted() -> locating.AddressLocator:
        depths.append(len(connection.atomic_blocks))
        return build()

    monkeypatch.setattr(locating, "_build", counted)
    monkeypatch.setattr(locating, "_current", None)
    outside = len(connection.atomic_blocks)
    services.import_hotline_file(sample.users["street"], xlsx([order(1)]), file_name="派单.xlsx")
    assert depths == [outside]


def test_a_hotline_category_path_is_read_by_its_most_specific_known_class(sample, cases):
    data = xlsx(
        [
            order(1, 诉求类别="城乡建设-市容环卫-噪音扰民"),
            order(2, 诉求类别=" 城乡建设 / 噪音扰民 "),
            order(3, 诉求类别="噪音扰民＞夜间施工（未细分）"),
        ]
    )
    result = services.import_hotline_file(sample.users["street"], data, file_name="派单.xlsx")
    assert {c.category.name for c in result.cases} == {"噪音扰民"}  # type: ignore[union-attr]


@pytest.mark.django_db
def test_any_bad_row_refuses_the_whole_batch(sample, cases):
    services.import_hotline_file(sample.users["street"], xlsx([order(1)]), file_name="a.xlsx")
    before = Case.objects.count()
    data = xlsx(
        [
            order(1),
            order(2, 诉求类别="外星人"),
            order(3, 社区="不存在社区"),
            order(4, 经度=120.0, 纬度=30.0),
            order(5),
        ]
    )
    with pytest.raises(ValidationFailed) as error:
        services.import_hotline_file(sample.users["street"], data, file_name="b.xlsx")
    assert [str(p) for p in error.value.problems] == [
        "工单 第3行：工单编号“GD202600001”已经导入过",
        "工单 第4行：类别“外星人”不在类别表中",
        "工单 第5行：京广路街道下没有名为“不存在社区”的社区",
        "工单 第6行：位置（120.0, 30.0）不在任何网格内，请核对经纬度",
    ]
    assert "整批未导入" in error.value.message
    assert Case.objects.count() == before and HotlineBatch.objects.count() == 1


@pytest.mark.django_db
def test_only_staff_import_and_only_inside_their_area(sample, cases):
    with pytest.raises(Forbidden):
        services.import_hotline_file(sample.users["grid"], xlsx([order(1)]), file_name="a.xlsx")
    data = xlsx([order(1, 社区="金台里社区")])
    with pytest.raises(ValidationFailed) as error:
        services.import_hotline_file(sample.users["community"], data, file_name="a.xlsx")
    assert "不在您的管辖范围内" in str(error.value.problems[0])


def test_an_import_of_orders_outside_the_importers_area_is_audited_as_refused(sample, cases):
    """Nothing of the batch is stored, and the attempt to place cases in another office's
    area is a refusal like any other (PIPL: every refusal logged), naming the rows."""
    from wangge.audit.models import AuditEntry

    data = xlsx([order(1), order(2, 社区="金台里社区")])
    with pytest.raises(ValidationFailed):
        services.import_hotline_file(sample.users["community"], data, file_name="a.xlsx")
    entry = AuditEntry.objects.get(action="refused", object_type="hotline_batch")
    assert entry.user_id == sample.users["community"].pk
    assert entry.detail == {"right": "import", "file": "a.xlsx", "rows": ["工单 第4行"]}


@pytest.mark.django_db
def test_bulk_rows_read_back_like_orm_rows(sample, cases):
    from wangge.access.fields import data_cipher
    from wangge.people.identifiers import phone_key

    result = services.import_hotline_file(
        sample.users["street"], xlsx([order(1), order(2, 联系电话="")]), file_name="a.xlsx"
    )
    index = data_cipher().blind_index(phone_key("135 1234 5678"))
    found = Case.objects.filter(reporter_phone_index=index, batch=result.batch)
    assert [c.external_id for c in found] == ["GD202600001"]
    second = Case.objects.get(external_id="GD202600002")
    assert second.reporter_phone == "" and second.version == 1 and second.updated_at
    events = CaseEvent.objects.filter(case__batch=result.batch).order_by("pk")
    at = events[0].at
    assert at is not None and all(e.data == {} and e.at == at for e in events)
    assert [e.kind for e in events[:2]] == ["submitted", "dispatched"]
    assert events[1].department == result.cases[0].department


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "data", "chinese", "english"),
    [
        (
            "派单.xlsx",
            b"PK\x03\x04 not a workbook",
            "派单.xlsx：Excel文件已损坏或格式不正确",
            "派单.xlsx: the Excel file is damaged or not in a valid format",
        ),
        (
            "派单.csv",
            b"a,b\n1,\x002\n",
            "派单.csv：第2行附近：文件中有空字符（NUL）",
            "派单.csv, near line 2: the file holds NUL characters",
        ),
        (
            "派单.pdf",
            b"%PDF-1.4",
            "派单.pdf：不支持的文件类型“.pdf”",
            "派单.pdf: file type “.pdf” is not supported",
        ),
    ],
)
def test_a_broken_file_is_refused_in_the_readers_language(
    sample, cases, name, data, chinese, english
):
    """The table reader (`core.tabular`, pure code) says why in Chinese, and in English to a
    user who chose English; nothing is imported either way."""
    from django.test import Client

    from wangge.core.testing import english_client

    before = Case.objects.count()
    chinese_client = Client()
    chinese_client.force_login(sample.users["street"])
    upload = {"file": SimpleUploadedFile(name, data)}
    assert chinese in chinese_client.post("/cases/import/", upload).content.decode()
    upload = {"file": SimpleUploadedFile(name, data)}
    page = english_client(sample.users["street"]).post("/cases/import/", upload).content.decode()
    assert english in page and chinese not in page
    assert Case.objects.count() == before


def test_a_reporter_phone_is_cleaned_and_a_bad_one_dropped_with_a_notice_naming_its_row(
    sample, cases
):
    """Hotline phones follow the rules residents' phones follow everywhere (`people.phone`):
    +86, spaces, Excel's `.0` are cleaned away. A number no one could call back is not stored
    as it was written, but a citizen's case is not lost over a typo: the order is taken in
    without the phone, and the uploader is told so with the row, as is the case's handler."""
    data = xlsx(
        [
            order(1, 联系电话="+86 135 1234 5678"),
            order(2, 联系电话="12345"),
            order(3, 联系电话="13812345678.0"),
            order(4, 联系电话=""),
        ]
    )
    result = services.import_hotline_file(sample.users["street"], data, file_name="派单.xlsx")
    assert [c.reporter_phone for c in result.cases] == ["13512345678", "", "13812345678", ""]
    assert [str(n) for n in result.notices] == [
        "工单 第4行：联系电话无效（号码位数不对：实际为5位），工单已导入，未保存该电话，请向来电人核实"
    ]
    dropped = Case.objects.get(external_id="GD202600002")
    assert dropped.reporter_phone == "" and not dropped.reporter_phone_index
    note = CaseEvent.objects.get(case=dropped, kind="submitted").note
    assert note.endswith("；联系电话无效（号码位数不对：实际为5位），未保存")
    assert "12345" not in note.replace("GD2026", "")
    from wangge.audit.models import AuditEntry

    entry = AuditEntry.objects.get(action="import", object_id=str(result.batch.pk))
    assert entry.detail["phones_dropped"] == 1


def test_the_import_page_says_which_rows_phones_were_dropped(sample, cases, client):
    client.force_login(sample.users["street"])
    upload = SimpleUploadedFile("派单.xlsx", xlsx([order(1, 联系电话="1350000")]))
    page = client.post("/cases/import/", {"file": upload})
    text = page.content.decode()
    assert page.status_code == 200 and "已导入 1 件工单" in text
    assert "工单 第3行：联系电话无效" in text and "未保存该电话" in text


def test_a_work_order_number_longer_than_its_column_is_a_problem_of_its_row(sample, cases):
    with pytest.raises(ValidationFailed) as refused:
        services.import_hotline_file(
            sample.users["street"], xlsx([order(1, 工单编号="G" * 65)]), file_name="派单.xlsx"
        )
    assert [str(p) for p in refused.value.problems] == ["工单 第3行：工单编号超过64个字符"]
