"""A missed deadline becomes a 接诉即办 case: once a deadline notice has run out with hazards
still open, the community or street refers it to the department in charge of the place, which
receives it as a dispatched case listing only what is still unfixed — once per notice, and never
by a grid worker or a department."""

from __future__ import annotations

import datetime
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from wangge.access.models import Role
from wangge.access.services import assign_role
from wangge.audit.models import AuditEntry
from wangge.cases.models import Case, CaseStatus, Channel, Department
from wangge.core.errors import Forbidden, ServiceError
from wangge.inspections import notices, referral, services
from wangge.inspections.models import Notice, NoticeKind
from wangge.inspections.testing import photo


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _late_notice(sample, places, place_index: int = 0) -> Notice:
    """A deadline notice on two hazards, one fixed in time and one not, its deadline passed."""
    grid = sample.users["grid"] if place_index == 0 else None
    place = places.places[place_index]
    fixed, unfixed = (
        services.record_hazard(grid, place, category=category, description=text, photos=[photo()])
        for category, text in (("clutter", "楼道堆放纸箱"), ("partition", "三楼隔出四间"))
    )
    notice = notices.issue_notice(
        grid, unit=places.unit, hazards=[fixed, unfixed], kind=NoticeKind.DEADLINE, deadline_days=3
    )
    services.close_hazard(grid, fixed, after_photos=[photo("after.png")])
    Notice.objects.filter(pk=notice.pk).update(
        deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    notice.refresh_from_db()
    return notice


def test_a_notice_still_in_time_cannot_be_referred(sample, places):
    place = places.places[0]
    hazard = services.record_hazard(None, place, category="clutter", photos=[photo()])
    notice = notices.issue_notice(
        None, unit=places.unit, hazards=[hazard], kind=NoticeKind.DEADLINE, deadline_days=5
    )
    assert not referral.missed(notice)
    with pytest.raises(ServiceError, match="整改期限已过"):
        referral.refer_missed_deadline(sample.users["community"], notice)
    assert not Case.objects.exists()


def test_the_community_refers_a_missed_deadline_to_the_department_in_charge(sample, places):
    notice = _late_notice(sample, places)
    assert referral.missed(notice)
    case = referral.refer_missed_deadline(sample.users["community"], notice)
    assert case.channel == Channel.INSPECTION and case.external_id == notice.number
    assert case.status == CaseStatus.DISPATCHED and case.department == places.department
    assert case.region_id == notice.grid_id and case.description_private
    assert notice.number in case.title and places.places[0].name in case.title
    assert "三楼隔出四间" in case.description  # what is still unfixed …
    assert "楼道堆放纸箱" not in case.description  # … and not what was fixed in time
    handler = _client(sample.users["police"])  # the department's member sees it to sign in
    assert case.number in handler.get(reverse("cases:list")).content.decode()
    with pytest.raises(ServiceError, match=f"已转为案件 {case.number}"):
        referral.refer_missed_deadline(sample.users["street"], notice)
    assert Case.objects.count() == 1


def test_grid_workers_and_departments_cannot_refer_and_their_attempts_are_logged(sample, places):
    notice = _late_notice(sample, places)
    for name in ("grid", "police"):
        with pytest.raises(Forbidden):
            referral.refer_missed_deadline(sample.users[name], notice)
    neighbour = get_user_model().objects.create_user(username="neighbour", password="x")
    assign_role(None, neighbour, Role.COMMUNITY_OFFICER, sample.communities[1])
    assert notice.grid is not None and notice.grid.code.startswith(sample.communities[0].code)
    with pytest.raises(Forbidden):  # the office of another community does not reach this grid
        referral.refer_missed_deadline(neighbour, notice)
    refused = AuditEntry.objects.filter(
        action="refused", object_type="inspections.notice", object_id=str(notice.pk)
    )
    assert refused.count() == 2 + 1
    assert not Case.objects.exists()


def test_a_place_without_a_department_needs_one_chosen(sample, places):
    notice = _late_notice(sample, places, place_index=1)  # no department in charge
    with pytest.raises(ServiceError, match="没有登记主管部门"):
        referral.refer_missed_deadline(sample.users["street"], notice)
    market = Department.objects.create(code="scjg", name="市场监管所", region=sample.street)
    case = referral.refer_missed_deadline(sample.users["street"], notice, department=market)
    assert case.department == market and case.status == CaseStatus.DISPATCHED


def test_the_notice_page_offers_the_referral_to_staff_only(sample, places):
    notice = _late_notice(sample, places)
    url = reverse("inspections:notice", args=[notice.pk])
    assert 'id="refer"' not in _client(sample.users["grid"]).get(url).content.decode()
    community = _client(sample.users["community"])
    assert 'id="refer"' in community.get(url).content.decode()
    refer = reverse("inspections:notice_refer", args=[notice.pk])
    assert _client(sample.users["grid"]).post(refer).status_code == 403
    answer = community.post(refer, {"department": "", "note": "屡次催告未改"})
    case = Case.objects.get(channel=Channel.INSPECTION)
    assert answer.status_code == 302 and answer["Location"] == reverse(
        "cases:detail", args=[case.pk]
    )
    page = community.get(url).content.decode()
    assert 'id="referred"' in page and case.number in page and 'id="refer"' not in page
    bad = community.post(refer, {"department": "abc"})
    assert bad.status_code in (302, 400)  # a clear message, never a 500


def test_the_api_refers_a_notice_by_its_number(sample, places):
    notice = _late_notice(sample, places)
    url = f"/api/notices/{quote(notice.number)}/refer"
    denied = _client(sample.users["grid"]).post(url, {}, content_type="application/json")
    assert denied.status_code == 403
    unknown = _client(sample.users["street"]).post(
        url, {"department": "nope"}, content_type="application/json"
    )
    assert unknown.status_code == 404 and "部门" in unknown.json()["message"]
    made = _client(sample.users["street"]).post(url, {}, content_type="application/json")
    assert made.status_code == 200, made.content
    body = made.json()
    assert body["notice_number"] == notice.number and body["department"] == "fire-jgl"
    again = _client(sample.users["street"]).post(url, {}, content_type="application/json")
    assert again.status_code == 400 and body["case_number"] in again.json()["message"]
