"""Open311 GeoReport v2: the spec's shapes in XML and JSON, its filters, limits and errors, real
clients.

`georeport` (PyPI) reads services, definitions and requests; it has no POST, so `civicbot`'s
Open311 client (PyPI) files the request, exactly as a third-party app would. FixMyStreet's
client is followed in `test_open311_fixmystreet.py`.
"""

from __future__ import annotations

import datetime
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from wangge.access.services import create_api_token
from wangge.cases import services
from wangge.cases.models import Case, CasePhoto, CaseStatus, Category, Channel
from wangge.cases.testing import grid_centre
from wangge.core.testing import PNG, SampleDistrict

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"


@pytest.fixture
def api_key(sample: SampleDistrict, cases: dict[str, Any]) -> str:
    return create_api_token(None, sample.users["street"], "open311 test")


def _post(client: Client, path: str = "requests.json", **fields: Any) -> Any:
    return client.post(f"{BASE}/{path}", fields)


def _xml(response: Any) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    return ET.fromstring(response.content)


def _json_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    [error] = response.json()
    assert error["code"] == status
    return str(error["description"])


def _xml_error(response: Any, status: int) -> str:
    assert response.status_code == status, response.content
    root = _xml(response)
    assert root.tag == "errors" and root.findtext("error/code") == str(status)
    return root.findtext("error/description") or ""


def _noise(sample: SampleDistrict, api_key: str, **extra: Any) -> dict[str, Any]:
    lon, lat = grid_centre(sample, 0)
    fields = {
        "api_key": api_key,
        "service_code": "H01",
        "lat": lat,
        "long": lon,
        "description": "楼上每晚装修",
        "attribute[time_of_day]": "night",
    }
    return fields | extra


def test_discovery_names_the_endpoint_in_both_formats(client: Client, cases: Any) -> None:
    data = client.get(f"{BASE}/discovery.json").json()
    assert data["endpoints"][0]["url"].endswith("/open311/v2/")
    assert "application/json" in data["endpoints"][0]["formats"]
    root = _xml(client.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert (
        root.findtext("endpoints/endpoint/specification") == "http://wiki.open311.org/GeoReport_v2"
    )
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_the_active_leaf_categories(client: Client, cases: Any) -> None:
    services_ = client.get(f"{BASE}/services.json").json()
    codes = [s["service_code"] for s in services_]
    assert codes == ["0101", "0201", "H01", "H02", "H03"]  # majors 01/02 have minors
    manhole = services_[0]
    assert manhole == {
        "service_code": "0101",
        "service_name": "井盖",
        "description": "公用设施 · 井盖（GB/T 30428.2）",
        "metadata": True,  # asks what is wrong with the cover
        "type": "realtime",
        "keywords": "井盖,Manhole cover,公用设施",
        "group": "公用设施",
    }
    metadata = {s["service_code"]: s["metadata"] for s in services_}
    assert metadata == {"0101": True, "0201": False, "H01": True, "H02": False, "H03": False}
    root = _xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == codes
    assert root.find("service/metadata").text == "true"  # type: ignore[union-attr]


def test_service_definition_lists_the_questions_in_the_spec_shape(
    client: Client, cases: Any
) -> None:
    definition = client.get(f"{BASE}/services/H01.json").json()
    assert definition["service_code"] == "H01"
    first = definition["attributes"][0]
    assert first == {
        "variable": True,
        "code": "time_of_day",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "选一项",
        "order": 1,
        "description": "噪音通常在什么时段出现？",
        "values": [
            {"key": "night", "name": "夜间（22:00—次日6:00）"},
            {"key": "midday", "name": "午休时间（12:00—14:00）"},
            {"key": "day", "name": "白天其他时间"},
            {"key": "all_day", "name": "全天不断"},
        ],
    }
    assert [a["order"] for a in definition["attributes"]] == [1, 2, 3]
    root = _xml(client.get(f"{BASE}/services/H01.xml"))
    assert root.tag == "service_definition" and root.findtext("service_code") == "H01"
    attribute = root.find("attributes/attribute")
    assert attribute is not None
    assert attribute.findtext("code") == "time_of_day"
    assert attribute.findtext("variable") == "true" and attribute.findtext("required") == "true"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == [
        "night",
        "midday",
        "day",
        "all_day",
    ]
    plain = client.get(f"{BASE}/services/H02.json").json()
    assert plain == {"service_code": "H02", "attributes": []}
    assert "01" in _json_error(client.get(f"{BASE}/services/01.json"), 404)  # a major class
    assert "nope" in _xml_error(client.get(f"{BASE}/services/nope.xml"), 404)


def test_a_subcategory_asks_the_questions_of_its_parent(client: Client, cases: Any) -> None:
    noise = Category.objects.get(code="H01")
    Category.objects.create(
        code="H0101", name="装修噪音", parent=noise, kind=noise.kind, response_hours=2
    )
    rows = {s["service_code"]: s for s in client.get(f"{BASE}/services.json").json()}
    assert "H01" not in rows and rows["H0101"]["metadata"] is True
    codes = [a["code"] for a in client.get(f"{BASE}/services/H0101.json").json()["attributes"]]
    assert codes == ["time_of_day", "recurring", "noise_source"]


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
        first_name="钱",
        last_name="女士",
        phone="13911112222",
        email="qian@example.com",
    )
    assert response.status_code == 200, response.content
    [row] = response.json()
    case = Case.objects.get(number=row["service_request_id"])
    assert row["token"] == case.rating_token
    assert row["service_notice"].startswith(f"已受理，受理编号 {case.number}")
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


