"""`wangge audit-verify`: sequence what is pending, walk the chain, name the first broken entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.audit.chain import parse_anchor
from wangge.audit.log import pending_count, verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链，指出第一条被修改或删除的记录"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--anchor",
            action="append",
            default=[],
            metavar="序号:哈希",
            help="保存在数据库之外的检查点（wangge audit-sequence 打印的“序号:哈希”），可重复",
        )
        parser.add_argument(
            "--anchor-file", type=Path, help="每行一个“序号:哈希”锚点的文件（如 cron 保存的输出）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        texts: list[str] = list(options["anchor"])
        if options["anchor_file"] is not None:
            try:
                lines = options["anchor_file"].read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise CommandError(f"无法读取锚点文件 {options['anchor_file']}：{exc}") from exc
            texts += [line.split()[-1] for line in lines if line.strip()]
        try:
            anchors = [parse_anchor(text) for text in texts]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        count, problem = verify_chain(anchors)
        if problem is not None:
            raise CommandError(f"审计日志校验失败（已检查 {count} 条）：{problem.message}")
        waiting = pending_count()
        note = f"；另有 {waiting} 条所属数据事务尚未结束，稍后排序入链" if waiting else ""
        self.stdout.write(f"审计日志完整：共 {count} 条，哈希链无断裂{note}。")
