"""Admin for the tables the district grid centre maintains: categories, departments, rules
(district level only, every look and change audited: `wangge.access.admin_scope.DistrictAdmin`).

Cases themselves are read-only here, scoped like the case pages and audited when opened; their
changes go through the services (timeline, audit).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.access.admin_scope import DistrictAdmin, ScopedAdmin
from wangge.cases.models import (
    Case,
    CaseEvent,
    Category,
    Department,
    DepartmentMembership,
    Responsibility,
)


@admin.register(Category)
class CategoryAdmin(DistrictAdmin):
    list_display = [
        "code",
        "name",
        "parent",
        "kind",
        "department",
        "response_hours",
        "handle_working_days",
        "active",
    ]
    list_filter = ["kind", "active", "source"]
    search_fields = ["code", "name", "name_en"]
    list_editable = ["response_hours", "handle_working_days", "active"]
    autocomplete_fields = ["parent"]


class MembershipInline(admin.TabularInline):
    model = DepartmentMembership
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Department)
class DepartmentAdmin(DistrictAdmin):
    list_display = ["code", "name", "region"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["region"]
    inlines = [MembershipInline]


@admin.register(Responsibility)
class ResponsibilityAdmin(DistrictAdmin):
    list_display = ["region", "category", "department", "post", "note"]
    list_filter = ["department"]
    search_fields = ["region__name", "region__code", "category__name", "department__name"]
    autocomplete_fields = ["region", "category", "department"]


class EventInline(admin.TabularInline):
    model = CaseEvent
    extra = 0
    can_delete = False
    fields = ("at", "kind", "actor_name", "department", "note")
    readonly_fields = ("at", "kind", "actor_name", "department", "note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Case)
class CaseAdmin(ScopedAdmin):
    """Read-only (cases have no CHANGE right: their changes are the timeline's services),
    scoped like the case pages, every list and case opened audited."""

    audit_type = "case"  # as the case pages record their views
    list_display = ["number", "title", "status", "channel", "category", "department", "created_at"]
    list_filter = ["status", "channel"]
    search_fields = ["number", "external_id", "title"]
    # The reporter's name and phone and the resident's tracking token are for the case pages
    # (where the handler sees them), not for browsing in the admin.
    exclude = ["reporter_name", "reporter_phone", "reporter_phone_index", "rating_token"]
    inlines = [EventInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Case._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
