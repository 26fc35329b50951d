"""Passwords use Argon2; API tokens are stored as digests and can be revoked."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wangge.access.models import ApiToken, AuditEntry
from wangge.access.services import create_api_token
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = get_user_model().objects.create_user("argon", password="correct horse")
    assert user.password.startswith("argon2$")
    assert user.check_password("correct horse")


def test_tokens_are_shown_once_and_stored_as_digests(sample: SampleDistrict):
    token = create_api_token(None, sample.users["grid"], "测试")
    stored = ApiToken.objects.get(user=sample.users["grid"])
    assert token not in (stored.digest, stored.prefix) and stored.prefix == token[:8]
    response = Client().get("/api/persons", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response.json()["count"] == len(sample.persons_in(sample.grids[0]))
    assert Client().get("/api/persons", HTTP_X_API_KEY=token).status_code == 200


def test_revoked_and_wrong_tokens_are_refused(sample: SampleDistrict):
    token = create_api_token(None, sample.users["grid"])
    ApiToken.objects.update(revoked=True)
    response = Client().get("/api/persons", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert "令牌" in response.json()["message"]
    assert Client().get("/api/persons", HTTP_AUTHORIZATION="Bearer wg_nope").status_code == 401


def test_logins_and_failed_logins_are_audited(sample: SampleDistrict):
    client = Client()
    client.post("/login/", {"username": "grid", "password": "wrong"})
    client.post("/login/", {"username": "grid", "password": "test-pass-123"})
    actions = list(AuditEntry.objects.values_list("action", flat=True))
    assert "login_failed" in actions and "login" in actions


def test_repeated_failed_logins_lock_the_account_for_a_while(sample: SampleDistrict):
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": "grid", "password": "wrong"})
    response = client.post("/login/", {"username": "grid", "password": "test-pass-123"})
    assert response.status_code == 429  # the form again with the reason, not a redirect
    assert "登录失败次数过多" in response.content.decode()
    other = Client().post("/login/", {"username": "street", "password": "test-pass-123"})
    assert other.status_code == 302  # other accounts are unaffected


def test_roles_are_granted_only_at_their_level(sample: SampleDistrict):
    from wangge.access.services import assign_role
    from wangge.core.errors import ServiceError

    with pytest.raises(ServiceError, match="只能授权到网格"):
        assign_role(None, sample.users["nobody"], "grid_worker", sample.street)
    from wangge.core.errors import Forbidden

    with pytest.raises(Forbidden):
        assign_role(sample.users["street"], sample.users["nobody"], "grid_worker", sample.grids[0])


def test_admin_grants_roles_through_the_service(sample: SampleDistrict):
    from django.contrib.auth import get_user_model

    superuser = get_user_model().objects.create_superuser("root", password="x" * 12)
    client = Client()
    client.force_login(superuser)
    url = "/admin/access/roleassignment/add/"
    bad = client.post(
        url,
        {
            "user": sample.users["nobody"].pk,
            "role": "grid_worker",
            "region": sample.street.pk,
            "department": "",
        },
    )
    assert bad.status_code == 200 and "只能授权到网格" in bad.content.decode()
    good = client.post(
        url,
        {
            "user": sample.users["nobody"].pk,
            "role": "grid_worker",
            "region": sample.grids[1].pk,
            "department": "",
        },
    )
    assert good.status_code == 302
    assert AuditEntry.objects.filter(detail__assign_role="grid_worker").exists()
