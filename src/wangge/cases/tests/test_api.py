"""The cases API: scoped lists, masked phones, version conflicts as 409, whole-batch push."""

from __future__ import annotations

import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict) -> tuple[int, dict]:
    response = client.post(url, json.dumps(body), content_type="application/json")
    return response.status_code, response.json()


def test_list_is_scoped_and_detail_masks_phone_except_for_handler(sample, cases):
    first = cases["cases"][0]
    listed = client_for(sample.users["grid"]).get("/api/cases/").json()
    assert [c["number"] for c in listed["items"]] == [first.number]
    assert listed["items"][0]["open311_status"] == "open"
    as_street = client_for(sample.users["street"]).get(f"/api/cases/{first.pk}").json()
    assert as_street["reporter_phone"] == "137******00"
    as_handler = client_for(sample.users["chengguan"]).get(f"/api/cases/{first.pk}").json()
    assert as_handler["reporter_phone"] == "13700000000"
    assert [e["kind"] for e in as_handler["events"]] == ["submitted", "dispatched"]
    assert client_for(sample.users["police"]).get(f"/api/cases/{first.pk}").status_code == 404


def test_stale_version_gets_409_and_nothing_changes(sample, cases):
    case = cases["cases"][0]
    handler = client_for(sample.users["chengguan"])
    status, body = post(handler, f"/api/cases/{case.pk}/sign-in", {"version": case.version})
    assert status == 200 and body["status"] == "in_progress" and body["version"] == 2
    status, body = post(
        handler, f"/api/cases/{case.pk}/handle", {"result": "已处理", "version": case.version}
    )
    assert status == 409 and "已被他人更新" in body["message"]
    status, body = post(handler, f"/api/cases/{case.pk}/handle", {"result": "已处理", "version": 2})
    assert status == 200 and body["status"] == "handled"


def test_submit_and_push_hotline(sample, cases):
    street = client_for(sample.users["street"])
    status, body = post(
        street,
        "/api/cases/",
        {"title": "路灯不亮", "category": "公用设施", "lon": 116.405, "lat": 39.905},
    )
    assert status == 200 and body["region_code"] == sample.grids[0].code
    assert body["department"] == "城管" and body["channel"] == "api"
    orders = [
        {"external_id": "T1", "title": "噪音", "category": "H01", "community": "金台里社区"},
        {"external_id": "T2", "title": "停车", "category": "违章停车", "street": "京广路街道"},
    ]
    status, body = post(street, "/api/cases/hotline", {"name": "推送", "orders": orders})
    assert status == 200 and body["cases"] == 2 and body["dispatched"] == 2
    status, body = post(street, "/api/cases/hotline", {"orders": orders[:1]})
    assert status == 400 and body["problems"][0]["message"] == "工单编号“T1”已经导入过"
    grid = client_for(sample.users["grid"])
    status, body = post(grid, "/api/cases/hotline", {"orders": orders})
    assert status == 403


def test_a_submitted_reporter_phone_is_checked_and_stored_cleaned(sample, cases):
    from wangge.cases.models import Case

    street = client_for(sample.users["street"])
    case = {"title": "路灯不亮", "lon": 116.405, "lat": 39.905}
    status, body = post(street, "/api/cases/", {**case, "reporter_phone": "12345"})
    assert status == 422 and "reporter_phone" in body["message"]
    assert body["errors"][0]["message"] == "联系电话无效（号码位数不对：实际为5位）"
    assert not Case.objects.filter(title="路灯不亮").exists()
    status, body = post(street, "/api/cases/", {**case, "reporter_phone": "+86 139 1111 2222"})
    assert status == 200 and Case.objects.get(title="路灯不亮").reporter_phone == "13911112222"
    status, body = post(street, "/api/cases/", {**case, "reporter_phone": ""})
    assert status == 200 and body["reporter_phone"] == ""


def test_a_reporter_phone_is_refused_in_english_for_a_user_who_chose_english(sample, cases):
    """The phone rule's reason (`people.phone`, pure code) is said in English too."""
    from wangge.core.testing import english_client

    english = english_client(sample.users["street"])
    case = {"title": "路灯不亮", "lon": 116.405, "lat": 39.905, "reporter_phone": "12345"}
    status, body = post(english, "/api/cases/", case)
    assert status == 422
    assert body["errors"][0]["message"] == "Invalid phone number (wrong number of digits: 5)"


