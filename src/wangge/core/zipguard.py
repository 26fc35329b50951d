"""Zip bombs stopped before a spreadsheet library inflates them.

An .xlsx is a zip of XML: a 300 KB file can unpack to gigabytes, and calamine inflates a sheet
into memory whole. Every reader of uploaded spreadsheets (ledgers, hotline exports, category and
registry files) passes the bytes through `check_archive` first: one rule, whose limits ledger
imports may set in settings. Sizes a zip declares are whatever its author wrote, so after the
cheap check of the declared sizes every member is inflated here, in chunks, straight from its
local header, and counted. Pure Python, no Django.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

# Members smaller than this are never judged by their ratio: tiny, very regular XML parts
# (styles, empty sheets) compress far better than data and are harmless.
RATIO_FLOOR_BYTES = 1024 * 1024
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_uncompressed_bytes: int = 1024 * 1024 * 1024  # all members together
    max_compression_ratio: float = 200.0  # per member


class ZipBomb(ValueError):
    """The archive unpacks to more than the limits allow."""


class BrokenZip(ValueError):
    """Not a zip, or one whose members cannot be inflated."""


def check_archive(raw: bytes, limits: ZipLimits = ZipLimits()) -> zipfile.ZipFile:
    """The archive, once every member has been counted within `limits`."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise BrokenZip(str(exc)) from exc
    declared = 0
    for member in members:
        declared += member.file_size
        if declared > limits.max_uncompressed_bytes or (
            member.file_size > RATIO_FLOOR_BYTES
            and member.file_size / max(member.compress_size, 1) > limits.max_compression_ratio
        ):
            raise ZipBomb(member.filename)
    inflated = 0
    for member in members:
        inflated += _inflate_counting(raw, member, limits, inflated)
    return archive


def _inflate_counting(
    raw: bytes, member: zipfile.ZipInfo, limits: ZipLimits, inflated_before: int
) -> int:
    offset = member.header_offset
    header = raw[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise BrokenZip(f"{member.filename}: no local header")
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = offset + 30 + name_len + extra_len
    compressed = memoryview(raw)[start : start + member.compress_size]
    if len(compressed) < member.compress_size:
        raise BrokenZip(f"{member.filename}: truncated")
    if member.compress_type == zipfile.ZIP_STORED:
        return len(compressed)
    if member.compress_type != zipfile.ZIP_DEFLATED:
        raise BrokenZip(f"{member.filename}: compression {member.compress_type}")
    inflater = zlib.decompressobj(-15)
    produced = 0
    position = 0
    while position < len(compressed) or inflater.unconsumed_tail:
        if inflater.unconsumed_tail:
            piece = inflater.unconsumed_tail
        else:
            piece = compressed[position : position + CHUNK]
            position += CHUNK
        try:
            out = inflater.decompress(piece, CHUNK)
        except zlib.error as exc:
            raise BrokenZip(f"{member.filename}: {exc}") from exc
        produced += len(out)
        if (
            inflated_before + produced > limits.max_uncompressed_bytes
            or produced > member.file_size + CHUNK  # more than it declared: a lying header
            or (
                produced > RATIO_FLOOR_BYTES
                and produced / max(member.compress_size, 1) > limits.max_compression_ratio
            )
        ):
            raise ZipBomb(member.filename)
        if inflater.eof:
            break
    if not inflater.eof:
        raise BrokenZip(f"{member.filename}: ends early")
    return produced
