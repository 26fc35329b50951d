"""Submissions as proposed changes: tasks completed, the browser's session submissions (CSRF),
conflicts rejected and audited, refused submissions applied again by the office over them."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.audit.models import AuditEntry
from wangge.core.testing import PASSWORD
from wangge.forms.auth import forget_all
from wangge.forms.models import Change, ChangeStatus, Submission, SubmissionStatus
from wangge.forms.tests.openrosa_client import OpenRosaClient, fill
from wangge.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_credentials():
    forget_all()
    yield
    forget_all()


def test_a_submission_for_a_task_completes_it(sample):
    from wangge.tasks.models import TaskStatus
    from wangge.tasks.services import create_task

    household = next(h for h in sample.households if h.grid_id == sample.grids[0].pk)
    task = create_task(
        sample.users["community"],
        kind="verify_pair",
        region=sample.grids[0],
        title="核实疑似同一人",
        form_code="verify_pair",
        household=household,
    )
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    xform, media = rosa.fetch_form("verify_pair")
    xml, files = fill(xform, media, overrides={"/data/task_id": str(task.pk)})
    answer = rosa.submit(xml, files)
    assert answer.status == 201, answer.message
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE
    assert task.result == "same"  # the verdict's first choice, the form's task.result
    assert task.result_data["form"] == "verify_pair"


def test_the_browser_submits_with_its_session_and_the_csrf_header(sample):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sample.users["grid"])
    rosa = OpenRosaClient(browser)
    xform, media = rosa.fetch_form("verify_address")
    xml, files = fill(xform, media)
    refused = rosa.submit(xml, files)
    assert refused.status == 403  # a session POST without the CSRF token
    assert not Submission.objects.exists()
    browser.get("/forms/collect/")  # any page sets the CSRF cookie
    token = browser.cookies["csrftoken"].value
    from django.core.files.uploadedfile import SimpleUploadedFile

    answer = browser.post(
        "/openrosa/submission",
        {"xml_submission_file": SimpleUploadedFile("s.xml", xml, "text/xml")},
        headers={"X-CSRFToken": token, "X-OpenRosa-Version": "1.0"},
    )
    assert answer.status_code == 201, answer.content
    assert Submission.objects.get().channel == "web"


def test_a_rejected_conflict_keeps_the_current_value_and_is_audited(sample, client):
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    xform, media = rosa.fetch_form("verify_value")
    person = sample.persons[1]
    roster_at = media["persons.csv"].decode().splitlines()[1].split(",")[-1]
    person.name = "改名后"
    person.save()
    xml, _ = fill(
        xform,
        media,
        overrides={
            "/data/person": str(person.pk),
            "/data/roster_at": roster_at,
            "/data/field": "name",
            "/data/name": "提交名",
            "/data/phone": "",
            "/data/birth_date": "",
            "/data/ethnicity": "",
        },
    )
    assert rosa.submit(xml).status == 201
    change = Change.objects.get(status=ChangeStatus.CONFLICT)
    assert Submission.objects.get().status == SubmissionStatus.CONFLICTS
    client.force_login(sample.users["grid"])
    # a grid worker sees their own submissions, but the inbox is decided by the community
    assert client.post(f"/forms/conflicts/{change.pk}/", {"action": "accept"}).status_code == 404
    client.force_login(sample.users["community"])
    client.post(f"/forms/conflicts/{change.pk}/", {"action": "reject", "note": "核实为改名后"})
    change.refresh_from_db()
    person.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert person.name == "改名后"
    assert AuditEntry.objects.filter(object_type="forms.change", object_id=str(change.pk)).exists()


def test_a_refused_submission_is_applied_again_by_the_office_that_holds_the_record(sample, client):
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    xform, media = rosa.fetch_form("household_visit")
    elsewhere = next(h for h in sample.households if h.grid_id == sample.grids[1].pk)
    xml, files = fill(
        xform,
        media,
        overrides={
            "/data/household": str(elsewhere.pk),
            "/data/members/person": str(elsewhere.head_id),
            "/data/members/phone": "13955556666",
            "/data/movers_in/name": "",
            "/data/problem": "",
        },
    )
    assert rosa.submit(xml, files).status == 403
    submission = Submission.objects.get()
    client.force_login(sample.users["community"])  # 幸福一村 covers grids 0 and 1
    page = client.get("/forms/submissions/")
    assert "重新写入" in page.content.decode()
    client.post(f"/forms/submissions/{submission.pk}/reapply/")
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPLIED, submission.message
    assert Person.objects.get(pk=elsewhere.head_id).phone == "13955556666"


def test_unreadable_xml_is_kept_and_refused_in_chinese(sample):
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    answer = rosa.submit(b"<data><broken></data>")
    assert answer.status == 400
    assert "XML" in answer.message
    assert Submission.objects.get().status == SubmissionStatus.REFUSED
    doctype = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "x">]><data id="verify_pair">&e;</data>'
    )
    assert rosa.submit(doctype).status == 400


def test_with_apply_deferred_intake_only_stores_and_the_job_applies(sample, settings):
    from wangge.forms import jobs

    settings.WANGGE_FORMS_APPLY = "job"
    jobs._checked_at = 0.0
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    xform, media = rosa.fetch_form("verify_value")
    person = sample.persons[0]
    xml, _ = fill(
        xform,
        media,
        overrides={
            "/data/person": str(person.pk),
            "/data/field": "phone",
            "/data/phone": "13966667777",
            "/data/name": "",
            "/data/birth_date": "",
            "/data/ethnicity": "",
        },
    )
    answer = rosa.submit(xml)
    assert answer.status == 201
    assert rosa.submit(xml).status == 202

    class Progress:
        def progress(self, *args: object) -> None:
            pass

    jobs.forms_apply(Progress())  # whatever the backend did already, nothing is left waiting
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED, submission.message
    person.refresh_from_db()
    assert person.phone == "13966667777"


def test_a_stored_submission_that_cannot_be_written_says_so_to_the_phone(sample):
    """Stored but not written (the household is gone from the platform since the roster was
    downloaded): the phone hears that it was received and waits for the office, not a bare
    reason it would read as sent and done; nothing is written and sending it again is a 202."""
    household = next(h for h in sample.households if h.grid_id == sample.grids[0].pk)
    rosa = OpenRosaClient(Client(), username="grid", password=PASSWORD)
    xform, media = rosa.fetch_form("household_visit")
    xml, files = fill(
        xform,
        media,
        overrides={"/data/household": "987654321", "/data/note": "门口堆物"},
    )
    answer = rosa.submit(xml, files)
    assert answer.status == 201, answer.message
    assert answer.message.startswith("已接收，但未能写入档案：")
    assert answer.message.endswith("；已留存，待社区处理")
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.FAILED
    household.refresh_from_db()
    assert "门口堆物" not in household.note
    assert rosa.submit(xml, files).status == 202
