"""OpenRosa 1.0 as ODK Collect speaks it, through a client written from the specifications
(`openrosa_client`): listing, downloading forms and the roster, the 401 challenge, duplicates,
split uploads, every shipped form filled and accepted, scope and conflicts."""

from __future__ import annotations

import hashlib
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wangge.access.authn import lockout_message
from wangge.core.testing import PASSWORD
from wangge.forms.auth import forget_all
from wangge.forms.models import Attachment, Change, ChangeStatus, Submission, SubmissionStatus
from wangge.forms.services import SHIPPED
from wangge.forms.tests.openrosa_client import Answer, OpenRosaClient, fill
from wangge.people.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_credentials():
    forget_all()
    yield
    forget_all()


def collect(username: str = "grid") -> OpenRosaClient:
    return OpenRosaClient(Client(), username=username, password=PASSWORD)


def fetch_all(rosa: OpenRosaClient, code: str) -> tuple[str, dict[str, bytes]]:
    _answer, forms = rosa.form_list()
    entry = next(f for f in forms if f.form_id == code)
    xform = rosa.request("GET", entry.download_url)
    assert xform.status == 200
    media = {}
    if entry.manifest_url:
        for name, md5, url in rosa.manifest(entry):
            got = rosa.request("GET", url)
            assert got.status == 200
            assert md5.startswith("md5:")
            media[name] = got.body
    return xform.body.decode(), media


def test_every_answer_says_openrosa_1_0_and_anonymous_requests_are_challenged(sample):
    anonymous = OpenRosaClient(Client())
    for method, url in [("GET", "/openrosa/formList"), ("HEAD", "/openrosa/submission")]:
        answer = anonymous.request(method, url)
        assert answer.status == 401
        assert answer.headers["X-OpenRosa-Version"] == "1.0"
        assert answer.headers["WWW-Authenticate"].startswith("Basic realm=")


def test_a_grid_worker_lists_only_their_forms_and_their_grid_roster(sample):
    rosa = collect()
    answer, forms = rosa.form_list()
    assert answer.status == 200
    assert rosa.challenges == 1  # the first request got the challenge, the retry got in
    assert answer.headers["X-OpenRosa-Version"] == "1.0"
    assert {f.form_id for f in forms} == set(SHIPPED)
    assert all(f.hash.startswith("md5:") and f.version for f in forms)
    _xform, media = fetch_all(rosa, "household_visit")
    households = media["households.csv"].decode().splitlines()
    own = {h.pk for h in sample.households if h.grid_id == sample.grids[0].pk}
    assert {int(line.split(",")[0]) for line in households[1:]} == own
    persons = media["persons.csv"].decode()
    for person in sample.persons:
        assert person.phone not in persons
        assert person.id_number not in persons
        assert person.name not in persons  # masked: 王*
    assert "elderly_alone" in media["tags.csv"].decode()


def test_a_user_with_no_field_role_gets_no_forms(sample):
    _answer, forms = collect("police").form_list()
    assert forms == []


def test_a_wrong_password_is_challenged_again_and_counted(sample):
    rosa = OpenRosaClient(Client(), username="grid", password="wrong")
    answer, _forms = rosa.form_list()
    assert answer.status == 401


def test_a_username_with_nul_is_challenged_again_and_counted(sample):
    """No account's name holds a NUL; the log-in lookup and the failure count passed it to
    PostgreSQL as it came (a 500). It is a wrong log-in, counted under the name with ␀."""
    from axes.models import AccessAttempt

    rosa = OpenRosaClient(Client(), username="gr\x00id", password="wangge-demo")
    answer, _forms = rosa.form_list()
    assert answer.status == 401
    assert AccessAttempt.objects.filter(username="gr␀id").exists()


def test_head_submission_tells_the_accepted_content_length(sample):
    answer = collect().request("HEAD", "/openrosa/submission")
    assert answer.status == 204
    assert int(answer.headers["X-OpenRosa-Accept-Content-Length"]) > 0


def test_a_deeply_nested_submission_is_refused_in_chinese_not_a_server_error(sample):
    # 5,000 nested elements parse fine; reading them recursed once per level (RecursionError).
    depth = 5000
    xml = f'<data id="verify_pair">{"<a>" * depth}1{"</a>" * depth}</data>'.encode()
    answer = collect().submit(xml)
    assert answer.status == 400
    assert "嵌套超过" in answer.message
    assert Submission.objects.get().status == SubmissionStatus.REFUSED


