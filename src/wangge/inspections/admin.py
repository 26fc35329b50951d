"""Issuing units (the district grid centre sets their word prefix) and the number blocks
reserved to inspectors (read only: they are handed out by `numbering`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.access.admin_scope import DistrictAdmin
from wangge.inspections.models import IssuingUnit, NumberBlock


@admin.register(IssuingUnit)
class IssuingUnitAdmin(DistrictAdmin):
    list_display = ["code", "name", "prefix", "region"]
    search_fields = ["code", "name", "prefix"]


@admin.register(NumberBlock)
class NumberBlockAdmin(DistrictAdmin):
    list_display = ["unit", "year", "first", "last", "inspector", "reserved_at"]
    list_filter = ["year"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
