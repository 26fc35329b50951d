"""Case pages: actions appear for the people who may take them, conflicts read as a message."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from wangge.cases.models import Case, CaseStatus, Rating
from wangge.cases.tests.test_hotline import order, xlsx
from wangge.cases.tests.test_services import PNG

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(client: Client, case: Case, action: str, **data) -> Any:
    return client.post(
        f"/cases/{case.pk}/action/", {"action": action, "version": case.version, **data}
    )


def test_handler_sees_phone_and_handling_form_others_do_not(sample, cases):
    case = cases["cases"][0]
    page = client_for(sample.users["chengguan"]).get(f"/cases/{case.pk}/").content.decode()
    assert "13700000000" in page and 'value="sign_in"' in page and 'value="return"' in page
    page = client_for(sample.users["grid"]).get(f"/cases/{case.pk}/").content.decode()
    assert "137******00" in page and 'value="sign_in"' not in page
    page = client_for(sample.users["street"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'value="transfer"' in page and 'value="handle"' not in page


def test_a_case_without_a_step_for_the_viewer_says_so(sample, cases):
    """The 办理 card never stands empty: a grid worker looking at a case waiting for a
    department's sign-in reads why there is nothing to do; the handler gets the form."""
    case = cases["cases"][0]
    assert case.status == CaseStatus.DISPATCHED
    page = client_for(sample.users["grid"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="no-actions"' in page and "案件当前待签收" in page
    page = client_for(sample.users["chengguan"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="no-actions"' not in page and 'value="sign_in"' in page
    page = client_for(sample.users["street"]).get(f"/cases/{case.pk}/").content.decode()
    assert 'id="no-actions"' not in page


def test_hotline_import_tab_only_for_those_who_may_import(sample, cases):
    """Grid workers and department handlers are not offered a tab that only refuses them."""
    for role in ("grid", "police"):
        page = client_for(sample.users[role]).get("/cases/").content.decode()
        assert "/cases/import/" not in page and "热线工单导入" not in page
    for role in ("street", "community"):
        page = client_for(sample.users[role]).get("/cases/").content.decode()
        assert "/cases/import/" in page


def test_loop_through_the_pages_and_a_stale_form(sample, cases):
    case = cases["cases"][0]
    handler = client_for(sample.users["chengguan"])
    stale_version = case.version
    response = act(handler, case, "sign_in")
    assert response.status_code == 302
    stale = handler.post(
        f"/cases/{case.pk}/action/", {"action": "sign_in", "version": stale_version}
    )
    assert stale.status_code == 409 and "已被他人更新" in stale.content.decode()
    case.refresh_from_db()
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    act(handler, case, "handle", result="已协调施工单位停工", photos=[photo])
    case.refresh_from_db()
    assert case.status == CaseStatus.HANDLED
    grid = client_for(sample.users["grid"])
    page = grid.get(f"/cases/{case.pk}/").content.decode()
    photo_url = f"/cases/photos/{case.photos.get().pk}/"
    assert 'value="verify"' in page and photo_url in page
    assert grid.get(photo_url).content == PNG
    assert client_for(sample.users["police"]).get(photo_url).status_code == 404
    act(grid, case, "verify", passed="1", note="已核实")
    case.refresh_from_db()
    resident = Client()
    page = resident.get(f"/cases/rate/{case.rating_token}/").content.decode()
    assert "您对处理结果满意吗" in page
    resident.post(f"/cases/rate/{case.rating_token}/", {"action": "rate", "rating": "satisfied"})
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.rating == Rating.SATISFIED
    assert "已评价" in resident.get(f"/cases/rate/{case.rating_token}/").content.decode()
    assert resident.get("/cases/rate/not-a-real-token-000/").status_code == 404


def test_refusals_are_shown_beside_the_form(sample, cases):
    case = cases["cases"][0]
    response = act(client_for(sample.users["chengguan"]), case, "return", reason="")
    assert response.status_code == 400 and "请填写退单原因" in response.content.decode()
    response = act(client_for(sample.users["grid"]), case, "sign_in")
    assert response.status_code == 403


@pytest.mark.parametrize("department", ["abc", "\ufffdx", "1e308", "-1", "9" * 30, "9" * 5000, ""])
def test_a_department_that_is_not_a_number_is_refused_not_a_500(sample, cases, department):
    """The department comes from a <select>, but a hand-made POST can send anything: nothing
    asks for one, anything else is named (`core.bounds.parse_record_id`)."""
    case = cases["cases"][0]
    response = act(client_for(sample.users["street"]), case, "transfer", department=department)
    expected = "不是有效的承办部门编号" if department else "请选择承办部门"
    assert response.status_code == 400 and expected in response.content.decode()


def test_grid_worker_reports_from_the_phone_page(sample, cases):
    grid = client_for(sample.users["grid"])
    page = grid.get("/cases/new/").content.decode()
    assert 'capture="environment"' in page and "pick-map" in page
    photo = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    response = grid.post(
        "/cases/new/",
        {
            "title": "井盖缺失",
            "description": "小区门口井盖丢了",
            "category": "",
            "address": "幸福路10号",
            "lon": "116.405",
            "lat": "39.905",
            "photos": [photo],
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(title="井盖缺失")
    assert case.channel == "grid_worker" and case.grid == sample.grids[0]
    assert case.photos.count() == 1 and case.photos.get().content_type == "image/png"
    refused = grid.post("/cases/new/", {"title": "x", "lon": "116.405"})
    assert "位置不完整" in refused.content.decode()
    nobody = client_for(sample.users["nobody"]).get("/cases/new/").content.decode()
    assert "没有上报案件的权限" in nobody


def test_hotline_upload_page_lists_problems_or_results(sample, cases):
    street = client_for(sample.users["street"])
    bad = SimpleUploadedFile("派单.xlsx", xlsx([order(1), order(2, 诉求类别="外星人")]))
    page = street.post("/cases/import/", {"file": bad}).content.decode()
    assert "整批未导入" in page and "第4行：类别“外星人”不在类别表中" in page
    good = SimpleUploadedFile("派单.xlsx", xlsx([order(1), order(2)]))
    page = street.post("/cases/import/", {"file": good}).content.decode()
    assert "已导入 2 件工单" in page
    assert "只有街道" in client_for(sample.users["grid"]).get("/cases/import/").content.decode()


def test_dashboard_map_overdue_and_export(sample, cases):
    street = client_for(sample.users["street"])
    page = street.get("/cases/dashboard/", {"group": "community"}).content.decode()
    assert "幸福一村社区" in page and "rates-chart" in page
    started = street.post("/cases/dashboard/export/", {"group": "community", "start": ""})
    assert started["Location"].startswith("/jobs/")  # built by a job, downloaded from its page
    export = street.get(started["Location"] + "download")
    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    rows = list(workbook.active.values)
    assert rows[1][:3] == ("社区", "编码", "受理量") and rows[2][0] == "幸福一村社区"
    assert rows[4][0] == "合计" and rows[4][2] == 4
    features = street.get("/cases/map/data/").json()["features"]
    assert len(features) == 4 and "phone" not in str(features)
    grid_features = client_for(sample.users["grid"]).get("/cases/map/data/").json()["features"]
    assert len(grid_features) == 1
    assert street.get("/cases/dashboard/", {"start": "昨天"}).status_code == 400
    assert street.get("/cases/overdue/").status_code == 200


def test_overdue_summaries_have_column_heads(sample, cases):
    """On a phone each row is a card labelled from the table's head: without one the counts
    stood unlabelled beside the region and department names."""
    page = client_for(sample.users["street"]).get("/cases/overdue/").content.decode()
    assert "<th>区域</th><th>超期案件</th>" in page
    assert "<th>部门</th><th>超期案件</th>" in page


def test_the_suggester_page_is_a_tab_for_district_admins_only(sample, cases):
    """类别推荐 (the suggester's model and its retrain button) had no link in; the page refuses
    everyone but district admins, so only they get the tab."""
    admin = client_for(sample.users["admin"])
    assert 'href="/cases/suggester/"' in admin.get("/cases/").content.decode()
    page = admin.get("/cases/suggester/").content.decode()
    assert '<dl class="facts">' in page and "<th>时间</th><th>状态</th><th>结果</th>" in page
    for role in ("street", "community", "grid", "police"):
        page = client_for(sample.users[role]).get("/cases/").content.decode()
        assert 'href="/cases/suggester/"' not in page


@pytest.mark.parametrize(
    "role,group",
    [("admin", "street"), ("street", "community"), ("community", "grid"), ("grid", "grid")],
)
def test_the_dashboard_groups_by_the_level_below_the_users_region(sample, cases, role, group):
    """A community officer's statistics open on their grids, not on one bar for the street."""
    page = client_for(sample.users[role]).get("/cases/dashboard/").content.decode()
    assert f'<option value="{group}" selected>' in page
    page = client_for(sample.users[role]).get("/cases/dashboard/?group=category").content.decode()
    assert '<option value="category" selected>' in page


def test_dashboard_dates_outside_the_supported_years_are_refused_not_a_500(sample, cases):
    """Year 1 or 9999 parses as a date, then overflowed the day after the end (a 500)."""
    from wangge.jobs.models import Job

    client = client_for(sample.users["street"])
    for query in ("?start=0001-01-01&end=9999-12-31", "?end=9999-12-31", "?start=0001-01-01"):
        page = client.get("/cases/dashboard/" + query)
        assert page.status_code == 400, query
        assert "超出支持的范围" in page.content.decode()
    answer = client.post("/cases/dashboard/export/", {"end": "9999-12-31"})
    assert answer.status_code == 400 and not Job.objects.exists()


def test_placement_tab_only_for_those_who_may_place(sample, cases):
    """待定位 lists the cases the user may place (a dispatching right): grid workers and
    handlers would only ever see it empty."""
    for role in ("grid", "police"):
        page = client_for(sample.users[role]).get("/cases/").content.decode()
        assert 'href="/cases/placement/"' not in page
    for role in ("street", "community", "admin"):
        page = client_for(sample.users[role]).get("/cases/").content.decode()
        assert 'href="/cases/placement/"' in page


def test_a_report_or_hotline_upload_from_one_who_may_not_is_refused(sample, cases):
    """The pages tell them they may not; a POST anyway is a refused attempt (403, logged),
    never the page again with nothing said, and no case is made."""
    from wangge.audit.models import AuditEntry

    before = Case.objects.count()
    for username, url, data in (
        ("nobody", "/cases/new/", {"title": "路灯不亮", "description": "路口路灯不亮"}),
        ("grid", "/cases/import/", {"file": io.BytesIO(b"a,b\n1,2\n")}),
    ):
        client = client_for(sample.users[username])
        assert client.get(url).status_code == 200
        answer = client.post(url, data)
        assert answer.status_code == 403, url
        assert AuditEntry.objects.filter(action="refused", username=username).exists()
    assert Case.objects.count() == before


def test_the_timeline_names_staff_by_the_name_on_their_account(sample, cases):
    """办理过程 says who acted as colleagues call them (李强), not by a login such as "grid";
    an event whose account is gone keeps the login it recorded."""
    case = cases["cases"][0]
    handler = sample.users["chengguan"]
    handler.first_name = "吴城管"
    handler.save(update_fields=["first_name"])
    act(client_for(handler), case, "sign_in")
    page = client_for(sample.users["street"]).get(f"/cases/{case.pk}/").content.decode()
    timeline = page[page.index('class="timeline"') :]
    assert "吴城管" in timeline and f" · {handler.get_username()}\n" not in timeline
    case.events.filter(actor=handler).update(actor=None)
    page = client_for(sample.users["street"]).get(f"/cases/{case.pk}/").content.decode()
    assert handler.get_username() in page[page.index('class="timeline"') :]


def test_the_systems_own_timeline_notes_read_in_english(sample, cases):
    """按责任清单自动派遣 is written by the system in Chinese (gettext_noop) and shown in the
    reader's language, as the public tracking page does; what staff wrote stays as written."""
    from django.utils import timezone

    from wangge.cases.models import CaseEvent, EventKind

    case = cases["cases"][0]
    for channel, note in (("auto", "按责任清单自动派遣"), ("web", "按责任清单自动派遣")):
        CaseEvent.objects.create(
            case=case, at=timezone.now(), kind=EventKind.DISPATCHED, channel=channel, note=note
        )
    street = client_for(sample.users["street"])
    street.cookies["django_language"] = "en"
    page = street.get(f"/cases/{case.pk}/").content.decode()
    timeline = page[page.index('class="timeline"') :]
    assert "Dispatched automatically by the responsibility table" in timeline
    assert timeline.count("按责任清单自动派遣") == 1  # the one a person typed


def test_case_action_buttons_read_as_actions_in_english(sample, cases):
    """签收, 退单, 转派 on the buttons are things to do (Sign in, Return, Transfer), not the
    timeline's past tense for the same words (Signed in, Returned, Transferred)."""
    case = cases["cases"][0]
    handler = client_for(sample.users["chengguan"])
    handler.cookies["django_language"] = "en"
    page = handler.get(f"/cases/{case.pk}/").content.decode()
    actions = page[page.index('class="card actions"') : page.index('class="timeline"')]
    assert ">Sign in</button>" in actions and "<summary>Return</summary>" in actions
    assert "Signed in" not in actions and "Returned" not in actions
    street = client_for(sample.users["street"])
    street.cookies["django_language"] = "en"
    page = street.get(f"/cases/{case.pk}/").content.decode()
    actions = page[page.index('class="card actions"') : page.index('class="timeline"')]
    assert "<summary>Transfer</summary>" in actions and "Transferred" not in actions


def test_a_staff_member_who_chose_english_is_refused_in_english(sample, cases):
    """The services' refusals follow the language the user chose (the 中文/English switch), on
    the pages and in the API alike; without a choice they stay Chinese (the tests above)."""
    case = cases["cases"][0]
    grid = client_for(sample.users["grid"])
    grid.cookies["django_language"] = "en"
    refused = act(grid, case, "sign_in")
    assert refused.status_code == 403
    assert "Only staff of the handling department can sign for the case" in refused.content.decode()
    street = client_for(sample.users["street"])
    street.cookies["django_language"] = "en"
    unchosen = act(street, case, "transfer", department="")
    assert (
        unchosen.status_code == 400
        and "Choose the handling department" in unchosen.content.decode()
    )
    handler = client_for(sample.users["chengguan"])
    handler.cookies["django_language"] = "en"
    stale = act(handler, case, "sign_in") and act(handler, case, "sign_in")
    assert stale.status_code == 409
    assert f"Case {case.number} was updated by someone else" in stale.content.decode()
    police = client_for(sample.users["police"])
    police.cookies["django_language"] = "en"
    answer = police.get(f"/api/cases/{case.pk}")
    assert answer.status_code == 404
    assert answer.json()["message"] == "Case not found, or outside your jurisdiction"
