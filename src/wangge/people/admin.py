"""Personal data stays out of the Django admin.

Persons and households are read and changed only through the scoped pages, API and services
(masking, reveal entries, audit, hand-overs). The admin's model pages know no region scope and
no masking, so they are not registered at all: a district admin who is `is_staff` gets a 404 at
`/admin/people/person/`, and nobody can browse, search or filter residents there. Tags (the
list of special groups) hold no personal data and stay editable by the district grid centre.
"""

from django.contrib import admin

from wangge.access.admin_scope import DistrictAdmin
from wangge.people.models import Tag


@admin.register(Tag)
class TagAdmin(DistrictAdmin):
    list_display = ("code", "name")