@pytest.mark.parametrize(
    ("first", "last", "stored"),
    [
        ("张", "三", "张三"),  # FixMyStreet's split of "张 三": family name first
        ("欧阳", "娜娜", "欧阳娜娜"),
        ("张三", "", "张三"),  # "张三" has no space: all of it is first_name
        ("张三", "-", "张三"),  # FixMyStreet's placeholder surname on updates
        ("John", "Smith", "John Smith"),
    ],
)
def test_names_join_first_name_then_last_name(
    client: Client, sample: SampleDistrict, api_key: str, first: str, last: str, stored: str
) -> None:
    response = _post(client, **_noise(sample, api_key, first_name=first, last_name=last))
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.reporter_name == stored


def test_post_refusals(client: Client, sample: SampleDistrict, api_key: str) -> None:
    lon, lat = grid_centre(sample, 0)
    no_key = _post(client, service_code="H02", lat=lat, long=lon, description="吵")
    assert "api_key" in _json_error(no_key, 403)
    bad_key = _post(client, api_key="wg_nope", service_code="H02", lat=lat, long=lon)
    assert bad_key.status_code == 403
    nowhere = _post(client, api_key=api_key, service_code="H02", description="吵")
    assert "address_id" in _json_error(nowhere, 400)
    unknown = _post(client, api_key=api_key, service_code="ZZ", lat=lat, long=lon)
    assert unknown.status_code == 404
    abroad = _post(client, api_key=api_key, service_code="H02", lat=48.85, long=2.35)
    assert "不在中国境内" in _json_error(abroad, 400)
    nan = _post(client, api_key=api_key, service_code="H02", lat="nan", long=lon)
    assert "lat" in _json_error(nan, 400)
    xml = client.post(f"{BASE}/requests.xml", {"service_code": "H01"})
    assert _xml(xml).findtext("error/code") == "403"
    assert not Case.objects.filter(channel=Channel.OPEN311).exists()


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("12345", "号码位数不对"),  # the hotline's number, not the resident's
        ("1401234567", "手机号应为11位"),
        ("14012345678", "手机号段140未分配"),
        ("call me", "含非法字符"),
    ],
)
def test_a_phone_no_one_could_call_back_is_refused_naming_the_field(
    client: Client, sample: SampleDistrict, api_key: str, given: str, reason: str
) -> None:
    message = _json_error(_post(client, **_noise(sample, api_key, phone=given)), 400)
    assert message.startswith("phone：联系电话无效") and reason in message
    xml = client.post(f"{BASE}/requests.xml", _noise(sample, api_key, phone=given))
    assert _xml_error(xml, 400).startswith("phone：联系电话无效")
    assert not Case.objects.filter(channel=Channel.OPEN311).exists()


