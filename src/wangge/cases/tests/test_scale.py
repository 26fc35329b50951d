"""What keeps the case loop fast at a million cases without changing what users see or may do:
capped list counts, the per-process reference cache and its invalidation, receipt numbers,
the one-query intake rights check."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from wangge.access.audit import verify_chain
from wangge.access.scoping import forget_scope, intake_rights, scope_for
from wangge.cases import reference, services
from wangge.cases.models import Category, Channel, Department, ReferenceStamp, Responsibility
from wangge.cases.services import reads
from wangge.cases.testing import grid_centre
from wangge.geo.models import Region

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def report(sample, index: int = 0, actor=None):
    lon, lat = grid_centre(sample, index)
    return services.submit_case(
        actor or sample.users["admin"],
        channel=Channel.API,
        title="井盖缺失",
        category=Category.objects.get(code="0101"),
        lon=lon,
        lat=lat,
    )


def test_counts_stop_after_the_cap_and_the_list_says_so(sample, cases, monkeypatch):
    everything = services.list_cases(sample.users["admin"])
    assert services.count_cases(everything) == 4
    assert services.count_cases(everything, cap=2) == 3  # “more than 2”
    monkeypatch.setattr(reads, "COUNT_CAP", 2)
    page = client_for(sample.users["admin"]).get("/cases/?status=").content.decode()
    assert "2+" in page
    listed = client_for(sample.users["admin"]).get("/api/cases/").json()
    assert listed["count"] == 3 and len(listed["items"]) == 4
    monkeypatch.setattr(reads, "COUNT_CAP", 10)
    assert client_for(sample.users["admin"]).get("/api/cases/").json()["count"] == 4


def test_category_filter_includes_the_minor_classes(sample, cases):
    report(sample)
    major = services.list_cases(sample.users["admin"], category="01")
    assert [c.category_id for c in major] == [Category.objects.get(code="0101").pk]
    assert services.list_cases(sample.users["admin"], category="H01").count() == 4


def test_a_changed_responsibility_rule_routes_the_next_case(sample, cases):
    assert report(sample).department.name == "城管"
    police = Department.objects.get(name="派出所")
    rule = Responsibility.objects.get(region=sample.street, category=None)
    rule.department = police
    rule.save()
    assert report(sample).department == police


def test_another_process_change_is_seen_through_the_stamp(sample, cases):
    report(sample)  # the reference is now cached
    cached = reference._current
    assert cached is not None
    # as another process would leave it: rule changed, stamp renewed, this process not told
    Responsibility.objects.filter(region=sample.street, category=None).update(
        department=Department.objects.get(name="派出所")
    )
    ReferenceStamp.objects.update_or_create(key=reference.STAMP_KEY, defaults={"token": "other"})
    assert report(sample).department.name == "派出所"
    assert reference._current is not cached


def test_regions_created_in_bulk_are_noticed_without_signals(sample, cases):
    report(sample)
    before = reference._current
    Region.objects.bulk_create(
        [Region(code="110105001099", name="新社区", level="community", parent=sample.street)]
    )
    report(sample)
    after = reference._current
    assert after is not None and after is not before
    assert "110105001099" in after.tree.by_code


def test_a_deactivated_category_is_no_longer_an_open311_service(sample, cases):
    assert services.service_category("0101") is not None
    assert services.service_category("01") is None  # a major class is not a service
    Category.objects.filter(code="0101").update(active=False)
    reference.changed()  # bulk update: the writer renews the stamp itself
    assert services.service_category("0101") is None


def test_receipt_numbers_are_unique_and_increase_within_the_day(sample, cases):
    numbers = [report(sample, i % 4).number for i in range(6)]
    assert len(set(numbers)) == 6 and numbers == sorted(numbers)
    block = services.reserve_numbers(3, timezone.now())
    assert len(set(block)) == 3 and min(block) > max(numbers)


def test_intake_rights_agree_with_the_case_scope(sample, cases):
    for name, user in sample.users.items():
        user.refresh_from_db()
        rights = intake_rights(user)
        forget_scope(user)
        scope = scope_for(user)
        assert rights == (scope.submits_cases, scope.is_staff), name


def test_audit_chain_holds_after_many_reports(sample, cases):
    for i in range(5):
        report(sample, i % 4)
    checked, problem = verify_chain()
    assert problem is None and checked > 5


def test_a_new_department_member_is_notified_of_the_next_dispatch(
    sample, cases, _media_and_notifications, django_capture_on_commit_callbacks
):
    services.add_department_member(
        None, sample.users["community"], Department.objects.get(name="城管")
    )
    with django_capture_on_commit_callbacks(execute=True):
        report(sample)
    dispatched = [n for n in _media_and_notifications.sent if n.kind == "dispatched"]
    assert dispatched[-1].usernames == ["chengguan", "community"]
