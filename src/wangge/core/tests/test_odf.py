"""What `core.odf` finds in an .ods's content.xml: each sheet's extent, merges, hidden rows."""

import io
import zipfile

import pytest

from wangge.core import odf
from wangge.core.tests.ods import OdsError, OdsSheet, content_xml, ods_bytes, package


def _scan(data: bytes) -> list[odf.OdsTable]:
    return odf.scan(zipfile.ZipFile(io.BytesIO(data)))


SHEETS = (
    OdsSheet(
        "一网格",
        [
            ["台账", None, None],
            ["姓名", "电话", "住址"],
            ["张三", 1, "幸福路"],
            ["李四", OdsError("#N/A"), None],
        ],
        merges=[(0, 0, 1, 3), (2, 2, 2, 1)],
        hidden_rows={3},
        filtered_rows={14},
        repeated_blank=(3, 10),
    ),
    OdsSheet("空表", []),
)


def test_extent_merges_and_hidden_rows_of_every_sheet() -> None:
    first, empty = _scan(ods_bytes(*SHEETS))
    assert (first.name, first.rows, first.columns) == ("一网格", 14, 3)
    assert first.merges == [((0, 0), (0, 2)), ((2, 2), (3, 2))]
    assert first.hidden_rows() == {3, 14}
    assert first.errors == {(13, 1): "#N/A"}  # after the ten blank rows
    assert (empty.name, empty.rows, empty.columns) == ("空表", 0, 0)


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_a_tag_cut_between_two_pieces_is_read_whole(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _scan(ods_bytes(*SHEETS))
    monkeypatch.setattr(odf, "CHUNK", chunk)
    assert _scan(ods_bytes(*SHEETS)) == whole


def test_a_formula_holding_a_closing_bracket_does_not_end_its_tag() -> None:
    content = content_xml(OdsSheet("表", [["a", "b"]])).replace(
        'office:value-type="string"><text:p>b',
        'table:formula="of:=IF([.A1]>1;1;2)" table:number-columns-spanned="2" '
        'office:value-type="string"><text:p>b',
    )
    (table,) = _scan(package(content))
    assert table.merges == [((0, 1), (0, 2))]


def test_filled_cells_repeated_count_into_the_extent_and_hidden_tails_do_not() -> None:
    content = content_xml(OdsSheet("表", [["a"]])).replace(
        "</table:table>",
        '<table:table-row table:number-rows-repeated="3">'
        '<table:table-cell table:number-columns-repeated="4" office:value-type="float" '
        'office:value="1"/></table:table-row>'
        '<table:table-row table:visibility="collapse" table:number-rows-repeated="1048000">'
        "<table:table-cell/></table:table-row></table:table>",
    )
    (table,) = _scan(package(content))
    assert (table.rows, table.columns) == (4, 4)
    assert table.hidden_rows() == frozenset()  # the hidden rows all lie past the last filled one


def test_only_a_spreadsheet_says_so_in_its_mimetype() -> None:
    def said(data: bytes) -> bool:
        return odf.is_spreadsheet(zipfile.ZipFile(io.BytesIO(data)))

    assert said(ods_bytes(*SHEETS))
    assert not said(ods_bytes(*SHEETS, mimetype="application/vnd.oasis.opendocument.text"))
    other = io.BytesIO()
    with zipfile.ZipFile(other, "w") as archive:
        archive.writestr("content.xml", "<x/>")
    assert not said(other.getvalue())


def test_a_row_written_as_one_empty_tag_still_counts_in_the_numbering() -> None:
    content = content_xml(OdsSheet("表", [["a"], ["b"]])).replace(
        "</table:table-row><table:table-row",
        '</table:table-row><table:table-row table:number-rows-repeated="2"/><table:table-row',
        1,
    )
    (table,) = _scan(package(content))
    assert (table.rows, table.columns) == (4, 1)  # "b" is row 4


def test_a_failed_formula_is_told_by_its_mark_or_by_an_error_value_shown() -> None:
    """LibreOffice marks the value as an error; a writer that does not only shows the text,
    and then only an error value's text counts (a formula may well give "#1号楼")."""
    row = [
        OdsError("#DIV/0!", marked=False),
        OdsError("#1号楼", marked=False),
        OdsError("Err:504"),
        "#N/A",  # typed, no formula: read as text already
    ]
    (table,) = _scan(ods_bytes(OdsSheet("表", [["a", "b", "c", "d"], row])))
    assert table.errors == {(1, 0): "#DIV/0!", (1, 2): "Err:504"}
