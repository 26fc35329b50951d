"""An .xlsb's extent as calamine will allocate it, read from its records before calamine opens
the file; the workbooks are written record by record here (`core.tests.xlsb`)."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from wangge.core import xlsb
from wangge.core.tabular import TabularError, read_sheets
from wangge.core.tests.xlsb import (
    BEGIN_DATA,
    BEGIN_SHEET,
    DIMENSION,
    END_DATA,
    XlsbSheet,
    number,
    record,
    relationships,
    row_header,
    workbook_part,
    xlsb_bytes,
)

LEDGER: list[list[object]] = [
    ["姓名", "身份证号", "联系电话"],
    ["张三", "11010519491231002X", 13800138000],
]


def extents(data: bytes) -> dict[str, tuple[int, int, str]]:
    found = xlsb.extents(zipfile.ZipFile(io.BytesIO(data)))
    return {name: (e.rows, e.columns, e.far) for name, e in found.items()}


def with_sheet_part(part: bytes) -> bytes:
    """A one-sheet .xlsb around a sheet stream as given (to write what `XlsbSheet` cannot)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.bin", workbook_part(["台账"]))
        archive.writestr("xl/_rels/workbook.bin.rels", relationships(1))
        archive.writestr("xl/worksheets/sheet1.bin", part)
    return out.getvalue()


def test_record_types_and_sizes_are_base_128_low_bits_first() -> None:
    assert number(0x9C) == b"\x9c\x01"
    assert number(300) == b"\xac\x02"


def test_the_extent_reaches_the_farthest_value_from_a1() -> None:
    data = xlsb_bytes(XlsbSheet("台账", LEDGER, far=[(199_999, 1_999, "x")]), XlsbSheet("空表", []))
    assert extents(data) == {"台账": (200_000, 2_000, "BXX200000"), "空表": (0, 0, "")}


def test_short_cells_continue_from_the_cell_before_them() -> None:
    """Excel writes a cell right of the previous one without its column (BrtShort…)."""
    data = xlsb_bytes(XlsbSheet("台账", [["姓名"]], short=[(9, [1.0, 2.0, 3.0])]))
    assert extents(data)["台账"][:2] == (10, 3)


def test_a_blank_cell_costs_calamine_nothing_and_is_not_counted() -> None:
    blank = record(0x0001, struct.pack("<II", 16_383, 0))
    part = b"".join(
        [record(BEGIN_SHEET), record(DIMENSION, bytes(16)), record(BEGIN_DATA)]
        + [row_header(0), record(0x0006, struct.pack("<III", 0, 0, 1) + "名".encode("utf-16-le"))]
        + [row_header(1_048_575), blank, record(END_DATA)]
    )
    assert extents(with_sheet_part(part)) == {"台账": (1, 1, "A1")}


def test_a_record_claiming_more_than_the_stream_holds_is_damage() -> None:
    part = record(BEGIN_SHEET) + number(0x0005) + number(200 * 1024 * 1024) + bytes(12)
    with pytest.raises(ValueError):
        extents(with_sheet_part(part))
    with pytest.raises(TabularError) as caught:
        read_sheets("台账.xlsb", data=with_sheet_part(part))
    assert "Excel文件已损坏或格式不正确" in str(caught.value)


def test_a_normal_xlsb_still_reads() -> None:
    (sheet,) = read_sheets("台账.xlsb", data=xlsb_bytes(XlsbSheet("台账", LEDGER)))
    assert sheet.name == "台账"
    assert sheet.rows == [LEDGER[0], ["张三", "11010519491231002X", "13800138000"]]


def test_a_tiny_hostile_xlsb_is_refused_naming_the_far_cell() -> None:
    data = xlsb_bytes(XlsbSheet("台账", LEDGER, far=[(1_048_575, 16_383, " ")]))
    assert len(data) < 2_000
    with pytest.raises(TabularError) as caught:
        read_sheets("热线.xlsb", data=data)
    message = str(caught.value)
    assert "热线.xlsb" in message and "台账" in message and "远至 XFD1048576" in message


def test_the_refusal_comes_before_calamine_allocates(tmp_path: Path) -> None:
    """Under a 2 GB address-space limit: had calamine been asked for the 17 billion cells,
    the process would have died instead of printing the refusal."""
    path = tmp_path / "热线.xlsb"
    path.write_bytes(xlsb_bytes(XlsbSheet("台账", LEDGER, far=[(1_048_575, 16_383, " ")])))
    script = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))\n"
        "from wangge.core.tabular import TabularError, read_sheets\n"
        "try:\n"
        "    read_sheets(sys.argv[1])\n"
        "except TabularError as exc:\n"
        "    print('refused', 'XFD1048576' in str(exc))\n"
    )
    src = str(Path(xlsb.__file__).parents[2])
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"},
        check=False,
    )
    assert done.stdout.strip() == "refused True", done.stderr[-2000:]


def test_a_cell_pointing_past_the_shared_strings_is_refused_not_a_crash() -> None:
    """calamine panics on it (index out of bounds), which Python sees as a BaseException."""
    part = b"".join(
        [record(BEGIN_SHEET), record(DIMENSION, bytes(16)), record(BEGIN_DATA)]
        + [row_header(0), record(0x0007, struct.pack("<III", 0, 0, 99)), record(END_DATA)]
    )
    with pytest.raises(TabularError) as caught:
        read_sheets("台账.xlsb", data=with_sheet_part(part))
    assert "台账" in str(caught.value)
