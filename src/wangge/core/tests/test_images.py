"""A photo is taken only when it decodes: a truncated file, a decompression bomb or a polyglot
starts with the same bytes as a photo and is refused with a Chinese reason naming the file; a
real photo of any of the four kinds passes, whatever its compressed bytes happen to hold."""

from __future__ import annotations

import io
import random
import struct
import tracemalloc
import zipfile
import zlib

import pytest
from PIL import Image

from wangge.core.images import ImageRefused, check_image
from wangge.core.testing import PNG


def encoded(kind: str, size: tuple[int, int] = (64, 48), noise: bool = False) -> bytes:
    if noise:  # a photo's compressed bytes are as good as random
        rng = random.Random(7)
        image = Image.frombytes("RGB", size, rng.randbytes(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (200, 30, 30))
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()


def refused(data: bytes, name: str = "现场.jpg") -> str:
    with pytest.raises(ImageRefused) as caught:
        check_image(data, name)
    return caught.value.message


@pytest.mark.parametrize(
    ("kind", "content_type"),
    [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("GIF", "image/gif"), ("WEBP", "image/webp")],
)
def test_a_real_photo_of_each_kind_passes_with_its_content_type(kind, content_type):
    assert check_image(encoded(kind), "a") == content_type
    assert check_image(PNG, "p.png") == "image/png"


def test_photos_full_of_noise_are_not_mistaken_for_polyglots():
    # 3 MB of random-looking compressed bytes each: no marker is short enough to turn up by chance
    for kind in ("JPEG", "PNG"):
        assert check_image(encoded(kind, (1000, 1000), noise=True), "n").startswith("image/")


def test_a_file_that_only_starts_like_an_image_is_not_an_image():
    assert "“现场.jpg”不是图片" in refused(b"\xff\xd8\xff\xe0" + bytes(40))
    assert "不是图片" in refused(b"\x89PNG\r\n\x1a\n" + bytes(32))
    assert "不是图片" in refused(b"%PDF-1.4 ...")
    assert "不是图片" in refused(encoded("BMP"))  # an image, but not one of the four


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "GIF", "WEBP"])
def test_a_truncated_photo_is_refused_as_damaged(kind):
    whole = encoded(kind, (200, 150), noise=True)
    assert "照片“现场.jpg”已损坏或不完整" in refused(whole[: len(whole) * 2 // 3])


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims to be width × height: a few bytes of header and a tiny IDAT."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def test_a_decompression_bomb_is_refused_from_its_header_before_any_decoding():
    tracemalloc.start()
    try:
        message = refused(_png_header_only(8000, 8000), "bomb.png")
        huge = refused(_png_header_only(60000, 60000), "bomb.png")  # past Pillow's own limit
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert "照片“bomb.png”有8000×8000像素，超过5000万像素的上限" in message
    assert "照片“bomb.png”像素过多，超过5000万像素的上限" in huge
    assert peak < 5 * 1024 * 1024  # 64 MP would be 192 MB decoded


def test_a_real_deflate_bomb_is_refused_too():
    # 20,000 × 20,000 one-bit pixels compress to some 50 KB
    out = io.BytesIO()
    Image.new("1", (20000, 20000)).save(out, "PNG")
    assert len(out.getvalue()) < 100_000
    assert "像素过多" in refused(out.getvalue(), "bomb.png")


def test_polyglots_are_refused():
    photo = encoded("JPEG")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("run.js", "alert(1)")
    for crafted in (
        photo + b"<script>alert(document.cookie)</script>",  # a page a browser would run
        photo[:20] + b"<!DOCTYPE html><html><body>" + photo[20:],
        photo + b"<?php system($_GET['c']); ?>",
        photo + archive.getvalue(),  # JPEG + ZIP: an unzipper opens it from its end
        photo[:20] + b"%PDF-1.7\n" + photo[20:],  # a PDF reader looks in the first kilobyte
    ):
        assert "除图片外还夹带网页、脚本或压缩包内容" in refused(crafted)


def test_a_large_photo_is_checked_from_its_file_in_pieces_without_decoding_it_whole():
    photo = encoded("JPEG", (4000, 3000), noise=True)
    upload = io.BytesIO(photo)
    upload.seek(123)
    tracemalloc.start()
    try:
        assert check_image(upload, "大图.jpg") == "image/jpeg"
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert upload.tell() == 0  # left at its start for whoever stores it
    assert peak < 8 * 1024 * 1024  # 12 MP decoded whole would be 36 MB
