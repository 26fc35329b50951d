"""XLSForm uploads: pyxform turns them into XForms, problems come back in Chinese with the
sheet and row, the `wangge::target` mapping is checked against the whitelist, versions kept."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from wangge.core.errors import Forbidden, ServiceError
from wangge.forms.models import Form, FormVersion
from wangge.forms.services import SHIPPED, upload_form
from wangge.forms.xlsform import XLSFormError, compile_xlsform


def xlsx(survey: list[list[str]], *, version: str = "1", form_id: str = "demo") -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "survey"
    for row in survey:
        sheet.append(row)
    choices = book.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    choices.append(["yes_no", "yes", "是"])
    choices.append(["yes_no", "no", "否"])
    settings = book.create_sheet("settings")
    settings.append(["form_title", "form_id", "version"])
    settings.append(["演示", form_id, version])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


HEADER = ["type", "name", "label", "wangge::target"]
GOOD = [
    HEADER,
    ["select_one_from_file households.csv", "household", "户", "household.id"],
    ["select_one yes_no", "rental", "出租", "household.is_rental"],
    ["text", "remark", "说明", ""],
]


def test_an_xlsx_becomes_an_xform_with_its_mapping():
    compiled = compile_xlsform(xlsx(GOOD), "demo.xlsx")
    assert compiled.code == "demo"
    assert "<h:html" in compiled.xform
    assert compiled.targets == {"household": "household.id", "rental": "household.is_rental"}
    assert compiled.media == ["households.csv"]


def test_pyxform_errors_are_said_in_chinese_with_the_row():
    bad = [HEADER, ["calculate", "sum", "", ""]]
    with pytest.raises(XLSFormError) as caught:
        compile_xlsform(xlsx(bad), "bad.xlsx")
    assert "survey表第2行" in caught.value.message
    assert "calculation" in caught.value.message


def test_a_target_off_the_whitelist_is_refused_naming_the_question():
    bad = [HEADER, ["text", "id_no", "身份证", "person.id_number"]]
    with pytest.raises(XLSFormError) as caught:
        compile_xlsform(xlsx(bad), "bad.xlsx")
    assert "id_no" in caught.value.message
    assert "person.id_number" in caught.value.message


def test_a_person_field_needs_the_person_it_writes_to():
    bad = [HEADER, ["text", "phone", "电话", "person.phone"]]
    with pytest.raises(XLSFormError) as caught:
        compile_xlsform(xlsx(bad), "bad.xlsx")
    assert "person.id" in caught.value.message


def test_a_damaged_file_is_refused_in_chinese():
    with pytest.raises(XLSFormError) as caught:
        compile_xlsform(b"PK\x03\x04 not really", "broken.xlsx")
    assert "XLSForm" in caught.value.message


def test_a_zip_bomb_is_refused_before_openpyxl_inflates_it():
    import zipfile

    real = zipfile.ZipFile(io.BytesIO(xlsx([["type", "name", "label"], ["text", "q", "Q"]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in real.infolist():
            body = real.read(item)
            if item.filename.startswith("xl/worksheets/"):
                body = body.replace(b"<sheetData>", b"<sheetData>" + b" " * 2**25)
            bomb.writestr(item.filename, body)
    assert len(out.getvalue()) < 200_000
    with pytest.raises(XLSFormError, match="压缩炸弹"):
        compile_xlsform(out.getvalue(), "bomb.xlsx")


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
        '<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    ],
)
def test_xml_entities_in_an_xlsform_are_refused_naming_the_part(doctype: str) -> None:
    # defusedxml stops them under openpyxl, which then said only "ValueError".
    import zipfile

    real = zipfile.ZipFile(io.BytesIO(xlsx(GOOD)))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as hostile:
        for item in real.infolist():
            body = real.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = doctype.encode() + body[body.index(b"<worksheet") :]
            hostile.writestr(item.filename, body)
    with pytest.raises(XLSFormError) as caught:
        compile_xlsform(out.getvalue(), "hostile.xlsx")
    message = caught.value.message
    assert "xl/worksheets/sheet1.xml" in message and "实体声明" in message, message
    assert "ValueError" not in message


@pytest.mark.django_db
def test_the_shipped_forms_are_there_after_migrate():
    assert set(Form.objects.filter(shipped=True).values_list("code", flat=True)) == set(SHIPPED)
    assert FormVersion.objects.filter(current=True).count() >= len(SHIPPED)


@pytest.mark.django_db
def test_only_district_admins_upload_and_versions_are_kept(sample):
    with pytest.raises(Forbidden):
        upload_form(sample.users["community"], xlsx(GOOD), "demo.xlsx")
    first = upload_form(sample.users["admin"], xlsx(GOOD), "demo.xlsx")
    second = upload_form(sample.users["admin"], xlsx(GOOD, version="2"), "demo.xlsx")
    first.refresh_from_db()
    assert not first.current and second.current
    assert list(
        FormVersion.objects.filter(form__code="demo").values_list("version", flat=True)
    ) == [
        "2",
        "1",
    ]
    changed = [*GOOD, ["text", "extra", "补充", ""]]
    with pytest.raises(ServiceError, match="version"):
        upload_form(sample.users["admin"], xlsx(changed, version="2"), "demo.xlsx")


@pytest.mark.django_db
def test_the_upload_page_shows_the_chinese_error(sample, client):
    client.force_login(sample.users["admin"])
    bad = xlsx([HEADER, ["calculate", "sum", "", ""]])
    from django.core.files.uploadedfile import SimpleUploadedFile

    page = client.post("/forms/", {"xlsform": SimpleUploadedFile("bad.xlsx", bad)}, follow=True)
    assert page.status_code == 200
    assert "survey表第2行" in page.content.decode()
    ok = client.post("/forms/", {"xlsform": SimpleUploadedFile("ok.xlsx", xlsx(GOOD))}, follow=True)
    assert "已上传 demo" in ok.content.decode()


def test_every_shipped_roster_question_is_a_dropdown_filtered_by_typing():
    """A community's roster holds hundreds of households and thousands of people: drawn as one
    radio button each, 核实疑似同一人 opened without its task was a page 60,000 px long on a
    phone. Every question choosing from the whole roster is a dropdown filtered by typing."""
    import re

    from wangge.forms.services import shipped_sources

    checked = 0
    for code, data in shipped_sources().items():
        xform = compile_xlsform(data, f"{code}.md").xform
        for tag, body in re.findall(r"<select1 ([^>]*)>(.*?)</select1>", xform, re.DOTALL):
            # the whole roster (a choice filtered to one household's members stays radio buttons)
            if re.search(r"instance\('(households|persons)'\)/root/item\"", body):
                checked += 1
                assert 'appearance="minimal autocomplete"' in tag, (code, tag)
    assert checked >= 6  # household_visit's household, verify_pair's two, verify_value's two, …
