"""Audited reads, searches and log-ins answer while a data write holds the main database.

On SQLite an import's commit holds the main file's only write lock; on PostgreSQL the old log's
head row made every audited read queue behind any open transaction that had logged something.
Both tests would hang (and fail on the lock timeout) if an audited read needed either lock.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections, transaction
from django.db.models import F
from django.test import Client

from wangge.access import audit
from wangge.audit.models import AuditEntry
from wangge.core.testing import build_sample_district
from wangge.people.models import Person

SETUP = """
from wangge.core.testing import build_sample_district
sample = build_sample_district()  # with its role users ("street" covers the whole street)
print(sample.persons[0].pk, sample.persons[0].name)
"""

READS = """
from django.test import Client
from wangge.audit.models import AuditEntry
from wangge.core.testing import PASSWORD
client = Client()
assert client.post("/login/", {"username": "street", "password": PASSWORD}).status_code == 302
for path in (f"/people/{person_id}/", f"/people/search/?q={name}", f"/api/search?q={name}"):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
print("answered", AuditEntry.objects.filter(action__in=["login", "view", "search"]).count())
"""


@pytest.mark.sqlite_file
def test_pages_search_and_login_answer_while_the_main_file_is_write_locked(tmp_path: Path):
    env = {**os.environ, "WANGGE_DATA_DIR": str(tmp_path), "WANGGE_ALLOWED_HOSTS": "testserver"}
    env.pop("WANGGE_DATABASE_URL", None)
    env.pop("WANGGE_AUDIT_DATABASE_URL", None)
    run = [sys.executable, "-m", "wangge"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True)
    setup = [*run, "shell", "-v", "0", "-c", SETUP]
    person_id, name = subprocess.run(
        setup, env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    writer = sqlite3.connect(tmp_path / "wangge.sqlite3", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")  # as an import's commit: the file's one write lock
        writer.execute("UPDATE people_person SET name = name")
        script = f"person_id, name = {person_id!r}, {name!r}\n" + READS
        done = subprocess.run(
            [*run, "shell", "-v", "0", "-c", script],
            env=env,
            capture_output=True,
            text=True,
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split()[0] == "answered"
    assert int(done.stdout.split()[1]) >= 4  # the log-in, the page and both searches


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_an_audited_read_does_not_wait_for_an_open_transaction_that_logged_a_change():
    if connection.vendor == "sqlite":
        pytest.skip("in-memory test databases lock whole tables; the file test covers SQLite")
    sample = build_sample_district()
    user = sample.users["street"]
    holding, release = threading.Event(), threading.Event()

    def write_and_hold() -> None:
        try:
            with transaction.atomic():
                Person.objects.filter(pk__in=[p.pk for p in sample.persons]).update(name=F("name"))
                audit.record(None, audit.AuditAction.UPDATE, "person", sample.persons[0].pk)
                holding.set()
                release.wait(120)
        finally:
            connections.close_all()

    answers: list[int] = []

    def read() -> None:
        try:
            client = Client()
            client.force_login(user)
            person = sample.persons[0]
            for path in (f"/people/{person.pk}/", f"/api/search?q={person.name}"):
                answers.append(client.get(path).status_code)
        finally:
            connections.close_all()

    writer = threading.Thread(target=write_and_hold)
    writer.start()
    try:
        assert holding.wait(30)
        reader = threading.Thread(target=read)
        reader.start()
        # A liveness bound, not a timing: with a lock in the way the reader never finishes
        # while the writer holds its transaction open.
        reader.join(60)
        assert not reader.is_alive(), "an audited read waited for the open data transaction"
        assert answers == [200, 200]
        assert AuditEntry.objects.filter(action="view", object_type="person").exists()
    finally:
        release.set()
        writer.join()


API = """
from django.test import Client
from wangge.access.models import ApiToken
client = Client()
for path in (f"/api/persons/{person_id}", f"/api/search?q={name}"):
    response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, (path, response.status_code, response.content[:300])
print("answered", ApiToken.objects.get().last_used_at)
"""


@pytest.mark.sqlite_file
def test_the_api_answers_a_new_token_while_the_main_file_is_write_locked(tmp_path: Path):
    env = {**os.environ, "WANGGE_DATA_DIR": str(tmp_path), "WANGGE_ALLOWED_HOSTS": "testserver"}
    env.pop("WANGGE_DATABASE_URL", None)
    env.pop("WANGGE_AUDIT_DATABASE_URL", None)
    run = [sys.executable, "-m", "wangge"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True)
    setup = SETUP.replace(
        "print(",
        "from wangge.access.services import create_api_token\n"
        "print(create_api_token(None, sample.users['street'], 'bench'), ",
    )
    token, person_id, name = subprocess.run(
        [*run, "shell", "-v", "0", "-c", setup], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    writer = sqlite3.connect(tmp_path / "wangge.sqlite3", isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE people_person SET name = name")
        script = f"token, person_id, name = {token!r}, {person_id!r}, {name!r}\n" + API
        done = subprocess.run(
            [*run, "shell", "-v", "0", "-c", script], env=env, capture_output=True, text=True
        )
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["answered", "None"]  # the stamp was skipped, not waited for


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_sequencers_running_at_once_build_one_chain():
    if connection.vendor == "sqlite":
        pytest.skip("in-memory test databases lock whole tables; one file, one writer anyway")
    from wangge.audit.log import sequence_pending, verify_chain

    for i in range(600):
        audit.record(None, audit.AuditAction.VIEW, "person", i, channel="cli")
    done: list[int] = []

    def run() -> None:
        try:
            done.append(sequence_pending(batch=50))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(done) == 600 and len(done) == 3
    assert verify_chain() == (600, None)
