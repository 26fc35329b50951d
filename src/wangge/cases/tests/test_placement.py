"""Placing cases: no report without a pin disappears, a pin that contradicts its address is
flagged, and dispatchers settle what is left in the 待定位 queue of their region.

The sample district: 幸福路10…13号 3号楼 lie in grids 1…4 (幸福一村社区: grids 0-1, 金台里社区:
grids 2-3, all in 京广路街道); the street has a catch-all rule to 城管.
"""

from __future__ import annotations

from typing import Any

import pytest

from wangge.addresses import locating
from wangge.addresses.models import Room
from wangge.cases import placement, services
from wangge.cases.models import Case, CaseStatus, Channel, EventKind, Placement
from wangge.cases.testing import grid_centre
from wangge.core.errors import Forbidden, ServiceError
from wangge.core.testing import LAT0, LON0, SampleDistrict

pytestmark = pytest.mark.django_db


def _public(address: str, **extra: Any) -> Case:
    return services.submit_case(
        None,
        channel=Channel.RESIDENT_WEB,
        title="",
        description="路灯不亮",
        address=address,
        **extra,
    )


def test_an_exact_registry_address_places_the_case_in_its_grid(sample: SampleDistrict, cases):
    case = _public("朝阳区幸福路十二号三号楼二单元301室")
    room = Room.objects.get(building__number="12", name="301")
    assert case.grid == sample.grids[2] and case.community == sample.communities[1]
    assert (case.placement, case.address_code) == (Placement.ROOM, room.address_code)
    assert (case.lon, case.lat) == (room.lon, room.lat)  # on the case map, at the building
    assert case.status == CaseStatus.DISPATCHED  # routed like a pinned report
    assert not case.location_conflict and case.location_note == ""
    seen_by = {
        name
        for name in ("street", "community", "grid", "admin")
        if services.visible_cases(sample.users[name]).filter(pk=case.pk).exists()
    }
    assert seen_by == {"street", "admin"}  # the community and grid users are in 幸福一村


def test_a_door_places_the_case_in_the_grid_of_its_rooms(sample: SampleDistrict, cases):
    case = _public("幸福路11号")
    assert case.grid == sample.grids[1] and case.placement == Placement.BUILDING
    assert case.address_code == ""


def test_a_road_over_several_grids_waits_in_the_streets_queue(sample: SampleDistrict, cases):
    case = _public("幸福路东口")
    assert (case.region, case.grid, case.placement) == (sample.street, None, Placement.ROAD)
    assert "4个网格" in case.location_note
    assert case in placement.to_place(sample.users["street"])
    assert case not in placement.to_place(sample.users["community"])
    assert not services.visible_cases(sample.users["community"]).filter(pk=case.pk).exists()


def test_a_named_community_places_the_case_there(sample: SampleDistrict, cases):
    case = _public("金台里社区居委会门口")
    assert (case.region, case.placement) == (sample.communities[1], Placement.NAMED)
    assert case not in placement.to_place(sample.users["community"])  # 幸福一村's officer


def test_an_unknown_address_waits_at_the_district(sample: SampleDistrict, cases):
    case = _public("人民路88号")
    assert (case.region, case.placement) == (None, "")
    assert "人民路88号" in case.location_note
    assert case in placement.to_place(sample.users["admin"])
    assert case not in placement.to_place(sample.users["street"])


def test_staff_reports_without_a_place_go_to_the_reporters_community(sample: SampleDistrict, cases):
    case = services.submit_case(
        sample.users["grid"], channel=Channel.GRID_WORKER, title="墙面小广告", address="小区北门"
    )
    assert (case.region, case.placement) == (sample.communities[0], Placement.CHANNEL)
    assert case in placement.to_place(sample.users["community"])


def test_a_pin_contradicting_the_address_is_flagged_and_not_dispatched(
    sample: SampleDistrict, cases
):
    lon, lat = grid_centre(sample, 3)
    case = _public("幸福路10号3号楼2单元301", lon=lon, lat=lat)
    # neither reading is trusted: the region holding both, for its dispatchers to settle
    assert (case.region, case.grid) == (sample.street, None)
    assert case.location_conflict and case.status == CaseStatus.NEW
    assert "金台里社区第2网格" in case.location_note
    assert "幸福一村社区第1网格" in case.location_note
    assert (case.lon, case.lat) == (lon, lat)  # the pin is kept
    assert case in placement.to_place(sample.users["street"])


