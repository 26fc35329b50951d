"""The forms pages as people find them: from the top navigation, with the current tab marked."""

from __future__ import annotations

import pytest
from django.test import Client

from wangge.forms.models import Change, ChangeStatus, Form, Submission, SubmissionStatus

pytestmark = pytest.mark.django_db


def _page(sample, role: str, url: str) -> str:
    client = Client()
    client.force_login(sample.users[role])
    return client.get(url).content.decode()


@pytest.mark.parametrize("role", ["grid", "community", "street", "admin"])
def test_the_navigation_leads_to_the_forms(sample, role):
    """Without a link, 表单 (ODK Collect setup, submissions, the 冲突待核 inbox) was reachable
    only by typing its address."""
    page = _page(sample, role, "/cases/")
    assert 'class="nav-forms"' in page and 'href="/forms/"' in page


def test_a_department_handler_has_no_forms_link(sample):
    """Handlers fill no field forms (OpenRosa gives them none)."""
    assert 'class="nav-forms"' not in _page(sample, "police", "/cases/")


def test_the_current_forms_tab_is_marked(sample):
    page = _page(sample, "community", "/forms/conflicts/")
    assert 'href="/forms/conflicts/" aria-current="page"' in page


def test_fill_links_only_for_forms_the_user_fills(sample):
    """A district admin's list shows every form, but the admin fills none: no 填写 or XForm link
    that answers 404, a word instead. A grid worker's links all lead somewhere."""
    client = Client()
    client.force_login(sample.users["admin"])
    page = client.get("/forms/").content.decode()
    assert "household_visit" in page and 'href="/forms/household_visit/fill/"' not in page
    assert "不在您的填报范围" in page
    client.force_login(sample.users["grid"])
    page = client.get("/forms/").content.decode()
    assert 'href="/forms/household_visit/fill/"' in page
    assert client.get("/forms/household_visit/fill/").status_code == 302


def test_fill_is_a_button_a_thumb_can_hit(sample):
    """On a 390 px phone the plain 填写 link was a 29×17 px target beside the XForm link; the
    grid worker's main action on this page is a button (at least 2.25rem high on phones)."""
    page = _page(sample, "grid", "/forms/")
    assert 'class="button small" href="/forms/household_visit/fill/"' in page


def test_the_upload_button_looks_like_every_other_primary_action(sample):
    """It was the one unstyled submit button of the site (browser grey among the blue ones)."""
    page = _page(sample, "admin", "/forms/")
    assert '<button type="submit" class="primary">上传并转换</button>' in page


def _inbox_item(sample, submitted: str) -> Change:
    """A birth date in the inbox, as a verify_value submission sent against an older roster
    leaves it (made directly: what is specified here is the page)."""
    person = sample.persons[0]
    person.id_number, person.birth_date = "", None
    person.save()
    form = Form.objects.get(code="verify_value")
    submission = Submission.objects.create(
        instance_id="uuid:inbox-page",
        form=form,
        form_code=form.code,
        version="2026120501",
        user=sample.users["grid"],
        username="grid",
        xml="<data/>",
        status=SubmissionStatus.CONFLICTS,
        grid=person.grid,
    )
    return Change.objects.create(
        submission=submission,
        model="person",
        object_id=str(person.pk),
        field="birth_date",
        submitted_value=submitted,
        status=ChangeStatus.CONFLICT,
        grid=person.grid,
    )


def test_an_inbox_item_names_its_form_and_accepting_is_a_button_like_the_others(sample):
    """The item said where it came from as the form's code (verify_value), and 采纳提交值 was
    the browser's grey button beside the styled 驳回."""
    _inbox_item(sample, "1971-07-08")
    page = _page(sample, "community", "/forms/conflicts/")
    assert "核实冲突信息" in page and "verify_value" not in page
    assert '<button name="action" value="accept" class="primary">采纳提交值</button>' in page


def test_a_value_that_cannot_be_accepted_says_which_item_it_is(sample):
    """The message sits above the whole inbox: it names the item as its card's heading does."""
    change = _inbox_item(sample, "2999-01-01")
    client = Client()
    client.force_login(sample.users["community"])
    page = client.post(
        f"/forms/conflicts/{change.pk}/", {"action": "accept"}, follow=True
    ).content.decode()
    assert (
        f"不能采纳：出生日期“2999-01-01”晚于今天，请驳回（人员 #{change.object_id} · 出生日期）"
        in page
    )
    page = client.post(
        f"/forms/conflicts/{change.pk}/", {"action": "reject"}, follow=True
    ).content.decode()
    assert f"已驳回（人员 #{change.object_id} · 出生日期）" in page
