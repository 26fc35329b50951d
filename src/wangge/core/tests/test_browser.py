"""A grid worker in a real (headless) Chromium: log in, open the map, click to a household file.

Screenshots land in test-results/screenshots/ so a person can look at what users see.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wangge.core.testing import PASSWORD, SampleDistrict

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = Path(os.environ.get("WANGGE_SCREENSHOT_DIR", "test-results/screenshots"))


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("WANGGE_REQUIRE_BROWSER"):
            pytest.fail("Chromium is required for the browser tests (apt-get install chromium)")
        pytest.skip("Chromium not installed")
    from playwright.sync_api import sync_playwright

    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's loop runs in this thread
    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")


def test_grid_worker_clicks_from_map_to_household_file(
    browser: Any, live_server: Any, sample: SampleDistrict
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _login(page, live_server.url, "grid")
    page.wait_for_selector(".wb-stat")  # a grid worker's day starts on the workbench
    page.click("a.nav-map")
    page.wait_for_selector("#map[data-loaded]")
    assert page.locator("path.wg-building").count() == 1  # only the grid's own building
    page.screenshot(path=SHOTS / "map-grid-worker.png")
    page.locator("path.wg-building").first.click()
    page.click(".leaflet-popup-content a")
    page.wait_for_selector("table.rooms")
    page.screenshot(path=SHOTS / "building.png")
    page.locator("a.household-link").first.click()
    page.wait_for_selector("table.members")
    assert "一户一档" in page.inner_text("h1")
    body = page.inner_text("body")
    head = sample.persons[0]
    assert head.name in body and head.id_number_masked in body and head.id_number not in body
    page.screenshot(path=SHOTS / "household.png", full_page=True)
    page.click(".breadcrumb a:last-of-type")  # back up to the grid: the door-to-door list
    page.wait_for_selector("#households table")
    page.screenshot(path=SHOTS / "grid-page.png", full_page=True)
    page.close()


def test_community_officer_reveals_a_phone_and_searches(
    browser: Any, live_server: Any, sample: SampleDistrict
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    _login(page, live_server.url, "community")
    page.wait_for_selector("#map[data-loaded]")
    person = sample.persons[0]
    page.fill("header input[name=q]", person.name)
    page.press("header input[name=q]", "Enter")
    page.wait_for_selector("#search-results table")
    page.screenshot(path=SHOTS / "search.png")
    page.click(f"#search-results a:text('{person.name}')")
    page.click("text=查看完整信息")
    page.wait_for_selector(".revealed")
    assert person.phone in page.inner_text(".revealed")
    page.screenshot(path=SHOTS / "person-revealed.png")
    page.close()


def test_phone_layout_and_english(browser: Any, live_server: Any, sample: SampleDistrict) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    _login(page, live_server.url, "street")
    page.wait_for_selector("#map[data-loaded]")
    assert page.locator("path.wg-building").count() == len(sample.buildings)
    page.screenshot(path=SHOTS / "map-street-phone.png")
    page.goto(f"{live_server.url}/regions/{sample.street.code}/")
    page.wait_for_selector("#breakdown-chart[data-rendered] svg")
    page.click("button[value=en]")
    page.wait_for_selector("text=Actual population")
    page.screenshot(path=SHOTS / "region-english-phone.png", full_page=True)
    page.close()


def test_wrong_password_says_so(browser: Any, live_server: Any, sample: SampleDistrict) -> None:
    page = browser.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "grid")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit].primary")
    assert "用户名或密码不正确" in page.inner_text("[role=alert]")
    page.close()
