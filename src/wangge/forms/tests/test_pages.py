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
