"""Reading ledgers as offices produce them; fixtures are generated here, not committed."""

from __future__ import annotations

import datetime
import io
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest

from wangge.fusion.readers import LedgerReadError, LedgerSheet, ReadLimits, read_ledger

HEADER = ["序号", "姓名", "身份证号", "联系电话", "现居住地址", "出生日期"]


def xlsx_bytes(build) -> bytes:
    book = openpyxl.Workbook()
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rows(sheet: LedgerSheet) -> list[dict[str, object]]:
    return sheet.frame.to_dicts()


# --------------------------------------------------------------------------- xlsx basics


def test_xlsx_title_rows_header_and_source_rows() -> None:
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.title = "一网格"
        ws["A1"] = "XX社区流动人口登记台账"
        ws.merge_cells("A1:F1")
        ws["A2"] = "填报单位：XX社区"
        ws["D2"] = "日期：2020年5月"
        ws.append(HEADER)
        ws.append(
            [1, "张三", "110105199001011234", 13812345678, "幸福路1号", datetime.date(1990, 1, 1)]
        )
        ws.append([2, "李四", "110105199202021234", 13912345678.0, "幸福路2号", 33666])

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert sheet.file_name == "台账.xlsx"
    assert sheet.sheet_name == "一网格"
    assert sheet.columns == HEADER
    assert sheet.frame.columns == [*HEADER, "_source_row"]
    assert sheet.header_rows == [3]
    assert "跳过标题行 1-2" in sheet.notes
    assert rows(sheet) == [
        {"序号": "1", "姓名": "张三", "身份证号": "110105199001011234", "联系电话": "13812345678",
         "现居住地址": "幸福路1号", "出生日期": "1990-01-01", "_source_row": 4},
        {"序号": "2", "姓名": "李四", "身份证号": "110105199202021234", "联系电话": "13912345678",
         "现居住地址": "幸福路2号", "出生日期": "1992-03-03", "_source_row": 5},
    ]  # fmt: skip
    assert sheet.lossy_cells == 0


def test_csv_utf8_basic(tmp_path: Path) -> None:
    path = tmp_path / "人口.csv"
    path.write_text("姓名,身份证号,联系电话\n张三,110105199001011234,13812345678\n", "utf-8")
    (sheet,) = read_ledger(path)
    assert sheet.sheet_name == ""
    assert sheet.header_rows == [1]
    assert rows(sheet) == [
        {
            "姓名": "张三",
            "身份证号": "110105199001011234",
            "联系电话": "13812345678",
            "_source_row": 2,
        }
    ]


# --------------------------------------------------------------------------- file types


def simple_xlsx() -> bytes:
    def build(book: openpyxl.Workbook) -> None:
        book.active.append(["姓名", "身份证号", "联系电话"])
        book.active.append(["张三", "110105199001011234", "13812345678"])

    return xlsx_bytes(build)


def test_xlsx_renamed_xls_is_read_as_xlsx() -> None:
    (sheet,) = read_ledger("老台账.xls", data=simple_xlsx())
    assert rows(sheet)[0]["姓名"] == "张三"


def test_xls_that_is_really_csv() -> None:
    data = "姓名,身份证号,联系电话\n张三,110105199001011234,13812345678\n".encode("gbk")
    (sheet,) = read_ledger("导出.xls", data=data)
    assert rows(sheet)[0]["姓名"] == "张三"


def test_xls_that_is_really_html_with_rowspan() -> None:
    page = (
        '<html><head><meta charset="gbk"></head><body><table>'
        '<tr><td colspan="3">XX社区人口台账</td></tr>'
        "<tr><th>姓名</th><th>身份证号</th><th>现居住地址</th></tr>"
        '<tr><td>张三</td><td>110105199001011234</td><td rowspan="2">幸福路1号</td></tr>'
        "<tr><td>张小三</td><td>110105201001011234</td></tr>"
        "</table></body></html>"
    ).encode("gbk")
    (sheet,) = read_ledger("系统导出.xls", data=page)
    assert sheet.columns == ["姓名", "身份证号", "现居住地址"]
    assert [r["现居住地址"] for r in rows(sheet)] == ["幸福路1号", "幸福路1号"]
    assert [r["_source_row"] for r in rows(sheet)] == [3, 4]


def test_real_xls_biff_with_merges_and_dates() -> None:
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("一网格")
    ws.write_merge(0, 0, 0, 3, "XX社区台账")
    for c, text in enumerate(["姓名", "身份证号", "出生日期", "现居住地址"]):
        ws.write(1, c, text)
    date_style = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(2, 0, "张三")
    ws.write(2, 1, "110105199001011234")
    ws.write(2, 2, datetime.date(1990, 1, 1), date_style)
    ws.write_merge(2, 3, 3, 3, "幸福路1号")
    ws.write(3, 0, "张小三")
    ws.write(3, 1, 110105201001011234.0)
    ws.write(3, 2, 40179)  # a serial typed into a date column without a date format
    buffer = io.BytesIO()
    book.save(buffer)
    (sheet,) = read_ledger("台账.xls", data=buffer.getvalue())
    assert rows(sheet) == [
        {"姓名": "张三", "身份证号": "110105199001011234", "出生日期": "1990-01-01",
         "现居住地址": "幸福路1号", "_source_row": 3},
        {"姓名": "张小三", "身份证号": "1.10105201001011E+17", "出生日期": "2010-01-01",
         "现居住地址": "幸福路1号", "_source_row": 4},
    ]  # fmt: skip
    assert sheet.lossy_cells == 1


