"""Attack 5 (issue 12): deleting a user broke the audit chain.

The entry hash covered `user_id`, the foreign key was `SET_NULL`, so deleting an account in the
Django admin rewrote every entry it had made and `audit-verify` reported tampering — a way for an
admin to make the whole log worthless as evidence. Now entries keep a snapshot of who acted (a
plain user id, username, roles and regions at that time) in their own store; the admin refuses to
delete a user the log names (deactivate instead), and even a deletion behind the admin's back
changes nothing hashed.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from wangge.audit.log import sequence_pending
from wangge.audit.models import AuditEntry
from wangge.core.testing import PASSWORD, SampleDistrict

pytestmark = pytest.mark.django_db


def test_deleting_a_user_leaves_the_chain_verifiable(sample: SampleDistrict, capsys):
    grid = sample.users["grid"]
    client = Client()
    assert client.post("/login/", {"username": "grid", "password": PASSWORD}).status_code == 302
    person = next(p for p in sample.persons if p.grid_id == sample.grids[0].pk)
    assert client.get(f"/people/{person.pk}/").status_code == 200
    sequence_pending()
    entries = AuditEntry.objects.filter(username="grid").count()
    assert entries >= 2  # the log-in and the page

    admin = get_user_model().objects.create_superuser("root", password="root-pass-123")
    as_admin = Client()
    as_admin.force_login(admin)
    # the admin does not offer it …
    assert as_admin.post(f"/admin/auth/user/{grid.pk}/delete/", {"post": "yes"}).status_code == 403
    assert get_user_model().objects.filter(pk=grid.pk).exists()
    # … and done behind its back it breaks nothing
    grid_id = grid.pk
    grid.delete()
    call_command("audit_verify")
    assert "审计日志完整" in capsys.readouterr().out
    kept = AuditEntry.objects.filter(username="grid")
    assert kept.count() == entries
    assert set(kept.values_list("user_id", flat=True)) == {grid_id}
    assert all(
        roles == [f"grid_worker@{sample.grids[0].code}"]
        for roles in kept.values_list("user_roles", flat=True)
    )
