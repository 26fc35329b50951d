"""Photos attached to a report, a handling or a verification: checked by decoding them
(`core.images.check_image`: truncated files, decompression bombs and polyglots refused), not by
their name or first bytes."""

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
from wangge.core.images import ImageRefused, check_image

MAX_PHOTOS = 9
MAX_PHOTO_BYTES = 10 * 1024 * 1024


def _check_photos(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(photos) > MAX_PHOTOS:
        raise ServiceError(_("照片最多%(n)s张") % {"n": MAX_PHOTOS})
    checked = []
    for photo in photos:
        name = photo.name or _("照片")
        if (photo.size or 0) > MAX_PHOTO_BYTES:
            raise ServiceError(_("照片“%(name)s”超过10MB，请压缩后再上传") % {"name": name})
        try:
            kind = check_image(photo, name)  # the upload's own file, read once in pieces
        except ImageRefused as exc:
            raise ServiceError(exc.message) from exc
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
