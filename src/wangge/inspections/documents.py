"""The printable notice: a .docx from the template (docxtpl, Jinja tags in a Word file) and a
PDF converted from it by LibreOffice headless.

The template (`data/notice_template.docx`) is a source file: open it in Word, WPS or
LibreOffice to change the wording; the tags (`{{ number }}`, `{%p for item in items %}`…) are
the fields listed in `context`. LibreOffice is found as `soffice` on the PATH (Debian package
`libreoffice-writer-nogui`) or at WANGGE_SOFFICE; each conversion has a profile directory of its
own, so conversions may run side by side.
"""

from __future__ import annotations

import fcntl
import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from docxtpl import DocxTemplate

from wangge.core.errors import Busy, ServiceError
from wangge.inspections.models import Hazard, Notice, NoticeKind

TEMPLATE = Path(__file__).parent / "data" / "notice_template.docx"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CONVERT_TIMEOUT = 120


def _date(value: Any) -> str:
    local = timezone.localtime(value)
    return f"{local.year}年{local.month}月{local.day}日"


def context(notice: Notice, hazards: list[Hazard] | None = None) -> dict[str, Any]:
    if hazards is None:
        hazards = list(notice.hazards.order_by("pk"))
    inspector = notice.issued_by
    return {
        "unit_name": notice.unit.name,
        "title": NoticeKind(notice.kind).label,
        "number": notice.number,
        "place_name": notice.place.name,
        "place_address": notice.place.address or "—",
        "responsible_person": notice.place.responsible_person,
        "issued_date": _date(notice.issued_at),
        "deadline": _date(notice.deadline) if notice.deadline else "",
        "deadline_days": notice.deadline_days or "",
        "inspector": (inspector.get_full_name() or inspector.get_username()) if inspector else "",
        "items": [
            {
                "category": h.get_category_display(),
                "severity": h.get_severity_display(),
                "description": h.description or h.get_category_display(),
            }
            for h in hazards
        ],
    }


def render_docx(notice: Notice, hazards: list[Hazard] | None = None) -> bytes:
    template = DocxTemplate(str(TEMPLATE))
    template.render(context(notice, hazards), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def soffice() -> str | None:
    return settings.WANGGE_SOFFICE or shutil.which("soffice") or shutil.which("libreoffice")


# How long a request waits for one of the conversion slots before it is told to come back.
SLOT_WAIT = 5.0


@contextmanager
def conversion_slot() -> Iterator[None]:
    """One of WANGGE_PDF_CONVERSIONS LibreOffice slots on this machine, across all processes.

    A conversion is a LibreOffice process of a few hundred MB for seconds (38 s on a loaded
    machine): anyone who may open a notice could otherwise start as many at once as they send
    requests. A slot is an exclusive lock on a file in the data directory (released by the
    kernel if the process dies); with none free within SLOT_WAIT the answer is 503, try again
    or take the Word version, which needs no conversion.
    """
    directory = settings.DATA_DIR / "locks"
    directory.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + SLOT_WAIT
    while True:
        for slot in range(max(1, settings.WANGGE_PDF_CONVERSIONS)):
            handle = (directory / f"pdf-{slot}.lock").open("a+b")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
            return
        if time.monotonic() >= deadline:
            raise Busy(_("正在生成的PDF较多，请稍后再试，或先下载Word版本"))
        time.sleep(0.2)


def to_pdf(docx: bytes) -> bytes:
    """The same document as PDF, through LibreOffice headless, in one of the slots."""
    program = soffice()
    if program is None:
        raise ServiceError(_("服务器未安装LibreOffice（soffice），无法生成PDF，请下载Word版本"))
    with conversion_slot(), tempfile.TemporaryDirectory(prefix="wangge-notice-") as tmp:
        work = Path(tmp)
        source = work / "notice.docx"
        source.write_bytes(docx)
        command = [
            program,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ]
        try:
            subprocess.run(
                command,
                check=True,
                capture_output=True,
                timeout=CONVERT_TIMEOUT,
                env={**os.environ, "HOME": tmp},
            )
        except (subprocess.SubprocessError, OSError) as exc:
            raise ServiceError(
                _("PDF生成失败（%(name)s），请下载Word版本") % {"name": type(exc).__name__}
            ) from exc
        target = work / "notice.pdf"
        if not target.is_file():
            raise ServiceError(_("PDF生成失败，请下载Word版本"))
        return target.read_bytes()
