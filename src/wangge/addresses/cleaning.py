"""Cleaning an address column: one parsed row per written address (no Django).

A clerk brings a text file with one address per line, or a CSV/xlsx with an address column, and
gets back one row per input with the columns of :data:`COLUMNS`, so the column can be split,
checked and corrected in a spreadsheet. Used by ``wangge parse-addresses`` and by the API for
departments (``POST /api/addresses/parse`` and ``/api/addresses/parse-file``).

Reading is bounded by the caller (``max_rows``) so a web request never holds more than it may;
every refusal is a :class:`CleaningError` with a Chinese message saying what and where.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Final

from wangge.addresses.gazetteer import MUNICIPALITY_CODES, names, one_place_each
from wangge.addresses.parser import ParsedAddress, parse_address
from wangge.core.odf import is_error_value
from wangge.core.reasons import Reason
from wangge.core.tabular import (
    EXCEL_SUFFIXES,
    TabularError,
    decode_csv_bytes,
    export_cell,
    read_sheets,
)
from wangge.geo.divisions import division, is_placeholder_name

__all__ = [
    "COLUMNS",
    "CleaningError",
    "parse_many",
    "read_addresses",
    "row_of",
    "upper_levels",
    "write_csv",
]

COLUMNS: Final = (
    "address",
    "province",
    "city",
    "district",
    "street",
    "community",
    "road",
    "number",
    "compound",
    "building",
    "unit",
    "floor",
    "room",
    "rest",
    "doubt",
)
# One written address longer than this is no address (a pasted paragraph): refused by row.
MAX_LENGTH: Final = 200
_HEADER_GUESSES: Final = ("地址", "address", "住址", "详细地址", "现住址", "居住地址")


class CleaningError(ValueError):
    """The input cannot be cleaned; the message says why, in Chinese."""


def row_of(address: str, parsed: ParsedAddress) -> dict[str, str]:
    """The output row of one address: every column, '' where nothing was written, except the
    levels above the deepest division written, filled in when GB/T 2260 knows one place."""
    row = {"address": address}
    for column in COLUMNS[1:]:
        value = getattr(parsed, column)
        # a doubt stays a `core.reasons.Reason` (str() would keep only its Chinese text)
        row[column] = "" if value is None else value if isinstance(value, str) else str(value)
    row.update(upper_levels(parsed))
    return row


def upper_levels(parsed: ParsedAddress) -> dict[str, str]:
    """The province and city above a district or city written alone (天河区体育西路 → 广东省,
    广州市), when exactly one division in force has that name under what was written.

    A clerk cleaning a column wants each row complete, as cpca and jionlp give it; the parser
    itself reads only what is written. A name in several places (鼓楼区, 朝阳区 alone) stays
    as written: its doubt already says so, and filling one in would be a guess."""
    deepest = parsed.district or parsed.city
    if not deepest or parsed.province and parsed.city:
        return {}
    field = "district" if parsed.district else "city"
    codes = {
        place.code
        for place in names().get(deepest, ())
        if place.current and place.field == field and place.name == deepest
    }
    if parsed.city and field == "district":
        cities = {p.code[:4] for p in names().get(parsed.city, ()) if p.current}
        codes = {code for code in codes if code[:4] in cities}
    if parsed.province:
        provinces = {p.code[:2] for p in names().get(parsed.province, ()) if p.current}
        codes = {code for code in codes if code[:2] in provinces}
    places = one_place_each(sorted(codes))  # 神农架林区 under two codes is one place
    if len(places) != 1:
        return {}
    (code,) = places
    filled: dict[str, str] = {}
    province = _name_in_force(code[:2] + "0000")
    if not parsed.province and province:
        filled["province"] = province
    if not parsed.city and field == "district":
        city = _name_in_force(code[:4] + "00")
        if code[:2] in MUNICIPALITY_CODES:
            city = province  # a municipality is province and city, as the parser reads it
        if city:
            filled["city"] = city
    return filled


def _name_in_force(code: str) -> str:
    """The official name in force, '' for a placeholder (市辖区, 省直辖县级行政单位)."""
    entry = division(code)
    current = entry.current if entry is not None else None
    if current is None or is_placeholder_name(current.name):
        return ""
    return current.name


def parse_many(addresses: Iterable[str]) -> Iterator[dict[str, str]]:
    for address in addresses:
        text = address.strip()
        if is_error_value(text):
            # A failed formula's value (#N/A of a VLOOKUP): no address, and the clerk learns
            # which row instead of reading "#N/A" parsed into rest.
            row = row_of(text, ParsedAddress(rest=text))
            row["doubt"] = Reason("公式错误值（公式出错），不是一条地址，未解析")
            yield row
            continue
        if len(text) > MAX_LENGTH:
            row = row_of(text, ParsedAddress(rest=text))
            row["doubt"] = Reason("超过%(most)s个字符，不是一条地址，未解析", most=MAX_LENGTH)
            yield row
            continue
        yield row_of(text, parse_address(text))


def read_addresses(
    filename: str,
    data: bytes,
    *,
    column: str | None = None,
    max_rows: int | None = None,
) -> list[str]:
    """The addresses of a file, in order, blank lines and cells kept as '' (one row each).

    A ``.csv``/``.xlsx``/``.xls`` file is a table: the address column is ``column`` (a header
    name), or the only column, or a column headed 地址/address/住址. Anything else is text
    with one address per line (UTF-8 or GBK/GB18030).
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv" or suffix in EXCEL_SUFFIXES:
        rows = _table_column(filename, data, column)
    else:
        if column:
            raise CleaningError(f"{filename}：文本文件每行一条地址，不能指定列（--column）")
        try:
            text = decode_csv_bytes(data, filename=filename)
        except TabularError as exc:
            raise CleaningError(str(exc)) from exc
        rows = text.splitlines()
        while rows and not rows[-1].strip():
            rows.pop()
    if max_rows is not None and len(rows) > max_rows:
        raise CleaningError(
            f"{filename}：共 {len(rows)} 条地址，超过单次上限 {max_rows} 条，请拆分后再提交"
        )
    return rows


def _table_column(filename: str, data: bytes, column: str | None) -> list[str]:
    try:
        sheets = read_sheets(filename, data=data)
    except TabularError as exc:
        raise CleaningError(str(exc)) from exc
    sheet = next((s for s in sheets if s.rows), None)
    if sheet is None:
        raise CleaningError(f"{filename}：文件为空")
    header = [cell.strip() for cell in sheet.rows[0]]
    named = [h for h in header if h]
    if column:
        if column not in header:
            raise CleaningError(
                f"{filename}：没有名为“{column}”的列（表头：{'、'.join(named) or '空'}）"
            )
        index = header.index(column)
    elif len(header) == 1:
        index = 0
    else:
        guesses = [h for h in _HEADER_GUESSES if h in header]
        if len(guesses) != 1:
            raise CleaningError(
                f"{filename}：有多列，请用 --column（接口为 column 参数）指定地址列"
                f"（表头：{'、'.join(named) or '空'}）"
            )
        index = header.index(guesses[0])
    return [row[index] if index < len(row) else "" for row in sheet.rows[1:]]


def write_csv(rows: Iterable[dict[str, str]], out: io.TextIOBase | io.StringIO) -> int:
    """Write the rows as UTF-8 CSV with a header (callers open the file with a BOM for Excel).

    A value that would start a formula in Excel or WPS (=, +, -, @: an address cell typed or
    planted as "=HYPERLINK(…)") is written as text, with a leading apostrophe, as every file
    the platform hands out (`core.tabular.export_cell`)."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow({key: export_cell(value) for key, value in row.items()})
        count += 1
    return count
