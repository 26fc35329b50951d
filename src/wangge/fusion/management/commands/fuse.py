"""`wangge fuse LEDGER... --out result.csv`: the whole fusion from files, touching no data.

With `--grids` and `--addresses` it needs no database at all; without them it matches against
the platform's registry (read only).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.fusion.progress import ProgressBars
from wangge.fusion.readers import ReadLimits


class Command(BaseCommand):
    help = (
        "把多个台账（.xlsx/.xls/.ods/.csv）汇聚为一人一档：识别表头和列，校验规范化，"
        "人员比对合并，按户室分户，结果写入CSV。不写数据库。"
    )
    # The system checks import every URL module and API router (about half a second);
    # this command serves no URL and writes no table, so none of them guards it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ledgers", nargs="+", help="台账文件")
        parser.add_argument("--out", required=True, help="结果CSV文件")
        parser.add_argument("--grids", help="grids.geojson（不给则用平台的网格）")
        parser.add_argument("--addresses", help="addresses.csv 标准地址（不给则用平台的标准地址）")
        parser.add_argument("--review-out", help="待核实的疑似同一人记录写入此CSV")
        parser.add_argument(
            "--allow-rejects",
            action="store_true",
            help="即使某个工作表大部分行无法导入也继续（默认整批拒绝）",
        )
        parser.add_argument("--no-progress", action="store_true", help="不显示进度条")

    def handle(self, *args: Any, **options: Any) -> None:
        from wangge.fusion.pipeline import (
            FusionError,
            fuse_files,
            write_result_csv,
            write_review_csv,
        )
        from wangge.fusion.registry import Registry, RegistryError

        for path in options["ledgers"]:
            if not Path(path).is_file():
                raise CommandError(f"找不到台账文件：{path}")
        started = time.perf_counter()
        if options["grids"] and not options["addresses"]:
            raise CommandError("给了 --grids 也需要给 --addresses（标准地址）")

        loaded: list[Registry] = []

        def load_registry() -> Registry:
            if options["addresses"]:
                registry = Registry.from_files(
                    options["addresses"],
                    options["grids"],
                    snap_metres=settings.WANGGE_REGISTRY_SNAP_METRES,
                )
                loaded.append(registry)
                return registry
            from wangge.fusion.services import platform_registry

            return platform_registry()

        bars = ProgressBars(enabled=not options["no_progress"])
        try:
            result = fuse_files(
                options["ledgers"],
                load_registry,
                limits=ReadLimits(),
                progress=bars.update,
                allow_rejects=options["allow_rejects"],
            )
        except FusionError as exc:
            raise CommandError("台账无法汇聚：\n" + "\n".join(exc.problems)) from exc
        except (RegistryError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bars.close()
        write_result_csv(result, options["out"])
        if options["review_out"]:
            write_review_csv(result, options["review_out"])

        s = result.summary()
        for registry in loaded:
            for warning in registry.warnings:
                self.stderr.write(f"注意：{warning}")
        for skipped in result.skipped:
            self.stderr.write(f"跳过 {skipped}")
        # What the import page says beside each sheet (hidden sheets and rows read, title rows
        # skipped, formulas without results…): a clerk at the command line needs it as much.
        for report in result.sheets:
            for note in report.notes:
                self.stderr.write(f"{report.where}：{note}")
        self.stdout.write(
            f"读入 {s['rows']} 行 → {s['persons']} 人、{s['households']} 户；"
            f"通过 {s['accepted']}，待核实 {s['doubtful']}，拒绝 {s['rejected']}，"
            f"地址未匹配 {s['unmatched_addresses']}。结果已写入 {options['out']}"
        )
        stages = result.timings
        self.stdout.write(
            "用时："
            + "，".join(f"{k} {v:.1f}s" for k, v in stages.items())
            + f"，合计 {time.perf_counter() - started:.1f}s"
        )
