from django.contrib import admin

from wangge.addresses.models import Building, Room, Unit


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("road", "number", "name", "kind", "community", "grid")
    search_fields = ("road", "number", "name")
    raw_id_fields = ("community", "grid")


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("building", "name")
    raw_id_fields = ("building",)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("address_code", "building", "unit", "name", "use", "grid")
    list_filter = ("use",)
    search_fields = ("address_code",)
    raw_id_fields = ("building", "unit", "grid")
