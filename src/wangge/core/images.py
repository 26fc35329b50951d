"""Is an uploaded photo really an image? Its first bytes say only what it claims to be: a
truncated file, a decompression bomb (a few kilobytes that decode to gigapixels) or a polyglot
(a valid image that is also a web page, a script or an archive) start like any photo. So the
image is decoded here with Pillow, at a bounded cost, before anything is stored:

- the pixel count is read from the header and refused above `MAX_PIXELS` before any decoding
  (Pillow's own `DecompressionBombError` is caught too);
- a JPEG is decoded in draft mode at 1/8 scale (libjpeg still reads every coefficient of the
  file, so a truncated or corrupt stream fails, but the pixels kept are 64 times fewer); other
  formats decode their first frame in full, which the pixel cap bounds (50 MP: 200 MB RGBA);
- a file carrying markup or a script (`<script`, `<html`, `<?php`, `<svg`…) anywhere, a zip
  archive's directory at its end (JPEG + ZIP, "GIFAR") or a PDF header in its first kilobyte is
  a polyglot and refused: a browser, an unzipper or a PDF reader would take it for something
  else.

The upload is read from the file object as it is (Django's upload, kept on disk past 2.5 MB),
never copied into memory a second time; callers that already hold the bytes pass them.
Every refusal is an `ImageRefused` with a Chinese message naming the file; nothing raised by a
decoder escapes (never a 500).
"""

from __future__ import annotations

import io
import re
import warnings
from typing import IO

from django.utils.translation import gettext as _

MAX_PIXELS = 50_000_000  # a 50-megapixel phone photo; ODK's checklist photos are ≤ 1280 px
KINDS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "GIF": "image/gif"}
# Markup a browser would run or render, whatever the file's first bytes say. Each marker is long
# enough (six characters or more) that a photo's compressed pixels, which are bytes at random,
# hold one by chance less than once in a hundred thousand 10 MB files: `<svg` or `<html` alone
# would be found in about one photo in a hundred.
_MARKUP = re.compile(
    rb"<(?:script|iframe|object|embed\s|svg\s+xmlns|html[\s>]|body[\s>]|!doctype\s+html)"
    rb"|javascript:|(?-i:<\?php)",
    re.IGNORECASE,
)
_ZIP_END = b"PK\x05\x06"  # end of a zip's central directory: an unzipper starts from it
_CHUNK = 1024 * 1024


class ImageRefused(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def check_image(source: bytes | IO[bytes], name: str) -> str:
    """The content type of a photo that decodes, or `ImageRefused` saying why not."""
    from PIL import Image

    handle: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            handle.seek(0)
            image = Image.open(handle, formats=list(KINDS))  # the header only
            kind = KINDS.get(image.format or "")
            width, height = image.size
            if kind is None:
                raise ImageRefused(_not_image(name))
            if width * height > MAX_PIXELS:
                raise ImageRefused(_too_many(name, width, height))
            handle.seek(0)
            if _polyglot(handle):
                raise ImageRefused(
                    _(
                        "“%(name)s”除图片外还夹带网页、脚本或压缩包内容，不予接收，"
                        "请上传相机拍摄的原图"
                    )
                    % {"name": name}
                )
            handle.seek(0)
            image = Image.open(handle, formats=list(KINDS))
            if image.format == "JPEG":
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except ImageRefused:
        raise
    except Image.DecompressionBombError as exc:
        raise ImageRefused(_too_many(name)) from exc
    except Image.UnidentifiedImageError as exc:
        raise ImageRefused(_not_image(name)) from exc
    except Exception as exc:  # noqa: BLE001 - a decoder's error is the file's fault, never a 500
        raise ImageRefused(
            _("照片“%(name)s”已损坏或不完整，无法打开，请重新拍摄或重新选择") % {"name": name}
        ) from exc
    finally:
        handle.seek(0)
    return kind


def _not_image(name: str) -> str:
    return _("“%(name)s”不是图片（支持JPEG、PNG、WebP、GIF）") % {"name": name}


def _too_many(name: str, width: int = 0, height: int = 0) -> str:
    if width and height:
        return _(
            "照片“%(name)s”有%(width)s×%(height)s像素，超过5000万像素的上限，"
            "请用手机相机拍摄或压缩后再上传"
        ) % {"name": name, "width": width, "height": height}
    return _("照片“%(name)s”像素过多，超过5000万像素的上限，请用手机相机拍摄或压缩后再上传") % {
        "name": name
    }


def _polyglot(handle: IO[bytes]) -> bool:
    """Markup anywhere, a PDF header in the first kilobyte, a zip directory in the last 64 KB;
    read a megabyte at a time (a piece's tail carried over so a marker cut in two is found)."""
    tail = b""
    first = True
    last = b""
    while chunk := handle.read(_CHUNK):
        if first and b"%PDF-" in chunk[:1024]:
            return True
        first = False
        piece = tail + chunk
        if _MARKUP.search(piece):
            return True
        tail = piece[-16:]
        last = (last + chunk)[-(65536 + 22) :]
    return _zip_at_end(last)


def _zip_at_end(last: bytes) -> bool:
    """A zip's end-of-directory record, whose directory offset and size fit before it: what
    an unzipper looks for. Four random bytes matching `PK\\x05\\x06` are not enough."""
    at = last.rfind(_ZIP_END)
    while at != -1:
        record = last[at : at + 22]
        if len(record) == 22:
            comment = int.from_bytes(record[20:22], "little")
            if at + 22 + comment == len(last) and b"PK\x01\x02" in last[:at]:
                return True
        at = last.rfind(_ZIP_END, 0, at)
    return False
