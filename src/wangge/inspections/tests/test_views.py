"""The pages: a grid worker records hazards with photos, issues a numbered notice and closes the
hazards with after-photos; the ledger, map, counts and exports; places and their import."""

from __future__ import annotations

import io

from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from wangge.inspections import counts, notices, services
from wangge.inspections.models import Hazard, HazardStatus, Notice
from wangge.inspections.testing import photo
from wangge.jobs.models import Job


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_grid_worker_goes_round_the_loop_on_the_pages(sample, places):
    client = _client(sample.users["grid"])
    place = places.places[0]
    url = reverse("inspections:place", args=[place.pk])
    page = client.get(url)
    assert page.status_code == 200 and "138******00" in page.content.decode()
    for category in ("partition", "clutter"):
        client.post(
            url,
            {
                "action": "hazard",
                "category": category,
                "severity": "serious",
                "description": f"{category}问题",
                "photos": [photo()],
            },
        )
    hazards = list(Hazard.objects.filter(place=place).order_by("pk"))
    assert len(hazards) == 2 and all(h.photos.count() == 1 for h in hazards)
    answer = client.post(
        url,
        {
            "action": "notice",
            "hazards": [h.pk for h in hazards],
            "kind": "deadline",
            "deadline_days": "3",
            "unit": str(places.unit.pk),
        },
    )
    notice = Notice.objects.get()
    assert answer["Location"] == reverse("inspections:notice", args=[notice.pk])
    shown = client.get(answer["Location"]).content.decode()
    assert notice.number in shown and "下载PDF" in shown
    docx = client.get(reverse("inspections:notice_document", args=[notice.pk, "docx"]))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    client.post(answer["Location"], {"photo": photo("signed.png")})
    assert Notice.objects.get().signed_at is not None
    for hazard in hazards:
        client.post(
            reverse("inspections:hazard", args=[hazard.pk]),
            {"action": "close", "photos": [photo("after.png")]},
        )
    assert set(Hazard.objects.values_list("status", flat=True)) == {HazardStatus.RECTIFIED}
    result = counts.counts(sample.users["grid"], level="grid")
    assert (result.total.found_total, result.total.fixed_total, result.total.notices) == (2, 2, 1)
    assert result.total.rate == 1.0 and result.total.checked.get("rental_site") == 1
    shown_counts = client.get(reverse("inspections:counts") + "?level=grid").content.decode()
    assert "hazard-counts-chart" in shown_counts and "100" in shown_counts


def test_pages_refuse_what_lies_outside_the_users_scope(sample, places):
    admin = sample.users["admin"]
    hazard = services.record_hazard(admin, places.places[3], category="clutter", photos=[photo()])
    notice = notices.issue_notice(admin, unit=places.unit, hazards=[hazard], kind="immediate")
    grid = _client(sample.users["grid"])
    for url in (
        reverse("inspections:place", args=[places.places[3].pk]),
        reverse("inspections:hazard", args=[hazard.pk]),
        reverse("inspections:photo", args=[hazard.photos.get().pk]),
        reverse("inspections:notice", args=[notice.pk]),
        reverse("inspections:notice_document", args=[notice.pk, "docx"]),
    ):
        assert grid.get(url).status_code == 404, url
    answer = grid.post(
        reverse("inspections:place", args=[places.places[3].pk]),
        {"action": "hazard", "category": "clutter"},
    )
    assert answer.status_code == 404 and Hazard.objects.count() == 1


def test_the_ledger_filters_pages_and_exports_in_the_background(sample, places):
    admin = sample.users["admin"]
    for place in places.places:
        services.record_hazard(admin, place, category="ebike_charging", description="<b>x</b>")
    client = _client(admin)
    page = client.get(reverse("inspections:ledger") + f"?region={sample.communities[1].code}")
    text = page.content.decode()
    assert page.status_code == 200 and text.count('class="status s-open"') == 2
    bad = client.get(reverse("inspections:ledger") + "?start=yesterday")
    assert bad.status_code == 400 and "日期“yesterday”格式不对" in bad.content.decode()
    answer = client.post(reverse("inspections:ledger_export"), {"category": "ebike_charging"})
    job = Job.objects.get()
    assert answer["Location"] == reverse("jobs:detail", args=[job.pk])
    data = client.get(reverse("jobs:download", args=[job.pk]))
    rows = list(load_workbook(io.BytesIO(data.content)).active.iter_rows(values_only=True))
    assert len(rows) == 1 + 4 and rows[1][7] == "电动车入户充电"


