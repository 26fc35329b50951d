"""One zip-bomb rule for every spreadsheet upload: counted while inflating, headers not trusted."""

from __future__ import annotations

import io
import zipfile

import pytest

from wangge.core.tabular import TabularError, read_sheets
from wangge.core.zipguard import BrokenZip, ZipBomb, ZipLimits, check_archive


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


def _lie_about_size(data: bytes, name: str, size: int) -> bytes:
    """Write `size` as the member's uncompressed size in both of the zip's headers."""
    patched = bytearray(data)
    member = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    lie = size.to_bytes(4, "little")
    patched[member.header_offset + 22 : member.header_offset + 26] = lie
    encoded = name.encode()
    central = next(
        at
        for at in range(len(patched) - 4)
        if patched[at : at + 4] == b"PK\x01\x02"
        and patched[at + 46 : at + 46 + len(encoded)] == encoded
    )
    patched[central + 24 : central + 28] = lie
    return bytes(patched)


def test_an_ordinary_archive_passes_and_is_returned_open() -> None:
    data = _zip({"a.xml": b"<a>" + b"x" * 5000 + b"</a>", "b.bin": bytes(range(256))})
    archive = check_archive(data)
    assert archive.read("b.bin") == bytes(range(256))


def test_stored_members_are_counted_by_their_bytes() -> None:
    data = _zip({"a.xml": b"y" * 3 * 1024 * 1024}, zipfile.ZIP_STORED)
    with pytest.raises(ZipBomb):
        check_archive(data, ZipLimits(max_uncompressed_bytes=2 * 1024 * 1024))


def test_a_member_that_compresses_too_well_is_a_bomb_by_its_declared_size() -> None:
    data = _zip({"sheet.xml": b" " * 20 * 1024 * 1024})
    assert len(data) < 100_000
    with pytest.raises(ZipBomb):
        check_archive(data)


def test_small_regular_parts_are_not_judged_by_their_ratio() -> None:
    check_archive(_zip({"styles.xml": b" " * 512 * 1024}))


def test_sizes_the_headers_lie_about_are_found_while_inflating() -> None:
    data = _lie_about_size(_zip({"sheet.xml": b" " * 20 * 1024 * 1024}), "sheet.xml", 1000)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("sheet.xml").file_size == 1000
    with pytest.raises(ZipBomb):
        check_archive(data)


@pytest.mark.parametrize(
    "data",
    [b"", b"not a zip at all", _zip({"a.xml": b"<a/>" * 1000})[:-30]],
    ids=["empty", "text", "truncated"],
)
def test_what_is_not_a_whole_zip_is_broken(data: bytes) -> None:
    with pytest.raises(BrokenZip):
        check_archive(data)


def test_a_hotline_export_that_is_a_bomb_is_refused_in_chinese() -> None:
    bomb = _zip({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b" " * 2**25})
    with pytest.raises(TabularError, match="12345工单.xlsx：文件解压后异常巨大"):
        read_sheets("12345工单.xlsx", data=bomb)
