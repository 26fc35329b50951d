"""`wangge audit-sequence`: chain the pending audit entries now and print the newest checkpoint.

The scheduler runs the same function every minute; this command is for cron without the
scheduler, and for keeping anchors: append its last line to a file on another machine and pass
that file to `wangge audit-verify --anchor-file`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wangge.audit.log import chain_keys, latest_checkpoint, sequence_pending


class Command(BaseCommand):
    help = "将待排序的审计记录排序入链，并打印最新的签名检查点（序号:哈希）"

    def handle(self, *args: Any, **options: Any) -> None:
        done = sequence_pending()
        checkpoint = latest_checkpoint()
        self.stdout.write(f"本次排序入链 {done} 条。")
        if checkpoint is not None:
            self.stdout.write(f"签名公钥 {chain_keys().public_key_hex}")
            self.stdout.write(
                f"{checkpoint.at.isoformat()} {checkpoint.signature} "
                f"{checkpoint.seq}:{checkpoint.entry_hash}"
            )