@pytest.mark.parametrize(
    ("given", "stored", "masked"),
    [
        ("+86 139-1111-2222", "13911112222", "139******22"),
        ("（010）6234 5678转12", "010-62345678-12", "010-******78"),
        ("", "", ""),  # a phone stays optional
    ],
)
def test_a_phone_is_stored_cleaned_and_still_masked_and_encrypted(
    client: Client, sample: SampleDistrict, api_key: str, given: str, stored: str, masked: str
) -> None:
    from django.db import connection

    response = _post(client, **_noise(sample, api_key, phone=given))
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.reporter_phone == stored and case.reporter_phone_masked.startswith(masked)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reporter_phone FROM cases_case WHERE id = %s", [case.pk])
        (raw,) = cursor.fetchone()
    assert raw == "" if not stored else stored not in raw  # encrypted as before
    assert bool(case.reporter_phone_index) == bool(stored)


def test_a_description_over_4000_characters_is_refused(
    client: Client, sample: SampleDistrict, api_key: str
) -> None:
    long = _post(client, **_noise(sample, api_key, description="吵" * 4001))
    assert "4000" in _json_error(long, 400) and "4001" in _json_error(long, 400)
    nul = _post(client, **_noise(sample, api_key, description="吵\x00"))
    assert "空字符" in _json_error(nul, 400)
    assert not Case.objects.filter(channel=Channel.OPEN311).exists()
    assert _post(client, **_noise(sample, api_key, description="吵" * 4000)).status_code == 200


@pytest.mark.parametrize(
    "field", ["media_url", "attribute[noise_source]", "first_name", "phone", "address_string"]
)
def test_a_nul_character_in_any_stored_field_is_refused(
    client: Client, sample: SampleDistrict, api_key: str, field: str
) -> None:
    """Links and text answers went into the case's JSON unchecked: PostgreSQL cannot store a
    NUL there (a 500), SQLite kept it."""
    value = "https://fms.example.org/p/1.jpeg\x00" if field == "media_url" else "电钻\x00"
    refused = _post(client, **_noise(sample, api_key, **{field: value}))
    message = _json_error(refused, 400)
    assert field in message and "空字符" in message
    assert not Case.objects.filter(channel=Channel.OPEN311).exists()


def test_attributes_are_checked_and_kept_with_the_case(
    client: Client, sample: SampleDistrict, api_key: str, cases: Any
) -> None:
    missing = _post(client, **_noise(sample, api_key, **{"attribute[time_of_day]": ""}))
    message = _json_error(missing, 400)
    assert "attribute[time_of_day]" in message and "night（夜间" in message
    wrong = _post(client, **_noise(sample, api_key, **{"attribute[time_of_day]": "dawn"}))
    assert "dawn" in _json_error(wrong, 400)
    ok = _post(
        client,
        **_noise(
            sample,
            api_key,
            **{"attribute[recurring]": "daily", "attribute[uprn]": "123", "jurisdiction_id": ""},
        ),
    )
    assert ok.status_code == 200, ok.content
    case = Case.objects.get(number=ok.json()[0]["service_request_id"])
    assert case.attributes == {
        "time_of_day": {
            "name": "噪音通常在什么时段出现？",
            "value": "night",
            "text": "夜间（22:00—次日6:00）",
        },
        "recurring": {"name": "是否反复出现？", "value": "daily", "text": "每天都有"},
    }  # FixMyStreet's own attributes (uprn) are not kept
    shown = client.get(f"{BASE}/requests/{case.number}.json?extensions=true").json()[0]
    assert shown["extended_attributes"]["attributes"] == {
        "time_of_day": "night",
        "recurring": "daily",
    }
    client.force_login(sample.users["admin"])
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert "噪音通常在什么时段出现？" in page and "夜间（22:00—次日6:00）" in page


