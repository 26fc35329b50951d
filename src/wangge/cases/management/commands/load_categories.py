"""`wangge load-categories [FILE]`: the case category table (default: the shipped catalogue)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.cases.services.categories import DEFAULT_CATEGORY_FILE, load_categories
from wangge.core.commands import run_loader
from wangge.core.errors import ServiceError


class Command(BaseCommand):
    help = "导入或更新案件类别表（CSV/xlsx，按编码更新）。不给文件则导入随项目发布的类别表。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default=str(DEFAULT_CATEGORY_FILE))

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            summary = run_loader(load_categories, options["file"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(
            f"案件类别：新建 {summary.created}，更新 {summary.updated}；"
            f"新建部门 {summary.departments_created}。"
        )
