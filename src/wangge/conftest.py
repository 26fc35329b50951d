"""Fixtures shared by every app's tests."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any

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


@pytest.fixture(autouse=True)
def _fresh_address_locator() -> Iterator[None]:
    """Each test builds its own registry; a locator kept from the last one (same row ids after
    a rollback) would answer from rooms that no longer exist."""
    from wangge.addresses import locating

    locating.forget()
    yield
    locating.forget()


@pytest.fixture
def sample(db: None) -> SampleDistrict:
    return build_sample_district()


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations(django_db_blocker: object) -> None:
    """The English UI is tested, so its catalogue must be compiled even on a fresh clone."""
    from django.core.management import call_command

    call_command("compile_translations", verbosity=0)


_DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every database test gets the audit store too (`databases="__all__"`): services write an
    audit entry there, sessions and the cache live there (wangge.audit.routers)."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not _DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        kwargs = dict(marker.kwargs) if marker is not None else {}
        if "databases" not in kwargs:
            kwargs["databases"] = "__all__"
            args = marker.args if marker is not None else ()
            # prepended, so that it is the closest marker even beside a decorator's own
            item.add_marker(pytest.mark.django_db(*args, **kwargs), append=False)


@pytest.fixture(autouse=True)
def _audit_open_entries_are_ready(settings: pytest.FixtureRequest) -> None:
    # A test's wrapping transaction never commits, so entries recorded inside a service's
    # transaction never hear of their commit; here they are chained at once (as "unconfirmed").
    settings.WANGGE_AUDIT_OPEN_GRACE = 0  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """On PostgreSQL the audit alias is a second connection to the same test database; it is
    closed before the database is dropped, or the drop fails ("being accessed by other users")."""
    yield
    from django.db import connections

    with django_db_blocker.unblock():
        connections.close_all()


@pytest.fixture(autouse=True)
def _jobs_run_immediately(settings: Any) -> None:
    """Background jobs run inside the request in tests, unless a test starts a real worker
    (those override TASKS again, see jobs/tests)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@contextlib.contextmanager
def one_request_at_a_time(live_server: Any) -> Iterator[None]:
    """Let the live server answer one request at a time while two browsers talk to it at once.

    The in-memory SQLite test database is a single connection that Django's live server shares
    among all its request threads, so two phones syncing at the same moment would interleave
    their transactions on one connection ("cannot start a transaction within a transaction"),
    which no real server does: there each thread has its own connection to the file or to
    PostgreSQL, and the database itself keeps concurrent writers apart. Nothing changes where
    the test database is not shared.
    """
    thread = live_server.thread
    if not thread.connections_override:
        yield
        return
    httpd = thread.httpd
    app = httpd.get_app()
    lock = threading.Lock()

    def serialised(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        with lock:  # the body is produced under the lock too: it may still read the database
            response = app(environ, start_response)
            body = list(response)
            close = getattr(response, "close", None)
            if close is not None:
                close()
        return body

    httpd.set_app(serialised)
    try:
        yield
    finally:
        httpd.set_app(app)


@pytest.fixture(scope="session")
def live_server(live_server: Any) -> Iterator[Any]:
    """pytest-django's live server, one request at a time where the test databases are shared
    in-memory SQLite (`one_request_at_a_time`): two browsers of one test (two phones syncing,
    an officer and a grid worker) may talk to it at the same moment."""
    with one_request_at_a_time(live_server):
        yield live_server
