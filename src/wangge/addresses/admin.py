"""Buildings, units and rooms in the Django admin: scoped and audited like the pages
(`wangge.access.admin_scope`): staff see and change only the ones in their area."""

from django.contrib import admin

from wangge.access.admin_scope import ScopedAdmin
from wangge.addresses.models import Building, Room, Unit


@admin.register(Building)
class BuildingAdmin(ScopedAdmin):
    list_display = ("road", "number", "name", "kind", "community", "grid")
    search_fields = ("road", "number", "name")
    raw_id_fields = ("community", "grid")


@admin.register(Unit)
class UnitAdmin(ScopedAdmin):
    list_display = ("building", "name")
    raw_id_fields = ("building",)


@admin.register(Room)
class RoomAdmin(ScopedAdmin):
    list_display = ("address_code", "building", "unit", "name", "use", "grid")
    list_filter = ("use",)
    search_fields = ("address_code",)
    raw_id_fields = ("building", "unit", "grid")
