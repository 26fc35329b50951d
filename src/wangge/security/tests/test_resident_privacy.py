"""Attack 7, last point: residents were not told that their report becomes public.

What a resident typed on `/report/` (description, address, position) was published through
Open311 GET without a word on the page. Now the page says plainly what becomes public, and the
resident can keep the description to the staff.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from wangge.cases.models import Case, Category
from wangge.cases.testing import load_test_categories
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db

SECRET = "楼上邻居王某每晚吵闹，我是302的住户"


@pytest.fixture(autouse=True)
def _no_rate_limit(settings: Any) -> None:
    settings.WANGGE_REPORT_RATE_LIMIT = 0


def _report(private: bool) -> Case:
    # Open311 lists only cases with a service (category), so the resident picks one.
    load_test_categories()
    data = {
        "description": SECRET,
        "address": "幸福一村3号楼东侧",
        "lat": "39.91",
        "lon": "116.46",
        "category": str(Category.objects.get(code="H02").pk),
    }
    if private:
        data["description_private"] = "on"
    response = Client().post("/report/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return Case.objects.order_by("-pk").first()  # type: ignore[return-value]


def test_the_report_page_says_what_becomes_public(sample: SampleDistrict):
    body = Client().get("/report/").content.decode()
    notice = body[body.index('id="public-notice"') :][:600]
    for word in ("公开", "问题描述", "地址", "位置", "Open311"):
        assert word in notice, word
    assert "姓名" in notice and "电话" in notice  # …and what never is
    assert 'name="description_private"' in body


def test_a_private_description_stays_out_of_open311(sample: SampleDistrict):
    case = _report(private=True)
    assert case.description_private and case.description == SECRET
    one = Client().get(f"/open311/v2/requests/{case.number}.json").json()[0]
    assert one["description"] == "" and one["address"] == "幸福一村3号楼东侧"
    listing = Client().get("/open311/v2/requests.json").content.decode()
    xml = Client().get(f"/open311/v2/requests/{case.number}.xml").content.decode()
    assert SECRET not in listing and SECRET not in xml


def test_without_the_box_the_description_is_public_as_the_page_says(sample: SampleDistrict):
    case = _report(private=False)
    one = Client().get(f"/open311/v2/requests/{case.number}.json").json()[0]
    assert one["description"] == SECRET
