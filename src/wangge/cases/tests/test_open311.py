"""Open311 GeoReport v2: the spec's shapes in XML and JSON, its filters and errors, real clients.

`georeport` (PyPI) reads services, definitions and requests; it has no POST, so `civicbot`'s
Open311 client (PyPI) files the request, exactly as a third-party app would.
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from wangge.access.services import create_api_token
from wangge.cases.models import Case, CaseStatus, Channel
from wangge.cases.testing import grid_centre
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture
def api_key(sample: SampleDistrict, cases: dict[str, Any]) -> str:
    return create_api_token(None, sample.users["street"], "open311 test")


def _post(client: Client, **fields: Any) -> Any:
    return client.post(f"{BASE}/requests.json", fields)


def _xml(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def test_discovery_names_the_endpoint_in_both_formats(client: Client, cases: Any) -> None:
    data = client.get(f"{BASE}/discovery.json").json()
    assert data["endpoints"][0]["url"].endswith("/open311/v2/")
    assert "application/json" in data["endpoints"][0]["formats"]
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert (
        root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    )


def test_services_are_the_active_leaf_categories(client: Client, cases: Any) -> None:
    services = client.get(f"{BASE}/services.json").json()
    codes = [s["service_code"] for s in services]
    assert codes == ["0101", "0201", "H01", "H02", "H03"]  # majors 01/02 have minors
    manhole = services[0]
    assert manhole == {
        "service_code": "0101",
        "service_name": "井盖",
        "description": "公用设施 · 井盖（GB/T 30428.2）",
        "metadata": False,
        "type": "realtime",
        "keywords": "井盖,Manhole cover,公用设施",
        "group": "公用设施",
    }
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert root.find("service/metadata").text == "false"  # type: ignore[union-attr]


def test_service_definition_and_unknown_service(client: Client, cases: Any) -> None:
    assert client.get(f"{BASE}/services/H01.json").json() == {
        "service_code": "H01",
        "attributes": [],
    }
    root = _xml(client.get(f"{BASE}/services/H01.xml"))
    assert root.tag == "service_definition" and root.find("attributes") is not None
    missing = client.get(f"{BASE}/services/01.json")  # a major class is not a service
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404
    err = _xml(client.get(f"{BASE}/services/nope.xml"))
    assert err.tag == "errors" and err.findtext("error/code") == "404"


def test_post_with_api_key_files_an_open311_case(
    client: Client, sample: SampleDistrict, api_key: str
) -> None:
    lon, lat = grid_centre(sample, 0)
    response = _post(
        client,
        api_key=api_key,
        service_code="0201",
        lat=lat,
        long=lon,
        description="小区门口垃圾三天没人清",
        first_name="女士",
        last_name="钱",
        phone="13911112222",
        email="qian@example.com",
    )
    assert response.status_code == 200, response.content
    [row] = response.json()
    case = Case.objects.get(number=row["service_request_id"])
    assert row["token"] == case.rating_token
    assert case.channel == Channel.OPEN311 and case.category is not None
    assert case.category.code == "0201"
    assert case.grid == sample.grids[0] and case.status == CaseStatus.DISPATCHED
    assert case.reporter_name == "钱女士" and case.reporter_phone == "13911112222"
    # Read back: the resident's words and place, never their name or phone.
    shown = client.get(f"{BASE}/requests/{case.number}.json").json()[0]
    assert shown["description"] == "小区门口垃圾三天没人清"
    assert shown["status"] == "open" and shown["service_code"] == "0201"
    assert shown["lat"] == lat and shown["agency_responsible"] == "城管"
    body = client.get(f"{BASE}/requests.json").content.decode()
    assert "13911112222" not in body and "钱" not in body
    assert client.get(f"{BASE}/tokens/{row['token']}.json").json() == [
        {"service_request_id": case.number, "token": row["token"]}
    ]


def test_post_refusals(client: Client, sample: SampleDistrict, api_key: str) -> None:
    lon, lat = grid_centre(sample, 0)
    no_key = _post(client, service_code="H01", lat=lat, long=lon, description="吵")
    assert no_key.status_code == 403 and "api_key" in no_key.json()[0]["description"]
    bad_key = _post(client, api_key="wg_nope", service_code="H01", lat=lat, long=lon)
    assert bad_key.status_code == 403
    nowhere = _post(client, api_key=api_key, service_code="H01", description="吵")
    assert nowhere.status_code == 400 and "位置" in nowhere.json()[0]["description"]
    unknown = _post(client, api_key=api_key, service_code="ZZ", lat=lat, long=lon)
    assert unknown.status_code == 404
    abroad = _post(client, api_key=api_key, service_code="H01", lat=48.85, long=2.35)
    assert abroad.status_code == 400 and "不在中国境内" in abroad.json()[0]["description"]
    xml = client.post(f"{BASE}/requests.xml", {"service_code": "H01"})
    assert _xml(xml).findtext("error/code") == "403"
    assert not Case.objects.filter(channel=Channel.OPEN311).exists()


def test_anonymous_post_only_when_allowed_and_rate_limited(
    client: Client, sample: SampleDistrict, cases: Any, settings: Any
) -> None:
    settings.WANGGE_OPEN311_ANONYMOUS_POST = True
    settings.WANGGE_REPORT_RATE_LIMIT = 2
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    fields = {"service_code": "H01", "address_string": "金台里5号楼", "description": "夜里施工"}
    assert _post(client, **fields).status_code == 200
    assert _post(client, **fields).status_code == 200
    third = _post(client, **fields)
    assert third.status_code == 429 and "频繁" in third.json()[0]["description"]
    assert Case.objects.filter(channel=Channel.OPEN311).count() == 2


def test_hotline_cases_show_no_words_and_only_a_rounded_place(client: Client, cases: Any) -> None:
    case = cases["cases"][0]
    shown = client.get(f"{BASE}/requests/{case.number}.json").json()[0]
    assert shown["description"] == "" and shown["address"] == ""
    assert shown["lat"] == round(case.lat, 3) and shown["long"] == round(case.lon, 3)
    assert "extended_attributes" not in shown
    extended = client.get(f"{BASE}/requests/{case.number}.json?extensions=true").json()[0]
    assert extended["extended_attributes"]["detailed_status"] == "DISPATCHED"
    assert extended["extended_attributes"]["detailed_status_label"] == "待签收"
    root = _xml(client.get(f"{BASE}/requests/{case.number}.xml?extensions=true"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None and request.findtext("service_request_id") == case.number
    assert request.findtext("extended_attributes/detailed_status") == "DISPATCHED"
    assert request.findtext("requested_datetime", "").endswith("+08:00")
    assert client.get(f"{BASE}/requests/nope.json").status_code == 404


def test_request_filters(client: Client, cases: Any) -> None:
    numbers = [c.number for c in cases["cases"]]
    old = cases["cases"][3]
    Case.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=200), status=CaseStatus.CLOSED
    )

    def ids(query: str) -> list[str]:
        response = client.get(f"{BASE}/requests.json?{query}")
        assert response.status_code == 200, response.content
        return sorted(r["service_request_id"] for r in response.json())

    assert ids("") == sorted(numbers[:3])  # the last 90 days by default
    assert ids(f"service_request_id={numbers[0]},{numbers[3]}") == sorted([numbers[0], numbers[3]])
    assert ids("start_date=2000-01-01T00:00:00Z") == sorted(numbers)
    assert ids("start_date=2000-01-01&status=closed") == [numbers[3]]
    assert ids("status=open") == sorted(numbers[:3])
    assert ids("service_code=H02") == []
    assert ids("service_code=H02,H01") == sorted(numbers[:3])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert ids(f"start_date={tomorrow}") == []
    assert (
        client.get(f"{BASE}/requests.json?start_date={tomorrow}&end_date=2000-01-01").status_code
        == 400
    )
    bad = client.get(f"{BASE}/requests.json?start_date=yesterday")
    assert bad.status_code == 400 and "ISO 8601" in bad.json()[0]["description"]
    assert client.get(f"{BASE}/requests.json?status=pending").status_code == 400
    assert len(client.get(f"{BASE}/requests.json?page_size=1").json()) == 1


def test_real_clients_list_post_and_read_back(
    live_server: Any, sample: SampleDistrict, api_key: str
) -> None:
    from civicbot import Endpoint, HttpTransport, Open311Client
    from civicbot.http import RateLimiter
    from georeport import GeoReport

    root = f"{live_server.url}{BASE}"
    reader = GeoReport(root)
    services = reader.get_service_list()
    assert "H01" in [s["service_code"] for s in services]
    assert reader.get_service_definition("H01")["attributes"] == []
    xml_reader = GeoReport(root, output_format="xml")
    assert "噪音扰民" in [s["service_name"] for s in xml_reader.get_service_list()]

    endpoint = Endpoint(id="wangge", name="网格", base_url=root, write=True)
    writer = Open311Client(endpoint, transport=HttpTransport(rate_limiter=RateLimiter(0)))
    lon, lat = grid_centre(sample, 2)
    sent = writer.create_request(
        "H01",
        dry_run=False,
        confirm="SEND",
        api_key=api_key,
        lat=lat,
        lng=lon,
        description="楼下广场舞音响太响",
        phone="13800001111",
        validate_remote=True,
    )
    [receipt] = sent.response
    number = receipt["service_request_id"]

    back = reader.get_service_request(number)
    assert back["description"] == "楼下广场舞音响太响" and back["status"] == "open"
    assert "13800001111" not in str(back)
    listed = reader.get_service_requests(service_code="H01", status="open")
    assert number in [r["service_request_id"] for r in listed]
    assert xml_reader.get_service_request(number)["service_code"] == "H01"
    assert writer.get_token(receipt["token"])[0]["service_request_id"] == number
