"""Exactly once under a race: the same submissions posted by several sessions at the same moment
(Collect resending after a lost answer while the first POST is still being applied, the offline
page and Collect on one account). PostgreSQL only: SQLite's shared-cache in-memory test database
answers a read that meets another connection's open write with "database table is locked" at
once (the real file waits, busy_timeout); the sequential duplicate test covers SQLite."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection, connections
from django.test import Client

from wangge.audit.models import AuditEntry
from wangge.core.testing import PASSWORD, build_sample_district
from wangge.forms.auth import forget_all
from wangge.forms.models import Change, ChangeStatus, Submission, SubmissionStatus
from wangge.forms.services import load_shipped_forms
from wangge.forms.tests.openrosa_client import OpenRosaClient, fill
from wangge.forms.tests.test_openrosa import fetch_all
from wangge.people.models import Person

COPIES = 5
INSTANCES = 2


@pytest.mark.django_db(transaction=True, databases="__all__")
def test_copies_of_submissions_posted_at_once_are_stored_and_applied_once_each():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent sessions need PostgreSQL (see docstring)")
    forget_all()
    load_shipped_forms()  # an earlier transactional test's flush removed them
    sample = build_sample_district()
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    xform, media = fetch_all(rosa, "household_visit")
    households = [h for h in sample.households if h.grid_id == sample.grids[0].pk][:INSTANCES]
    assert len(households) == INSTANCES
    bodies = []
    for index, household in enumerate(households):
        xml, _attachments = fill(
            xform,
            media,
            instance_id=f"uuid:race-{index}",
            overrides={
                "/data/household": str(household.pk),
                "/data/members/person": str(household.head_id),
                "/data/members/phone": f"1391234567{index}",
                "/data/members/moved_out": "no",
                "/data/movers_in/name": "",
                "/data/problem": "",
                "/data/note": "",
            },
        )
        bodies.append(xml)
    posts = [(i, body) for i, body in enumerate(bodies) for _ in range(COPIES)]
    answers: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    start = threading.Barrier(len(posts))

    def post(index: int, body: bytes) -> None:
        try:
            client = OpenRosaClient(Client(), username="grid", password=PASSWORD)
            client.preemptive = True  # as Collect after its first challenge
            start.wait()
            answers.append((index, client.submit(body).status))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=post_args) for post_args in posts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors

    for index, household in enumerate(households):
        statuses = Counter(status for i, status in answers if i == index)
        assert statuses == {201: 1, 202: COPIES - 1}, statuses
        stored = Submission.objects.filter(instance_id=f"uuid:race-{index}")
        assert stored.count() == 1
        submission = stored.get()
        assert submission.status == SubmissionStatus.APPLIED, submission.message
        head = Person.objects.get(pk=household.head_id)
        assert head.phone == f"1391234567{index}"
        phone_changes = Change.objects.filter(
            model="person", object_id=str(head.pk), field="phone", status=ChangeStatus.APPLIED
        )
        assert phone_changes.count() == 1  # applied once, not once per copy
        audited = AuditEntry.objects.filter(
            object_type="forms.submission", object_id=str(submission.pk), action="create"
        )
        assert audited.count() == 1
    forget_all()