@pytest.mark.parametrize("code", sorted(SHIPPED))
def test_every_shipped_form_downloads_and_a_full_submission_is_accepted(sample, code):
    rosa = collect()
    xform, media = fetch_all(rosa, code)
    overrides = {}
    if code == "verify_value":  # the roster's first person, whose ID number fixes the day
        first = media["persons.csv"].decode().splitlines()[1].split(",")[0]
        born = Person.objects.get(pk=first).birth_date
        assert born is not None
        overrides["/data/birth_date"] = born.isoformat()
    xml, attachments = fill(xform, media, overrides=overrides)
    answer = rosa.submit(xml, attachments)
    assert answer.status == 201, answer.message
    assert answer.headers["X-OpenRosa-Accept-Content-Length"]
    submission = Submission.objects.get()
    assert submission.status == SubmissionStatus.APPLIED, submission.message
    changes = Change.objects.filter(submission=submission)
    assert changes.filter(status=ChangeStatus.APPLIED).exists()  # every form writes something
    assert not changes.exclude(status=ChangeStatus.APPLIED).exists()
    assert submission.device_id == "collect:test-device"
    assert Attachment.objects.filter(submission=submission).count() == len(attachments)


def test_a_visit_updates_the_household_file_with_provenance(sample):
    rosa = collect()
    xform, media = fetch_all(rosa, "household_visit")
    household = next(h for h in sample.households if h.grid_id == sample.grids[0].pk)
    member = household.head
    xml, attachments = fill(
        xform,
        media,
        overrides={
            "/data/household": str(household.pk),
            "/data/members/person": str(member.pk),
            "/data/members/phone": "13912345678",
            "/data/members/moved_out": "no",
            "/data/movers_in/name": "赵新来",
            "/data/movers_in/relation": "tenant",
            "/data/is_rental": "no" if household.is_rental else "yes",
            "/data/problem": "",
        },
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 201, answer.message
    member.refresh_from_db()
    assert member.phone == "13912345678"
    household.refresh_from_db()
    newcomer = Person.objects.get(name="赵新来")
    assert newcomer.household_id == household.pk
    change = Change.objects.get(model="person", object_id=str(member.pk), field="phone")
    assert change.status == ChangeStatus.APPLIED
    assert change.submission.username == "grid"
    version = change.submission.form_version
    assert version is not None and version.version == "2026120701"
    assert change.submission.device_id == "collect:test-device"


def test_a_duplicate_is_acknowledged_and_stored_once(sample):
    rosa = collect()
    xform, media = fetch_all(rosa, "verify_pair")
    xml, attachments = fill(xform, media, instance_id="uuid:dup-1")
    assert rosa.submit(xml, attachments).status == 201
    again = rosa.submit(xml, attachments)
    assert again.status in (201, 202)
    assert again.status == 202
    assert Submission.objects.filter(instance_id="uuid:dup-1").count() == 1


def test_a_refused_submission_sent_again_is_refused_again_not_acknowledged(sample):
    """Form Submission API: 201 and 202 both mean the server has the submission, and Collect
    marks the form sent on either. A form refused (unknown version: 400; out of scope: 403)
    and sent again, as Collect's auto-send retries failed forms, must not turn into a 202."""
    rosa = collect()
    xform, media = fetch_all(rosa, "household_visit")
    xml, attachments = fill(xform, media, instance_id="uuid:again-1")
    stale = xml.replace(b'version="2026120701"', b'version="1999010101"', 1)
    first = rosa.submit(stale, attachments)
    assert first.status == 400 and "没有版本 1999010101" in first.message
    again = rosa.submit(stale, attachments)
    assert again.status == 400
    assert again.message == first.message
    assert 'nature="submit_error"' in again.body.decode()

    elsewhere = next(h for h in sample.households if h.grid_id == sample.grids[1].pk)
    xml, attachments = fill(
        xform, media, overrides={"/data/household": str(elsewhere.pk)}, instance_id="uuid:again-2"
    )
    assert rosa.submit(xml, attachments).status == 403
    again = rosa.submit(xml, attachments)
    assert again.status == 403
    assert Submission.objects.get(instance_id="uuid:again-2").status == SubmissionStatus.REFUSED


def test_a_refused_submission_corrected_and_sent_again_is_taken_in(sample):
    """Collect keeps a form's instanceID when the worker edits it after a refusal; the
    corrected form sent again is received and applied (201), not held to the old refusal."""
    rosa = collect()
    xform, media = fetch_all(rosa, "household_visit")
    elsewhere = next(h for h in sample.households if h.grid_id == sample.grids[1].pk)
    wrong, attachments = fill(
        xform, media, overrides={"/data/household": str(elsewhere.pk)}, instance_id="uuid:fix-1"
    )
    assert rosa.submit(wrong, attachments).status == 403
    right, attachments = fill(xform, media, instance_id="uuid:fix-1")
    answer = rosa.submit(right, attachments)
    assert answer.status == 201, answer.message
    submission = Submission.objects.get(instance_id="uuid:fix-1")
    assert submission.status == SubmissionStatus.APPLIED, submission.message
    assert f">{elsewhere.pk}<" not in submission.xml
    assert rosa.submit(right, attachments).status == 202  # and now an ordinary duplicate

    stale = right.replace(b"uuid:fix-1", b"uuid:fix-2").replace(
        b'version="2026120701"', b'version="1999010101"', 1
    )
    assert rosa.submit(stale, attachments).status == 400
    current = right.replace(b"uuid:fix-1", b"uuid:fix-2")
    assert rosa.submit(current, attachments).status == 201
    assert Submission.objects.get(instance_id="uuid:fix-2").form_version is not None


def test_a_post_without_the_instance_is_a_submit_error(sample):
    """The OpenRosa response envelope says what kind of answer it is (`nature`), as the
    server's other refusals do."""
    answer = collect().request(
        "POST", "/openrosa/submission", data={"other": ("a.txt", b"x", "text/plain")}
    )
    assert answer.status == 400
    assert 'nature="submit_error"' in answer.body.decode()
    assert "xml_submission_file" in answer.message


def test_a_submission_split_in_two_is_merged(sample):
    rosa = collect()
    xform, media = fetch_all(rosa, "verify_address")
    xml, attachments = fill(xform, media, instance_id="uuid:split-1")
    assert rosa.submit(xml, {}, incomplete=True).status == 201
    submission = Submission.objects.get(instance_id="uuid:split-1")
    assert submission.status == SubmissionStatus.INCOMPLETE
    assert rosa.submit(xml, attachments).status == 201
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.APPLIED, submission.message
    assert Attachment.objects.filter(submission=submission).count() == len(attachments) == 1
    assert Submission.objects.filter(instance_id="uuid:split-1").count() == 1


def test_a_change_to_another_grids_household_is_refused_kept_and_audited(sample):
    from wangge.audit.models import AuditEntry

    rosa = collect()
    xform, media = fetch_all(rosa, "household_visit")
    elsewhere = next(h for h in sample.households if h.grid_id == sample.grids[1].pk)
    xml, attachments = fill(
        xform, media, overrides={"/data/household": str(elsewhere.pk)}, instance_id="uuid:out-1"
    )
    answer = rosa.submit(xml, attachments)
    assert answer.status == 403
    submission = Submission.objects.get(instance_id="uuid:out-1")
    assert submission.status == SubmissionStatus.REFUSED
    assert "uuid:out-1" in submission.xml  # kept as received
    assert submission.grid_id == elsewhere.grid_id
    assert AuditEntry.objects.filter(
        action="refused", object_type="people.household", object_id=str(elsewhere.pk)
    ).exists()
    head = Person.objects.get(pk=elsewhere.head_id)
    assert head.phone != "13800138000"


def test_a_value_changed_since_the_roster_goes_to_the_conflict_inbox(sample, client):
    rosa = collect()
    xform, media = fetch_all(rosa, "verify_value")
    person = sample.persons[0]
    roster_at = media["persons.csv"].decode().splitlines()[1].split(",")[-1]
    person.phone = "13700000000"  # the office's edit after the roster was downloaded
    person.save()
    xml, _ = fill(
        xform,
        media,
        overrides={
            "/data/person": str(person.pk),
            "/data/roster_at": roster_at,
            "/data/field": "phone",
            "/data/phone": "13911112222",
            "/data/name": "",
            "/data/birth_date": "",
            "/data/ethnicity": "",
        },
    )
    assert rosa.submit(xml).status == 201
    person.refresh_from_db()
    assert person.phone == "13700000000"  # not overwritten
    change = Change.objects.get(status=ChangeStatus.CONFLICT)
    assert change.submitted_value == "13911112222"
    assert change.current_value == "13700000000"
    client.force_login(sample.users["community"])
    page = client.get("/forms/conflicts/")
    assert page.status_code == 200
    assert "139******22" in page.content.decode()
    assert "13911112222" not in page.content.decode()
    answer = client.post(f"/forms/conflicts/{change.pk}/", {"action": "accept"})
    assert answer.status_code == 302
    person.refresh_from_db()
    assert person.phone == "13911112222"
    change.refresh_from_db()
    assert change.status == ChangeStatus.ACCEPTED
    assert change.decided_by == sample.users["community"]


def test_remembered_credentials_still_see_a_role_taken_away(sample):
    """A good password is remembered a few minutes (no Argon2 per request), but the roles are
    read afresh on every request: for the scope, and for the audit log's snapshot of who acted."""
    from wangge.access.models import RoleAssignment
    from wangge.audit.models import AuditEntry

    rosa = collect()
    assert rosa.form_list()[0].status == 200
    xml, attachments = fill(*fetch_all(rosa, "verify_pair"), instance_id="uuid:roles-1")
    assert rosa.submit(xml, attachments).status == 201
    first = AuditEntry.objects.filter(object_type="forms.submission").latest("pk")
    assert any(r.startswith("grid_worker@") for r in first.user_roles)
    RoleAssignment.objects.filter(user__username="grid").delete()
    _answer, forms = rosa.form_list()
    assert forms == []  # same remembered credentials, no role: no forms
    rosa.submit(xml.replace(b"uuid:roles-1", b"uuid:roles-2"), attachments)
    second = AuditEntry.objects.filter(object_type="forms.submission").latest("pk")
    assert second.pk != first.pk and second.user_roles == []


def _openrosa_error(answer: Any, status: int) -> str:
    """An error as the OpenRosa HTTP Request API has every answer: the `X-OpenRosa-Version`
    header and, as the transactional APIs answer, an `OpenRosaResponse` envelope (whose message
    Collect shows)."""
    assert answer.status == status, answer.body[:200]
    assert answer.headers["X-OpenRosa-Version"] == "1.0"
    assert answer.headers["Content-Type"].startswith("text/xml")
    root = ET.fromstring(answer.body)
    assert root.tag == "{http://openrosa.org/http/response}OpenRosaResponse"
    assert answer.message
    return answer.message


def test_errors_no_view_made_are_openrosa_answers_too(sample, settings):
    # OpenRosa HTTP Request API: "Servers should include the following headers in all
    # responses": X-OpenRosa-Version, Date. Also for an unknown path, a body the multipart
    # parser cannot read, the body cap and the log-in lockout, all answered before any view.
    rosa = collect()
    assert "/openrosa/nope" in _openrosa_error(rosa.request("GET", "/openrosa/nope"), 404)
    unreadable = Client().post(
        "/openrosa/submission",
        data=b"x",
        content_type="multipart/form-data",  # no boundary
        headers={"Authorization": rosa._basic(), "X-OpenRosa-Version": "1.0"},
    )
    _openrosa_error(
        Answer(unreadable.status_code, dict(unreadable.headers), unreadable.content), 400
    )
    settings.WANGGE_ANONYMOUS_MAX_BODY_BYTES = 1000
    too_big = Client().post(
        "/openrosa/submission",
        data={"xml_submission_file": SimpleUploadedFile("s.xml", b"<a/>" * 1000, "text/xml")},
    )
    assert "MB" in _openrosa_error(
        Answer(too_big.status_code, dict(too_big.headers), too_big.content), 413
    )
    wrong = OpenRosaClient(Client(), username="grid", password="wrong")
    answers = [
        wrong.request("GET", "/openrosa/formList") for _ in range(settings.AXES_FAILURE_LIMIT + 1)
    ]
    # the lockout's own message (when to come back), not a generic one
    assert str(lockout_message()) in _openrosa_error(answers[-1], 429)


def test_an_attachment_over_the_limit_is_a_413(sample):
    # OpenRosa Form Submission API: the server announces what it takes in one POST
    # (X-OpenRosa-Accept-Content-Length) and Collect splits a larger submission between files;
    # a single file over the limit cannot be split, and "too large" is HTTP's 413 (RFC 9110
    # §15.5.14), which Collect explains to its user as such.
    rosa = collect()
    xform, media = fetch_all(rosa, "verify_address")
    xml, attachments = fill(xform, media, instance_id="uuid:big-1")
    name = next(iter(attachments))
    huge = {name: (b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 1), "image/jpeg")}
    answer = rosa.submit(xml, huge)
    assert answer.status == 413, answer.message
    assert "10MB" in answer.message
    assert not Submission.objects.filter(instance_id="uuid:big-1").exists()
    # the rest of a split upload too
    assert rosa.submit(xml, {}, incomplete=True).status == 201
    assert rosa.submit(xml, huge).status == 413
    assert rosa.submit(xml, attachments).status == 201


