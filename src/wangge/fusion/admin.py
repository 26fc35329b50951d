"""Batches and templates in the admin are read-only records: changes go through the services.
Batches are scoped like the import pages (`fusion.importbatch` in `access.scoping`: the offices
over the uploading office); templates, shared by every office, are the district grid centre's.
Every look is audited (`wangge.access.admin_scope`)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from wangge.access.admin_scope import DistrictAdmin, ScopedAdmin
from wangge.fusion.models import ImportBatch, MappingTemplate


@admin.register(ImportBatch)
class ImportBatchAdmin(ScopedAdmin):
    list_display = (
        "id",
        "status",
        "label",
        "channel",
        "region",
        "created_by",
        "created_at",
        "committed_at",
    )
    list_filter = ("status", "channel")
    search_fields = ("label",)
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # deleting a committed batch would leave its persons without provenance


@admin.register(MappingTemplate)
class MappingTemplateAdmin(DistrictAdmin):
    list_display = ("name", "created_by", "created_at")
    search_fields = ("name", "signature")
    readonly_fields = ("signature", "created_by", "created_at")
