"""/api/places, /api/hazards, /api/notices: scoped, masked, filtered; the notice's document;
blocks of numbers for a phone and the offline notice synced with one of them."""

from __future__ import annotations

from urllib.parse import quote

from django.test import Client
from django.utils import timezone

from wangge.inspections import notices, services
from wangge.inspections.models import notice_number
from wangge.inspections.testing import photo


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_places_are_scoped_and_phones_masked(sample, places):
    body = _client(sample.users["community"]).get("/api/places").json()
    assert body["count"] == 2
    first = next(p for p in body["items"] if p["id"] == places.places[0].pk)
    assert first["responsible_phone"] == "138******00"
    assert first["kind"] == "rental_site" and first["grid_code"] == sample.grids[0].code
    assert first["department"] == "京广路消防救援站"
    only = _client(sample.users["admin"]).get("/api/places?kind=charging").json()
    assert [p["kind"] for p in only["items"]] == ["charging"]
    bad = _client(sample.users["admin"]).get("/api/places?kind=volcano")
    assert bad.status_code == 400 and "场所类型" in bad.json()["message"]


def test_hazards_carry_status_and_the_notice_number_once_issued(sample, places):
    grid = sample.users["grid"]
    hazard = services.record_hazard(grid, places.places[0], category="partition", photos=[photo()])
    services.record_hazard(grid, places.places[0], category="clutter")
    admin = _client(sample.users["admin"])
    listed = admin.get("/api/hazards?category=partition").json()
    assert [(h["id"], h["status"], h["notice_number"]) for h in listed["items"]] == [
        (hazard.pk, "open", None)
    ]
    notice = notices.issue_notice(grid, unit=places.unit, hazards=[hazard], kind="immediate")
    listed = admin.get(
        f"/api/hazards?status=notice_issued&region={sample.communities[0].code}"
        f"&start={timezone.localdate().isoformat()}"
    ).json()
    assert [(h["id"], h["notice_number"]) for h in listed["items"]] == [(hazard.pk, notice.number)]
    assert _client(sample.users["nobody"]).get("/api/hazards").json()["count"] == 0
    wrong = admin.get("/api/hazards?status=burning")
    assert wrong.status_code == 400 and "状态" in wrong.json()["message"]


def test_the_notice_document_is_served_to_who_may_see_it(sample, places):
    grid = sample.users["grid"]
    hazard = services.record_hazard(grid, places.places[0], category="partition")
    notice = notices.issue_notice(grid, unit=places.unit, hazards=[hazard], kind="immediate")
    url = f"/api/notices/{quote(notice.number)}/document"
    answer = _client(sample.users["police"]).get(url)  # the department in charge of the place
    assert answer.status_code == 200 and answer.content[:2] == b"PK"
    assert "wordprocessingml" in answer["Content-Type"]
    assert _client(sample.users["nobody"]).get(url).status_code == 404
    assert _client(grid).get(url + "?format=odt").status_code == 422


def test_a_phone_reserves_numbers_and_syncs_an_offline_notice_once(sample, places):
    grid = sample.users["grid"]
    client = _client(grid)
    block = client.post(
        "/api/notices/blocks", {"unit": "jgl-fire", "size": 3}, content_type="application/json"
    ).json()
    year = timezone.localdate().year
    assert block["numbers"] == [notice_number("京广消字", year, n) for n in (1, 2, 3)]
    hazard = services.record_hazard(grid, places.places[0], category="ebike_charging")
    payload = {
        "unit": "jgl-fire",
        "hazards": [hazard.pk],
        "kind": "deadline",
        "deadline_days": 3,
        "serial": 2,
        "year": year,
        "client_id": "phone-7:1",
    }
    first = client.post("/api/notices", payload, content_type="application/json")
    assert first.status_code == 200, first.content
    assert first.json()["number"] == notice_number("京广消字", year, 2)
    again = client.post("/api/notices", payload, content_type="application/json")
    assert again.json()["number"] == first.json()["number"]
    refused = _client(sample.users["nobody"]).post(
        "/api/notices/blocks", {"unit": "jgl-fire"}, content_type="application/json"
    )
    assert refused.status_code == 403
