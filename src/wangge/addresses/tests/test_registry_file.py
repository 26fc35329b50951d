"""A clean registry CSV is read a column at a time, with exactly the rows of the careful path."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from wangge.addresses import registry_file
from wangge.addresses.registry_file import read_address_file
from wangge.core.tabular import read_sheets

HEADER = "address_code,community_code,road,number,building,unit,room,lat,lon,use\n"
ROWS = [
    "A1,C1,幸福路,10号,3号楼,2单元,301室,39.91,116.46,出租",
    "A2,C1,幸福路,10,3栋,2,302,39.91,116.46,",
    "A3,C1, 农丰里胡同 ,15号,,,西1,39.92,116.47,自住",
    "A4,C2,金台里,7,A座,1,101户,39.93,116.48,commercial",
]


def _careful(path: Path) -> list[registry_file.AddressRow]:
    (sheet,) = read_sheets(path)
    rows, problems = registry_file.parse_rows(sheet, path.name)
    assert not problems
    return rows


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_a_clean_csv_gives_the_rows_the_careful_path_gives(tmp_path: Path, bom: bytes) -> None:
    path = tmp_path / "addresses.csv"
    path.write_bytes(bom + (HEADER + "\n".join(ROWS) + "\n").encode())
    rows, problems = read_address_file(path)
    assert not problems
    assert rows == _careful(path)
    assert (
        rows[0].building == "3" and rows[1].use == "owner_occupied" and rows[2].road == "农丰里胡同"
    )


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        ("A1,C1,幸福路,11,1,1,101,39.9,116.4,", "与第2行重复"),
        ("A9,C1,幸福路,11,1,1,,39.9,116.4,", "户室号不能为空"),
        ("A9,C1,幸福路,11,1,1,101,北纬39,116.4,", "经纬度不是数字"),
        ("A9,C1,幸福路,11,1,1,101,116.4,39.9,", "纬度和经度是否填反了"),
        ("A9,C1,幸福路,11,1,1,101,39.9,116.4,出借", "用途“出借”无效"),
    ],
)
def test_anything_wrong_is_still_said_with_its_row(
    tmp_path: Path, bad_row: str, message: str
) -> None:
    path = tmp_path / "addresses.csv"
    path.write_text(HEADER + "\n".join([*ROWS, bad_row]) + "\n", encoding="utf-8")
    rows, problems = read_address_file(path)
    assert any(message in p.message and "第6行" in p.where for p in problems), problems


def test_a_gbk_csv_takes_the_careful_path(tmp_path: Path) -> None:
    path = tmp_path / "addresses.csv"
    path.write_bytes((HEADER + "\n".join(ROWS) + "\n").encode("gb18030"))
    rows, problems = read_address_file(path)
    assert not problems and [r.address_code for r in rows] == ["A1", "A2", "A3", "A4"]


def test_the_column_names_of_a_public_address_registry_are_understood(tmp_path: Path) -> None:
    header = "标准地址编码,社区代码,街路巷名称,门牌号码,楼号,单元,房号,纬度坐标,经度坐标,房屋用途\n"
    path = tmp_path / "标准地址.csv"
    path.write_text(header + "\n".join(ROWS) + "\n", encoding="utf-8")
    rows, problems = read_address_file(path)
    assert not problems
    assert [(r.address_code, r.road, r.building, r.room) for r in rows[:2]] == [
        ("A1", "幸福路", "3", "301"),
        ("A2", "幸福路", "3", "302"),
    ]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_title_row_above_the_header_is_skipped(tmp_path: Path, suffix: str) -> None:
    lines = [["幸福社区标准地址表（2026年11月）"], HEADER.strip().split(",")]
    lines += [row.split(",") for row in ROWS]
    path = tmp_path / f"标准地址.{suffix}"
    if suffix == "csv":
        path.write_text("\n".join(",".join(line) for line in lines) + "\n", encoding="utf-8")
    else:
        import openpyxl

        book = openpyxl.Workbook()
        for line in lines:
            book.active.append(line)
        book.save(path)
    rows, problems = read_address_file(path)
    assert not problems
    assert [(r.address_code, r.row) for r in rows] == [("A1", 3), ("A2", 4), ("A3", 5), ("A4", 6)]


def test_a_failed_formulas_value_is_said_with_its_row_and_column(tmp_path: Path) -> None:
    """A CSV saved from a sheet whose address codes are a VLOOKUP holds #N/A where it found
    nothing; an xlsx holds the error cell. Neither is stored as a code."""
    path = tmp_path / "addresses.csv"
    path.write_text(
        HEADER + "\n".join([*ROWS, "#N/A,C1,幸福路,11,1,1,101,39.9,116.4,"]) + "\n",
        encoding="utf-8",
    )
    rows, problems = read_address_file(path)
    (problem,) = problems
    assert problem.where == "addresses.csv第6行"
    assert problem.message.startswith("“address_code”是公式错误值“#N/A”（公式出错）")
    book = openpyxl.Workbook()
    book.active.append(HEADER.strip().split(","))
    book.active.append(["A1", "C1", "幸福路", "10", "", "", "#REF!", "39.9", "116.4", ""])
    book.save(tmp_path / "地址.xlsx")
    rows, problems = read_address_file(tmp_path / "地址.xlsx")
    assert [str(p) for p in problems] == [
        "地址.xlsx［Sheet］第2行：“room”是公式错误值“#REF!”（公式出错）；"
        "请在表格中改正公式或填写正确的值后重新导入"
    ]