# --------------------------------------------------------------------------- CSV encodings


CSV_TEXT = "姓名,身份证号,联系电话\n张三,110105199001011234,13812345678\n"


@pytest.mark.parametrize(
    ("encoded", "label"),
    [
        (CSV_TEXT.encode("utf-8"), "UTF-8"),
        (b"\xef\xbb\xbf" + CSV_TEXT.encode("utf-8"), "UTF-8"),
        (CSV_TEXT.encode("gbk"), "GBK/GB18030"),
        ((CSV_TEXT + "𠮷㐀,110105199001011234,13812345678\n").encode("gb18030"), "GBK/GB18030"),
        (CSV_TEXT.encode("utf-16"), "UTF-16"),
    ],
)
def test_csv_encodings_detected(encoded: bytes, label: str) -> None:
    (sheet,) = read_ledger("人口.csv", data=encoded)
    assert sheet.columns == ["姓名", "身份证号", "联系电话"]
    assert rows(sheet)[0]["姓名"] == "张三"
    assert f"按 {label} 编码读取" in sheet.notes


def test_gb18030_only_characters_survive() -> None:
    data = (CSV_TEXT + "𠮷㐀,110105199001011234,13812345678\n").encode("gb18030")
    (sheet,) = read_ledger("人口.csv", data=data)
    assert rows(sheet)[1]["姓名"] == "𠮷㐀"


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("姓名\t身份证号\t备注\n张三\t110105199001011234\t租户，二楼\n", "\t"),
        ("姓名;身份证号;备注\n张三;110105199001011234;租户，二楼\n", ";"),
        ("姓名,身份证号,备注\n张三,110105199001011234,租户，二楼\n", ","),
    ],
)
def test_delimiter_sniffed_and_chinese_comma_is_text(text: str, delimiter: str) -> None:
    (sheet,) = read_ledger("人口.txt", data=text.encode("utf-8"))
    assert sheet.columns == ["姓名", "身份证号", "备注"]
    assert rows(sheet)[0]["备注"] == "租户，二楼"


def test_csv_source_rows_count_records_and_blank_lines() -> None:
    text = (
        "XX社区台账\n"
        "姓名,身份证号,备注\n"
        '张三,110105199001011234,"两行\n备注"\n'
        "\n"
        "李四,110105199202021234,\n"
    )
    (sheet,) = read_ledger("人口.csv", data=text.encode("utf-8"))
    assert sheet.header_rows == [2]
    assert [(r["姓名"], r["_source_row"]) for r in rows(sheet)] == [("张三", 3), ("李四", 5)]
    assert rows(sheet)[0]["备注"] == "两行\n备注"
    assert "跳过标题行 1" in sheet.notes
    assert "跳过空行 1 行" in sheet.notes


def test_csv_cells_are_cleaned_like_excel_text() -> None:
    text = "姓名,身份证号,联系电话\n\u3000张三\u00a0,'110105199001011234, 1.38E+10 \n"
    (sheet,) = read_ledger("人口.csv", data=text.encode("utf-8"))
    assert rows(sheet)[0] == {
        "姓名": "张三", "身份证号": "110105199001011234", "联系电话": "1.38E+10", "_source_row": 2
    }  # fmt: skip


@pytest.mark.parametrize("big", [False, True], ids=["first rows", "polars body"])
def test_csv_cells_a_system_wrote_as_excel_formulas_are_their_text(big: bool) -> None:
    # ="110105…" keeps an ID number as text when Excel opens the export; Excel shows the text.
    body = '王建国,="110105195003121234",="13800138000",="幸福路""10""号"\n'
    filler = "李四,110105196207154021,13912345678,幸福路11号\n" * (2000 if big else 0)
    two_lines = '李四,="110105196207154021",,"=""幸福路\n10号"""\n'  # a line break inside
    text = "姓名,身份证号,手机号,居住地址\n" + filler + body + two_lines
    (sheet,) = read_ledger("系统导出.csv", data=text.encode("utf-8"))
    last = rows(sheet)[-2]
    assert (last["身份证号"], last["手机号"], last["居住地址"]) == (
        "110105195003121234",
        "13800138000",
        '幸福路"10"号',
    )
    assert rows(sheet)[-1]["居住地址"] == "幸福路\n10号"


def test_csv_extra_columns_beyond_header_get_letter_names() -> None:
    text = "姓名,,身份证号,姓名\n张三,男,110105199001011234,张三丰,备用\n"
    (sheet,) = read_ledger("人口.csv", data=text.encode("utf-8"))
    assert sheet.columns == ["姓名", "第B列", "身份证号", "姓名(2)", "第E列"]


