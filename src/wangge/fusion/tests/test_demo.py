"""The demo's import history (wangge.fusion.demo): one committed community ledger."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wangge.core.demo import build_demo
from wangge.fusion import demo
from wangge.fusion.models import BatchStatus, ImportBatch
from wangge.people.models import Person

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_committed_community_ledger_in_its_history() -> None:
    summary = build_demo(size=300, seed=20201)
    assert summary.counts["import_batches"] == 1
    batch = ImportBatch.objects.get(label=demo.LABEL)
    assert batch.status == BatchStatus.COMMITTED
    commit = batch.summary["commit"]
    assert commit["persons_created"] == 3 and commit["persons_updated"] >= 1
    assert batch.summary["unmatched_addresses"] == 0  # the clerks' spellings all matched
    assert Person.objects.filter(name__in=demo._NEWCOMERS).count() == 3
    client = Client()
    client.force_login(get_user_model().objects.get(username="community"))
    page = client.get("/imports/").content.decode()
    assert demo.FILE_NAME in page or demo.LABEL in page


def test_a_rebuild_imports_it_again_and_a_rerun_leaves_it() -> None:
    build_demo(size=300, seed=20201)
    first = ImportBatch.objects.get(label=demo.LABEL).pk
    build_demo(size=300, seed=20201)  # unchanged: the batch stays
    assert list(ImportBatch.objects.values_list("pk", flat=True)) == [first]
    build_demo(size=300, seed=20201, reset=True)
    again = ImportBatch.objects.get(label=demo.LABEL)
    assert again.pk != first and again.status == BatchStatus.COMMITTED
    assert Person.objects.filter(name__in=demo._NEWCOMERS).count() == 3
