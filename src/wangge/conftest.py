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
