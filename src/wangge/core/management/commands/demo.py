"""`wangge demo [--size N] [--seed S] [--reset]`: a ready-to-explore demo district in one step.

It migrates first so that a fresh data directory needs no other command, then prints what was
built and the accounts to log in with, because that is what someone trying the platform needs
next.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.core.demo import DemoSummary, build_demo
from wangge.core.errors import ServiceError


class Command(BaseCommand):
    help = "生成演示数据：朝阳区京广路街道的社区、网格、房屋、住户、人员和演示账号"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--size", type=int, default=3000, help="实有人口数（约数），默认3000")
        parser.add_argument(
            "--seed", type=int, default=20201, help="随机种子，相同种子生成相同数据"
        )
        parser.add_argument("--reset", action="store_true", help="删除现有演示数据后按新参数重建")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            # A line every few seconds at most: enough to see a 500,000-person build move.
            now = time.monotonic()
            if options["verbosity"] < 1 or (now - last[0] < 3 and done < total):
                return
            last[0] = now
            share = f" {done:,}/{total:,}" if total > 1 else ""
            sys.stderr.write(f"  {stage}{share}\n")

        try:
            summary = build_demo(
                size=options["size"],
                seed=options["seed"],
                reset=options["reset"],
                progress=progress,
            )
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        self._print(summary)

    def _print(self, summary: DemoSummary) -> None:
        out = self.stdout
        c = summary.counts
        out.write(f"{summary.message}，用时 {summary.seconds:.1f} 秒")
        out.write("")
        rows = [
            ("社区", c["communities"]),
            ("网格", c["grids"]),
            ("楼栋/院落", c["buildings"]),
            ("户室", c["rooms"]),
            ("其中出租房屋", c["rented_rooms"]),
            ("住户", c["households"]),
            ("实有人口", c["residents"]),
            ("岗位人员", c["staff"]),
        ]
        if "cases" in c:
            rows += [
                ("案件", c["cases"]),
                ("其中未结案", c.get("open_cases", 0)),
                ("其中待定位", c.get("to_place", 0)),
            ]
        if "import_batches" in c:
            rows.append(("台账导入批次", c["import_batches"]))
        for label, value in rows:
            out.write(f"  {_pad(label, 14)}{value:>10,}")
        out.write(
            f"  {_pad('流动人口占比', 14)}{summary.floating_share:>10.1%}"
            f"（境外人员 {c['overseas']:,} 人）"
        )
        out.write("")
        out.write("演示账号：")
        header = (_pad("用户名", 12), _pad("密码", 14), _pad("角色", 26), "区域")
        out.write("  " + "".join(header))
        for account in summary.accounts:
            out.write(
                "  "
                + _pad(account.username, 12)
                + _pad(account.password, 14)
                + _pad(account.role_label, 26)
                + f"{account.region_name}（{account.region_code}）"
            )
        out.write("")
        out.write(
            "用上面的账号登录网格平台（scripts/demo 会接着启动服务；单独运行时用 "
            "`wangge serve [--host] [--port]`，默认 http://127.0.0.1:8000/）。"
            "admin 账号还可进入 /admin/ 管理后台。"
        )


def _pad(text: str, width: int) -> str:
    """Left-align in a monospace terminal, where each Chinese character takes two columns."""
    used = sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)
    return text + " " * max(1, width - used)
