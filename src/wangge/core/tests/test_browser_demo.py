"""After `wangge demo`, in a real Chromium: the case dashboard and the case map show the
street's cases (a newcomer's first look). Screenshots go to test-results/screenshots/."""

from __future__ import annotations

from typing import Any

import pytest

from wangge.core.demo import DEMO_PASSWORD, build_demo
from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_dashboard_and_case_map_have_data(
    browser: Any,  # noqa: F811
    live_server: Any,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    build_demo(size=300, seed=20201)
    base = live_server.url
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "street")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    page.goto(f"{base}/cases/dashboard/?group=community")
    page.wait_for_selector("#rates-chart[data-rendered]")
    assert page.locator("#rates-chart svg path").count() > 10  # bars drawn
    rows = page.locator("table tbody tr").count()
    assert rows >= 5
    page.screenshot(path=SHOTS / "demo-dashboard.png", full_page=True)
    page.goto(f"{base}/cases/map/")
    page.wait_for_selector("#cases-map[data-loaded]")
    assert int(page.get_attribute("#cases-map", "data-loaded") or 0) >= 10
    assert page.locator("#cases-map path.wg-case").count() >= 10
    page.screenshot(path=SHOTS / "demo-case-map.png", full_page=True)
    page.goto(f"{base}/cases/placement/")
    assert page.locator("article.queue-item").count() >= 3
    page.close()
