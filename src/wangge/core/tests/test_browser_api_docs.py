"""/api/docs renders in a real Chromium with no network but this server.

Swagger UI's script and style are django-ninja's own static files (served by WhiteNoise), not a
CDN, so the page works on a street office's intranet. Every request to another host is
aborted and would fail the test; the rendered page must show every operation of the document
and no Swagger error.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (shared fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("width,height", [(1280, 800), (390, 844)])
def test_api_docs_render_offline(
    browser: Any,  # noqa: F811
    live_server: Any,
    width: int,
    height: int,
) -> None:
    document = Client().get("/api/openapi.json").json()
    operations = sum(len(ops) for ops in document["paths"].values())
    outside: list[str] = []
    page = browser.new_page(
        viewport={"width": width, "height": height}, is_mobile=width < 500, has_touch=width < 500
    )
    page.on("pageerror", lambda exc: outside.append(f"script error: {exc}"))

    def only_this_server(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_server)
    page.goto(f"{live_server.url}/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15000)
    assert page.locator(".swagger-ui .opblock").count() == operations
    assert page.locator(".swagger-ui .errors-wrapper").count() == 0
    assert "Wangge" in page.inner_text(".swagger-ui .info .title")
    # Open one operation: its error answers are documented with the Error schema.
    page.locator(".opblock-summary-path", has_text="/api/persons/{person_id}").first.click()
    page.wait_for_selector(".responses-table")
    codes = page.locator(".responses-table .response-col_status").all_inner_texts()
    assert {"200", "404", "422"} <= {c.strip() for c in codes}
    page.screenshot(path=SHOTS / f"api-docs-{width}.png")
    # A phone lays the page out at its own width (the viewport meta of templates/ninja/swagger.html),
    # not at 980 px shrunk to unreadable type.
    assert page.evaluate("window.innerWidth") == width
    assert outside == []
    page.close()
