"""Reading ledgers as offices produce them; fixtures are generated here, not committed."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl

from wangge.fusion.readers import LedgerSheet, read_ledger

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
