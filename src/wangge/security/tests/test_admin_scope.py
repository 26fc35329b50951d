"""Attack 7: the Django admin's `PersonAdmin` was neither scoped nor audited.

Any staff user could list and search every resident of the district at `/admin/people/person/`
with no region check and no audit entry. Persons and households are now out of the admin
altogether, and the case admin shows a staff user only the cases their role covers, audits
every case opened, and keeps the reporter's name and phone out.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.test import Client

from wangge.audit.models import AuditEntry
from wangge.cases.models import Case
from wangge.cases.testing import build_sample_cases
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db


def _staff(user, *perms: str) -> Client:
    user.is_staff = True
    user.save()
    user.user_permissions.add(*Permission.objects.filter(codename__in=perms))
    client = Client()
    client.force_login(user)
    return client


def test_residents_are_not_in_the_django_admin(sample: SampleDistrict):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", password="x" * 12)
    client = Client()
    client.force_login(root)
    person = sample.persons[0]
    for path in [
        "/admin/people/person/",
        f"/admin/people/person/{person.pk}/change/",
        "/admin/people/household/",
        f"/admin/people/person/?q={person.name}",
    ]:
        assert client.get(path).status_code == 404, path
    index = client.get("/admin/").content.decode()
    assert "/admin/people/person/" not in index and "/admin/people/tag/" in index


def test_case_admin_is_scoped_and_audited(sample: SampleDistrict):
    build_sample_cases(sample)
    client = _staff(sample.users["community"], "view_case")
    visible = set(Case.objects.visible_to(sample.users["community"]).values_list("pk", flat=True))
    hidden = set(Case.objects.values_list("pk", flat=True)) - visible
    assert visible and hidden
    listing = client.get("/admin/cases/case/?all=")
    assert listing.status_code == 200
    shown = {c.pk for c in listing.context["cl"].result_list}
    assert shown == visible
    outside = min(hidden)
    assert client.get(f"/admin/cases/case/{outside}/change/").status_code in (302, 404)
    inside = min(visible)
    page = client.get(f"/admin/cases/case/{inside}/change/")
    assert page.status_code == 200
    case = Case.objects.get(pk=inside)
    if case.reporter_name:
        assert case.reporter_name not in page.content.decode()
    assert AuditEntry.objects.filter(
        action="view", object_type="case", object_id=str(inside), channel="admin"
    ).exists()