def test_big_csv_goes_through_polars_fast_path() -> None:
    lines = ["姓名,身份证号,联系电话"] + [
        f"人{i},1101051990{i:08d},138{i:08d}" for i in range(50_000)
    ]
    (sheet,) = read_ledger("大.csv", data="\n".join(lines).encode("gbk"))
    assert sheet.frame.height == 50_000
    assert sheet.frame["_source_row"][-1] == 50_001
    assert sheet.frame["联系电话"][-1] == "13800049999"


# --------------------------------------------------------------------------- sheets and headers


def test_every_sheet_with_a_header_is_read_and_empty_ones_noted() -> None:
    def build(book: openpyxl.Workbook) -> None:
        for title in ("一网格", "二网格"):
            ws = book.create_sheet(title)
            ws.append(["姓名", "身份证号", "联系电话"])
            ws.append([f"{title}居民", "110105199001011234", "13812345678"])
        book.create_sheet("空表")
        book.create_sheet("说明").append(["本表由社区填写"])
        del book["Sheet"]

    sheets = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert [s.sheet_name for s in sheets] == ["一网格", "二网格"]
    assert rows(sheets[1])[0]["姓名"] == "二网格居民"
    assert "工作表“空表”为空，已跳过" in sheets[0].notes
    assert "工作表“说明”没有可识别的表头，已跳过" in sheets[0].notes


def test_header_score_picks_the_row() -> None:
    known = {"姓名": 3.0, "证件号码": 3.0, "手机": 2.0}

    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.append(["类别", "说明", "版本", "负责", "来源"])  # header-like, but not ours
        ws.append(["姓名", "证件号码", "手机"])
        ws.append(["张三", "110105199001011234", "13812345678"])

    data = xlsx_bytes(build)
    (generic,) = read_ledger("a.xlsx", data=data)
    assert generic.header_rows == [1]
    (scored,) = read_ledger("a.xlsx", data=data, header_score=lambda t: known.get(t, 0.0))
    assert scored.header_rows == [2]
    assert scored.columns == ["姓名", "证件号码", "手机"]


def test_two_row_header_with_merged_group_names() -> None:
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws["A1"] = "XX社区流动人口登记台账"
        ws.merge_cells("A1:E1")
        ws["A2"], ws["B2"], ws["D2"] = "序号", "基本信息", "居住信息"
        ws.merge_cells("A2:A3")
        ws.merge_cells("B2:C2")
        ws.merge_cells("D2:E2")
        for c, text in zip("BCDE", ["姓名", "身份证号", "现居住地址", "入住时间"], strict=True):
            ws[f"{c}3"] = text
        ws.append([1, "张三", "110105199001011234", "幸福路1号", 43969])

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert sheet.columns == ["序号", "基本信息/姓名", "基本信息/身份证号", "居住信息/现居住地址",
                             "居住信息/入住时间"]  # fmt: skip
    assert sheet.header_rows == [2, 3]
    assert rows(sheet)[0]["居住信息/入住时间"] == "2020-05-18"
    assert rows(sheet)[0]["_source_row"] == 4


def test_unmerged_text_above_header_is_not_a_group() -> None:
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.append(["填报单位：XX社区"])
        ws.append(["姓名", "身份证号"])
        ws.append(["张三", "110105199001011234"])

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert sheet.columns == ["姓名", "身份证号"]


def test_merged_data_cells_fill_every_row_of_the_household() -> None:
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.append(["户号", "姓名", "与户主关系", "现居住地址"])
        ws.append(["H001", "张三", "户主", "幸福路1号1单元101"])
        ws.append([None, "李梅", "配偶", None])
        ws.append([None, "张小三", "子", None])
        ws.append(["H002", "王五", "户主", "幸福路2号"])
        ws.merge_cells("A2:A4")
        ws.merge_cells("D2:D4")

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert [(r["户号"], r["现居住地址"]) for r in rows(sheet)] == [
        ("H001", "幸福路1号1单元101"),
        ("H001", "幸福路1号1单元101"),
        ("H001", "幸福路1号1单元101"),
        ("H002", "幸福路2号"),
    ]


def test_footers_repeated_sections_and_real_rows() -> None:
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        header = ["姓名", "身份证号", "联系电话", "现居住地址", "性别"]
        ws.append(["第一网格人口台账"])
        ws.append(header)
        ws.append(["张三", "110105199001011234", "13812345678", "幸福路1号", "男"])
        ws.append([])
        ws.append(["合计", None, None, None, "1人"])
        ws.append(["填表人：王五", None, "审核人：赵六"])
        ws.append(["第二网格人口台账"])
        ws.merge_cells("A7:E7")
        ws.append(header)
        ws.append(["小计", "110105199202021234", "13912345678", "幸福路2号", "女"])
        ws.append(["共 2 人"])
        ws.append(["日期：2020年5月18日"])

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert [(r["姓名"], r["_source_row"]) for r in rows(sheet)] == [("张三", 3), ("小计", 9)]
    assert "跳过表尾 “合计” 第 5 行" in sheet.notes
    assert "跳过表尾 “填表人：王五” 第 6 行" in sheet.notes
    assert "跳过分段标题 “第二网格人口台账” 第 7 行" in sheet.notes
    assert "跳过重复的表头 第 8 行" in sheet.notes
    assert "跳过表尾 “共 2 人” 第 10 行" in sheet.notes
    assert "跳过表尾 “日期：2020年5月18日” 第 11 行" in sheet.notes
    assert "跳过空行 1 行" in sheet.notes


