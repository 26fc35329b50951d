"""The forms pages as people find them: from the top navigation, with the current tab marked."""

from __future__ import annotations

import pytest
from django.test import Client

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