def test_a_pushed_batch_is_checked_as_a_hotline_file_is(sample, cases):
    """The JSON push skips the file reader, so the intake itself refuses what the reader
    refuses: two orders with one number (they reached the unique index: a 500), an order
    without a number or without any text, half a position or one outside China (`lat: false`
    read as 0.0). Each is named by its row, and nothing of the batch is stored."""
    from wangge.cases.models import Case

    street = client_for(sample.users["street"])
    before = Case.objects.count()
    order = {"title": "路灯不亮", "community": "金台里社区"}
    orders = [
        {**order, "external_id": "D1"},
        {**order, "external_id": "D1"},
        {**order, "external_id": ""},
        {"external_id": "D3", "title": "", "description": " ", "community": "金台里社区"},
        {**order, "external_id": "D4", "lat": False},
        {**order, "external_id": "D5", "lon": 500.0, "lat": -80.0},
    ]
    status, body = post(street, "/api/cases/hotline", {"orders": orders})
    assert status == 400, body
    assert [(p["where"], p["message"]) for p in body["problems"]] == [
        ("第2行", "工单编号“D1”与第1行重复"),
        ("第3行", "工单编号为空"),
        ("第4行", "标题和诉求内容都为空"),
        ("第5行", "经度和纬度须同时填写"),
        ("第6行", "位置（500.0, -80.0）不在中国境内，请检查经纬度"),
    ]
    assert Case.objects.count() == before


def test_dispatch_by_department_code_and_metrics(sample, cases):
    street = client_for(sample.users["street"])
    case = cases["cases"][0]
    status, body = post(
        street, f"/api/cases/{case.pk}/transfer", {"department": "pcs", "reason": "治安问题"}
    )
    assert status == 200 and body["department"] == "派出所"
    metrics = street.get("/api/cases/metrics", {"group": "community"}).json()
    assert [r["name"] for r in metrics["rows"]] == ["幸福一村社区", "金台里社区"]
    assert metrics["total"]["accepted"] == 4 and metrics["total"]["satisfaction_rate"] is None
    assert street.get("/api/cases/metrics", {"group": "x"}).status_code == 400
    categories = street.get("/api/cases/categories").json()
    assert {"code": "0101", "parent_code": "01"}.items() <= categories[1].items()


def test_a_pushed_order_with_a_bad_phone_is_taken_in_without_it_and_the_answer_says_so(
    sample, cases
):
    from wangge.cases.models import Case

    street = client_for(sample.users["street"])
    order = {"title": "路灯不亮", "community": "金台里社区"}
    orders = [
        {**order, "external_id": "P1", "reporter_phone": "139 1111 2222"},
        {**order, "external_id": "P2", "reporter_phone": "电话打不通"},
    ]
    status, body = post(street, "/api/cases/hotline", {"orders": orders})
    assert status == 200 and body["cases"] == 2, body
    assert Case.objects.get(external_id="P1").reporter_phone == "13911112222"
    assert Case.objects.get(external_id="P2").reporter_phone == ""
    assert [n["where"] for n in body["notices"]] == ["第2行"]
    assert body["notices"][0]["message"].endswith("工单已导入，未保存该电话，请向来电人核实")


def test_over_long_fields_of_a_pushed_order_are_refused_by_row_or_cut_not_a_500(sample, cases):
    """A work order number longer than the column (64) reached PostgreSQL, which refused it:
    a 500 there (SQLite stored it whole). It is refused by its row, as the file reader's
    problems are; the texts the file reader cuts to their columns are cut the same way."""
    from wangge.cases.models import Case

    street = client_for(sample.users["street"])
    order = {"title": "路灯不亮", "community": "金台里社区"}
    status, body = post(
        street, "/api/cases/hotline", {"orders": [{**order, "external_id": "L" * 65}]}
    )
    assert status == 400, body
    assert body["problems"] == [{"where": "第1行", "message": "工单编号超过64个字符"}]
    status, body = post(
        street,
        "/api/cases/hotline",
        {
            "orders": [
                {
                    **order,
                    "external_id": "L" * 64,
                    "reporter_name": "名" * 60,
                    "address": "址" * 300,
                }
            ]
        },
    )
    assert status == 200, body
    case = Case.objects.get(external_id="L" * 64)
    assert case.reporter_name == "名" * 50 and case.address == "址" * 255
    status, body = post(street, "/api/cases/", {"title": "路灯不亮", "external_id": "E" * 65})
    assert status == 422 and body["errors"][0]["where"].endswith("external_id"), body


def test_a_dispatch_names_one_of_the_staff_posts_or_none(sample, cases):
    """`post` went into the case as sent: any text was stored as the case's post, and one over
    the column's 32 characters was a 500 on PostgreSQL. It is one of the staff posts or empty."""
    from wangge.cases import services

    street = client_for(sample.users["street"])
    case = services.submit_case(
        sample.users["street"],
        channel="api",
        title="楼道堆物",
        region=sample.grids[0],
        auto_dispatch=False,
    )
    for bad in ("不存在的岗位", "p" * 40):
        status, body = post(
            street, f"/api/cases/{case.pk}/dispatch", {"department": "城管", "post": bad}
        )
        assert status == 400, body
        assert body["message"].startswith(f"岗位“{bad[:40]}”不存在，应为：grid_leader、")
    case.refresh_from_db()
    assert case.post == ""
    status, body = post(
        street, f"/api/cases/{case.pk}/dispatch", {"department": "城管", "post": "police"}
    )
    assert status == 200, body
    case.refresh_from_db()
    assert case.post == "police"
