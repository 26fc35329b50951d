"""Cells a row holds past its header are never dropped unsaid, in a CSV as in a workbook.

A workbook's extra cells sit in columns of their own (`第H列`); a CSV is sized from its first
1000 records, and a later record wider than all of them used to lose its extra fields without
a word (Polars' `truncate_ragged_lines`). Now each row that holds something past its header
that is not imported says so in its reasons, the sheet's notes name the first rows, and the
row's named columns are imported as before. Files are written to tmp_path and read from disk.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from wangge.fusion import readers
from wangge.fusion.pipeline import fuse_files
from wangge.fusion.readers import read_ledger

HEADER = ["序号", "姓名", "身份证号", "联系电话", "现居住地址", "性别", "备注"]


def _names(n: int) -> list[str]:
    """Names the name rules accept, told apart by the row: 王甲, 王乙, … 李甲 …"""
    surnames, given = "王李张刘陈杨赵黄周吴", "甲乙丙丁戊己庚辛壬癸"
    return [f"{surnames[i // 10 % 10]}{given[i % 10]}{given[i // 100 % 10]}" for i in range(n)]


def _rows(count: int) -> list[list[str]]:
    return [
        [str(n), name, "", f"138{n:08d}", f"幸福路{n % 90 + 1}号", "男", ""]
        for n, name in enumerate(_names(count))
    ]


def _write_csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_text("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n", "utf-8")
    return path


def _write_xlsx(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


# --------------------------------------------------------------------------- the reader


def test_a_csv_record_wider_than_every_record_scanned_keeps_its_extra_cells(
    tmp_path: Path,
) -> None:
    rows = _rows(1500)
    rows[1300] = [*rows[1300], "2单元", "备用13900000000"]  # line 1302: two fields more
    rows[1400] = [*rows[1400], "", "", "", "迁出"]  # line 1402: a gap, then a note
    rows[1450] = [*rows[1450], "", ""]  # line 1452: empty fields only, nothing to lose
    (sheet,) = read_ledger(_write_csv(tmp_path / "台账.csv", rows))
    assert sheet.columns == HEADER  # sized by the header and the first 1000 records
    assert sheet.header_width == 7
    assert sheet.frame.height == 1500  # every record read
    assert sheet.overflow == {1302: (9, ("2单元", "备用13900000000")), 1402: (11, ("迁出",))}
    row = sheet.frame.filter(pl.col("_source_row") == 1302).row(0, named=True)
    assert row["姓名"] == rows[1300][1] and row["备注"] == ""  # its own seven cells, as written


def test_a_csv_padded_to_its_used_range_keeps_a_column_filled_only_late(tmp_path: Path) -> None:
    # Excel writes every record of a CSV as wide as the sheet's used range
    rows = [[*r, "", ""] for r in _rows(1500)]
    rows[1200][8] = "楼长"
    (sheet,) = read_ledger(_write_csv(tmp_path / "导出.csv", rows))
    assert sheet.columns == [*HEADER, "第H列", "第I列"]  # a column, as in a workbook
    assert sheet.header_width == 7
    assert sheet.overflow == {}
    assert sheet.frame.filter(pl.col("第I列") != "").get_column("_source_row").to_list() == [1202]


def test_trailing_empty_fields_are_layout_not_columns(tmp_path: Path) -> None:
    rows = [[*r, "", "", ""] for r in _rows(20)]
    (sheet,) = read_ledger(_write_csv(tmp_path / "台账.csv", rows))
    assert sheet.columns == HEADER


def test_a_late_record_with_content_only_past_the_table_is_noted_though_skipped(
    tmp_path: Path,
) -> None:
    rows = _rows(1100)
    rows[1050] = ["", "", "", "", "", "", "", "", "张三补记"]
    (sheet,) = read_ledger(_write_csv(tmp_path / "台账.csv", rows))
    assert sheet.frame.height == 1099  # blank as far as the table goes
    assert "第 1052 行只在表头以外有内容（有 9 列，表头只有 7 列）：“张三补记”未导入" in sheet.notes
    assert sheet.overflow == {}


def test_a_workbook_keeps_cells_past_the_header_in_columns_of_their_own(tmp_path: Path) -> None:
    rows = _rows(60)
    rows[55] = [*rows[55], "2单元", "备用13900000000"]
    (sheet,) = read_ledger(_write_xlsx(tmp_path / "台账.xlsx", rows))
    assert sheet.columns == [*HEADER, "第H列", "第I列"]
    assert sheet.header_width == 7
    assert sheet.overflow == {}


def test_a_record_of_thousands_of_fields_does_not_widen_the_frame(
    tmp_path: Path,
) -> None:
    # the frame stays as wide as the table: memory is the table's, whatever one record holds
    rows = _rows(1200)
    rows[1100] = [*rows[1100], *[f"x{i}" for i in range(5000)]]
    (sheet,) = read_ledger(_write_csv(tmp_path / "台账.csv", rows))
    assert sheet.frame.width == len(HEADER) + 1  # and _source_row
    count, cells = sheet.overflow[1102]
    assert (count, len(cells), cells[0]) == (5007, 5000, "x0")


def test_a_huge_cell_in_a_wide_late_record_is_refused_in_chinese(tmp_path: Path) -> None:
    rows = _rows(1100)
    rows[1050] = [*rows[1050], '"' + "很长" * 70_000 + '"']
    with pytest.raises(readers.LedgerReadError) as refused:
        read_ledger(_write_csv(tmp_path / "台账.csv", rows))
    assert "第 1052 行" in refused.value.message
    assert "超过" in refused.value.message


# --------------------------------------------------------------------------- what the clerk sees


def _fused_reasons(path: Path) -> tuple[dict[int, str], list[str], dict[int, str]]:
    result = fuse_files([path], None, allow_rejects=True)
    records = result.records
    reasons = dict(zip(records["source_row"], records["reason"], strict=True))
    status = dict(zip(records["source_row"], records["status"], strict=True))
    return reasons, result.sheets[0].notes, status


@pytest.mark.parametrize(
    ("kind", "count", "row"),
    [("csv", 1500, 1302), ("csv", 60, 57), ("xlsx", 60, 57)],
    ids=["csv past the scan", "csv within the scan", "xlsx"],
)
def test_every_format_reports_the_row_and_what_it_did_not_import(
    tmp_path: Path, kind: str, count: int, row: int
) -> None:
    rows = _rows(count)
    rows[row - 2] = [*rows[row - 2], "2单元", "备用13900000000"]
    write = _write_csv if kind == "csv" else _write_xlsx
    reasons, notes, status = _fused_reasons(write(tmp_path / f"台账.{kind}", rows))
    said = "有 9 列，表头只有 7 列：多出的“2单元”“备用13900000000”未导入"
    assert reasons[row].startswith(said)
    assert f"第 {row} 行{said}" in notes
    assert status[row] != "rejected"  # its named columns are imported as before
    assert sum(said in r for r in reasons.values()) == 1


def test_a_column_past_the_header_that_the_mapping_imports_is_not_reported(
    tmp_path: Path,
) -> None:
    # no name in the header, but every value is an ID number: the mapping takes it
    header = ["序号", "姓名", "联系电话"]
    rows = [[r[0], r[1], r[3], f"11010519900101{n:04d}"] for n, r in enumerate(_rows(30))]
    path = _write_xlsx(tmp_path / "台账.xlsx", rows, header)
    reasons, notes, _status = _fused_reasons(path)
    assert not any("表头只有" in r for r in reasons.values())
    assert not any("表头只有" in n for n in notes)


def test_the_notes_name_twenty_rows_and_count_the_rest(tmp_path: Path) -> None:
    rows = _rows(1100)
    for n in range(1000, 1030):
        rows[n] = [*rows[n], "另记"]
    reasons, notes, _status = _fused_reasons(_write_csv(tmp_path / "台账.csv", rows))
    beyond = [n for n in notes if "表头只有" in n]
    assert len(beyond) == 20 and beyond[0].startswith("第 1002 行有 8 列")
    assert "另有 10 行在表头以外有未导入的内容，见各行原因" in notes
    assert sum("多出的“另记”未导入" in r for r in reasons.values()) == 30


def test_long_and_many_extra_cells_are_shown_short(tmp_path: Path) -> None:
    rows = _rows(1100)
    rows[1050] = [*rows[1050], "长" * 50, *[f"格{i}" for i in range(6)]]
    reasons, _notes, _status = _fused_reasons(_write_csv(tmp_path / "台账.csv", rows))
    assert reasons[1052].startswith(
        "有 14 列，表头只有 7 列：多出的“" + "长" * 40 + "…”“格0”“格1”“格2”“格3”等 7 格未导入"
    )
