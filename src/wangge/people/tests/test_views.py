"""Pages as a user meets them: Chinese by default, English on request, masked identifiers."""

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid_client(sample: SampleDistrict) -> Client:
    client = Client()
    client.force_login(sample.users["grid"])
    return client


def test_household_page_shows_members_masked(sample: SampleDistrict, grid_client: Client):
    household = sample.households[0]
    page = grid_client.get(f"/people/households/{household.pk}/").content.decode()
    assert "一户一档" in page and "家庭成员" in page
    for person in sample.persons[:2]:
        assert person.name in page
        assert person.id_number_masked in page
        assert person.id_number not in page
    assert "幸福路10号3号楼2单元301" in page


def test_household_page_title_is_plain_text(sample: SampleDistrict, grid_client: Client):
    """The browser tab shows 一户一档 and the household, not the page's markup; the visit
    updates section is on the page once, below the members."""
    household = sample.households[0]
    page = grid_client.get(f"/people/households/{household.pk}/").content.decode()
    title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "<" not in title and "走访更新记录" not in title
    assert title.startswith("一户一档 · ")
    assert page.count('id="updates"') == 1


def test_person_page_offers_reveal_only_to_permitted_roles(sample: SampleDistrict):
    person = sample.persons[0]
    officer = Client()
    officer.force_login(sample.users["community"])
    assert person.birth_date is not None
    page = officer.get(f"/people/{person.pk}/").content.decode()
    assert "查看完整信息" in page
    assert person.birth_date.strftime("%Y-%m-%d") not in page  # only after the reveal
    revealed = officer.post(f"/people/{person.pk}/reveal/").content.decode()
    assert person.id_number in revealed and person.phone in revealed
    assert person.birth_date.strftime("%Y-%m-%d") in revealed
    worker = Client()
    worker.force_login(sample.users["grid"])
    assert "查看完整信息" not in worker.get(f"/people/{person.pk}/").content.decode()
    assert worker.post(f"/people/{person.pk}/reveal/").status_code == 403


def test_out_of_scope_pages_explain_in_chinese(sample: SampleDistrict, grid_client: Client):
    response = grid_client.get(f"/people/households/{sample.households[-1].pk}/")
    assert response.status_code == 404
    assert "不在您的管辖范围内" in response.content.decode()
    response = grid_client.get(f"/regions/{sample.street.code}/")
    assert response.status_code == 404 and "不在您的管辖范围内" in response.content.decode()


def test_region_page_counts(sample: SampleDistrict):
    client = Client()
    client.force_login(sample.users["street"])
    page = client.get(f"/regions/{sample.street.code}/").content.decode()
    assert "京广路街道" in page and "幸福一村社区" in page and "金台里社区" in page
    assert "50.0%" in page  # half of the sample lives in rented rooms as floating population


def test_english_is_selectable(sample: SampleDistrict, grid_client: Client):
    grid_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = grid_client.get(f"/people/households/{sample.households[0].pk}/").content.decode()
    assert "Household file" in page
    grid_client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    page = grid_client.get(f"/people/households/{sample.households[0].pk}/").content.decode()
    assert "一户一档" in page


