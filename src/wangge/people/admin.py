"""Admin shows personal data masked and read-only: changes go through services and the audit log."""

from django.contrib import admin

from wangge.people.models import Person, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "gender", "id_number_masked", "phone_masked", "residence_type", "grid")
    list_filter = ("residence_type", "gender")
    search_fields = ("name",)
    fields = ("name", "gender", "birth_date", "id_number_masked", "phone_masked", "residence_type")
    readonly_fields = fields

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
