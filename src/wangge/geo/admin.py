"""Regions and the staff posted in them in the Django admin: scoped and audited like the pages
(`wangge.access.admin_scope`). A street's staff see their street's regions and posts only."""

from django.contrib import admin

from wangge.access.admin_scope import ScopedAdmin
from wangge.geo.models import Region, StaffAssignment


@admin.register(Region)
class RegionAdmin(ScopedAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ScopedAdmin):
    list_display = ("region", "post", "name", "department")
    list_filter = ("post",)
    search_fields = ("name", "region__name")
    raw_id_fields = ("region", "user")
    exclude = ("phone_index",)