def test_search_page_and_htmx_fragment(sample: SampleDistrict, grid_client: Client):
    person = sample.persons[0]
    page = grid_client.get("/people/search/", {"q": person.name}).content.decode()
    assert "<html" in page and person.name in page
    fragment = grid_client.get(
        "/people/search/", {"q": person.name}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "<html" not in fragment and person.name in fragment


def test_home_sends_a_grid_worker_to_the_workbench(sample: SampleDistrict, grid_client):
    response = grid_client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/tasks/"  # a grid worker starts the day on the workbench


def test_map_features_are_geojson_of_the_region(sample: SampleDistrict, grid_client: Client):
    data = grid_client.get(f"/regions/{sample.grids[0].code}/features.geojson").json()
    kinds = {f["properties"]["kind"] for f in data["features"]}
    assert kinds == {"region", "building"}
    assert len([f for f in data["features"] if f["properties"]["kind"] == "building"]) == 1


def test_map_features_shift_to_gcj02_for_chinese_base_maps(sample, grid_client):
    from wangge.geo.coords import wgs84_to_gcj02

    url = f"/regions/{sample.grids[0].code}/features.geojson"
    plain = grid_client.get(url).json()["features"]
    shifted = grid_client.get(url, {"crs": "gcj02"}).json()["features"]
    point = next(f for f in plain if f["properties"]["kind"] == "building")
    moved = next(f for f in shifted if f["properties"]["kind"] == "building")
    expected = wgs84_to_gcj02(*point["geometry"]["coordinates"])
    assert moved["geometry"]["coordinates"] == pytest.approx(list(expected), abs=1e-9)
    assert grid_client.get(url, {"crs": "bd09"}).status_code == 400


def test_household_page_query_count_does_not_grow_with_members(
    sample: SampleDistrict, grid_client: Client, django_assert_max_num_queries
):
    household = sample.households[0]
    for person in sample.persons[2:4]:  # same grid: more members, same number of queries
        from wangge.people.models import Residence

        Residence.objects.create(person=person, household=household, relation="other")
    with django_assert_max_num_queries(20):
        assert grid_client.get(f"/people/households/{household.pk}/").status_code == 200


def test_building_page_query_count_is_bounded(
    sample: SampleDistrict, grid_client: Client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        assert grid_client.get(f"/buildings/{sample.buildings[0].pk}/").status_code == 200


def test_search_says_when_results_are_cut_off(sample: SampleDistrict, monkeypatch):
    from wangge.people import services

    client = Client()
    client.force_login(sample.users["street"])
    monkeypatch.setattr(services, "SEARCH_LIMIT", 1)
    page = client.get("/people/search/", {"q": "王"}).content.decode()  # two 王 in the street
    assert page.count('href="/people/households/') == 1
    assert "只显示前 1 条结果" in page


def test_search_errors_are_shown_beside_the_form(sample: SampleDistrict, grid_client):
    response = grid_client.get("/people/search/", {"q": "王" * 150})
    assert response.status_code == 200
    page = response.content.decode()
    assert "搜索内容过长" in page and 'name="q"' in page


def test_traditional_characters_find_simplified_names(sample: SampleDistrict, grid_client):
    person = sample.persons[1]  # 李测1
    page = grid_client.get("/people/search/", {"q": "李測1"}).content.decode()
    assert person.name in page


def test_grid_page_lists_its_households_and_buildings(sample: SampleDistrict, grid_client):
    page = grid_client.get(f"/regions/{sample.grids[0].code}/").content.decode()
    assert "本网格住户" in page
    for household in sample.households[:2]:
        assert f'href="/people/households/{household.pk}/"' in page
    assert f'href="/people/households/{sample.households[2].pk}/"' not in page
    assert f'href="/buildings/{sample.buildings[0].pk}/"' in page
    # 租住户 reads 是 or 否: at phone width each row is a card, where an empty cell read as missing
    assert page.count('<td class="rental">') == page.count('<td class="rental">是') + page.count(
        '<td class="rental"><span class="muted">否'
    )
    assert '<td class="rental"><span class="muted">否' in page


def test_a_department_handler_sees_a_building_but_not_who_lives_in_it(sample: SampleDistrict):
    """The station's handler is posted on the street for its cases: a building's page shows
    it the rooms, not the households and their heads (least privilege, access.scoping)."""
    community = sample.communities[1]
    building = next(b for b in sample.buildings if b.grid and b.grid.parent_id == community.pk)
    police, office = Client(), Client()
    police.force_login(sample.users["police"])  # posted on the second community
    office.force_login(sample.users["street"])
    seen_by_grid = office.get(f"/buildings/{building.pk}/").content.decode()
    page = police.get(f"/buildings/{building.pk}/")
    assert page.status_code == 200
    body = page.content.decode()
    heads = [h.head for h in sample.households if h.room and h.room.building_id == building.pk]
    assert heads and all(h is not None for h in heads)
    for head in heads:
        assert head is not None
        assert head.name in seen_by_grid and head.name not in body
    assert 'href="/people/households/' not in body
    rooms = police.get("/api/rooms", {"building_id": building.pk}).json()["items"]
    assert rooms and all(room["household_ids"] == [] for room in rooms)
    listed = office.get("/api/rooms", {"building_id": building.pk}).json()["items"]
    assert any(room["household_ids"] for room in listed)
