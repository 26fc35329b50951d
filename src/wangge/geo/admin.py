from django.contrib import admin

from wangge.geo.models import Region, StaffAssignment


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    raw_id_fields = ("parent",)


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(admin.ModelAdmin):
    list_display = ("region", "post", "name", "department")
    list_filter = ("post",)
    search_fields = ("name", "region__name")
    raw_id_fields = ("region", "user")
    exclude = ("phone_index",)
