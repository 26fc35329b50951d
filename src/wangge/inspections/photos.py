"""Photos of hazards and signed notices: checked to be images, kept encrypted at rest."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from wangge.access.fields import data_cipher
from wangge.core.errors import ServiceError

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def image_type(head: bytes) -> str | None:
    if head[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def checked(photos: Sequence[Any]) -> list[tuple[bytes, str]]:
    """(ciphertext, content type) of each upload, or a Chinese refusal naming the file."""
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(f"照片最多{MAX_PHOTOS}张")
    out = []
    for photo in photos:
        name = getattr(photo, "name", "") or "照片"
        if (getattr(photo, "size", 0) or 0) > MAX_PHOTO_BYTES:
            raise ServiceError(f"照片“{name}”超过10MB，请压缩后再上传")
        if hasattr(photo, "seek"):
            photo.seek(0)
        raw = photo.read() if hasattr(photo, "read") else bytes(photo)
        if len(raw) > MAX_PHOTO_BYTES:
            raise ServiceError(f"照片“{name}”超过10MB，请压缩后再上传")
        kind = image_type(raw[:16])
        if kind is None:
            raise ServiceError(f"“{name}”不是图片（支持JPEG、PNG、WebP、GIF）")
        out.append((data_cipher().encrypt_bytes(raw), kind))
    return out


def plain(data: bytes | memoryview) -> bytes:
    return data_cipher().decrypt_bytes(bytes(data))
