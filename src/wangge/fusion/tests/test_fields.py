"""Column mapping: headers offices write, and the people a rental ledger holds."""

from __future__ import annotations

import io

import openpyxl

from wangge.fusion.fields import IGNORE, RESIDENT, map_columns, read_header
from wangge.fusion.pipeline import map_sheet
from wangge.fusion.readers import read_ledger


def test_synonyms_of_name_id_phone_and_address_map_to_the_resident() -> None:
    for header, field in [
        ("姓名", "name"),
        ("居民姓名", "name"),
        ("名字", "name"),
        ("*身份证号码（必填）", "id_number"),
        ("公民身份号码", "id_number"),
        ("证件号码", "id_number"),
        ("手机号", "phone"),
        ("联系电话", "phone"),
        ("现居住地址", "address"),
        ("暂住地址", "address"),
        ("房屋地址", "address"),
        ("隔离地址", "address"),
        ("出生年月", "birth_date"),
        ("年龄", "age"),
        ("基本信息/姓名", "name"),
    ]:
        reading = read_header(header)
        assert (reading.role, reading.field) == (RESIDENT, field), header


def test_tenant_is_the_resident_and_landlord_is_the_owner() -> None:
    assert (read_header("承租人姓名").role, read_header("承租人姓名").field) == (RESIDENT, "name")
    assert read_header("承租人身份证号").role == RESIDENT
    assert (read_header("房东姓名").role, read_header("房东姓名").field) == ("owner", "name")
    assert (read_header("出租人电话").role, read_header("出租人电话").field) == ("owner", "phone")
    assert read_header("房东").field == "name"


def test_registered_address_never_stands_in_for_where_someone_lives() -> None:
    assert read_header("户籍地址").field == "registered_address"
    assert read_header("户籍所在地详细地址").field == "registered_address"


def test_unknown_header_is_mapped_by_its_values() -> None:
    mapping = map_columns(
        ["姓名", "列1", "列2"],
        [
            ["王伟", "李娜"],
            ["110105199001011232", "11010519850203123X"],
            ["13812345678", "010-65001234"],
        ],
    )
    fields = [c.field for c in mapping.columns]
    assert fields == ["name", "id_number", "phone"]
    assert "内容" in mapping.columns[1].evidence


def test_a_phone_header_full_of_id_numbers_is_read_as_id_numbers() -> None:
    mapping = map_columns(
        ["姓名", "电话"], [["王伟"], ["110105199001011232", "110105198502031237"]]
    )
    assert mapping.columns[1].field == "id_number"


def test_two_columns_for_one_field_keep_the_surer_one() -> None:
    mapping = map_columns(["姓名", "名字"], [["王伟"], ["王伟"]])
    assert [c.field for c in mapping.columns] == ["name", IGNORE]
    assert "不重复导入" in mapping.columns[1].evidence


def test_a_second_phone_column_backs_up_the_first() -> None:
    # 独居老人 often have a landline only: the 座机 beside 手机 is read where 手机 is empty.
    mapping = map_columns(["姓名", "座机", "手机"], [["王伟"], ["65551234"], [""]])
    assert [c.field for c in mapping.columns] == ["name", IGNORE, "phone"]
    assert mapping.columns[1].evidence == "与“手机”同为居民本人的联系电话，只在“手机”为空的行导入"
    assert mapping.spares("phone") == [1]
    assert mapping.spares("name") == []


def test_a_ledger_without_person_columns_says_so() -> None:
    mapping = map_columns(["品名", "数量"], [["沙袋", "铁锹"], ["100", "20"]])
    assert not mapping.has_person_columns
    assert "姓名" in mapping.problems[0]


def test_overrides_win_and_make_a_template_signature() -> None:
    mapping = map_columns(
        ["姓名", "地址", "备用"], [[], [], []], overrides={"备用": "resident:phone"}
    )
    assert mapping.columns[2].field == "phone"
    assert mapping.signature() == "姓名|地址|备用"