def test_a_pin_beside_the_address_across_a_grid_line_follows_the_registry(
    sample: SampleDistrict, cases
):
    # the building of 幸福路10号 stands 8 m inside grid 0; the GPS fix lands 9 m into grid 1
    Room.objects.filter(building__number="10").update(lon=LON0 + 0.00991)
    locating.forget()
    case = _public("幸福路10号3号楼2单元301", lon=LON0 + 0.01011, lat=LAT0 + 0.005)
    assert case.grid == sample.grids[0] and not case.location_conflict
    assert case.placement == Placement.ROOM and "按标准地址" in case.location_note


def test_a_pin_agreeing_with_the_address_keeps_the_room(sample: SampleDistrict, cases):
    lon, lat = grid_centre(sample, 1)
    case = _public("幸福路11号3号楼2单元302", lon=lon, lat=lat)
    assert case.grid == sample.grids[1] and case.placement == Placement.POINT
    assert case.address_code and not case.location_conflict


def test_a_dispatcher_places_a_waiting_case_and_it_is_dispatched(sample: SampleDistrict, cases):
    case = _public("幸福路")
    street = sample.users["street"]
    assert case.status == CaseStatus.DISPATCHED  # the street's catch-all rule routes it already
    lon, lat = grid_centre(sample, 1)
    placed = placement.place_case(street, case, lon=lon, lat=lat, version=case.version)
    assert (placed.grid, placed.placement, placed.lon) == (sample.grids[1], Placement.MANUAL, lon)
    assert case not in placement.to_place(street)
    event = placed.events.get(kind=EventKind.PLACED)
    assert event.actor == street and "幸福一村社区第2网格" in event.note
    # now the community and the grid see it
    assert services.visible_cases(sample.users["community"]).filter(pk=case.pk).exists()


def test_placing_a_new_case_dispatches_it_by_the_responsibility_table(
    sample: SampleDistrict, cases
):
    lon, lat = grid_centre(sample, 3)
    case = _public("幸福路10号3号楼2单元301", lon=lon, lat=lat)  # flagged, waiting
    placed = placement.place_case(sample.users["street"], case, grid=sample.grids[0])
    assert placed.grid == sample.grids[0] and not placed.location_conflict
    assert placed.status == CaseStatus.DISPATCHED and placed.department is not None
    assert placed.department.name == "城管"
    assert (placed.lon, placed.lat) == (lon, lat)  # a chosen grid keeps the position


def test_placing_is_for_the_dispatchers_of_the_case_and_their_grids(sample: SampleDistrict, cases):
    case = _public("幸福路")  # at the street
    with pytest.raises(Forbidden):
        placement.place_case(sample.users["community"], case, grid=sample.grids[0])
    with pytest.raises(Forbidden):
        placement.place_case(sample.users["grid"], case, grid=sample.grids[0])
    waiting = services.submit_case(
        sample.users["grid"], channel=Channel.GRID_WORKER, title="积水", address="北门"
    )  # in 幸福一村's queue
    with pytest.raises(Forbidden, match="不在您的管辖范围内"):
        placement.place_case(sample.users["community"], waiting, grid=sample.grids[3])
    with pytest.raises(ServiceError, match="不在任何网格内"):
        placement.place_case(sample.users["community"], waiting, lon=117.5, lat=39.0)
    with pytest.raises(ServiceError, match="不是网格"):
        placement.place_case(sample.users["community"], waiting, grid=sample.communities[0])
    with pytest.raises(services.Conflict):
        placement.place_case(
            sample.users["community"], waiting, grid=sample.grids[0], version=waiting.version - 1
        )
    placed = placement.place_case(sample.users["community"], waiting, grid=sample.grids[1])
    assert placed.grid == sample.grids[1]
    assert [g.pk for g in placement.placeable_grids(sample.users["street"], case)] == [
        g.pk for g in sample.grids
    ]


