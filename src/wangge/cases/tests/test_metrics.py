"""The three rates, by the formulas in docs/cases.md, per level and period."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from wangge.cases import services
from wangge.cases.metrics import case_metrics
from wangge.cases.models import Case, Rating

pytestmark = pytest.mark.django_db


def close(sample, case, rating):
    services.record_handling(sample.users[handler_of(case)], case, result="已处理")
    services.verify_case(sample.users["street"], case, passed=True)
    services.rate_case(sample.users["street"], case, rating=rating)


def handler_of(case) -> str:
    return "chengguan" if case.department.name == "城管" else "police"


def test_rates_per_community_and_department(sample, cases):
    first, second, third, fourth = cases["cases"]
    services.sign_in(sample.users["chengguan"], first)  # on time
    close(sample, first, Rating.SATISFIED)
    close(sample, second, Rating.DISSATISFIED)  # handled without a separate sign-in: on time
    Case.objects.filter(pk=third.pk).update(  # missed its sign-in deadline
        sign_deadline=timezone.now() - datetime.timedelta(hours=1)
    )
    close(sample, fourth, Rating.BASICALLY_SATISFIED)
    result = case_metrics(sample.users["street"], group="community")
    xingfu, jintai = result.rows
    assert (xingfu.accepted, xingfu.response_due, xingfu.responded_on_time) == (2, 2, 2)
    assert xingfu.resolution_rate == 1.0 and xingfu.satisfaction_rate == 0.5
    assert (jintai.response_due, jintai.responded_on_time) == (2, 1)
    assert jintai.response_rate == 0.5 and jintai.resolution_rate == 0.5
    assert jintai.satisfaction_rate == 1.0 and jintai.overdue == 1
    assert result.total.accepted == 4 and result.total.satisfaction_rate == 2 / 3
    by_department = case_metrics(sample.users["street"], group="department")
    assert [(r.code, r.accepted) for r in by_department.rows] == [("pcs", 2), ("城管", 2)]


def test_period_and_scope(sample, cases):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert case_metrics(sample.users["street"], start=tomorrow).total.accepted == 0
    assert case_metrics(sample.users["street"], end=tomorrow).total.accepted == 4
    assert case_metrics(sample.users["grid"], group="grid").total.accepted == 1
    assert case_metrics(sample.users["nobody"]).rows == []
    empty = case_metrics(sample.users["nobody"]).total
    assert empty.response_rate is None and empty.satisfaction_rate is None


def test_the_dashboards_grouping_is_named_in_the_users_language(sample, cases):
    """The 统计维度 choice, the first column's head and the row of cases with no community said
    "By 街道", "社区" and "（未确定）" in English."""
    from wangge.core.testing import english_client

    Case.objects.filter(pk=cases["cases"][0].pk).update(community=None, grid=None)
    page = english_client(sample.users["street"]).get("/cases/dashboard/?group=community")
    text = page.content.decode()
    assert "By Street" in text and "By Community" in text and "<th>Community</th>" in text
    assert "By 街道" not in text and "<th>社区</th>" not in text
    assert "(not set)" in text and "（未确定）" not in text  # a case not yet in a community
