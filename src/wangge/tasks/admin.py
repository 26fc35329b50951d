"""Tasks in the admin: read-only and scoped like the workbench; their changes go through the
services (audit, due dates, escalation)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.access.admin_scope import ScopedAdmin
from wangge.tasks.models import Task


@admin.register(Task)
class TaskAdmin(ScopedAdmin):
    audit_type = "tasks.task"
    list_display = ["title", "kind", "region", "assignee", "status", "due_date", "escalation_level"]
    list_filter = ["kind", "status", "escalation_level"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Task._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
