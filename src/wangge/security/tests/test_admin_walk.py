"""Every ModelAdmin, as staff of every level given every model permission.

The worst case of a careless grant: a street or community officer, or a grid worker, is made
`is_staff` with all view/add/change/delete permissions. Still, the admin shows and changes only
what the pages would (`wangge.access.admin_scope`): regions, buildings, units, rooms and staff
posts of the user's area; users, roles, tokens, the audit log, import batches, categories and
departments to the district grid centre only; every list, record opened and change audited.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client

from wangge.access import scoping
from wangge.access.admin_scope import DistrictAdmin, ScopedAdmin
from wangge.addresses.models import Building
from wangge.audit.models import AuditEntry
from wangge.core.testing import SampleDistrict
from wangge.security.tests import walk

pytestmark = pytest.mark.django_db

STAFF_ROLES = ["admin", "street", "community", "grid", "police"]


def _staff(user: Any) -> Client:
    """The user with is_staff and every model permission there is."""
    user.is_staff = True
    user.save()
    user.user_permissions.set(Permission.objects.all())
    scoping.forget_scope(user)
    client = Client()
    client.force_login(user)
    return client


def _url(model: Any, view: str, *args: Any) -> str:
    from django.urls import reverse

    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def test_every_model_admin_is_scoped_or_district_only():
    """A new ModelAdmin (ours or a library's) must be scoped like the pages or district only."""
    for model, model_admin in admin.site._registry.items():
        assert isinstance(model_admin, ScopedAdmin | DistrictAdmin), (
            f"{model._meta.label}: {type(model_admin).__name__} is neither scoped nor district only"
        )
        if model._meta.label_lower in scoping.POLICIES:
            assert isinstance(model_admin, ScopedAdmin), model._meta.label


@pytest.mark.parametrize("role", STAFF_ROLES)
def test_staff_see_and_change_only_their_area_in_the_admin(role: str, sample: SampleDistrict):
    from wangge.cases.testing import build_sample_cases

    build_sample_cases(sample)
    user = sample.users[role]
    client = _staff(user)
    district = role == "admin"
    for model, model_admin in admin.site._registry.items():
        label = model._meta.label_lower
        kind = getattr(model_admin, "audit_type", "") or label  # the audit entries' object type
        listing = _url(model, "changelist")
        before = AuditEntry.objects.count()
        response = client.get(listing)
        assert response.status_code < 500, listing
        if isinstance(model_admin, DistrictAdmin) and not district:
            assert response.status_code == 403, f"{role} reached {listing}"
            assert AuditEntry.objects.count() > before, f"refusal at {listing} not audited"
            continue
        if not isinstance(model_admin, ScopedAdmin):
            continue
        assert response.status_code == 200, (role, listing)
        assert AuditEntry.objects.filter(
            action="list", object_type=kind, user_id=user.pk, channel="admin"
        ).exists(), f"{listing} not audited"
        shown = {obj.pk for obj in response.context["cl"].result_list}
        visible = set(
            scoping.visible_to(user, model._default_manager.all()).values_list("pk", flat=True)
        )
        assert shown <= visible, f"{role} listed {label} outside the scope"
        walk.assert_no_leak(response.content.decode(), sample, role, listing)
        for obj in model._default_manager.all()[:40]:
            page = _url(model, "change", obj.pk)
            before = AuditEntry.objects.count()
            response = client.get(page)
            assert response.status_code < 500, page
            if obj.pk in visible:
                assert response.status_code == 200, (role, page)
                assert AuditEntry.objects.filter(
                    action="view", object_type=kind, object_id=str(obj.pk), channel="admin"
                ).exists(), f"{page} not audited"
                if label != "geo.staffassignment":  # a post's work phone is shown on purpose
                    walk.assert_no_leak(response.content.decode(), sample, role, page)
            else:
                assert response.status_code in (302, 403, 404), f"{role} opened {page}"
                assert AuditEntry.objects.count() > before, f"refusal at {page} not audited"


@pytest.mark.parametrize("role", ["street", "community"])
def test_a_building_cannot_be_moved_or_changed_across_the_scope(role: str, sample: SampleDistrict):
    user = sample.users[role]
    client = _staff(user)
    own = next(b for b in sample.buildings if scoping.allows(user, b, scoping.Right.CHANGE))
    other = next(
        (b for b in sample.buildings if not scoping.allows(user, b, scoping.Right.CHANGE)), None
    )
    foreign_grid = sample.grids[-1] if role == "community" else None
    image = walk.DatabaseImage.take()
    form = {
        "road": "幸福路",
        "number": "99",
        "name": "3",
        "kind": own.kind,
        "community": str(own.community_id),
        "grid": str(foreign_grid.pk if foreign_grid else own.grid_id),
        "lon": "116.4",
        "lat": "39.9",
    }
    if other is not None:
        response = client.post(_url(Building, "change", other.pk), form)
        # Django's "no such object" (a redirect to the index), and a refusal in the log
        assert response.status_code in (302, 403, 404)
        assert AuditEntry.objects.filter(
            action="refused", object_type="addresses.building", object_id=str(other.pk)
        ).exists()
    if foreign_grid is not None:
        response = client.post(_url(Building, "change", own.pk), form)
        assert response.status_code == 200  # the form again, with the error on the grid
        assert "grid" in response.context["adminform"].form.errors
    walk.check_writes(user, image, walk.DatabaseImage.take(), f"admin as {role}")
    own.refresh_from_db()
    assert own.number != "99" or foreign_grid is None


def test_a_change_in_scope_is_audited_with_the_fields(sample: SampleDistrict):
    user = sample.users["community"]
    client = _staff(user)
    own = sample.buildings[0]
    response = client.get(_url(Building, "change", own.pk))
    form = response.context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in form.initial.items() if k in form.fields}
    data["number"] = "88"
    response = client.post(_url(Building, "change", own.pk), data)
    assert response.status_code == 302, (
        response.context and response.context["adminform"].form.errors
    )
    own.refresh_from_db()
    assert own.number == "88"
    entry = AuditEntry.objects.get(
        action="update", object_type="addresses.building", object_id=str(own.pk)
    )
    assert entry.channel == "admin" and entry.detail == {"fields": ["number"]}