@pytest.mark.parametrize(
    ("encoding", "note"),
    [("ISO-8859-1", "Frau Müller, 2. OG"), ("UTF-16", "住户不在家 Müller"), ("UTF-8", "备注 ✓")],
)
def test_a_submission_is_read_in_the_encoding_its_xml_declares(sample, encoding, note):
    # Form Submission API: the instance is an XML document, and XML 1.0 (§4.3.3, Appendix F)
    # has it in the encoding its byte-order mark or declaration names. The answers are stored
    # and written as the characters sent, never as UTF-8 guessed from other bytes.
    rosa = collect()
    xform, media = fetch_all(rosa, "household_visit")
    household = next(h for h in sample.households if h.grid_id == sample.grids[0].pk)
    xml, attachments = fill(
        xform,
        media,
        instance_id=f"uuid:enc-{encoding}",
        overrides={"/data/household": str(household.pk), "/data/note": note, "/data/problem": ""},
    )
    text = xml.decode("utf-8")
    if text.startswith("<?xml"):
        text = text[text.index("?>") + 2 :]
    # what ISO-8859-1 cannot hold (the form's Chinese choices) goes as character references
    sent = f'<?xml version="1.0" encoding="{encoding}"?>{text}'.encode(
        encoding, "xmlcharrefreplace"
    )
    answer = rosa.submit(sent, attachments)
    assert answer.status == 201, answer.message
    submission = Submission.objects.get(instance_id=f"uuid:enc-{encoding}")
    assert submission.status == SubmissionStatus.APPLIED, submission.message
    assert note in submission.xml
    household.refresh_from_db()
    assert note in household.note