def test_photos_come_as_media_and_as_photo1_to_n(
    client: Client, sample: SampleDistrict, api_key: str
) -> None:
    fields = _noise(sample, api_key)
    fields["media"] = SimpleUploadedFile("m.png", PNG, content_type="image/png")
    fields["photo2"] = SimpleUploadedFile("b.png", PNG + b"2", content_type="image/png")
    fields["photo1"] = SimpleUploadedFile("a.png", PNG + b"1", content_type="image/png")
    response = client.post(f"{BASE}/requests.xml", fields)
    assert response.status_code == 200, response.content
    number = _xml(response).findtext("request/service_request_id")
    photos = list(CasePhoto.objects.filter(case__number=number).order_by("pk"))
    assert [p.image.read() for p in photos] == [PNG, PNG + b"1", PNG + b"2"]
    assert all(p.public for p in photos)


def test_public_photos_and_media_urls_are_shown_and_nothing_else(
    client: Client, sample: SampleDistrict, api_key: str, cases: Any
) -> None:
    fields = _noise(sample, api_key, media="")
    fields["photo1"] = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    public = Case.objects.get(number=_post(client, **fields).json()[0]["service_request_id"])
    fields["photo1"] = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    fields["description_private"] = "true"
    private = Case.objects.get(number=_post(client, **fields).json()[0]["service_request_id"])
    linked = Case.objects.get(
        number=_post(
            client, **_noise(sample, api_key, media_url="https://fms.example.org/p/1.jpeg")
        ).json()[0]["service_request_id"]
    )
    hotline = cases["cases"][0]  # staff photo on a non-public case
    staff_photo = CasePhoto.objects.create(
        case=hotline, stage="report", image=SimpleUploadedFile("s.png", PNG), public=False
    )

    def media(case: Case) -> str:
        row = client.get(f"{BASE}/requests/{case.number}.json?extensions=true").json()[0]
        assert row["media_url"] == (row["extended_attributes"]["media_urls"] or [""])[0]
        return str(row["media_url"])

    url = media(public)
    photo = CasePhoto.objects.get(case=public)
    assert url == f"http://testserver{BASE}/media/{photo.pk}"
    served = client.get(url)
    assert served.status_code == 200 and served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == PNG  # type: ignore[attr-defined]
    assert media(private) == "" and media(hotline) == ""
    assert media(linked) == "https://fms.example.org/p/1.jpeg"
    for hidden in (CasePhoto.objects.get(case=private), staff_photo):
        assert "不公开" in _json_error(client.get(f"{BASE}/media/{hidden.pk}"), 404)
    bad_link = _post(client, **_noise(sample, api_key, media_url="javascript:alert(1)"))
    assert "media_url" in _json_error(bad_link, 400)


def test_not_pinpointed_is_no_address(client: Client, sample: SampleDistrict, api_key: str) -> None:
    alone = _noise(sample, api_key, address_id="#NOTPINPOINTED#")
    del alone["lat"], alone["long"]
    unplaced = Case.objects.get(number=_post(client, **alone).json()[0]["service_request_id"])
    assert unplaced.address == "" and unplaced.lat is None and unplaced.grid is None
    assert "未定位" in unplaced.description and "#NOT" not in unplaced.description
    pinned = _post(client, **_noise(sample, api_key, address_id="#NOTPINPOINTED#"))
    case = Case.objects.get(number=pinned.json()[0]["service_request_id"])
    assert case.address == "" and "NOTPINPOINTED" not in case.description
    with_id = _post(client, **_noise(sample, api_key, address_id="UPRN-42"))
    case = Case.objects.get(number=with_id.json()[0]["service_request_id"])
    assert case.address == "" and "UPRN-42" in case.description


def test_anonymous_post_only_when_allowed_and_rate_limited(
    client: Client, sample: SampleDistrict, cases: Any, settings: Any
) -> None:
    settings.WANGGE_OPEN311_ANONYMOUS_POST = True
    settings.WANGGE_REPORT_RATE_LIMIT = 2
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    fields = {"service_code": "H02", "address_string": "金台里5号楼", "description": "物业不管"}
    assert _post(client, **fields).status_code == 200
    assert _post(client, **fields).status_code == 200
    third = _post(client, **fields)
    assert "频繁" in _json_error(third, 429)
    assert Case.objects.filter(channel=Channel.OPEN311).count() == 2


