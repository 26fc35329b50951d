"""The case loop as the services enforce it: who may do what, in which order, and what is kept."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from wangge.access.models import AuditEntry
from wangge.cases import services
from wangge.cases.models import (
    Case,
    CaseEvent,
    CaseStatus,
    Category,
    Channel,
    Department,
    EventKind,
    Rating,
)
from wangge.cases.testing import grid_centre
from wangge.core.errors import Forbidden, NotFound, ServiceError
from wangge.core.testing import PNG

pytestmark = pytest.mark.django_db


def photo(name: str = "现场.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def kinds(case: Case) -> list[str]:
    return list(case.events.values_list("kind", flat=True))


def test_submission_places_routes_and_sets_deadlines(sample, cases):
    first, *_rest, last = cases["cases"]
    assert first.grid == sample.grids[0] and first.community == sample.communities[0]
    assert first.street == sample.street and first.region == sample.grids[0]
    assert first.department.name == "城管" and first.status == CaseStatus.DISPATCHED
    assert last.department.name == "派出所"  # the community's own rule beats the street's
    assert first.sign_deadline - first.dispatched_at == datetime.timedelta(hours=2)
    assert first.handle_deadline > first.dispatched_at
    assert len(first.number) == 14 and first.number != last.number
    assert kinds(first) == [EventKind.SUBMITTED, EventKind.DISPATCHED]
    # the phone is encrypted at rest: the column does not hold the digits
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM cases_case WHERE id = %s", [first.pk])
        assert "13700000000" not in cursor.fetchone()[0]


def test_whole_loop_from_dispatch_to_rating(
    sample, cases, _media_and_notifications, django_capture_on_commit_callbacks
):
    case = cases["cases"][0]
    handler = sample.users["chengguan"]
    with django_capture_on_commit_callbacks(execute=True):
        services.sign_in(handler, case)
        assert case.status == CaseStatus.IN_PROGRESS and case.handler == handler
        services.record_handling(handler, case, result="已责令停工并调整施工时间", photos=[photo()])
        assert case.status == CaseStatus.HANDLED and case.photos.count() == 1
        services.verify_case(sample.users["grid"], case, passed=True, note="现场已安静")
        assert case.status == CaseStatus.VERIFIED
        services.rate_by_token(case.rating_token, rating=Rating.SATISFIED, comment="很快")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.rating == Rating.SATISFIED
    assert case.closed_at is not None and case.version == 5
    assert kinds(case) == [
        EventKind.SUBMITTED,
        EventKind.DISPATCHED,
        EventKind.SIGNED_IN,
        EventKind.HANDLED,
        EventKind.VERIFIED,
        EventKind.RATED,
        EventKind.CLOSED,
    ]
    sent = _media_and_notifications.sent
    assert any(n.kind == "verified" and n.phone == "13700000000" for n in sent)
    assert any(n.kind == "handled" and "grid" in n.usernames for n in sent)


def test_case_cannot_close_without_verification(sample, cases):
    case = cases["cases"][0]
    handler = sample.users["chengguan"]
    services.record_handling(handler, case, result="已处理")  # sign-in implied
    assert case.signed_at is not None
    with pytest.raises(ServiceError, match="待评价"):
        services.rate_case(sample.users["street"], case, rating=Rating.SATISFIED)
    with pytest.raises(ServiceError):
        services.close_case(sample.users["street"], case, note="电话未接通")


def test_failed_verification_sends_it_back_with_a_reason(sample, cases):
    case = cases["cases"][0]
    services.record_handling(sample.users["chengguan"], case, result="已处理")
    with pytest.raises(ServiceError, match="原因"):
        services.verify_case(sample.users["grid"], case, passed=False)
    services.verify_case(sample.users["grid"], case, passed=False, note="夜里仍在施工")
    assert case.status == CaseStatus.IN_PROGRESS and case.handled_at is None


def test_only_the_right_people_act(sample, cases):
    case, second, third, _ = cases["cases"]
    with pytest.raises(Forbidden):
        services.sign_in(sample.users["police"], case)  # dispatched to 城管, not 派出所
    with pytest.raises(Forbidden):
        services.sign_in(sample.users["grid"], case)
    services.record_handling(sample.users["chengguan"], case, result="已处理")
    services.record_handling(sample.users["chengguan"], second, result="已处理")
    with pytest.raises(Forbidden):
        services.verify_case(sample.users["grid"], second, passed=True)  # grid 2, not theirs
    with pytest.raises(Forbidden):
        services.verify_case(sample.users["chengguan"], case, passed=True)
    with pytest.raises(Forbidden):
        services.dispatch_case(
            sample.users["community"], third, department=cases["departments"]["城管"]
        )


def test_return_and_redispatch_keep_every_step(sample, cases):
    case = cases["cases"][2]
    police = sample.users["police"]
    with pytest.raises(ServiceError, match="退单原因"):
        services.return_case(police, case, reason=" ")
    services.return_case(police, case, reason="施工噪音归城管执法")
    assert case.status == CaseStatus.NEW and case.department is None and case.return_count == 1
    with pytest.raises(NotFound):  # the department no longer sees it
        services.get_case(police, case.pk)
    services.dispatch_case(
        sample.users["street"], case, department=cases["departments"]["城管"], note="改派城管"
    )
    assert case.status == CaseStatus.DISPATCHED
    returned = case.events.get(kind=EventKind.RETURNED)
    assert returned.note == "施工噪音归城管执法"
    assert returned.department is not None and returned.department.name == "派出所"
    assert kinds(case)[-2:] == [EventKind.RETURNED, EventKind.DISPATCHED]


def test_transfer_restarts_deadlines(sample, cases):
    case = cases["cases"][0]
    housing = Department.objects.get(name="住建")
    services.sign_in(sample.users["chengguan"], case)
    with pytest.raises(ServiceError, match="转派原因"):
        services.transfer_case(sample.users["street"], case, department=housing, reason="")
    services.transfer_case(sample.users["street"], case, department=housing, reason="属物业问题")
    assert case.department == housing and case.status == CaseStatus.DISPATCHED
    assert case.signed_at is None and case.handler is None
    event = case.events.get(kind=EventKind.TRANSFERRED)
    assert event.data["from_department"] == cases["departments"]["城管"].pk


def test_dissatisfied_case_is_reopened_to_its_department(sample, cases):
    case = cases["cases"][0]
    services.record_handling(sample.users["chengguan"], case, result="已处理")
    services.verify_case(sample.users["grid"], case, passed=True)
    services.rate_case(sample.users["street"], case, rating=Rating.DISSATISFIED, comment="没解决")
    assert case.status == CaseStatus.CLOSED
    old_token = case.rating_token
    services.reopen_case(sample.users["street"], case, reason="居民不满意，重新处置")
    assert case.status == CaseStatus.DISPATCHED and case.reopen_count == 1
    assert case.rating == "" and case.closed_at is None and case.rating_token != old_token
    reopened = case.events.get(kind=EventKind.REOPENED)
    assert reopened.data["previous_rating"] == Rating.DISSATISFIED


def test_concurrent_updates_never_overwrite_each_other(sample, cases):
    case = cases["cases"][0]
    seen_by_a = Case.objects.get(pk=case.pk)
    seen_by_b = Case.objects.get(pk=case.pk)
    services.sign_in(sample.users["chengguan"], seen_by_a, version=seen_by_a.version)
    with pytest.raises(services.Conflict, match="已被他人更新") as error:
        services.transfer_case(
            sample.users["street"],
            seen_by_b,
            department=Department.objects.get(name="住建"),
            reason="x",
            version=seen_by_b.version,
        )
    assert error.value.status == 409
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.department.name == "城管"
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.TRANSFERRED).exists()


def test_scoping_and_phone_masking(sample, cases):
    first, second, third, fourth = cases["cases"]
    visible = lambda role: set(  # noqa: E731
        services.visible_cases(sample.users[role]).values_list("pk", flat=True)
    )
    assert visible("admin") == visible("street") == {c.pk for c in cases["cases"]}
    assert visible("community") == {first.pk, second.pk}
    assert visible("grid") == {first.pk}
    assert visible("police") == {third.pk, fourth.pk}
    assert visible("chengguan") == {first.pk, second.pk}
    assert visible("nobody") == set()
    assert services.reporter_phone_for(sample.users["chengguan"], first) == "13700000000"
    assert services.reporter_phone_for(sample.users["street"], first) != "13700000000"
    assert "0000" not in services.reporter_phone_for(sample.users["grid"], first)[3:7]
    services.get_case(sample.users["chengguan"], first.pk)
    entry = AuditEntry.objects.filter(object_type="case", action="view").last()
    assert (
        entry is not None
        and entry.detail == {"reporter_phone": "shown"}
        and entry.username == "chengguan"
    )


def test_grid_worker_report_with_photo_and_suggested_place(sample, cases):
    lon, lat = grid_centre(sample, 0)
    case = services.submit_case(
        sample.users["grid"],
        channel=Channel.GRID_WORKER,
        title="井盖缺失",
        category=Category.objects.get(code="0101"),
        lon=lon,
        lat=lat,
        address="幸福路10号",
        photos=[photo()],
    )
    assert case.grid == sample.grids[0] and case.reporter_user == sample.users["grid"]
    assert case.department is not None and case.department.name == "城管"  # street rule
    assert case.photos.get().stage == "report"
    with pytest.raises(ServiceError, match="不是图片"):
        services.submit_case(
            sample.users["grid"],
            channel=Channel.GRID_WORKER,
            title="x",
            photos=[SimpleUploadedFile("a.png", b"not an image")],
        )
    with pytest.raises(Forbidden):
        services.submit_case(sample.users["nobody"], channel=Channel.GRID_WORKER, title="x")
    with pytest.raises(Forbidden):
        services.submit_case(None, channel=Channel.HOTLINE, title="x")


def test_unrouted_case_waits_for_manual_dispatch(sample, cases):
    case = services.submit_case(
        sample.users["admin"], channel=Channel.API, title="不明问题", region=sample.district
    )
    assert case.status == CaseStatus.NEW and case.department is None
    assert case.street is None and case.sign_deadline is None
    services.dispatch_case(sample.users["admin"], case, department=cases["departments"]["城管"])
    assert case.status == CaseStatus.DISPATCHED and case.sign_deadline is not None
    with pytest.raises(ServiceError, match="转派"):
        services.dispatch_case(
            sample.users["admin"], case, department=cases["departments"]["派出所"]
        )


def test_deadline_sweep_reminds_then_escalates(
    sample, cases, _media_and_notifications, django_capture_on_commit_callbacks
):
    case: Any = cases["cases"][0]
    for other in cases["cases"][1:]:
        Case.objects.filter(pk=other.pk).update(status=CaseStatus.CLOSED)
    services.sign_in(sample.users["chengguan"], case)
    deadline = case.handle_deadline
    with django_capture_on_commit_callbacks(execute=True):
        result = services.sweep_deadlines(deadline - datetime.timedelta(hours=3))
        assert result.reminded == 1
        case.refresh_from_db()
        assert case.reminded_at is not None
        assert services.sweep_deadlines(deadline - datetime.timedelta(hours=2)).reminded == 0
        result = services.sweep_deadlines(deadline + datetime.timedelta(minutes=5))
        assert result.escalated == 1
        case.refresh_from_db()
        assert case.escalation_level == 1
        late = deadline + datetime.timedelta(days=4)
        assert services.sweep_deadlines(late).escalated == 1
        case.refresh_from_db()
        assert case.escalation_level == 2
        assert services.sweep_deadlines(late).escalated == 0
    escalations = [n for n in _media_and_notifications.sent if n.kind == "escalated"]
    assert "street" in escalations[0].usernames and "admin" in escalations[1].usernames
    assert kinds(case).count(EventKind.ESCALATED) == 2


def test_public_channels_accept_anonymous_reports(sample, cases):
    lon, lat = grid_centre(sample, 1)
    case = services.submit_case(
        None,
        channel=Channel.OPEN311,
        title="路灯不亮",
        lon=lon,
        lat=lat,
        reporter_phone="13800001111",
    )
    assert case.reporter_user is None and case.grid == sample.grids[1]
    assert case.status == CaseStatus.DISPATCHED and case.is_open
    event = case.events.first()
    assert event is not None and event.channel == "open311" and event.actor is None
