"""Attack 4 (lockout bypasses) and the X-Forwarded-For part of attack 6, replayed.

The tester (1) locked `street` with five failures and then logged in as `ｓｔｒｅｅｔ` (full
width) with the right password, because failures were counted on the raw username while the
login form normalised it; (2) found no lockout at all on `/admin/login/`; (3) locked any user,
the admin included, from everywhere with five POSTs; (4) dodged per-address limits with a
made-up X-Forwarded-For. Each test below replays one of these and shows it now fails.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wangge.access.models import AuditEntry
from wangge.access.services import create_api_token
from wangge.core.testing import PASSWORD, SampleDistrict

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OFFICE = "198.51.100.7"


def _fail(client: Client, username: str, times: int, path: str = "/login/") -> None:
    for _ in range(times):
        response = client.post(path, {"username": username, "password": "wrong-password"})
        assert response.status_code in (200, 429)


def _login(client: Client, username: str, path: str = "/login/") -> int:
    return client.post(path, {"username": username, "password": PASSWORD}).status_code


def test_full_width_username_does_not_get_round_the_lockout(sample: SampleDistrict):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    _fail(attacker, "street", 5)
    for spelling in ("ｓｔｒｅｅｔ", "STREET", "Ｓｔｒｅｅｔ", " street "):
        response = attacker.post("/login/", {"username": spelling, "password": PASSWORD})
        assert response.status_code == 429, spelling
        assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in attacker.session


def test_failures_in_full_width_count_for_the_plain_name(sample: SampleDistrict):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    _fail(attacker, "ｓｔｒｅｅｔ", 3)
    _fail(attacker, "Street", 2)
    assert _login(attacker, "street") == 429


def test_admin_login_page_has_the_same_lockout(sample: SampleDistrict):
    get_user_model().objects.create_superuser("root", password=PASSWORD)
    attacker = Client(REMOTE_ADDR=ATTACKER)
    _fail(attacker, "root", 5, path="/admin/login/")
    assert _login(attacker, "root", path="/admin/login/") == 429
    assert _login(attacker, "root", path="/login/") == 429  # one count for both doors
    assert (
        Client(REMOTE_ADDR=OFFICE)
        .post("/admin/login/", {"username": "root", "password": PASSWORD})
        .status_code
        == 302
    )


def test_an_attacker_cannot_lock_anyone_out_from_everywhere(sample: SampleDistrict):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    _fail(attacker, "admin", 20)
    assert _login(attacker, "admin") == 429
    office = Client(REMOTE_ADDR=OFFICE)
    assert _login(office, "admin") == 302  # the real admin, from the office, still gets in


def test_one_address_is_throttled_over_all_usernames(sample: SampleDistrict):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for n in range(30):  # spraying passwords: a few tries each on many names
        _fail(attacker, f"user{n}", 1)
    assert _login(attacker, "grid") == 429
    assert _login(Client(REMOTE_ADDR=OFFICE), "grid") == 302


def test_logging_into_ones_own_account_does_not_reset_the_address_count(
    sample: SampleDistrict,
):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    for n in range(29):
        _fail(attacker, f"victim{n}", 1)
    assert _login(attacker, "nobody") == 302  # the attacker's own account
    attacker.logout()
    _fail(attacker, "victim99", 1)
    assert _login(attacker, "grid") == 429


def test_a_made_up_forwarded_for_is_not_believed(sample: SampleDistrict, settings):
    settings.WANGGE_TRUSTED_PROXIES = []
    for n in range(5):
        spoofed = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")
        _fail(spoofed, "street", 1)
    fresh = Client(REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="10.9.9.200")
    assert _login(fresh, "street") == 429


def test_behind_a_trusted_proxy_the_left_most_hop_is_not_believed(sample: SampleDistrict, settings):
    settings.WANGGE_TRUSTED_PROXIES = ["10.0.0.0/24"]
    for n in range(5):  # the client writes anything on the left; the proxy appends the peer
        via_proxy = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, {ATTACKER}")
        _fail(via_proxy, "street", 1)
    again = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"9.9.9.9, {ATTACKER}")
    assert _login(again, "street") == 429
    office = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=OFFICE)
    assert _login(office, "street") == 302


def test_bad_api_tokens_count_as_failed_logins(sample: SampleDistrict):
    attacker = Client(REMOTE_ADDR=ATTACKER)
    statuses = [
        attacker.get("/api/persons", HTTP_AUTHORIZATION=f"Bearer wg_guess{n}").status_code
        for n in range(6)
    ]
    assert statuses == [401, 401, 401, 401, 429, 429]  # the fifth failure locks, like a password
    locked = attacker.get("/api/persons", HTTP_AUTHORIZATION="Bearer wg_guess6")
    assert "登录失败次数过多" in locked.json()["message"]
    failed = AuditEntry.objects.filter(action="login_failed", detail__username="(api token)")
    assert failed.count() == 5  # a locked address's guesses are refused, not counted again


def test_a_valid_token_passes_from_an_address_locked_by_wrong_ones(sample: SampleDistrict):
    """One misconfigured system behind an office's shared NAT must not lock out its
    neighbours: a token holds 256 random bits, so there is nothing for the lockout to guard."""
    token = create_api_token(None, sample.users["grid"])
    shared_nat = Client(REMOTE_ADDR=ATTACKER)
    for n in range(6):
        shared_nat.get("/api/persons", HTTP_AUTHORIZATION=f"Bearer wg_stale{n}")
    assert shared_nat.get("/api/persons", HTTP_AUTHORIZATION="Bearer wg_x").status_code == 429
    assert shared_nat.get("/api/persons", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    open311 = shared_nat.post(
        "/open311/v2/requests.json", {"api_key": "wg_stale", "service_code": "x"}
    )
    assert open311.status_code == 429
    valid = shared_nat.post("/open311/v2/requests.json", {"api_key": token, "service_code": "x"})
    assert valid.status_code == 404  # past the lockout, on to the unknown service_code
    # the password log-in of that address is still locked only per (user, address) pair
    assert _login(Client(REMOTE_ADDR=OFFICE), "street") == 302