def test_dates_outside_the_supported_years_are_refused_not_a_500(sample, places):
    """Year 1 or 9999 parses as a date, then overflowed the conversion to UTC (a 500)."""
    client = _client(sample.users["admin"])
    for url in (reverse("inspections:ledger"), reverse("inspections:counts")):
        for query in ("?start=0001-01-01", "?end=9999-12-31"):
            page = client.get(url + query)
            assert page.status_code == 400, url + query
            assert "超出支持的范围" in page.content.decode()
    for url in (reverse("inspections:ledger_export"), reverse("inspections:counts_export")):
        answer = client.post(url, {"start": "0001-01-01", "level": "grid"})
        assert answer.status_code == 400 and not Job.objects.exists(), url


def test_the_map_serves_points_without_personal_data(sample, places):
    admin = sample.users["admin"]
    services.record_hazard(admin, places.places[0], category="partition")
    assert _client(admin).get(reverse("inspections:map")).status_code == 200
    data = _client(admin).get(reverse("inspections:map_data")).json()
    assert len(data["features"]) == 1
    props = data["features"][0]["properties"]
    assert props["place"] == places.places[0].name and "13800000000" not in str(data)


def test_places_are_listed_and_imported_from_the_page(sample, places):
    client = _client(sample.users["street"])
    listed = client.get(reverse("inspections:places") + "?kind=rental_site").content.decode()
    assert places.places[0].name in listed and places.places[1].name not in listed
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["场所名称", "场所类型", "网格编码"])
    sheet.append(["新工地", "建筑工地", sample.grids[1].code])
    sheet.append(["", "企业", sample.grids[1].code])
    out = io.BytesIO()
    book.save(out)
    out.name = "places.xlsx"
    out.seek(0)
    refused = client.post(reverse("inspections:place_import"), {"file": out}).content.decode()
    assert "第3行：场所名称不能为空" in refused


def test_the_counts_export_is_a_background_job(sample, places):
    client = _client(sample.users["street"])
    answer = client.post(reverse("inspections:counts_export"), {"level": "grid"})
    job = Job.objects.get()
    assert answer.status_code == 302
    data = client.get(reverse("jobs:download", args=[job.pk]))
    sheet = load_workbook(io.BytesIO(data.content)).active
    assert sheet["A2"].value == "网格" and sheet.max_row >= 4


def test_one_who_may_only_read_is_refused_an_action_not_shown_the_page_again(sample, places):
    """A department handler reads the places of its reach but records and issues nothing: a
    POST is a refused attempt (403, logged), with nothing written."""
    from wangge.audit.models import AuditEntry

    admin = sample.users["admin"]
    place = places.places[2]
    hazard = services.record_hazard(admin, place, category="clutter", photos=[photo()])
    notice = notices.issue_notice(admin, unit=places.unit, hazards=[hazard], kind="immediate")
    police = _client(sample.users["police"])
    attempts = [
        (
            reverse("inspections:place", args=[place.pk]),
            {"action": "hazard", "category": "clutter"},
        ),
        (reverse("inspections:hazard", args=[hazard.pk]), {"action": "close"}),
        (reverse("inspections:notice", args=[notice.pk]), {"photo": photo("signed.png")}),
    ]
    for url, data in attempts:
        assert police.get(url).status_code == 200, url
        before = AuditEntry.objects.filter(action="refused").count()
        answer = police.post(url, data)
        assert answer.status_code == 403, url
        assert "您只能查看" in answer.content.decode()
        assert AuditEntry.objects.filter(action="refused").count() == before + 1
    assert Hazard.objects.count() == 1 and Hazard.objects.get().status == HazardStatus.NOTICE_ISSUED
    assert Notice.objects.get().signed_at is None


