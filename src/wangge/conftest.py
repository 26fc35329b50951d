"""Fixtures shared by every app's tests."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings as hypothesis_settings

from wangge.core.testing import SampleDistrict, build_sample_district

# CI must be repeatable and must not fail on a busy machine's timing: fixed examples, no deadline.
# Locally the default profile keeps exploring new examples.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis_settings.register_profile("dev", deadline=None)
hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")


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
