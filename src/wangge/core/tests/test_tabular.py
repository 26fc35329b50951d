"""Reading office files: encodings, sheets, Excel cell types, and files that cannot be read."""

import datetime
from pathlib import Path

import openpyxl
import pytest

from wangge.core.tabular import (
    TabularError,
    cell_text,
    failed_formulas,
    iter_records,
    read_sheets,
)

ROWS = [["姓名", "身份证号码", "住址"], ["张三", "11010519491231002X", "幸福路10号"]]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_common_chinese_encoding(tmp_path: Path, encoding: str):
    path = tmp_path / "ledger.csv"
    path.write_bytes("\n".join(",".join(r) for r in ROWS).encode(encoding))
    [sheet] = read_sheets(path)
    assert sheet.name == "" and sheet.rows == ROWS


def _xlsx_with_cell(tmp_path: Path, text: str) -> Path:
    """A workbook whose cell holds Excel's escape for a control character (`_x0000_`), which
    spreadsheet readers turn back into the character."""
    import io
    import zipfile

    workbook = openpyxl.Workbook()
    workbook.active.append(["名称", "地址"])
    workbook.active.append(["PLACEHOLDER", "幸福路"])
    raw = io.BytesIO()
    workbook.save(raw)
    path = tmp_path / "场所.xlsx"
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w") as out:
        for name in src.namelist():
            out.writestr(name, src.read(name).replace(b"PLACEHOLDER", text.encode()))
    return path


def test_a_nul_in_a_cell_is_refused_with_the_row(tmp_path: Path):
    """PostgreSQL holds no NUL in text: the hotline and place imports wrote such a cell as it
    came (a 500 there). Python's csv module stopped refusing NUL in 3.11."""
    path = tmp_path / "热线.csv"
    path.write_bytes("工单编号,标题\nA1,路灯\nA2,坏\x00了\n".encode())
    with pytest.raises(TabularError, match="热线.csv：第3行.*空字符"):
        read_sheets(path)
    with pytest.raises(TabularError, match="场所.xlsx：工作表“Sheet”第2行.*空字符"):
        read_sheets(_xlsx_with_cell(tmp_path, "x_x0000_y"))


def test_unknown_encoding_is_refused_with_the_file_name(tmp_path: Path):
    path = tmp_path / "乱码.csv"
    path.write_bytes(bytes(range(0x80, 0x100)) * 4)
    with pytest.raises(TabularError, match="乱码.csv：无法识别文本编码"):
        read_sheets(path)


def test_xlsx_with_several_sheets_and_typed_cells(tmp_path: Path):
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.title = "第1网格"
    first.append(["姓名", "出生日期", "电话", "门牌号"])
    first.append(["张三", datetime.date(2020, 5, 18), 13812345678, 10.0])
    second = workbook.create_sheet("第2网格")
    second.append(["姓名"])
    second.append(["李四"])
    path = tmp_path / "ledger.xlsx"
    workbook.save(path)
    sheets = read_sheets(path)
    assert [s.name for s in sheets] == ["第1网格", "第2网格"]
    assert sheets[0].rows[1] == ["张三", "2020-05-18", "13812345678", "10"]
    assert list(iter_records(sheets[1])) == [(2, {"姓名": "李四"})]


def test_ods_with_several_sheets_and_typed_cells_reads_as_the_xlsx_does(tmp_path: Path):
    # The same cells WPS or LibreOffice save as .ods: an ID number kept as text stays whole,
    # a phone stored as a number loses no ".0", a date is its day.
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    path = tmp_path / "ledger.ods"
    path.write_bytes(
        ods_bytes(
            OdsSheet(
                "第1网格",
                [
                    ["姓名", "出生日期", "电话", "门牌号", "身份证号"],
                    ["张三", datetime.date(2020, 5, 18), 13812345678, 10.0, "11010519491231002X"],
                ],
            ),
            OdsSheet("第2网格", [["姓名"], ["李四"]]),
        )
    )
    sheets = read_sheets(path)
    assert [s.name for s in sheets] == ["第1网格", "第2网格"]
    assert sheets[0].rows[1] == ["张三", "2020-05-18", "13812345678", "10", "11010519491231002X"]
    assert list(iter_records(sheets[1])) == [(2, {"姓名": "李四"})]


def test_an_ods_that_repeats_a_cell_into_millions_or_is_no_spreadsheet_is_refused(
    tmp_path: Path,
):
    from wangge.core.tests.ods import OdsSheet, content_xml, ods_bytes, package

    bomb = tmp_path / "炸弹.ods"
    bomb.write_bytes(
        package(
            content_xml(OdsSheet("表", [["姓名"]])).replace(
                "<table:table-row><table:table-cell ",
                '<table:table-row table:number-rows-repeated="10000">'
                '<table:table-cell table:number-columns-repeated="5000" ',
            )
        )
    )
    with pytest.raises(TabularError, match="炸弹.ods：单元格数超过上限"):
        read_sheets(bomb)
    text = tmp_path / "文档.ods"
    text.write_bytes(
        ods_bytes(OdsSheet("表", [["姓名"]]), mimetype="application/vnd.oasis.opendocument.text")
    )
    with pytest.raises(TabularError, match="文档.ods：不是 Excel 或 OpenDocument 表格文件"):
        read_sheets(text)


