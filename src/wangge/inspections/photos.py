"""Photos of hazards and signed notices: checked to be images by decoding them
(`core.images.check_image`: truncated files, decompression bombs and polyglots refused), kept
encrypted at rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from wangge.access.fields import data_cipher
from wangge.core.errors import ServiceError
from wangge.core.images import ImageRefused, check_image

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def checked(photos: Sequence[Any]) -> list[tuple[bytes, str]]:
    """(ciphertext, content type) of each upload, or a Chinese refusal naming the file."""
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(_("照片最多%(most)s张") % {"most": MAX_PHOTOS})
    out = []
    for photo in photos:
        name = getattr(photo, "name", "") or "照片"
        if (getattr(photo, "size", 0) or 0) > MAX_PHOTO_BYTES:
            raise ServiceError(_("照片“%(name)s”超过10MB，请压缩后再上传") % {"name": name})
        if hasattr(photo, "seek"):
            photo.seek(0)
        # At most one byte past the limit is read: a file that did not say its size is not
        # taken whole into memory to be refused.
        raw = photo.read(MAX_PHOTO_BYTES + 1) if hasattr(photo, "read") else bytes(photo)
        if len(raw) > MAX_PHOTO_BYTES:
            raise ServiceError(_("照片“%(name)s”超过10MB，请压缩后再上传") % {"name": name})
        try:
            kind = check_image(raw, name)
        except ImageRefused as exc:
            raise ServiceError(exc.message) from exc
        out.append((data_cipher().encrypt_bytes(raw), kind))
    return out


def plain(data: bytes | memoryview) -> bytes:
    return data_cipher().decrypt_bytes(bytes(data))
