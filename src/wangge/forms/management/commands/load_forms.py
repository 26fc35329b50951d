"""`wangge load_forms [file.xlsx …]`: load the shipped forms (again), or upload XLSForms from
the command line as the machine's operator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.errors import ServiceError
from wangge.forms.services import load_shipped_forms, upload_form


class Command(BaseCommand):
    help = "加载系统自带的表单，或上传 XLSForm 文件"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", help="XLSForm 文件（.xlsx/.md/.csv）")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["files"]:
            for version in load_shipped_forms():
                self.stdout.write(f"{version.form.code} v{version.version}")
            return
        for name in options["files"]:
            path = Path(name)
            try:
                version = upload_form(None, path.read_bytes(), path.name)
            except (OSError, ServiceError) as exc:
                raise CommandError(f"{name}: {getattr(exc, 'message', exc)}") from exc
            self.stdout.write(f"{version.form.code} v{version.version}")