def test_bytes_not_in_the_declared_encoding_are_refused(sample):
    rosa = collect()
    xform, media = fetch_all(rosa, "verify_pair")
    xml, attachments = fill(xform, media, instance_id="uuid:bad-bytes")
    broken = xml.replace(b"</meta>", b"\xff\xfe</meta>")  # not UTF-8
    assert rosa.submit(broken, attachments).status == 400


def test_an_openrosa_answer_made_elsewhere_keeps_its_message(rf):
    # An XML error answer under /openrosa/ is an OpenRosaResponse already (a stand-in server's,
    # a proxy's in front of it): the error formatter keeps its message rather than a generic one.
    from django.http import HttpResponse

    from wangge.core.api_errors import ErrorFormatMiddleware

    body = '<OpenRosaResponse xmlns="http://openrosa.org/http/response"><message>住户已迁出</message></OpenRosaResponse>'
    answer = ErrorFormatMiddleware(
        lambda request: HttpResponse(body, status=400, content_type="text/xml; charset=utf-8")
    )(rf.post("/openrosa/submission"))
    assert isinstance(answer, HttpResponse)
    assert answer.status_code == 400 and "住户已迁出" in answer.content.decode()


SITE_FORM = """| survey |
| | type | name | label | required |
| | select_one_from_file sites.csv | site | 地点 | yes |

| settings |
| | form_title | form_id | version |
| | 地点登记 | site_visit | 2026120701 |
"""


