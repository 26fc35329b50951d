"""Photos attached to a report, a handling or a verification: checked by their bytes, not their name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from wangge.cases.models import (
    Case,
    CaseEvent,
    CasePhoto,
    PhotoStage,
)
from wangge.cases.services.common import PUBLIC_CHANNELS, _is_user
from wangge.core.errors import ServiceError

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def _image_type(head: bytes) -> str | None:
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    return None


def _check_photos(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(_("照片最多%(n)s张") % {"n": MAX_PHOTOS})
    checked = []
    for photo in photos:
        name = photo.name or _("照片")
        if (photo.size or 0) > MAX_PHOTO_BYTES:
            raise ServiceError(_("照片“%(name)s”超过10MB，请压缩后再上传") % {"name": name})
        photo.seek(0)
        kind = _image_type(photo.read(16))
        photo.seek(0)
        if kind is None:
            raise ServiceError(_("“%(name)s”不是图片（支持JPEG、PNG、WebP、GIF）") % {"name": name})
        checked.append((photo, kind))
    return checked


def _save_photos(
    case: Case,
    event: CaseEvent,
    photos: list[tuple[UploadedFile, str]],
    stage: str,
    actor: Any,
) -> None:
    # A resident's report photos through a public channel are public (the report page and
    # Open311 say so) unless they asked to keep the report private.
    public = (
        stage == PhotoStage.REPORT
        and case.channel in PUBLIC_CHANNELS
        and not case.description_private
    )
    for photo, kind in photos:
        CasePhoto.objects.create(
            case=case,
            event=event,
            stage=stage,
            image=photo,
            content_type=kind,
            uploaded_by=actor if _is_user(actor) else None,
            public=public,
        )
