"""`wangge load-grids FILE.geojson`: regions and grid polygons, validated first, all or nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wangge.core.commands import run_loader
from wangge.geo.services import load_grids


class Command(BaseCommand):
    help = "导入区域与网格边界（grids.geojson）。有任何错误则不导入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = run_loader(load_grids, options["file"])
        self.stdout.write(f"已导入区域：新建 {summary.created}，更新 {summary.updated}。")
