"""An xlsx's extent as calamine will allocate it, read before calamine opens the file."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest
from openpyxl.styles import Font

from wangge.core import ooxml
from wangge.core.tabular import TabularError, read_sheets
from wangge.core.tests.xlsx import rewritten


def workbook(*cells: tuple[int, int], styled: tuple[int, int] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "独居老人"
    for row, column in cells:
        sheet.cell(row=row, column=column, value="x")
    if styled:
        sheet.cell(row=styled[0], column=styled[1]).font = Font(bold=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def extents(data: bytes) -> list[tuple[str, int, int]]:
    found = ooxml.extents(zipfile.ZipFile(io.BytesIO(data)))
    return [(name, extent.rows, extent.columns) for name, extent in found.items()]


def test_the_extent_reaches_the_farthest_value_from_a1() -> None:
    assert extents(workbook((1, 1), (200_000, 2_000))) == [("独居老人", 200_000, 2_000)]
    far = ooxml.extents(zipfile.ZipFile(io.BytesIO(workbook((9, 2), (3, 30)))))["独居老人"]
    assert (far.far_row, far.far_column, far.cells) == ("B9", "AD3", 270)


def test_the_reference_is_found_wherever_it_stands_among_the_attributes() -> None:
    """calamine reads `<c s="1" r="…">` as well; a scan for `<c r="` alone was blind to it."""
    data = rewritten(workbook((1, 1), (2, 2)), (b'<c r="B2"', b'<c s="0" r="XFD900000"'))
    assert extents(data) == [("独居老人", 900_000, 16_384)]


def test_a_row_number_written_with_leading_zeros_does_not_hide_a_farther_one() -> None:
    data = rewritten(workbook((1, 1), (200_000, 2)), (b'<c r="A1"', b'<c r="A0000001"'))
    assert extents(data) == [("独居老人", 200_000, 2)]
    assert extents(workbook((5, 3))) == [("独居老人", 5, 3)]


def test_a_cell_with_only_a_style_costs_calamine_nothing_and_is_not_counted() -> None:
    assert extents(workbook((1, 1), styled=(300_000, 1_000))) == [("独居老人", 1, 1)]


def test_a_sheet_without_values_has_no_extent() -> None:
    assert extents(workbook()) == [("独居老人", 0, 0)]


def test_a_cell_cut_between_two_pieces_of_the_scan_is_still_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = workbook(*[(row, 2) for row in range(1, 400)], (900, 40))
    monkeypatch.setattr(ooxml, "CHUNK", 7)  # every cell falls across pieces
    assert extents(data) == [("独居老人", 900, 40)]


def test_column_letters_are_excels() -> None:
    for index, letters in [(0, "A"), (25, "Z"), (26, "AA"), (1999, "BXX"), (16383, "XFD")]:
        assert ooxml.column_letters(index) == letters
        assert ooxml.column_index(letters.encode()) == index


def test_a_tiny_sparse_workbook_is_refused_before_calamine_allocates_its_grid() -> None:
    """4.8 KB with a value in A1 and one in BXX200000 took calamine 12.5 GB and 52 s."""
    data = workbook((1, 1), (200_000, 2_000))
    assert len(data) < 10_000
    with pytest.raises(TabularError) as caught:
        read_sheets("热线.xlsx", data=data)
    message = str(caught.value)
    assert "热线.xlsx" in message and "独居老人" in message
    assert "远至 BXX200000" in message


def unsaved(data: bytes) -> dict[int, list[int]]:
    return ooxml.unsaved_formulas(zipfile.ZipFile(io.BytesIO(data)), "xl/worksheets/sheet1.xml")


def test_a_formula_written_without_its_result_is_found_by_row_and_column() -> None:
    """openpyxl writes `<f>A1</f><v></v>` and never computes it: calamine reads it as empty."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["地址编码", "街路巷"])
    sheet.append(['=CONCAT("A",B2)', "幸福路"])
    sheet.append(["A3", "=B2"])
    out = io.BytesIO()
    book.save(out)
    assert unsaved(out.getvalue()) == {0: [1], 1: [2]}


def test_a_saved_result_and_excels_empty_text_result_are_not_counted() -> None:
    book = openpyxl.Workbook()
    book.active.append(["=1+1", '=""'])
    out = io.BytesIO()
    book.save(out)
    data = rewritten(out.getvalue(), (b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>"))
    data = rewritten(data, (b'<c r="B1"><f>""</f>', b'<c r="B1" t="str"><f>""</f>'))
    assert unsaved(data) == {}
