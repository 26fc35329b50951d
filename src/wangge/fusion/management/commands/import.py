"""`wangge import LEDGER...`: stage a batch, show its summary, commit on confirmation.

`--yes` commits without asking (for scripts); `--undo BATCH` undoes a committed batch.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.errors import ServiceError
from wangge.fusion.progress import ProgressBars


class Command(BaseCommand):
    help = "导入台账到平台：先暂存并显示汇总（新增、匹配、待核实、拒绝、地址未匹配），确认后整批写入；可撤销。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("ledgers", nargs="*", help="台账文件")
        parser.add_argument("--yes", action="store_true", help="不询问，直接确认导入")
        parser.add_argument("--label", default="", help="批次说明")
        parser.add_argument("--undo", type=int, metavar="BATCH", help="撤销已导入的批次")
        parser.add_argument(
            "--allow-rejects", action="store_true", help="即使大部分行无法导入也继续"
        )
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from wangge.fusion.services import Upload, commit_batch, stage_batch, undo_batch

        if options["undo"]:
            try:
                batch = undo_batch(None, options["undo"])
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"批次 {batch.pk} 已撤销，数据已恢复到导入之前。")
            return
        if not options["ledgers"]:
            raise CommandError("请给出要导入的台账文件")
        uploads = []
        for path in options["ledgers"]:
            if not Path(path).is_file():
                raise CommandError(f"找不到台账文件：{path}")
            uploads.append(Upload(Path(path).name, Path(path).read_bytes()))
        bars = ProgressBars(enabled=not options["no_progress"])
        started = time.perf_counter()
        try:
            batch = stage_batch(
                None,
                uploads,
                channel="cli",
                label=options["label"],
                allow_rejects=options["allow_rejects"],
                progress=bars.update,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        finally:
            bars.close()
        s = batch.summary
        self.stdout.write(
            f"批次 {batch.pk} 已暂存（{time.perf_counter() - started:.1f}s）：读入 {s['rows']} 行，"
            f"{s['persons']} 人、{s['households']} 户；通过 {s['accepted']}，"
            f"待核实 {s['doubtful']}，拒绝 {s['rejected']}，地址未匹配 {s['unmatched_addresses']}。"
        )
        for skipped in s.get("skipped", []):
            self.stdout.write(f"跳过 {skipped}")
        # The notes the batch's page shows beside each sheet, as the page stores them.
        for file in batch.files:
            for sheet in file["sheets"]:
                where = file["name"] + (f"［{sheet['name']}］" if sheet["name"] else "")
                for note in sheet["notes"]:
                    self.stdout.write(f"{where}：{note}")
        if not options["yes"]:
            if not sys.stdin.isatty():
                self.stdout.write(f"未确认，批次 {batch.pk} 保留为待确认；加 --yes 可直接导入。")
                return
            answer = input("确认导入？[y/N] ").strip().lower()
            if answer not in ("y", "yes", "是"):
                self.stdout.write(f"未导入；批次 {batch.pk} 保留为待确认，可在网页上核实后导入。")
                return
        started = time.perf_counter()
        try:
            summary = commit_batch(None, batch.pk, progress=bars.update)
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        finally:
            bars.close()
        self.stdout.write(
            f"批次 {batch.pk} 已导入（{time.perf_counter() - started:.1f}s）："
            f"新增 {summary.persons_created} 人，匹配已有 {summary.persons_matched} 人"
            f"（更新 {summary.persons_updated}），新增 {summary.households_created} 户，"
            f"居住记录 {summary.residences_created} 条；已导入过而跳过 {summary.rows_skipped} 行，"
            f"待核实未导入 {summary.rows_held} 行，移交 {summary.handed_over} 人。撤销：wangge import --undo {batch.pk}"
        )
