"""The loop of issue 15 in one story: a community imports a ledger whose two rows disagree on a
resident's phone; the commit hands the doubt back to the grid as a verification visit; the grid
worker's phone (an OpenRosa client written from the spec) downloads the form and the roster,
answers at the door and submits; the task is done, the household file holds the confirmed value,
and the household page says where it came from (who, which form, which device, when) with the
phone masked."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from wangge.core.testing import PASSWORD, SampleDistrict
from wangge.forms.auth import forget_all
from wangge.forms.models import Change, ChangeStatus, Submission
from wangge.forms.tests.openrosa_client import OpenRosaClient, fill
from wangge.fusion.services import Upload, commit_batch, stage_batch
from wangge.people.models import Person
from wangge.people.phone import mask_phone
from wangge.tasks.models import Task, TaskKind, TaskStatus
from wangge.tasks.tests.test_hooks import ledger

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_credentials():
    forget_all()
    yield
    forget_all()


def test_an_imported_doubt_is_settled_at_the_door_and_shows_in_the_household_file(
    sample: SampleDistrict,
) -> None:
    office = sample.users["community"]
    batch = stage_batch(office, [Upload("幸福一村走访台账.csv", ledger(sample))])
    commit_batch(office, batch.pk)
    task = Task.objects.get(batch=batch, kind=TaskKind.CONFIRM_VALUE)
    li = Person.objects.get(pk=task.person_id)
    assert li.name == "李新四" and task.form_code == "verify_value"
    household = li.residences.get(until__isnull=True).household
    confirmed = next(p for p in ("13811110001", "13822220002") if p != li.phone)

    # The grid worker's phone: the task is on the workbench, the form and roster download.
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    _answer, forms = rosa.form_list()
    entry = next(f for f in forms if f.form_id == "verify_value")
    xform = rosa.request("GET", entry.download_url).body.decode()
    media = {name: rosa.request("GET", url).body for name, _md5, url in rosa.manifest(entry)}
    assert str(li.pk).encode() in media["persons.csv"]  # the new resident is on the roster
    xml, files = fill(
        xform,
        media,
        overrides={
            "/data/task_id": str(task.pk),
            "/data/household": str(household.pk),
            "/data/person": str(li.pk),
            "/data/field": "phone",
            "/data/phone": confirmed,
            # not relevant unless chosen: a real client sends them empty
            "/data/name": "",
            "/data/birth_date": "",
            "/data/ethnicity": "",
            "/data/result": "上门核实：本人确认新号码",
        },
    )
    answer = rosa.submit(xml, files)
    assert answer.status == 201, answer.message

    task.refresh_from_db()
    li.refresh_from_db()
    assert task.status == TaskStatus.DONE and li.phone == confirmed and li.name == "李新四"
    change = Change.objects.get(model="person", object_id=str(li.pk), field="phone")
    submission = Submission.objects.get(pk=change.submission_id)
    assert change.status == ChangeStatus.APPLIED and submission.username == "grid"
    assert submission.form_code == "verify_value" and submission.device_id

    page = Client()
    page.force_login(office)
    html = page.get(reverse("people:household", args=[household.pk])).content.decode()
    updates = html[html.index('id="updates"') :]
    assert "李新四" in updates and "联系电话" in updates and "verify_value" in updates
    assert mask_phone(confirmed) in updates and confirmed not in html  # masked, as the file is
    assert submission.device_id[:20] in updates and "grid" in updates
