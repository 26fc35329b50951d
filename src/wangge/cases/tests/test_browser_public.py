"""A resident on a phone: report on the public page, keep the receipt, confirm and rate.

The staff steps between (auto-dispatch by the responsibility table, the handler's sign-in and
result) go through the services here; the staff pages have their own browser test.
"""

from __future__ import annotations

from typing import Any

import pytest

from wangge.cases import services
from wangge.cases.models import Case, CaseStatus, Channel, Rating
from wangge.cases.testing import build_sample_cases
from wangge.core.testing import SampleDistrict
from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_reports_follows_and_rates_on_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    settings: Any,
    tmp_path: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    build_sample_cases(sample)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    page.goto(f"{live_server.url}/report/")
    page.wait_for_selector("#pickmap[data-loaded]")
    page.fill("#id_description", "小区东门路灯坏了一个星期，晚上很黑")
    page.select_option("#id_category", label="井盖")
    box = page.locator("#pickmap path.leaflet-interactive").first.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#id_lat") != ""
    page.fill("#id_phone", "13966667777")
    page.screenshot(path=SHOTS / "report-phone.png", full_page=True)
    page.click("button.submit")
    page.wait_for_selector("#case-number")
    number = page.inner_text("#case-number")
    page.screenshot(path=SHOTS / "report-receipt-phone.png", full_page=True)
    track = page.get_attribute("#track-link", "href")
    assert track and "/report/track/" in track

    case = Case.objects.get(number=number)
    assert case.channel == Channel.RESIDENT_WEB and case.status == CaseStatus.DISPATCHED
    assert case.reporter_phone == "13966667777" and case.grid is not None
    handler = sample.users["chengguan" if case.department.name == "城管" else "police"]  # type: ignore[union-attr]
    services.sign_in(handler, case)
    services.record_handling(handler, case, result="已更换路灯灯泡")

    page.goto(track)
    page.wait_for_selector("text=问题解决了吗？")
    page.click("button[value=confirm]")
    page.wait_for_selector("#rate")
    page.screenshot(path=SHOTS / "track-rate-phone.png", full_page=True)
    # the three choices side by side, each word on one line (基本满意 not broken into 基本满/意)
    lines = page.eval_on_selector_all(
        "#rate .ratings label",
        "ls => ls.map(l => { const r = document.createRange(); r.selectNodeContents(l.lastChild);"
        " return r.getClientRects().length; })",
    )
    assert lines == [1, 1, 1], lines
    page.check("input[value=basically_satisfied]")
    page.fill("#id_comment", "修得挺快")
    page.click("#rate button.submit")
    page.wait_for_selector("#case-status:text('已结案')")
    page.screenshot(path=SHOTS / "track-closed-phone.png", full_page=True)
    assert "13966667777" not in page.content()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.rating == Rating.BASICALLY_SATISFIED
    page.close()


def test_use_my_location_says_when_the_phone_refuses(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    """使用我的位置 without the permission (or without GPS) tells the resident what to do instead
    of doing nothing; with it, the point is taken."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/report/")
    page.wait_for_selector("#pickmap[data-loaded]")
    page.click("#locate")
    page.wait_for_function(
        "() => document.getElementById('picked').textContent.includes('无法获取')"
    )
    assert page.input_value("#id_lat") == ""
    context.close()
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        permissions=["geolocation"],
        geolocation={"latitude": 39.91, "longitude": 116.46},
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/report/")
    page.wait_for_selector("#pickmap[data-loaded]")
    page.click("#locate")
    page.wait_for_function("() => document.getElementById('id_lat').value !== ''")
    context.close()