def test_password_protected_and_corrupt_workbooks_are_named(tmp_path: Path):
    locked = tmp_path / "加密.xlsx"
    locked.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512)
    with pytest.raises(TabularError, match="已加密"):
        read_sheets(locked)
    broken = tmp_path / "坏.xlsx"
    broken.write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(TabularError, match="已损坏"):
        read_sheets(broken)


def test_unsupported_file_types_say_which_are_supported(tmp_path: Path):
    with pytest.raises(TabularError, match=r"\.csv、\.xlsx、\.xls 或 \.ods"):
        read_sheets(tmp_path / "ledger.pdf", data=b"%PDF")


def test_cell_text_undoes_excel_float_artefacts():
    assert cell_text(13812345678.0) == "13812345678"
    assert cell_text(3.5) == "3.5"
    assert cell_text(datetime.datetime(2020, 5, 18)) == "2020-05-18"
    assert cell_text(True) == "是"
    assert cell_text(float("nan")) == ""
    assert cell_text("  幸福路 ") == "幸福路"


@pytest.mark.parametrize(
    "text, said",
    [
        ('姓名,地址\n张三,"幸福路1号\n' + "x" * 200_000 + "\n", "引号没有成对"),
    ],
)
def test_a_broken_csv_is_refused_in_chinese_with_the_row(text: str, said: str) -> None:
    with pytest.raises(TabularError) as refused:
        read_sheets("台账.csv", data=text.encode())
    message = str(refused.value)
    assert message.startswith("台账.csv：第") and said in message and "另存为CSV" in message
    assert not any(word in message for word in ("field", "line contains", "Error"))


def test_a_csv_cell_written_as_an_excel_formula_is_its_text() -> None:
    data = '工单编号,诉求人电话\n="202611180001",="13800138000"\n普通,="a""b"\n'.encode()
    (sheet,) = read_sheets("12345工单.csv", data=data)
    assert sheet.rows[1:] == [["202611180001", "13800138000"], ["普通", 'a"b']]


def test_a_formula_without_its_saved_result_refuses_the_workbook_naming_its_cells(
    tmp_path: Path,
) -> None:
    """calamine reads a formula that a program wrote and never computed as empty: an address
    code or a phone computed that way would be stored blank. The cells are named, the first
    five and how many, row by row; opening and saving in Excel or WPS stores the results."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "场所"
    sheet.append(["名称", "电话"])
    for n in range(6):
        sheet.append([f"店{n}", "=VLOOKUP(A2,Sheet2!A:B,2,0)"])
    sheet["A3"] = '="店"&1'
    path = tmp_path / "场所.xlsx"
    workbook.save(path)
    with pytest.raises(TabularError) as caught:
        read_sheets(path)
    assert str(caught.value) == (
        "场所.xlsx：工作表“场所”的单元格 B2、A3、B3、B4、B5 等 7 个 有公式但没有保存计算结果，"
        "读出来将是空白；请在 Excel 或 WPS 中打开此文件、保存后重新导入"
    )
    del sheet["A3"]
    for row in range(2, 8):
        sheet.cell(row=row, column=2, value="13800138000")
    sheet["B4"] = "=B3"
    workbook.save(path)
    with pytest.raises(TabularError, match="工作表“场所”的单元格 B4 有公式"):
        read_sheets(path)


def test_a_failed_formulas_value_is_read_as_the_spreadsheet_shows_it(tmp_path: Path) -> None:
    """calamine reads an xlsx's error cell as empty and an .ods's as 0: the text is put back, as
    a CSV saved from the sheet holds it, for the loader to say (`failed_formulas`)."""
    from wangge.core.tests.ods import OdsError, OdsSheet, ods_bytes

    workbook = openpyxl.Workbook()
    workbook.active.append(["名称", "电话"])
    workbook.active.append(["店1", "#N/A"])  # openpyxl writes an error code as t="e"
    workbook.save(tmp_path / "场所.xlsx")
    [sheet] = read_sheets(tmp_path / "场所.xlsx")
    assert sheet.rows == [["名称", "电话"], ["店1", "#N/A"]]
    data = ods_bytes(OdsSheet("场所", [["名称", "电话"], ["店1", OdsError("Err:502")]]))
    [sheet] = read_sheets("场所.ods", data=data)
    assert sheet.rows == [["名称", "电话"], ["店1", "Err:502"]]


def test_failed_formulas_names_the_columns_and_the_values() -> None:
    assert failed_formulas({"名称": "店1", "电话": " 13800138000 "}) is None
    assert failed_formulas({"名称": "#N/A", "地址编码": "#REF!", "电话": "#N/A"}) == (
        "“名称”、“地址编码”、“电话”是公式错误值“#N/A、#REF!”（公式出错）；"
        "请在表格中改正公式或填写正确的值后重新导入"
    )
    assert failed_formulas({"地址": "Err:502"}) is not None
    assert failed_formulas({"地址": "#1号楼"}) is None