def test_pre_numbered_rows_left_empty_are_blank_rows() -> None:
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.append(["序号", "户主姓名", "身份证号码", "家庭住址"])
        ws.append([1, "王建国", "110105195003121234", "幸福路10号"])
        for n in range(2, 6):
            ws.append([n, None, None, None])  # numbered in advance, never filled
        ws.append([6, "李秀英", None, "幸福路11号"])
        ws.append(["合计：2户"])

    (sheet,) = read_ledger("低保户.xlsx", data=xlsx_bytes(build))
    assert [(r["户主姓名"], r["_source_row"]) for r in rows(sheet)] == [
        ("王建国", 2),
        ("李秀英", 7),
    ]
    assert "跳过空行 4 行" in sheet.notes
    assert "跳过表尾 “合计：2户” 第 8 行" in sheet.notes


def test_a_template_s_example_row_is_no_resident() -> None:
    # Street offices hand out templates whose first row shows how to fill them in; clerks
    # leave it there. 张三 of the example would otherwise become a resident of 幸福路1号.
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.append(["序号", "姓名", "身份证号", "联系电话", "现居住地址"])
        ws.append(["例", "张三", "110101199001011237", "13800000000", "幸福路1号2单元301室"])
        ws.append(["示例：", "李四", "110101199001011253", "13800000001", "幸福路1号2单元302室"])
        ws.append([1, "王建国", "110105195003121234", "13912345678", "幸福路10号"])
        ws.append(["（填写示例）", "赵六", "", "", "幸福路1号"])
        ws.append([2, "李秀英", "", "13912345679", "幸福路11号"])

    (sheet,) = read_ledger("模板.xlsx", data=xlsx_bytes(build))
    assert [(r["姓名"], r["_source_row"]) for r in rows(sheet)] == [
        ("王建国", 4),
        ("李秀英", 6),
    ]
    assert "跳过示例行 “例” 第 2 行" in sheet.notes
    assert "跳过示例行 “示例：” 第 3 行" in sheet.notes
    assert "跳过示例行 “（填写示例）” 第 5 行" in sheet.notes


def test_hidden_rows_are_read_and_said() -> None:
    # Clerks hide the rows of residents who moved away, and a filter hides every row it does
    # not show: the rows are still in the file and are read, but the clerk is told, as for a
    # hidden sheet.
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.append(["XX社区居民台账"])
        ws.append(["序号", "姓名", "身份证号", "联系电话"])
        for n in range(1, 7):
            ws.append([n, f"居民{n}", "", f"1391234567{n}"])
        ws.row_dimensions[1].hidden = True  # a title row: nobody's data
        for row in (4, 6, 7):
            ws.row_dimensions[row].hidden = True

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert [r["_source_row"] for r in rows(sheet)] == [3, 4, 5, 6, 7, 8]
    assert "第 4、6-7 行是隐藏的行，仍已读取" in sheet.notes


def test_excel_error_values_are_read_as_excel_shows_them() -> None:
    # A VLOOKUP that found no ID number leaves #N/A in the cell; calamine reads it as empty,
    # which would import the row as if the number had never been asked for. Read back as the
    # text Excel shows (as a CSV saved from the sheet holds it), the clerk is told.
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.append(["姓名", "身份证号", "联系电话", "备注"])
        ws.append(["张三", "=VLOOKUP(A2,名单!A:B,2,0)", "#REF!", ""])
        ws.append(["李四", "110105194912310021", "13800138000", "#DIV/0!"])
        ws["B2"].value = "#N/A"  # openpyxl writes the cached error, as Excel saves one
        ws["B2"].data_type = "e"

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert [(r["身份证号"], r["联系电话"], r["备注"]) for r in rows(sheet)] == [
        ("#N/A", "#REF!", ""),
        ("110105194912310021", "13800138000", "#DIV/0!"),
    ]


def test_error_values_of_an_ods_are_read_as_it_shows_them() -> None:
    # calamine reads LibreOffice's failed formula as its stored value, 0 (or as empty when the
    # writer stores text): an ID number "0" would reach the clerk instead of the failure.
    from wangge.core.tests.ods import OdsError, OdsSheet, ods_bytes

    data = ods_bytes(
        OdsSheet(
            "台账",
            [
                ["姓名", "身份证号", "联系电话", "备注"],
                ["张三", OdsError("#N/A"), OdsError("#REF!", marked=False), ""],
                ["李四", "110105194912310021", "13800138000", OdsError("Err:502")],
            ],
        )
    )
    (sheet,) = read_ledger("台账.ods", data=data)
    assert [(r["身份证号"], r["联系电话"], r["备注"]) for r in rows(sheet)] == [
        ("#N/A", "#REF!", ""),
        ("110105194912310021", "13800138000", "Err:502"),
    ]


