"""The REST API as a department's system meets it: token auth, pagination, JSON errors."""

import json

import pytest
from django.test import Client

from wangge.access.services import create_api_token
from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db


@pytest.fixture
def street_api(sample: SampleDistrict) -> Client:
    token = create_api_token(None, sample.users["street"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def test_person_list_is_paginated_and_masked(sample: SampleDistrict, street_api: Client):
    data = street_api.get("/api/persons", {"page": 1}).json()
    assert data["count"] == len(sample.persons)
    first = data["items"][0]
    assert "*" in first["id_number_masked"] and "id_number" not in first
    assert first["phone_masked"].count("*") == 6


def test_filters(sample: SampleDistrict, street_api: Client):
    grid = sample.grids[1].code
    data = street_api.get("/api/persons", {"grid": grid}).json()
    assert data["count"] == len(sample.persons_in(sample.grids[1]))
    floating = street_api.get("/api/persons", {"residence_type": "floating"}).json()
    assert floating["count"] == len(sample.persons) // 2
    tagged = street_api.get("/api/persons", {"tag": "elderly_alone"}).json()
    assert all("独居老人" in p["tags"] for p in tagged["items"]) and tagged["count"] > 0


def test_household_file(sample: SampleDistrict, street_api: Client):
    household = sample.households[0]
    data = street_api.get(f"/api/households/{household.pk}").json()
    assert data["household"]["address"] == "幸福路10号3号楼2单元301室"
    assert {m["person"]["name"] for m in data["members"]} == {p.name for p in sample.persons[:2]}
    assert data["former_members"] == []


def test_search_and_reveal(sample: SampleDistrict, street_api: Client):
    person = sample.persons[5]
    assert person.birth_date is not None
    found = street_api.get("/api/search", {"q": person.id_number}).json()
    assert [p["id"] for p in found] == [person.pk]
    revealed = street_api.post(f"/api/persons/{person.pk}/reveal").json()
    assert revealed == {
        "id_number": person.id_number,
        "phone": person.phone,
        "birth_date": person.birth_date.isoformat(),
    }


def test_person_detail_has_no_birth_date_before_a_reveal(
    sample: SampleDistrict, street_api: Client
):
    person = sample.persons[5]
    assert person.birth_date is not None
    detail = street_api.get(f"/api/persons/{person.pk}").json()  # street officers may reveal
    assert "birth_date" not in detail and detail["age"] == person.age()
    assert person.birth_date.isoformat() not in str(detail)


def test_regions_and_buildings(sample: SampleDistrict, street_api: Client):
    regions = street_api.get("/api/regions").json()
    assert {r["code"] for r in regions} == {
        sample.street.code,
        *(c.code for c in sample.communities),
        *(g.code for g in sample.grids),
    }
    detail = street_api.get(f"/api/regions/{sample.street.code}").json()
    assert detail["stats"]["residents"] == len(sample.persons)
    assert detail["boundary"]["type"] == "Polygon"
    building = sample.buildings[0]
    data = street_api.get(f"/api/buildings/{building.pk}").json()
    assert data["building"]["label"] == "幸福路10号3号楼" and len(data["rooms"]) == 2


@pytest.mark.parametrize(
    ("url", "status", "fragment"),
    [
        ("/api/persons/abc", 422, "请求参数有误"),
        ("/api/persons/999999", 404, "未找到该人员"),
        ("/api/regions/000000", 404, "未找到区域“000000”"),
        ("/api/persons?page=0", 422, "请求参数有误"),
        ("/api/search", 422, "q"),
        ("/api/search?q=" + "王" * 200, 400, "过长"),
    ],
)
def test_bad_requests_get_json_messages_never_500(street_api: Client, url, status, fragment):
    response = street_api.get(url)
    assert response.status_code == status
    assert fragment in response.json()["message"]


def test_openapi_docs_are_served(street_api: Client):
    schema = street_api.get("/api/openapi.json").json()
    assert "/api/persons" in schema["paths"] and "/api/households/{household_id}" in schema["paths"]
    docs = street_api.get("/api/docs")
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page and "cdn." not in page  # works offline


def test_region_detail_lists_staff_with_masked_phones(sample: SampleDistrict, street_api: Client):
    data = street_api.get(f"/api/regions/{sample.grids[0].code}").json()
    assert data["staff"] == [
        {
            "post": "grid_worker",
            "post_label": "网格员",
            "name": "网格员0",
            "department": "",
            "duties": "",
            "phone_masked": "139******00",
        }
    ]
    assert "13900000000" not in json.dumps(data)
