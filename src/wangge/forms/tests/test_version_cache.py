"""Each process remembers the form versions it has met. A version that is gone (deleted in the
admin, or the database flushed and the shipped forms loaded again as new rows) is forgotten, and
if a stale one slips through anyway the phone is told to send again later — never a 500, and
the submission is stored once it is sent again."""

from __future__ import annotations

import copy

import pytest
from django.test import Client

from wangge.core.testing import PASSWORD
from wangge.forms import submissions
from wangge.forms.auth import forget_all
from wangge.forms.models import FormVersion, Submission
from wangge.forms.services import load_shipped_forms
from wangge.forms.tests.openrosa_client import OpenRosaClient, fill

# real commits: SQLite checks foreign keys when a transaction commits
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_credentials():
    forget_all()
    yield
    forget_all()


def _visit(rosa: OpenRosaClient) -> tuple[bytes, dict[str, tuple[bytes, str]]]:
    _answer, forms = rosa.form_list()
    entry = next(f for f in forms if f.form_id == "household_visit")
    xform = rosa.request("GET", entry.download_url).body.decode()
    media = {name: rosa.request("GET", url).body for name, _md5, url in rosa.manifest(entry)}
    return fill(xform, media)


def test_shipped_forms_loaded_again_as_new_rows_are_not_met_with_the_old_ones(sample):
    load_shipped_forms()
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    assert rosa.submit(*_visit(rosa)).status == 201  # the version is remembered now
    FormVersion.objects.all().delete()  # as a flush, or an admin, would
    load_shipped_forms()
    answer = rosa.submit(*_visit(rosa))
    assert answer.status == 201, answer.message
    latest = Submission.objects.order_by("-pk").first()
    assert latest is not None and latest.form_version == FormVersion.objects.get(
        form__code="household_visit"
    )


def test_a_stale_version_gives_a_retry_and_the_resend_is_stored(sample):
    load_shipped_forms()
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    assert rosa.submit(*_visit(rosa)).status == 201
    key, known = next(iter(submissions._versions.items()))
    stale = copy.copy(known)
    stale.pk = known.pk + 10_000  # a row that is not there
    submissions._versions[key] = stale
    xml, files = _visit(rosa)
    refused = rosa.submit(xml, files)
    assert refused.status == 503 and "稍后重新发送" in refused.message
    assert Submission.objects.count() == 1  # nothing half-stored
    again = rosa.submit(xml, files)
    assert again.status == 201, again.message
    assert Submission.objects.count() == 2