def test_excel_error_values_of_a_legacy_xls_are_read_too() -> None:
    # calamine reads an .xls error cell as empty as well; its BOOLERR record says which.
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("一网格")
    for c, text in enumerate(["姓名", "身份证号", "联系电话"]):
        ws.write(0, c, text)
    ws.write(1, 0, "张三")
    ws.row(1).set_cell_error(1, 0x2A)  # #N/A
    ws.row(1).set_cell_error(2, 0x17)  # #REF!
    ws.write(2, 0, "李四")
    ws.write(2, 1, "11010519491231002X")
    buffer = io.BytesIO()
    book.save(buffer)
    (sheet,) = read_ledger("台账.xls", data=buffer.getvalue())
    assert [(r["身份证号"], r["联系电话"]) for r in rows(sheet)] == [
        ("#N/A", "#REF!"),
        ("11010519491231002X", ""),
    ]


def test_hidden_rows_of_a_legacy_xls_are_said_too() -> None:
    # An .xls keeps a row's hidden flag in its ROW record (BIFF8): read from there, the same
    # note as for an xlsx, per sheet, and a sheet with none says nothing.
    xlwt = pytest.importorskip("xlwt")
    book = xlwt.Workbook(encoding="utf-8")
    for name, hidden in (("第一网格", (4, 6, 7)), ("第二网格", ())):
        ws = book.add_sheet(name)
        ws.write(0, 0, "XX社区居民台账")
        for c, text in enumerate(["序号", "姓名", "身份证号", "联系电话"]):
            ws.write(1, c, text)
        for n in range(1, 7):
            for c, value in enumerate([n, f"居民{n}", "", f"1391234567{n}"]):
                ws.write(n + 1, c, value)
        ws.row(0).hidden = True  # a title row: nobody's data
        for row in hidden:
            ws.row(row - 1).hidden = True
    buffer = io.BytesIO()
    book.save(buffer)
    first, second = read_ledger("台账.xls", data=buffer.getvalue())
    assert [r["_source_row"] for r in rows(first)] == [3, 4, 5, 6, 7, 8]
    assert "第 4、6-7 行是隐藏的行，仍已读取" in first.notes
    assert not any("隐藏的行" in note for note in second.notes)


def test_a_damaged_xls_says_no_hidden_rows_rather_than_failing() -> None:
    from wangge.fusion.ledger_files import xls_hidden_rows

    assert xls_hidden_rows(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600) == {}
    assert xls_hidden_rows(b"not an ole file") == {}


# --------------------------------------------------------------------------- cell values


def test_numbers_dates_and_text_as_excel_shows_them() -> None:
    def build(book: openpyxl.Workbook) -> None:
        ws = book.active
        ws.append(["姓名", "身份证号", "联系电话", "是否租户", "登记日期", "年龄", "备注"])
        ws.append(["张三", 110105199001011234, 13812345678.0, True, datetime.datetime(2020, 5, 18, 9, 30), 30, "1.10105E+17"])  # fmt: skip
        ws.append(["\u3000李四\u00a0", "'110105199202021234", 1.5, False, 43969, 43969.0, " x "])
        ws.append(["王五", None, 0.1 + 0.2, None, "2020年5月18日", None, None])

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    first, second, third = rows(sheet)
    assert first["身份证号"] == "1.10105199001011E+17"
    assert first["联系电话"] == "13812345678"
    assert first["是否租户"] == "是"
    assert first["登记日期"] == "2020-05-18"
    assert first["年龄"] == "30"
    assert first["备注"] == "1.10105E+17"  # text stays text; the normaliser flags it
    assert second["姓名"] == "李四"
    assert second["身份证号"] == "110105199202021234"
    assert second["联系电话"] == "1.5"
    assert second["是否租户"] == "否"
    assert second["登记日期"] == "2020-05-18"  # serial in a date column
    assert second["年龄"] == "43969"  # same number elsewhere stays a number
    assert third["联系电话"] == "0.3"
    assert third["登记日期"] == "2020年5月18日"
    assert sheet.lossy_cells == 1
    assert "第 2 行 身份证号 为科学计数法，后几位已丢失" in sheet.notes


def test_1904_date_system() -> None:
    def build(book: openpyxl.Workbook) -> None:
        book.epoch = openpyxl.utils.datetime.CALENDAR_MAC_1904
        book.active.append(["姓名", "出生日期"])
        book.active.append(["张三", 31777])

    (sheet,) = read_ledger("mac.xlsx", data=xlsx_bytes(build))
    assert rows(sheet)[0]["出生日期"] == "1991-01-01"


def test_excel_serial_1900_leap_year_bug() -> None:
    from wangge.fusion.readers import excel_serial_to_date

    assert excel_serial_to_date(59) == datetime.date(1900, 2, 28)
    assert excel_serial_to_date(60) is None
    assert excel_serial_to_date(61) == datetime.date(1900, 3, 1)
    assert excel_serial_to_date(43969.75) == datetime.date(2020, 5, 18)
    assert excel_serial_to_date(0, date1904=True) == datetime.date(1904, 1, 1)


def test_blank_and_duplicate_headers() -> None:
    def build(book: openpyxl.Workbook) -> None:
        book.active.append(["姓名", None, "电话", "电话", "身份证\n号码"])
        book.active.append(["张三", "男", "13812345678", "010-12345678", "110105199001011234"])

    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(build))
    assert sheet.columns == ["姓名", "第B列", "电话", "电话(2)", "身份证号码"]


# --------------------------------------------------------------------------- bad input