def test_hotline_cases_show_no_words_and_only_a_rounded_place(client: Client, cases: Any) -> None:
    case = cases["cases"][0]
    shown = client.get(f"{BASE}/requests/{case.number}.json").json()[0]
    assert shown["description"] == "" and shown["address"] == ""
    assert shown["lat"] == round(case.lat, 3) and shown["long"] == round(case.lon, 3)
    assert "extended_attributes" not in shown
    assert shown["service_notice"] == "受理后 2 小时内签收，3 个工作日内办结（节假日顺延）"
    assert shown["extras"]["detailed_status"] == "DISPATCHED"
    extended = client.get(f"{BASE}/requests/{case.number}.json?extensions=true").json()[0]
    assert extended["extended_attributes"]["detailed_status"] == "DISPATCHED"
    assert extended["extended_attributes"]["detailed_status_label"] == "待签收"
    root = _xml(client.get(f"{BASE}/requests/{case.number}.xml?extensions=true"))
    assert root.tag == "service_requests"
    request = root.find("request")
    assert request is not None and request.findtext("service_request_id") == case.number
    assert request.findtext("extended_attributes/detailed_status") == "DISPATCHED"
    assert request.findtext("requested_datetime", "").endswith("+08:00")
    assert request.findtext("service_notice", "").startswith("受理后 2 小时内签收")
    assert client.get(f"{BASE}/requests/nope.json").status_code == 404


@pytest.mark.parametrize(
    ("status", "detailed", "label"),
    [(CaseStatus.HANDLED, "HANDLED", "待核查"), (CaseStatus.VERIFIED, "VERIFIED", "待评价")],
)
def test_detailed_states_are_in_extras_and_extended_attributes(
    client: Client, cases: Any, status: str, detailed: str, label: str
) -> None:
    case = cases["cases"][1]
    Case.objects.filter(pk=case.pk).update(status=status)
    root = _xml(client.get(f"{BASE}/requests.xml?service_request_id={case.number}&extensions=1"))
    assert root.findtext("request/status") == "open"
    assert root.findtext("request/extras/detailed_status") == detailed
    assert root.findtext("request/extras/detailed_status_label") == label
    assert root.findtext("request/extras/detailed_information") == label
    assert root.findtext("request/extended_attributes/detailed_status_label") == label


def test_uncategorised_cases_are_not_listed(
    client: Client, sample: SampleDistrict, cases: Any
) -> None:
    lon, lat = grid_centre(sample, 1)
    loose = services.submit_case(
        sample.users["admin"], channel=Channel.API, title="不知道归谁", lon=lon, lat=lat
    )
    listed = client.get(f"{BASE}/requests.json").json()
    assert loose.number not in [r["service_request_id"] for r in listed]
    assert all(r["service_code"] for r in listed) and len(listed) == 4
    assert client.get(f"{BASE}/requests/{loose.number}.json").status_code == 404
    polled = client.get(f"{BASE}/requests.json?service_request_id={loose.number}").json()
    assert polled == []


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

    long_ago = (timezone.localdate() - datetime.timedelta(days=220)).isoformat()
    later = (timezone.localdate() - datetime.timedelta(days=140)).isoformat()
    assert ids("") == sorted(numbers[:3])  # the last 90 days by default
    assert ids(f"service_request_id={numbers[0]},{numbers[3]}") == sorted([numbers[0], numbers[3]])
    assert ids(f"start_date={long_ago}&end_date={later}") == [numbers[3]]
    assert ids(f"start_date={long_ago}T00:00:00Z&end_date={later}&status=closed") == [numbers[3]]
    assert ids("status=open") == sorted(numbers[:3])
    assert ids("service_code=H02") == []
    assert ids("service_code=H02,H01") == sorted(numbers[:3])
    # "can be declared multiple times, comma delimited": repeated, each counts
    assert ids("service_code=H02&service_code=H01") == sorted(numbers[:3])
    assert ids("status=open&status=closed") == sorted(numbers[:3])  # not only the closed
    assert ids(f"service_request_id={numbers[0]}&service_request_id={numbers[3]}") == sorted(
        [numbers[0], numbers[3]]
    )
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert ids(f"start_date={tomorrow}") == []
    assert "晚于" in _json_error(
        client.get(f"{BASE}/requests.json?start_date={tomorrow}&end_date=2000-01-01"), 400
    )
    assert len(client.get(f"{BASE}/requests.json?page_size=1").json()) == 1
    assert client.get(f"{BASE}/requests.json?status=pending").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "start_date=2025-01-01&end_date=2025-04-02",  # 91 days
        "start_date=2000-01-01T00:00:00Z",  # to now
        "end_date=2025-01-01&start_date=2024-01-01",
    ],
)
def test_spans_over_90_days_are_refused(client: Client, cases: Any, query: str) -> None:
    assert "90 天" in _json_error(client.get(f"{BASE}/requests.json?{query}"), 400)
    assert "90 天" in _xml_error(client.get(f"{BASE}/requests.xml?{query}"), 400)


