"""`wangge case-sweep`: reminders before deadlines, escalation after; run it from cron/systemd."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from wangge.cases.services.deadlines import sweep_deadlines


class Command(BaseCommand):
    help = "检查案件时限：即将到期的提醒承办部门，超期的逐级督办（街道、区网格中心）。建议每5分钟运行一次。"

    def handle(self, *args: Any, **options: Any) -> None:
        result = sweep_deadlines()
        self.stdout.write(f"到期提醒 {result.reminded} 件，超期督办 {result.escalated} 件。")
