"""`wangge load-addresses FILE`: load the standard address registry, all or nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from wangge.addresses.services import load_addresses
from wangge.core.commands import run_loader


class Command(BaseCommand):
    help = "导入标准地址（addresses.csv、.xlsx 或 .ods；中英文表头均可）。有任何错误则不导入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = run_loader(load_addresses, options["file"])
        for warning in summary.warnings:
            self.stderr.write(f"注意：{warning}")
        self.stdout.write(
            f"已导入 {summary.rows} 个户室：新建楼栋 {summary.buildings_created}，"
            f"新建户室 {summary.rooms_created}，更新户室 {summary.rooms_updated}。"
        )
