"""Cells with a formula and no saved result: a program that writes workbooks (openpyxl, a
system's export) leaves the formula uncomputed and calamine reads the cell as empty. The
import says which cells, and refuses the file when a column it imports is one of them."""

from __future__ import annotations

import io

import openpyxl
import pytest

from wangge.core.tests.xlsx import rewritten
from wangge.fusion.ledger_files import unsaved_formulas
from wangge.fusion.pipeline import FusionError, fuse_sheets
from wangge.fusion.readers import read_ledger
from wangge.people.idnumber import make_id_number

LOOKUP = "=VLOOKUP(A2,Sheet2!A:B,2,0)"
ID = make_id_number("110105", __import__("datetime").date(1990, 1, 1), 123, "男")


def ledger(id_cell: str, note_cell: str = "") -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "台账"
    ws.append(["姓名", "身份证号", "联系电话", "辅助列"])
    ws.append(["王伟", id_cell, "13800138000", note_cell])
    ws.append(["李娜", ID, "13900139000", note_cell])
    out = io.BytesIO()
    book.save(out)  # openpyxl writes <f>…</f><v></v>: no result
    return out.getvalue()


def test_a_formula_without_its_result_in_a_column_not_imported_is_said() -> None:
    (sheet,) = read_ledger("台账.xlsx", data=ledger(ID, note_cell="=TODAY()"))
    assert sheet.unsaved == {"辅助列": ["D2", "D3"]}
    assert (
        "单元格 D2、D3 有公式但没有保存计算结果，已读作空白；"
        "请在 Excel 或 WPS 中打开此文件、保存后重新导入"
    ) in sheet.notes
    result = fuse_sheets([sheet], None)
    assert result.records.height == 2
    assert any("D2、D3 有公式" in note for note in result.sheets[0].notes)


def test_a_formula_without_its_result_in_an_imported_column_refuses_the_file() -> None:
    """A VLOOKUP'd ID number never computed would import 王伟 as if he had none."""
    (sheet,) = read_ledger("台账.xlsx", data=ledger(LOOKUP))
    with pytest.raises(FusionError) as caught:
        fuse_sheets([sheet], None)
    (problem,) = caught.value.problems
    assert problem == (
        "台账.xlsx［台账］：“身份证号”列的单元格 B2 有公式但没有保存计算结果，导入后将是空白；"
        "请在 Excel 或 WPS 中打开此文件、保存后重新导入"
    )


def test_many_cells_are_named_by_the_first_few_and_how_many() -> None:
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["姓名", "身份证号"])
    for n in range(8):
        ws.append([f'="人{n}"', ID])
    out = io.BytesIO()
    book.save(out)
    assert unsaved_formulas(out.getvalue()) == {"Sheet": {0: list(range(1, 9))}}
    (sheet,) = read_ledger("台账.xlsx", data=out.getvalue())
    assert sheet.notes[-1].startswith("单元格 A2、A3、A4、A5、A6 等 8 个 有公式但没有保存计算结果")


def test_saved_results_and_excels_empty_text_result_are_not_counted() -> None:
    """Excel saves a formula's result in <v>; an empty text result is `t="str"` with an empty
    value, which is a result."""
    data = ledger(LOOKUP, note_cell='=""')
    data = rewritten(
        data,
        (
            b'<c r="B2"><f>VLOOKUP(A2,Sheet2!A:B,2,0)</f><v></v>',
            b'<c r="B2" t="str"><f>VLOOKUP(A2,Sheet2!A:B,2,0)</f><v>' + ID.encode() + b"</v>",
        ),
        (b'<c r="D2"><f>""</f>', b'<c r="D2" t="str"><f>""</f>'),
        (b'<c r="D3"><f>""</f>', b'<c r="D3" t="str"><f>""</f>'),
    )
    assert unsaved_formulas(data) == {}
    (sheet,) = read_ledger("台账.xlsx", data=data)
    assert sheet.unsaved == {}
    assert sheet.frame.get_column("身份证号").to_list() == [ID, ID]
