"""Pick-maps on GCJ-02 tiles, in a real Chromium: what a user clicks is stored in WGS-84.

With WANGGE_TILE_CRS=gcj02 the grids are drawn ~500 m from their WGS-84 position (the grids of
the sample district are ~850 m wide), so a click in the middle of a drawn grid stored without
conversion would land in the next grid. The resident's report page (a phone) and a
dispatcher's placement page are tried; the page's GCJ-02 shift (coords.js, used to draw GPS
fixes and pins) is held to the Python one.
"""

from __future__ import annotations

from typing import Any

import pytest

from wangge.cases import services
from wangge.cases.models import Case, Channel, Placement
from wangge.cases.testing import build_sample_cases, grid_centre
from wangge.cases.tests.test_browser import DESKTOP, _as
from wangge.core.testing import SampleDistrict
from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (fixture)
from wangge.geo.coords import gcj02_to_wgs84, wgs84_to_gcj02
from wangge.geo.pointindex import GridIndex

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _grid_of(sample: SampleDistrict, lon: float, lat: float) -> str | None:
    import shapely

    index = GridIndex([(g.code, shapely.from_geojson(g.boundary)) for g in sample.grids])
    return index.locate_codes([lon], [lat])[0]


def _click_middle_of_first_grid(page: Any, selector: str) -> None:
    box = page.locator(f"{selector} path.leaflet-interactive, {selector} path").first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


def test_a_residents_pick_on_gcj02_tiles_is_stored_in_wgs84(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WANGGE_TILE_CRS = "gcj02"
    build_sample_cases(sample)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{live_server.url}/report/")
    page.wait_for_selector("#pickmap[data-loaded]")
    page.fill("#id_description", "路口井盖松动，车压过去哐哐响")
    _click_middle_of_first_grid(page, "#pickmap")
    picked = float(page.input_value("#id_lon")), float(page.input_value("#id_lat"))
    assert page.input_value("#id_crs") == "gcj02"
    page.click("button.submit")
    page.wait_for_selector("#case-number")
    case = Case.objects.get(number=page.inner_text("#case-number"))
    expected = gcj02_to_wgs84(*picked)
    assert case.lon == pytest.approx(expected[0], abs=1e-6)
    assert case.lat == pytest.approx(expected[1], abs=1e-6)
    # the drawn first grid is the stored first grid; the raw click lies in the next one
    assert case.grid == sample.grids[0]
    assert _grid_of(sample, *picked) != sample.grids[0].code
    page.close()


def test_a_dispatcher_places_a_case_on_gcj02_tiles(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.WANGGE_TILE_CRS = "gcj02"
    build_sample_cases(sample)
    pin = grid_centre(sample, 3)
    flagged = services.submit_case(
        None,
        channel=Channel.RESIDENT_WEB,
        title="",
        description="楼道堆满杂物",
        address="幸福路10号3号楼2单元301",
        lon=pin[0],
        lat=pin[1],
    )
    assert flagged.location_conflict
    base = live_server.url
    page = _as(browser, base, "street", **DESKTOP)
    page.goto(f"{base}/cases/placement/")
    assert "位置与地址不符" in page.inner_text("main")
    page.click(f"a[href='/cases/{flagged.pk}/place/']")
    page.wait_for_selector("#place-map[data-ready]")
    page.wait_for_selector("#place-map path.leaflet-interactive")
    # the page's forward shift is the server's (it draws the reporter's pin)
    shifted = page.evaluate(f"window.wgCoords.wgs84ToGcj02({pin[0]}, {pin[1]})")
    expected = wgs84_to_gcj02(*pin)
    assert shifted[0] == pytest.approx(expected[0], abs=1e-9)
    assert shifted[1] == pytest.approx(expected[1], abs=1e-9)
    page.screenshot(path=SHOTS / "cases-place-gcj02.png", full_page=True)
    # click the drawn pin: the stored position is the reporter's WGS-84 pin again
    box = page.locator("#place-map path.wg-pin").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.click("#place-point button[type=submit]")
    page.wait_for_url(f"{base}/cases/placement/")
    flagged.refresh_from_db()
    assert flagged.grid == sample.grids[3] and flagged.placement == Placement.MANUAL
    assert not flagged.location_conflict
    # a click is a few pixels wide: within a few metres of the pin, not ~500 m away
    assert flagged.lon == pytest.approx(pin[0], abs=3e-5)
    assert flagged.lat == pytest.approx(pin[1], abs=3e-5)
    page.close()
