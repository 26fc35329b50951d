"""Attack 7 in a real browser: map popups built HTML from names, and nothing stopped inline code.

A building or grid name such as `<img src=x onerror=…>` (it comes from imported registries)
ran as script in the map popup. Now popups and tooltips are built from text nodes, and the
Content-Security-Policy forbids inline script and style: Chromium reports every violation, and
these pages must cause none.
"""

from __future__ import annotations

from typing import Any

import pytest

from wangge.addresses.models import Building
from wangge.core.testing import SampleDistrict
from wangge.core.tests.test_browser import SHOTS, _login, browser  # noqa: F401  (fixture)
from wangge.geo.models import Region

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EVIL = '<img src=x onerror="window.__pwned=1">'
WATCH = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation', function (e) {"
    "  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile);"
    "});"
)


def _page(chromium: Any, width: int = 1280, height: int = 800) -> Any:
    page = chromium.new_page(viewport={"width": width, "height": height})
    page.add_init_script(WATCH)
    return page


def test_names_in_map_popups_and_tooltips_are_text(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    Building.objects.update(road=EVIL + "幸福路")
    Region.objects.filter(pk=sample.grids[0].pk).update(name=EVIL + "第1网格")
    page = _page(browser)
    _login(page, live_server.url, "grid")
    page.click("a.nav-map")  # from the workbench, where a grid worker lands
    page.wait_for_selector("#map[data-loaded]")
    page.locator("path.wg-building").first.click()
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert EVIL in popup.inner_text()  # shown as the text it is
    assert popup.locator("img").count() == 0
    grid_shape = page.locator("path.leaflet-interactive:not(.wg-building)").first
    grid_shape.hover(force=True)
    page.wait_for_timeout(300)
    assert page.locator(".leaflet-tooltip img").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.screenshot(path=SHOTS / "security-popup-escaped.png")
    assert page.evaluate("window.__csp") == []
    page.close()


def test_pages_run_without_a_single_csp_violation(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    base = live_server.url
    grid = sample.grids[0]
    staff = _page(browser)
    _login(staff, base, "admin")
    staff.wait_for_selector("#map[data-loaded]")
    for path in [f"/regions/{grid.pk}/", f"/regions/{sample.street.pk}/", "/cases/", "/imports/"]:
        staff.goto(base + path)
        staff.wait_for_load_state("networkidle")
        assert staff.evaluate("window.__csp") == [], path
    staff.close()
    resident = _page(browser, 390, 844)
    resident.goto(base + "/report/")
    resident.wait_for_selector("#pickmap[data-loaded]")
    resident.fill("#id_description", "路灯不亮")
    resident.wait_for_timeout(600)  # the category suggestions (fetch) come back
    assert resident.evaluate("window.__csp") == []
    resident.screenshot(path=SHOTS / "security-report-phone.png", full_page=True)
    for path in ["/login/", "/admin/login/"]:
        resident.goto(base + path)
        resident.wait_for_load_state("networkidle")
        assert resident.evaluate("window.__csp") == [], path
    resident.close()