def test_a_hotline_order_without_a_place_waits_in_the_importers_queue(
    sample: SampleDistrict, cases
):
    from wangge.cases.hotline import WorkOrder

    orders = [
        WorkOrder(2, "", "GD1", None, "噪音", "", address="幸福路13号"),
        WorkOrder(3, "", "GD2", None, "噪音", "", address="不知道哪里"),
    ]
    result = services.intake_work_orders(sample.users["street"], orders, file_name="派单.xlsx")
    first, second = result.cases
    assert first.grid == sample.grids[3] and first.placement == Placement.BUILDING
    assert (second.region, second.placement) == (sample.street, Placement.CHANNEL)
    assert second in placement.to_place(sample.users["street"])


def test_the_queue_and_placing_over_the_api(sample: SampleDistrict, cases):
    import json

    from django.test import Client

    case = _public("幸福路")
    client = Client()
    client.force_login(sample.users["street"])
    listed = client.get("/api/cases/to-place").json()
    assert [c["number"] for c in listed["items"]] == [case.number]
    assert listed["items"][0]["placement"] == "road" and listed["items"][0]["grid_code"] is None
    url = f"/api/cases/{case.pk}/place"
    body = {"grid": "110105009009", "version": case.version}
    answer = client.post(url, json.dumps(body), content_type="application/json")
    assert answer.status_code == 404 and "不存在" in answer.json()["message"]
    body = {"grid": sample.grids[2].code, "version": case.version}
    answer = client.post(url, json.dumps(body), content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["grid_code"] == sample.grids[2].code
    assert answer.json()["placement"] == "manual"
    again = client.post(url, json.dumps(body), content_type="application/json")
    assert again.status_code == 409
    assert client.get("/api/cases/to-place").json()["items"] == []


# -- the pages ------------------------------------------------------------------------------


def _logged_in(user: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def test_the_queue_page_and_the_case_page_show_what_waits(sample: SampleDistrict, cases):
    lon, lat = grid_centre(sample, 3)
    flagged = _public("幸福路10号3号楼2单元301", lon=lon, lat=lat)
    road = _public("幸福路")
    street = _logged_in(sample.users["street"])
    page = street.get("/cases/placement/").content.decode()
    assert flagged.number in page and road.number in page and "位置与地址不符" in page
    assert f"/cases/{flagged.pk}/place/" in page
    detail = street.get(f"/cases/{flagged.pk}/").content.decode()
    assert 'id="placement-notice"' in detail and "金台里社区第2网格" in detail
    community = _logged_in(sample.users["community"]).get("/cases/placement/").content.decode()
    assert flagged.number not in community  # waits at the street, above the community
    # the place page shows both readings: the reporter's pin and the registry's address
    place = street.get(f"/cases/{flagged.pk}/place/").content.decode()
    room = Room.objects.get(building__number="10", name="301")
    assert f'data-pin="{lat:.7f},{lon:.7f}"' in place
    assert f'data-address="{room.lat:.7f},{room.lon:.7f}"' in place


def test_the_place_page_places_by_grid_and_by_a_pick_on_gcj02_tiles(
    sample: SampleDistrict, cases, settings: Any
):
    from wangge.geo.coords import wgs84_to_gcj02

    settings.WANGGE_TILE_CRS = "gcj02"
    first, second = _public("幸福路"), _public("幸福路东口")
    street = _logged_in(sample.users["street"])
    page = street.get(f"/cases/{first.pk}/place/")
    assert page.status_code == 200 and 'data-tile-crs="gcj02"' in page.content.decode()
    answer = street.post(
        f"/cases/{first.pk}/place/", {"grid": sample.grids[1].code, "version": first.version}
    )
    assert answer.status_code == 302
    first.refresh_from_db()
    assert first.grid == sample.grids[1]
    # where the centre of grid 3 is drawn on GCJ-02 tiles, ~500 m east of its WGS-84 point
    wgs = grid_centre(sample, 3)
    glon, glat = wgs84_to_gcj02(*wgs)
    answer = street.post(
        f"/cases/{second.pk}/place/",
        {"lon": glon, "lat": glat, "crs": "gcj02", "version": second.version},
    )
    assert answer.status_code == 302, answer.content.decode()
    second.refresh_from_db()
    assert second.grid == sample.grids[3]
    assert second.lon == pytest.approx(wgs[0], abs=1e-6)
    assert second.lat == pytest.approx(wgs[1], abs=1e-6)
    stale = street.post(f"/cases/{second.pk}/place/", {"grid": sample.grids[0].code, "version": 1})
    assert stale.status_code == 409 and "已被他人更新" in stale.content.decode()
    bad = street.post(f"/cases/{second.pk}/place/", {"lon": 116.4, "lat": 39.9, "crs": "bd09"})
    assert bad.status_code == 400 and "坐标系" in bad.content.decode()


def test_report_pages_store_wgs84_when_the_tiles_are_gcj02(
    sample: SampleDistrict, cases, settings: Any
):
    from wangge.geo.coords import wgs84_to_gcj02

    settings.WANGGE_TILE_CRS = "gcj02"
    wgs = grid_centre(sample, 2)
    glon, glat = wgs84_to_gcj02(*wgs)
    worker = _logged_in(sample.users["grid"])
    assert 'name="crs" value="gcj02"' in worker.get("/cases/new/").content.decode()
    worker.post("/cases/new/", {"title": "井盖缺失", "lon": glon, "lat": glat, "crs": "gcj02"})
    case = Case.objects.get(title="井盖缺失")
    assert case.lon == pytest.approx(wgs[0], abs=1e-6) and case.grid == sample.grids[2]
    from django.test import Client

    public = Client()
    assert 'name="crs" id="id_crs" value="gcj02"' in public.get("/report/").content.decode()
    public.post(
        "/report/", {"description": "路灯不亮很久了", "lon": glon, "lat": glat, "crs": "gcj02"}
    )
    case = Case.objects.get(description="路灯不亮很久了")
    assert case.lat == pytest.approx(wgs[1], abs=1e-6) and case.grid == sample.grids[2]
    # without the frame a position is WGS-84, as the API and Open311 give it
    public.post("/report/", {"description": "树枝挡路", "lon": wgs[0], "lat": wgs[1]})
    assert Case.objects.get(description="树枝挡路").lon == pytest.approx(wgs[0], abs=1e-9)


def test_an_open311_request_with_only_an_address_is_placed(sample: SampleDistrict, cases):
    from django.test import Client

    from wangge.access.services import create_api_token

    key = create_api_token(None, sample.users["street"], "open311 placement")
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "0201",
            "address_string": "北京市朝阳区幸福路13号3号楼2单元302",
            "description": "楼下垃圾满了",
        },
    )
    assert response.status_code == 200, response.content
    case = Case.objects.get(number=response.json()[0]["service_request_id"])
    assert case.grid == sample.grids[3] and case.placement == Placement.ROOM
    assert case.lon is not None  # the registry's position, published like a pin