def test_a_refused_notice_comes_back_with_its_reason_and_the_choices_made(sample, places):
    """限期改正 without a deadline: the page answers 400 with the reason inside the notice form,
    and the kind, the hazards ticked and the unit are still as chosen, not reset to the first."""
    client = _client(sample.users["grid"])
    place = places.places[0]
    url = reverse("inspections:place", args=[place.pk])
    for category in ("partition", "clutter"):
        client.post(url, {"action": "hazard", "category": category, "severity": "general"})
    first, second = Hazard.objects.filter(place=place).order_by("pk")
    answer = client.post(
        url,
        {"action": "notice", "hazards": [second.pk], "kind": "deadline", "unit": places.unit.pk},
    )
    assert answer.status_code == 400 and not Notice.objects.exists()
    page = answer.content.decode()
    form = page[page.index('id="issue-notice"') :]
    assert "限期改正须填写整改期限" in form
    assert '<option value="deadline" selected>' in form
    assert f'value="{second.pk}" checked' in form and f'value="{first.pk}" checked' not in form


def test_a_refused_hazard_keeps_its_description(sample, places):
    client = _client(sample.users["grid"])
    url = reverse("inspections:place", args=[places.places[0].pk])
    answer = client.post(
        url,
        {
            "action": "hazard",
            "category": "no-such",
            "severity": "serious",
            "description": "楼道堆物",
        },
    )
    assert answer.status_code == 400 and not Hazard.objects.exists()
    form = answer.content.decode().split('id="record-hazard"')[1].split("</form>")[0]
    assert 'role="alert"' in form and "楼道堆物</textarea>" in form
    assert '<option value="serious" selected>' in form


def test_an_inspector_who_chose_english_is_refused_in_english(sample, places):
    """The inspection services' refusals follow the language the user chose, on the pages and
    in the API: a hazard closed without an after-photo, an unknown kind of place, a place out
    of reach."""
    grid = sample.users["grid"]
    hazard = services.record_hazard(grid, places.places[0], category="partition", photos=[photo()])
    client = _client(grid)
    client.cookies["django_language"] = "en"
    url = reverse("inspections:hazard", args=[hazard.pk])
    answer = client.post(url, {"action": "close"}, follow=True)
    assert "Closing a hazard needs a photo after correction" in answer.content.decode()
    admin = _client(sample.users["admin"])
    admin.cookies["django_language"] = "en"
    wrong = admin.get("/api/places?kind=volcano")
    assert wrong.status_code == 400
    assert wrong.json()["message"] == "Kind of place “volcano” is not valid"
    nobody = _client(sample.users["nobody"])
    nobody.cookies["django_language"] = "en"
    away = nobody.get(reverse("inspections:place", args=[places.places[0].pk]))
    assert away.status_code == 404
    assert "Place not found, or outside your jurisdiction" in away.content.decode()


def test_the_lists_become_cards_on_a_phone_not_a_sideways_scroll(sample, places):
    """A hazard's state, a place's kind and a campaign's progress are what a grid worker looks
    for; in a sideways-scrolling table (`phone-scroll`, for matrices) they sat off the screen's
    edge at 390 px. Plain list tables turn into one card per row (docs/ui.md)."""
    client = _client(sample.users["grid"])
    place = places.places[0]
    services.record_hazard(sample.users["grid"], place, category="partition", severity="general")
    for url in (
        reverse("inspections:ledger"),
        reverse("inspections:places"),
        reverse("inspections:campaigns"),
        reverse("inspections:place", args=[place.pk]),
    ):
        page = client.get(url).content.decode()
        assert '<table class="list' in page and "phone-scroll" not in page, url


def test_a_hazard_without_a_notice_says_so_with_a_dash_not_a_blank(sample, places):
    """On a phone each row is a card of "label · value": 通知书 with nothing after it read as a
    value that failed to load."""
    client = _client(sample.users["grid"])
    place = places.places[0]
    services.record_hazard(sample.users["grid"], place, category="partition", severity="general")
    for url in (reverse("inspections:ledger"), reverse("inspections:place", args=[place.pk])):
        page = client.get(url).content.decode()
        assert '<td class="mono">—</td>' in page and '<td class="mono"></td>' not in page, url


def test_a_column_naming_one_place_or_notice_is_singular_in_english(sample, places):
    """In English each hazard's card read "Places · 幸福一村…" and "Notices · —": the bare words
    are the lists' names (the Places tab); a column naming one of them says Place, Notice."""
    from wangge.core.testing import english_client

    page = english_client(sample.users["grid"]).get(reverse("inspections:ledger"))
    text = page.content.decode()
    assert "<th>Place</th>" in text and "<th>Notice</th>" in text
    assert ">Places</a>" in text  # the tab keeps the list's name