def test_a_ledger_of_household_heads_reads_the_head_as_the_row_s_own_person() -> None:
    # 低保户花名册: one row per household, headed by its head's name and ID number.
    headers = ["序号", "户主姓名", "身份证号码", "联系电话", "家庭住址"]
    mapping = map_columns(headers, [["1"], ["王建国"], ["110105195003121234"], [""], [""]])
    assert mapping.has_person_columns and not mapping.problems
    assert mapping.resident_fields() == {
        "serial": 0,
        "name": 1,
        "id_number": 2,
        "phone": 3,
        "address": 4,
    }
    assert mapping.rows_are_heads
    assert "每行即户主本人" in mapping.columns[1].evidence


def test_a_member_ledger_keeps_its_head_column_as_the_members_head() -> None:
    mapping = map_columns(["姓名", "户主姓名", "与户主关系"], [["王小明"], ["王建国"], ["子"]])
    assert mapping.resident_fields() == {"name": 0, "relation": 2}
    assert mapping.columns[1].role == "head"
    assert not mapping.rows_are_heads


def test_a_head_column_a_clerk_assigned_stays_the_head() -> None:
    mapping = map_columns(["户主姓名", "身份证号码"], [[], []], overrides={"户主姓名": "head:name"})
    assert mapping.columns[0].role == "head"
    assert not mapping.has_person_columns


def test_a_rental_ledger_s_group_row_says_whose_columns_they_are() -> None:
    # 出租房屋台账 with a two-row header: 房东信息 merged over the landlord's name, ID and phone,
    # 承租人信息 over the tenant's. The tenant lives in the room; the landlord only owns it.
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["出租房屋登记台账"])
    ws.merge_cells("A1:H1")
    ws.append(["序号", "房屋地址", "房东信息", None, None, "承租人信息", None, None])
    ws.append([None, None, "姓名", "身份证号", "联系电话", "姓名", "身份证号", "联系电话"])
    ws.merge_cells("A2:A3")
    ws.merge_cells("B2:B3")
    ws.merge_cells("C2:E2")
    ws.merge_cells("F2:H2")
    ws.append([1, "幸福路1号2单元301室", "王房东", "110105196001011233", "13800001111",
               "李租客", "110105199001011236", "13900002222"])  # fmt: skip
    buffer = io.BytesIO()
    book.save(buffer)
    (sheet,) = read_ledger("出租房屋.xlsx", data=buffer.getvalue())

    mapping = map_sheet(sheet)

    assert sheet.columns[2] == "房东信息/姓名"
    assert mapping.resident_fields() == {
        "serial": 0,
        "address": 1,
        "name": 5,
        "id_number": 6,
        "phone": 7,
    }
    assert [(c.role, c.field) for c in mapping.columns[2:5]] == [
        ("owner", "name"),
        ("owner", "id_number"),
        ("owner", "phone"),
    ]


def test_a_group_names_the_field_when_its_column_names_only_whose_it_is() -> None:
    assert (read_header("联系电话/本人").role, read_header("联系电话/本人").field) == (
        RESIDENT,
        "phone",
    )
    assert read_header("身份证号/护照号").field == "id_number"
    assert read_header("户主信息/姓名").role == "head"
    assert read_header("基本信息/姓名").role == RESIDENT


def test_a_slash_inside_brackets_is_a_hint_not_a_group() -> None:
    # Templates explain the expected value in brackets: 性别（男/女）, 出生日期（年/月/日）.
    for header, field in [
        ("性别（男/女）", "gender"),
        ("出生日期（年/月/日）", "birth_date"),
        ("姓名（中文/拼音）", "name"),
        ("联系电话（手机/座机）", "phone"),
        ("基本信息/性别(男/女)", "gender"),
    ]:
        assert read_header(header).field == field, header


def test_a_family_member_s_columns_are_a_contact_not_the_resident() -> None:
    # 独居老人台账: the elder's own name and ID, then the 家属 to call. The 家属电话 is not
    # the elder's phone.
    mapping = map_columns(
        ["序号", "老人姓名", "身份证号", "家属姓名", "家属电话", "家庭住址"],
        [["1"], ["王秀英"], ["110105194001011234"], ["王小明"], ["13800001111"], ["幸福路1号"]],
    )
    assert mapping.resident_fields() == {"serial": 0, "name": 1, "id_number": 2, "address": 5}
    assert [(c.role, c.field) for c in mapping.columns[3:5]] == [
        ("contact", "name"),
        ("contact", "phone"),
    ]
    assert read_header("亲属联系电话").role == "contact"
