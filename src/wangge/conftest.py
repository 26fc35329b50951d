"""Fixtures shared by every app's tests."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import make_password  # noqa: F401  (warms the hasher import)

from wangge.core.testing import SampleDistrict, build_sample_district


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: pytest.FixtureRequest) -> None:
    # Argon2 stays the production hasher (tested in access/tests); elsewhere speed matters.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # type: ignore[attr-defined]


@pytest.fixture
def sample(db: None) -> SampleDistrict:
    return build_sample_district()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations(django_db_blocker: object) -> None:
    """The English UI is tested, so its catalogue must be compiled even on a fresh clone."""
    from django.core.management import call_command

    call_command("compile_translations", verbosity=0)
