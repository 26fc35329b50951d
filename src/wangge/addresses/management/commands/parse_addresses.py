"""`wangge parse-addresses FILE [--column NAME] --out OUT.csv`: split an address column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.addresses.cleaning import CleaningError, parse_many, read_addresses, write_csv


class Command(BaseCommand):
    help = (
        "把地址拆分为省、市、区县、街道、社区、道路、门牌号、小区、楼栋、单元、楼层、户室"
        "（文本文件每行一条，或CSV/xlsx/ods的一列），写入CSV，每条输入一行。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="文本文件（每行一条地址）或 .csv/.xlsx/.xls/.ods")
        parser.add_argument("--column", help="地址所在列的表头（表格文件有多列时必填）")
        parser.add_argument("--out", required=True, help="输出的CSV文件")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise CommandError(f"找不到文件：{path}") from exc
        except OSError as exc:
            raise CommandError(f"无法读取文件：{path}（{exc.strerror}）") from exc
        try:
            addresses = read_addresses(path.name, data, column=options["column"])
        except CleaningError as exc:
            raise CommandError(str(exc)) from exc
        out = Path(options["out"])
        try:
            # UTF-8 with a BOM, so that Excel opens the Chinese text right.
            with out.open("w", encoding="utf-8-sig", newline="") as handle:
                count = write_csv(parse_many(addresses), handle)
        except OSError as exc:
            raise CommandError(f"无法写入：{out}（{exc.strerror}）") from exc
        self.stdout.write(f"已解析 {count} 条地址，写入 {out}")