def test_an_api_report_with_only_an_address_is_placed(sample: SampleDistrict, cases):
    import json

    client = _logged_in(sample.users["street"])
    body = {"title": "路灯不亮", "address": "幸福路12号"}
    answer = client.post("/api/cases/", json.dumps(body), content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["grid_code"] == sample.grids[2].code
    assert answer.json()["placement"] == "building"


def test_a_batch_reads_the_registry_once_whatever_its_size(sample: SampleDistrict, cases):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wangge.cases.hotline import WorkOrder

    def queries(n: int, prefix: str) -> int:
        orders = [
            WorkOrder(i + 2, "", f"{prefix}{i}", None, "噪音", "", address=f"幸福路{10 + i % 4}号")
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as seen:
            services.intake_work_orders(sample.users["street"], orders, file_name="派单.xlsx")
        return len([q for q in seen.captured_queries if "addresses_room" in q["sql"]])

    queries(1, "warm")  # the first use builds the locator
    # Later batches only check that the registry has not changed: on SQLite one query before
    # the intake's transaction (the locator is made ready outside the write lock) and one
    # inside it (it may have changed in between); none in Django's log on PostgreSQL, where that
    # check is a prepared statement (core.sql).
    expected = 0 if connection.vendor == "postgresql" else 2
    assert queries(2, "A") == queries(40, "B") == expected