def test_a_90_day_span_is_accepted(client: Client, cases: Any) -> None:
    query = "start_date=2025-01-01&end_date=2025-03-31"  # 00:00 to 23:59:59: 90 days
    assert client.get(f"{BASE}/requests.json?{query}").status_code == 200


@pytest.mark.parametrize(
    ("method", "field"),
    [
        ("get", "service_request_id"),
        ("get", "service_code"),
        ("get", "status"),
        ("post", "service_request_id"),  # the others are not read when ids are given
    ],
)
def test_a_nul_in_a_filter_is_400_not_500(
    client: Client, cases: Any, field: str, method: str
) -> None:
    """The filters went into the query as given; PostgreSQL refuses a NUL in text (a 500)."""
    if method == "get":
        answer = client.get(f"{BASE}/requests.json", {field: "H01\x00"})
    else:  # the lookup by POST, for a list of ids too long for a URL
        answer = client.post(f"{BASE}/requests.json", {field: "H\x00"})
    message = _json_error(answer, 400)
    assert field in message and "空字符" in message


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("yesterday", "ISO 8601"),
        ("2025-02-30", "2025-02-30"),
        ("2025-03-01T25:00:00", "有效"),
        ("0000-01-01", "超出范围"),  # said in Chinese, not Python's "year 0 is out of range"
        ("0001-01-01", "1900"),
        ("9999-12-31T23:59:59Z", "2100"),
        ("2025-01-01T00:00:00+99:00", "2025"),
    ],
)
def test_bad_dates_are_400_not_500(client: Client, cases: Any, value: str, says: str) -> None:
    for name in ("start_date", "end_date"):
        message = _json_error(client.get(f"{BASE}/requests.json", {name: value}), 400)
        assert name in message and says in message and "out of range" not in message
    assert client.get(f"{BASE}/servicerequestupdates.xml", {"end_date": value}).status_code == 400


def test_requests_page_by_page_each_once_then_an_empty_page(client: Client, cases: Any) -> None:
    """The pagination extension (wiki.open311.org/GeoReport_v2/Extensions: `page` and
    `page_size`): a client asks page 1, 2, … until a page comes back empty."""
    seen: list[str] = []
    for number in range(1, 10):
        rows = client.get(f"{BASE}/requests.json?page_size=2&page={number}").json()
        if not rows:
            break
        seen += [r["service_request_id"] for r in rows]
    assert number == 3  # two pages of 2, then the empty one
    everything = [r["service_request_id"] for r in client.get(f"{BASE}/requests.json").json()]
    assert seen == everything and len(seen) == len(set(seen)) == 4
    assert "page" in _json_error(client.get(f"{BASE}/requests.json?page=0"), 400)
    assert "page" in _json_error(client.get(f"{BASE}/requests.json?page=two"), 400)


@pytest.mark.parametrize("size", ["-5", "0", "1001", "99999999999999999999", "ten"])
def test_page_size_out_of_bounds_is_refused(client: Client, cases: Any, size: str) -> None:
    assert "page_size" in _json_error(client.get(f"{BASE}/requests.json?page_size={size}"), 400)