def error_of(name: str, data: bytes, **kwargs) -> LedgerReadError:
    with pytest.raises(LedgerReadError) as caught:
        read_ledger(name, data=data, **kwargs)
    assert caught.value.file_name == name
    assert name in caught.value.message
    return caught.value


def test_truncated_xlsx_is_corrupt() -> None:
    error = error_of("坏.xlsx", simple_xlsx()[:1500])
    assert "损坏" in error.message


def test_password_protected_xlsx() -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    encrypted = io.BytesIO()
    OOXMLFile(io.BytesIO(simple_xlsx())).encrypt("123456", encrypted)
    error = error_of("加密.xlsx", encrypted.getvalue())
    assert "文件设置了打开密码" in error.message


def bomb_xlsx(sheet_xml_bytes: int) -> bytes:
    """A valid xlsx whose sheet XML is padded with whitespace that compresses ~1000:1."""
    source = zipfile.ZipFile(io.BytesIO(simple_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b"<sheetData>", b"<sheetData>" + b" " * sheet_xml_bytes)
            target.writestr(item.filename, body)
    return out.getvalue()


def test_zip_bomb_by_declared_ratio() -> None:
    data = bomb_xlsx(20 * 1024 * 1024)
    assert len(data) < 100_000
    assert "压缩炸弹" in error_of("炸弹.xlsx", data).message


def test_zip_bomb_by_declared_total() -> None:
    data = bomb_xlsx(3 * 1024 * 1024)
    limits = ReadLimits(max_uncompressed_bytes=2 * 1024 * 1024, max_compression_ratio=10_000)
    assert "压缩炸弹" in error_of("炸弹.xlsx", data, limits=limits).message


def test_zip_bomb_with_lying_sizes_is_stopped_while_inflating() -> None:
    data = bytearray(bomb_xlsx(20 * 1024 * 1024))
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    member = archive.getinfo("xl/worksheets/sheet1.xml")
    lie = (1000).to_bytes(4, "little")
    local = member.header_offset
    data[local + 22 : local + 26] = lie  # local header: uncompressed size
    name = b"xl/worksheets/sheet1.xml"
    central = next(
        position
        for position in range(len(data) - 4)
        if data[position : position + 4] == b"PK\x01\x02"
        and data[position + 46 : position + 46 + len(name)] == name
    )
    data[central + 24 : central + 28] = lie  # central directory: uncompressed size
    assert (
        zipfile.ZipFile(io.BytesIO(bytes(data))).getinfo("xl/worksheets/sheet1.xml").file_size
        == 1000
    )
    assert "压缩炸弹" in error_of("炸弹.xlsx", bytes(data)).message


def test_file_over_size_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "大.csv"
    path.write_bytes(CSV_TEXT.encode() * 100)
    with pytest.raises(LedgerReadError) as caught:
        read_ledger(path, limits=ReadLimits(max_file_bytes=1000))
    assert "超过上限" in caught.value.message and "大.csv" in caught.value.message
    assert (
        "超过上限"
        in error_of("大.csv", path.read_bytes(), limits=ReadLimits(max_file_bytes=1000)).message
    )


def test_too_many_rows_csv_and_xlsx() -> None:
    csv_data = (CSV_TEXT + "李四,110105199202021234,13912345678\n" * 10).encode()
    assert "行数超过上限" in error_of("多.csv", csv_data, limits=ReadLimits(max_rows=5)).message

    def build(book: openpyxl.Workbook) -> None:
        book.active.append(["姓名", "身份证号"])
        for i in range(10):
            book.active.append([f"人{i}", "110105199001011234"])

    error = error_of("多.xlsx", xlsx_bytes(build), limits=ReadLimits(max_rows=5))
    assert "行数超过上限" in error.message and error.sheet == "Sheet"


def test_too_many_cells() -> None:
    csv_data = (CSV_TEXT + "李四,110105199202021234,13912345678\n" * 10).encode()
    assert (
        "单元格数超过上限" in error_of("宽.csv", csv_data, limits=ReadLimits(max_cells=20)).message
    )


@pytest.mark.parametrize(
    "data",
    [
        random.Random(7).randbytes(5000),
        "姓名,身份证号\n张三,110105199001011234\n".encode("utf-32-le"),
        "姓名,身份证号\n张三,110105199001011234\n".encode("utf-16-le"),
    ],
    ids=["random", "utf32-no-bom", "utf16-no-bom"],
)
def test_unknown_encoding(data: bytes) -> None:
    assert "无法识别文件的文字编码" in error_of("乱码.csv", data).message


@pytest.mark.parametrize("data", [b"", b"\r\n \n", b"\xef\xbb\xbf"])
def test_empty_file(data: bytes) -> None:
    message = error_of("空.csv", data).message
    assert "空" in message or "没有数据" in message


def test_empty_workbook() -> None:
    assert "没有数据" in error_of("空.xlsx", xlsx_bytes(lambda book: None)).message


def test_no_header_at_all() -> None:
    csv_data = "\n".join(f"{i},{i * 7},{i * 13}" for i in range(40)).encode()
    assert "没有找到表头" in error_of("数字.csv", csv_data).message

    def build(book: openpyxl.Workbook) -> None:
        for i in range(40):
            book.active.append([i, i * 7.5, i * 13])

    error = error_of("数字.xlsx", xlsx_bytes(build))
    assert "没有找到表头" in error.message and error.sheet == "Sheet"


def test_not_a_spreadsheet() -> None:
    assert "不是可识别的表格文件" in error_of("x.xlsx", b"%PDF-1.4 ...").message
    # a photo or an archive renamed: said so, not "unknown text encoding"
    for raw in (
        b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(range(256)) * 8,
        b"\x89PNG\r\n\x1a\n" + bytes(500),
        b"Rar!\x1a\x07\x00" + bytes(300),
    ):
        assert "不是可识别的表格文件" in error_of("台账.xls", raw).message


def test_a_csv_with_an_unbalanced_quote_is_refused_in_chinese() -> None:
    text = '姓名,身份证号,联系电话,地址\n张三,"' + "x" * 200_000 + "\n李四,,13800000000,幸福路1号\n"
    with pytest.raises(LedgerReadError) as refused:
        read_ledger("台账.csv", data=text.encode())
    message = str(refused.value)
    assert "引号没有成对" in message and "第 2 行" in message and "field" not in message


@pytest.mark.parametrize("bad_row", [2, 5002])
def test_a_quote_inside_an_unquoted_cell_names_its_row_and_column_in_chinese(bad_row: int) -> None:
    # Python's csv module reads it; polars refused it in English, with its tuning hints and an
    # offset that is only where its chunk starts. The stray `"x")` falls into the next column.
    lines = ["姓名,备注,联系电话,地址"]
    for i in range(2, 10_001):
        note = '=HYPERLINK("http://evil","x")' if i == bad_row else "无"
        lines.append(f"居民{i},{note},1380000{i:04d},幸福路{i}号")
    with pytest.raises(LedgerReadError) as refused:
        read_ledger("台账.csv", data=("\n".join(lines) + "\n").encode())
    message = str(refused.value)
    assert f"台账.csv 第 {bad_row} 行" in message, message
    assert "“联系电话”列" in message and "引号没有成对" in message, message
    assert "infer_schema" not in message and "offset" not in message


# --------------------------------------------------------------------------- OpenDocument (.ods)
# WPS and LibreOffice save .ods: the same workbook must read the same as when saved as .xlsx.

ODS_TITLE: list[object] = ["XX社区流动人口登记台账", None, None, None, None, None]
ODS_ROWS: list[list[object]] = [
    ODS_TITLE,
    list(HEADER),
    [1, "张三", "110105199001011234", 13812345678, "幸福路1号", datetime.date(1990, 1, 1)],
    [2, "李四", 110105199202021234, 13912345678.0, None, datetime.datetime(1992, 3, 3, 0, 0)],
    [3, "王五", "110105199303031234", "13712345678", "幸福路3号", "1993-03-03"],
    [4, "赵六", "110105199404041234", "", "幸福路4号", True],
]
# (first row, first column, rows, columns), 0-based: the title, and 李四 living with 张三
ODS_MERGES = [(0, 0, 1, 6), (2, 4, 2, 1)]


OdsCase = tuple[str, list[list[object]], list[tuple[int, int, int, int]], set[int], bool]


def same_in_xlsx(sheets: list[OdsCase]) -> bytes:
    def build(book: openpyxl.Workbook) -> None:
        book.remove(book.active)
        for name, cells, merges, hidden, hidden_sheet in sheets:
            ws = book.create_sheet(name)
            for row in cells:
                ws.append(row)
            for r, c, rs, cs in merges:
                ws.merge_cells(
                    start_row=r + 1, start_column=c + 1, end_row=r + rs, end_column=c + cs
                )
            for number in hidden:
                ws.row_dimensions[number].hidden = True
            if hidden_sheet:
                ws.sheet_state = "hidden"

    return xlsx_bytes(build)


def test_an_ods_reads_as_the_same_workbook_saved_as_xlsx() -> None:
    # Title row merged over the header, a merged address for two rows, an ID number stored as
    # a number (its last digits lost: said, as for xlsx), dates, a hidden row, a second sheet,
    # a hidden sheet: every cell, note and row number as the xlsx gives them.
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    second: list[list[object]] = [
        ["姓名", "身份证号", "联系电话"],
        ["孙七", "110105199505051234", "13612345678"],
    ]
    sheets: list[OdsCase] = [
        ("一网格", ODS_ROWS, ODS_MERGES, {5}, False),
        ("二网格", second, [], set(), False),
        ("旧表", second, [], set(), True),
    ]
    ods = ods_bytes(
        *(OdsSheet(n, c, merges=m, hidden_rows=h, hidden=s) for n, c, m, h, s in sheets)
    )
    from_ods = read_ledger("台账.ods", data=ods)
    from_xlsx = read_ledger("台账.xlsx", data=same_in_xlsx(sheets))

    assert [s.sheet_name for s in from_ods] == ["一网格", "二网格", "旧表"]
    for got, want in zip(from_ods, from_xlsx, strict=True):
        assert got.frame.to_dicts() == want.frame.to_dicts()
        assert got.columns == want.columns and got.header_rows == want.header_rows
        assert got.notes == want.notes
        assert got.lossy_cells == want.lossy_cells
    first = from_ods[0]
    assert rows(first)[1] == {
        "序号": "2", "姓名": "李四", "身份证号": "1.10105199202021E+17", "联系电话": "13912345678",
        "现居住地址": "幸福路1号", "出生日期": "1992-03-03", "_source_row": 4,
    }  # fmt: skip
    assert "第 4 行 身份证号 为科学计数法，后几位已丢失" in first.notes
    assert "第 5 行是隐藏的行，仍已读取" in first.notes
    assert "工作表“旧表”是隐藏的工作表，仍已读取" in from_ods[2].notes


def test_an_ods_says_which_rows_a_filter_hides_and_counts_repeated_empty_rows() -> None:
    # LibreOffice writes a run of empty rows as one row repeated: the rows after it keep the
    # numbers the spreadsheet shows.
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    cells = [["姓名", "身份证号"], ["张三", "110105199001011234"], ["李四", "110105199202021234"]]
    data = ods_bytes(OdsSheet("表", cells, filtered_rows={13}, repeated_blank=(2, 10)))
    (sheet,) = read_ledger("台账.ods", data=data)
    assert [(r["姓名"], r["_source_row"]) for r in rows(sheet)] == [("张三", 2), ("李四", 13)]
    assert "第 13 行是隐藏的行，仍已读取" in sheet.notes


def test_an_ods_repeating_a_filled_cell_millions_of_times_is_refused_before_reading() -> None:
    # 600 bytes that calamine would expand into a dense grid of 50 million cells (1.2 GB for
    # 10 million): counted from content.xml first, refused as too big a file.
    from wangge.core.tests.ods import OdsSheet, content_xml, package

    data = package(
        content_xml(OdsSheet("表", [["姓名"]])).replace(
            "<table:table-row><table:table-cell ",
            '<table:table-row table:number-rows-repeated="10000">'
            '<table:table-cell table:number-columns-repeated="5000" ',
        )
    )
    assert len(data) < 1000
    error = error_of("炸弹.ods", data)
    assert "单元格数超过上限" in error.message and error.sheet == "表"


def test_a_stray_cell_far_away_is_refused_before_calamine_reads_the_sheet() -> None:
    # One space typed in XFD1048576 made calamine allocate 512 GB for the sheet, and a failed
    # allocation aborts the process: the import worker died with no word to the clerk.
    def build(book: openpyxl.Workbook, far: str | None) -> None:
        ws = book.active
        ws.title = "台账"
        ws.append(["姓名", "身份证号", "联系电话"])
        ws.append(["张三", "11010519491231002X", "13800138000"])
        ws["XFD1048576"].font = openpyxl.styles.Font(bold=True)  # styled only: no content
        if far is not None:
            ws["XFD1048576"] = far

    error = error_of("台账.xlsx", xlsx_bytes(lambda book: build(book, " ")))
    assert error.sheet == "台账"
    assert "有内容的单元格远至 XFD1048576" in error.message
    assert "请在 Excel 中删除 XFD1048576 等多余单元格后另存再导入" in error.message
    (sheet,) = read_ledger("台账.xlsx", data=xlsx_bytes(lambda book: build(book, None)))
    assert [r["姓名"] for r in rows(sheet)] == ["张三"]


def test_an_xlsb_is_read_and_a_stray_far_cell_in_one_is_refused_before_calamine() -> None:
    # An .xlsb is records, not XML; the same 512 GB grid is found from them (core.xlsb).
    from wangge.core.tests.xlsb import XlsbSheet, xlsb_bytes

    table = [["姓名", "身份证号", "联系电话"], ["张三", "11010519491231002X", "13800138000"]]
    (sheet,) = read_ledger("台账.xlsb", data=xlsb_bytes(XlsbSheet("台账", table)))
    assert [r["姓名"] for r in rows(sheet)] == ["张三"]
    hostile = xlsb_bytes(XlsbSheet("台账", table, far=[(1_048_575, 16_383, " ")]))
    error = error_of("台账.xlsb", hostile)
    assert error.sheet == "台账"
    assert "有内容的单元格远至 XFD1048576" in error.message


def test_an_ods_goes_through_the_zip_bomb_guard_too() -> None:
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    padded = ods_bytes(OdsSheet("表", [["姓名", "身份证号"], [" " * (3 * 1024 * 1024), "1"]]))
    limits = ReadLimits(max_uncompressed_bytes=2 * 1024 * 1024, max_compression_ratio=10_000)
    assert "压缩炸弹" in error_of("炸弹.ods", padded, limits=limits).message


def test_a_zip_that_is_no_spreadsheet_is_refused() -> None:
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    text_document = ods_bytes(
        OdsSheet("表", [["姓名"]]), mimetype="application/vnd.oasis.opendocument.text"
    )
    assert "不是表格" in error_of("文档.ods", text_document).message
    photos = io.BytesIO()
    with zipfile.ZipFile(photos, "w") as archive:
        archive.writestr("content.xml", "<x/>")
        archive.writestr("photo.jpg", b"\xff\xd8\xff")
    assert "不是有效的 Excel 文件" in error_of("照片.ods", photos.getvalue()).message
