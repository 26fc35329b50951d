"""The top bar looks the same on every page, including the ones that load another app's styles.

The form filler (/offline/fill/) brings the web-forms engine's stylesheet, which resets inputs
to a transparent background: the search box vanished into the red bar. wangge.css sets its
colours itself; this test opens the filler on a phone and looks at the box.
"""

from __future__ import annotations

from typing import Any

import pytest

from wangge.core.testing import SampleDistrict
from wangge.core.tests.test_browser import SHOTS, _login, browser  # noqa: F401  (shared fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BOX = """() => {
  const s = getComputedStyle(document.querySelector('header .search input'));
  return [s.backgroundColor, s.color];
}"""


def test_the_search_box_stays_white_on_the_form_filler(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, service_workers="block"
    )
    page = context.new_page()
    _login(page, live_server.url, "grid")
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/offline/fill/?form=household_visit")
    page.wait_for_selector(".odk-form")
    page.screenshot(path=SHOTS / "header-on-form-filler.png")
    assert page.evaluate(BOX) == ["rgb(255, 255, 255)", "rgb(29, 39, 51)"]
    page.goto(f"{live_server.url}/cases/")
    assert page.evaluate(BOX) == ["rgb(255, 255, 255)", "rgb(29, 39, 51)"]
    context.close()