def test_jurisdiction_id_is_checked_everywhere(
    client: Client, sample: SampleDistrict, api_key: str, settings: Any
) -> None:
    for path in ("services.json", "requests.json", "services/H01.json", "discovery.json"):
        assert client.get(f"{BASE}/{path}?jurisdiction_id=110105").status_code == 200
        assert "110105" in _json_error(client.get(f"{BASE}/{path}?jurisdiction_id=sf.gov"), 404)
    assert "sf.gov" in _xml_error(client.get(f"{BASE}/services.xml?jurisdiction_id=sf.gov"), 404)
    wrong = _post(client, **_noise(sample, api_key, jurisdiction_id="sf.gov"))
    assert wrong.status_code == 404 and not Case.objects.filter(channel=Channel.OPEN311).exists()
    assert _post(client, **_noise(sample, api_key, jurisdiction_id="110105")).status_code == 200
    settings.WANGGE_OPEN311_JURISDICTION = ["chaoyang.example.gov.cn"]
    ok = client.get(f"{BASE}/services.json?jurisdiction_id=chaoyang.example.gov.cn")
    assert ok.status_code == 200
    assert client.get(f"{BASE}/services.json?jurisdiction_id=110105").status_code == 404


def test_every_error_is_in_the_format_of_the_extension(cases: Any) -> None:
    client = Client(enforce_csrf_checks=True)  # as a real client: no CSRF cookie
    assert "/open311/v2/nope.xml" in _xml_error(client.get(f"{BASE}/nope.xml"), 404)
    assert "nope" in _json_error(client.get(f"{BASE}/nope.json"), 404)
    assert _json_error(client.get(f"{BASE}/requests/a/b.json"), 404)
    # Method errors are the spec's 405, before any CSRF check (nothing here uses cookies).
    posted = client.post(f"{BASE}/services.xml", {"x": "1"})
    assert "POST" in _xml_error(posted, 405) and posted["Allow"] == "GET, HEAD"
    deleted = client.delete(f"{BASE}/requests.json")
    assert "DELETE" in _json_error(deleted, 405) and deleted["Allow"] == "GET, POST, HEAD"
    assert _xml_error(client.put(f"{BASE}/servicerequestupdates.xml"), 405)
    assert _xml_error(client.post(f"{BASE}/tokens/abc.xml"), 405)
    assert client.post(f"{BASE}/requests.xml", {"service_code": "H01"}).status_code == 403


def test_a_status_poll_takes_thousands_of_ids_by_get_or_post(client: Client, cases: Any) -> None:
    numbers = [c.number for c in cases["cases"]]
    fake = [f"2025{i:010d}" for i in range(3000)]
    ids = ",".join(fake[:1500] + numbers + fake[1500:])
    got = client.get(f"{BASE}/requests.xml", {"service_request_id": ids})
    assert sorted(r.findtext("service_request_id") or "" for r in _xml(got)) == sorted(numbers)
    posted = client.post(f"{BASE}/requests.json", {"service_request_id": ids})
    assert sorted(r["service_request_id"] for r in posted.json()) == sorted(numbers)
    too_many = ",".join(f"2025{i:010d}" for i in range(10_001))
    assert "10000" in _json_error(
        client.get(f"{BASE}/requests.json", {"service_request_id": too_many}), 400
    )


def test_real_clients_list_post_and_read_back(
    live_server: Any, sample: SampleDistrict, api_key: str
) -> None:
    from civicbot import Endpoint, HttpTransport, Open311Client
    from georeport import GeoReport

    root = f"{live_server.url}{BASE}"
    reader = GeoReport(root)
    services_ = reader.get_service_list()
    assert "H01" in [s["service_code"] for s in services_]
    assert reader.get_service_definition("H02")["attributes"] == []
    xml_reader = GeoReport(root, output_format="xml")
    assert "噪音扰民" in [s["service_name"] for s in xml_reader.get_service_list()]

    endpoint = Endpoint(id="wangge", name="网格", base_url=root, write=True)
    from civicbot.http import RateLimiter

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
        attributes={"time_of_day": "night"},
        validate_remote=True,  # reads the definition and checks the answer against it
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
    assert Case.objects.get(number=number).attributes["time_of_day"]["value"] == "night"


def test_xml_answers_stay_well_formed_whatever_the_text(
    client: Client, sample: SampleDistrict, api_key: str
) -> None:
    response = _post(client, **_noise(sample, api_key, description="噪音\x0b很大\x1f\ufffe"))
    number = response.json()[0]["service_request_id"]
    root = _xml(client.get(f"{BASE}/requests/{number}.xml"))  # parses
    assert root.findtext("request/description") == "噪音很大"
    assert Case.objects.get(number=number).description == "噪音\x0b很大\x1f\ufffe"  # as sent


