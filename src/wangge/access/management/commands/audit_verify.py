"""`wangge audit-verify`: walk the audit hash chain and name the first broken entry."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from wangge.access.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链，指出第一条被修改或删除的记录"

    def handle(self, *args: Any, **options: Any) -> None:
        count, problem = verify_chain()
        if problem is not None:
            raise CommandError(f"审计日志校验失败（已检查 {count} 条）：{problem.message}")
        self.stdout.write(f"审计日志完整：共 {count} 条，哈希链无断裂。")