def test_a_roster_registered_by_another_app_is_served_in_the_manifest_with_its_md5(sample):
    """An app above forms registers a roster file of its own (the inspections app's places.csv)
    by name, with its builder and the key that moves when its rows do; a form reading it lists
    it in its manifest, its hash moving with the key, and nothing of that app is imported."""
    from wangge.access.models import Role
    from wangge.forms import roster
    from wangge.forms.services import upload_form

    rows = {"data": b"name,label\n1,\xe4\xb8\x80\xe5\x8f\xb7\n"}
    roster.register_roster("sites.csv", lambda user: rows["data"], lambda user: rows["data"].hex())
    try:
        upload_form(sample.users["admin"], SITE_FORM.encode(), "site.md", roles=[Role.GRID_WORKER])
        rosa = collect()
        _answer, forms = rosa.form_list()
        entry = next(f for f in forms if f.form_id == "site_visit")
        [(name, md5, url)] = rosa.manifest(entry)
        assert name == "sites.csv"
        assert md5 == "md5:" + hashlib.md5(rows["data"]).hexdigest()  # noqa: S324
        assert rosa.request("GET", url).body == rows["data"]
        rows["data"] += b"2,\xe4\xba\x8c\xe5\x8f\xb7\n"
        [(_name, moved, url)] = rosa.manifest(entry)
        assert moved == "md5:" + hashlib.md5(rows["data"]).hexdigest()  # noqa: S324
        assert rosa.request("GET", url).body == rows["data"]
        with pytest.raises(ValueError):
            roster.register_roster("households.csv", lambda user: b"", lambda user: "")
    finally:
        roster._SOURCES.pop("sites.csv", None)