def test_an_oversized_body_is_a_413_in_the_asked_format(
    client: Client, cases: Any, settings: Any
) -> None:
    settings.WANGGE_ANONYMOUS_MAX_BODY_BYTES = 1000
    big = client.post(f"{BASE}/requests.xml", {"description": "字" * 2000, "service_code": "H01"})
    assert _xml_error(big, 413)


def test_updates_show_notes_only_where_the_public_may_read_them(
    client: Client, sample: SampleDistrict, api_key: str, cases: Any
) -> None:
    street = sample.users["street"]
    private = Case.objects.get(
        number=_post(client, **_noise(sample, api_key, description_private="true")).json()[0][
            "service_request_id"
        ]
    )
    public = Case.objects.get(
        number=_post(client, **_noise(sample, api_key)).json()[0]["service_request_id"]
    )
    hotline = cases["cases"][0]
    for case in (private, public, hotline):
        services.comment_case(street, case, text="三楼的王先生又在装修")
    updates = client.get(f"{BASE}/servicerequestupdates.json").json()
    said = {
        u["service_request_id"]: u["description"] for u in updates if u["status"] == "UNCHANGED"
    }
    assert said == {
        private.number: "补充反映",
        public.number: "补充反映：三楼的王先生又在装修",
        hotline.number: "补充反映",
    }
    dispatched = [
        u
        for u in updates
        if u["service_request_id"] == public.number and u["extras"]["event"] == "dispatched"
    ]
    assert dispatched[0]["description"] == "派遣：按责任清单自动派遣"
    assert dispatched[0]["status"] == "ACTION_SCHEDULED"


@pytest.mark.parametrize(("private", "shown"), [(False, True), (True, False)])
def test_report_page_photos_are_public_unless_the_resident_keeps_them_private(
    client: Client, sample: SampleDistrict, cases: Any, settings: Any, private: bool, shown: bool
) -> None:
    settings.WANGGE_REPORT_RATE_LIMIT = 0
    lon, lat = grid_centre(sample, 0)
    data: dict[str, Any] = {
        "description": "路灯不亮",
        "category": str(Category.objects.get(code="H02").pk),
        "lat": str(lat),
        "lon": str(lon),
        "photos": SimpleUploadedFile("p.png", PNG, content_type="image/png"),
    }
    if private:
        data["description_private"] = "on"
    assert client.post("/report/", data).status_code == 302
    photo = CasePhoto.objects.get(case__channel=Channel.RESIDENT_WEB)
    assert photo.public is shown
    row = client.get(f"{BASE}/requests/{photo.case.number}.json").json()[0]
    assert bool(row["media_url"]) is shown
    assert (client.get(f"{BASE}/media/{photo.pk}").status_code == 200) is shown
    # Staff photos of the handling are never public, whatever the case.
    handler = sample.users["chengguan"]
    case = photo.case
    services.sign_in(handler, case)
    services.record_handling(
        handler, case, result="已修", photos=[SimpleUploadedFile("h.png", PNG)]
    )
    assert not CasePhoto.objects.get(case=case, stage="handling").public


def test_a_post_body_that_is_not_a_form_is_a_415_that_says_so(
    sample: SampleDistrict, api_key: str
) -> None:
    # GeoReport v2, POST Service Request: the arguments are form fields (form-encoded, or
    # multipart with media). A JSON body read as a form is empty; the client must hear that
    # its body's type is wrong (HTTP 415, RFC 9110 §15.5.16), not that its api_key is missing.
    client = Client()
    fields = _noise(sample, api_key)
    for fmt in ("json", "xml"):
        sent = client.post(f"{BASE}/requests.{fmt}", fields, content_type="application/json")
        error = _json_error(sent, 415) if fmt == "json" else _xml_error(sent, 415)
        assert "application/x-www-form-urlencoded" in error
    assert not Case.objects.filter(channel=Channel.OPEN311).exists()
    # the same fields as a form are filed
    assert client.post(f"{BASE}/requests.json", fields).status_code == 200
