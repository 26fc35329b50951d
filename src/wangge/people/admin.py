"""Admin shows personal data masked and read-only: changes go through services and the audit log."""

from django.contrib import admin

from wangge.people.models import Household, Person, Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("name", "gender", "masked_id_number", "masked_phone", "residence_type", "grid")
    list_filter = ("residence_type", "gender")
    search_fields = ("name",)
    fields = ("name", "gender", "birth_date", "masked_id_number", "masked_phone", "residence_type")
    readonly_fields = fields

    @admin.display(description="身份证号（脱敏）")
    def masked_id_number(self, obj: Person) -> str:
        return obj.id_number_masked

    @admin.display(description="电话（脱敏）")
    def masked_phone(self, obj: Person) -> str:
        return obj.phone_masked

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ("pk", "head", "room", "grid", "is_rental")
    list_filter = ("is_rental",)
    raw_id_fields = ("room", "grid", "head")
    list_select_related = ("head", "room__building", "room__unit", "grid")
