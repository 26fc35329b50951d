"""`wangge create-token USERNAME`: issue an API token for a department's system."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from wangge.access.services import create_api_token


class Command(BaseCommand):
    help = "为用户生成API令牌（只显示一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"用户 {options['username']} 不存在")
        token = create_api_token(None, user, options["name"])
        self.stdout.write(token)
