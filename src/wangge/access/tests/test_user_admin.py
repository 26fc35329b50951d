"""Users the audit log names are deactivated in the admin, never deleted."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wangge.access import audit
from wangge.audit.log import verify_chain
from wangge.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def _admin_client() -> Client:
    root = get_user_model().objects.create_superuser("root", password="root-pass-123")
    client = Client()
    client.force_login(root)
    return client


def test_a_user_named_in_the_log_cannot_be_deleted_but_is_deactivated():
    client = _admin_client()
    named = get_user_model().objects.create_user("named", password="x" * 12)
    audit.record(named, audit.AuditAction.VIEW, "person", 1)
    assert client.get(f"/admin/auth/user/{named.pk}/delete/").status_code == 403
    listing = client.get("/admin/auth/user/")
    assert b"delete_selected" not in listing.content
    response = client.post(
        "/admin/auth/user/", {"action": "deactivate_users", "_selected_action": [named.pk]}
    )
    assert response.status_code == 302
    named.refresh_from_db()
    assert not named.is_active
    entry = AuditEntry.objects.filter(object_type="user", object_id=str(named.pk)).get()
    assert (entry.username, entry.channel, entry.detail) == ("root", "admin", {"is_active": False})
    assert verify_chain()[1] is None


def test_a_user_the_log_never_named_may_still_be_deleted():
    client = _admin_client()
    spare = get_user_model().objects.create_user("spare", password="x" * 12)
    assert client.get(f"/admin/auth/user/{spare.pk}/delete/").status_code == 200


def test_the_admin_speaks_the_users_language_only():
    """Its header said 网格平台管理 Wangge administration to a Chinese user."""
    client = _admin_client()
    page = client.get("/admin/").content.decode()
    assert "网格平台管理" in page and "区网格中心" in page and "administration" not in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/admin/"})
    page = client.get("/admin/").content.decode()
    assert "Wangge administration" in page and "网格平台管理" not in page
