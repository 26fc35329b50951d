"""One hotline case around the whole loop in a real Chromium, as the people who handle it:

street office uploads the hotline export → the case is auto-dispatched to 城管 → the 城管 handler
signs in and records the result with a photo → the grid worker verifies on a phone → the resident
rates through the SMS link → the case is closed. Screenshots go to test-results/screenshots/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from wangge.cases.models import Case, CaseStatus
from wangge.cases.testing import build_sample_cases, grid_centre
from wangge.cases.tests.test_hotline import order, xlsx
from wangge.core.testing import PASSWORD, SampleDistrict
from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True}
DESKTOP = {"viewport": {"width": 1280, "height": 860}}
PNG_1PX = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de"
    "0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082"
)


def _as(chromium: Any, base: str, username: str, **options: Any) -> Any:
    page = chromium.new_context(**(options or DESKTOP)).new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return page


def test_hotline_case_goes_round_the_loop(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    build_sample_cases(sample)
    base = live_server.url
    lon, lat = grid_centre(sample, 0)
    export = tmp_path / "12345派单.xlsx"
    export.write_bytes(
        xlsx(
            [
                order(
                    7,
                    标题="小区南门垃圾堆放三天无人清运",
                    诉求内容="幸福一村南门垃圾桶满溢，异味严重",
                    诉求类别="暴露垃圾",
                    经度=lon,
                    纬度=lat,
                    联系电话="13612345678",
                ),
                order(8, 标题="夜间施工噪音", 社区="金台里社区"),
            ]
        )
    )

    # 1. The street office uploads the hotline export; the case is dispatched by the rules.
    street = _as(browser, base, "street")
    street.goto(f"{base}/cases/import/")
    street.set_input_files("input[name=file]", str(export))
    street.click("button[type=submit].primary")
    street.wait_for_selector("section.imported")
    assert "已导入 2 件工单，其中 2 件已按责任清单自动派遣" in street.inner_text("section.imported")
    street.screenshot(path=SHOTS / "cases-1-import.png", full_page=True)
    case = Case.objects.get(external_id="GD202600007")
    assert case.status == CaseStatus.DISPATCHED and case.department.name == "城管"  # type: ignore[union-attr]
    street.click(f"text={case.number}")
    street.wait_for_selector("ol.timeline")
    assert "136******78" in street.inner_text(".facts")  # masked for the street office
    street.screenshot(path=SHOTS / "cases-2-dispatched-street.png", full_page=True)
    # the 办理 card, as tall as the 诉求 card beside it, starts with its title at the top
    card = street.locator("section.card.actions").bounding_box()
    title = street.locator("section.card.actions > h2").bounding_box()
    assert card and title and title["y"] - card["y"] < 40, (card, title)

    # 2. The 城管 handler signs in and records what was done, with a photo.
    handler = _as(browser, base, "chengguan")
    handler.goto(f"{base}/cases/")
    handler.click(f"text={case.number}")
    assert "13612345678" in handler.inner_text(".facts")  # the handler may call back
    handler.click("button:has-text('签收')")
    handler.wait_for_selector("text=已签收")
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG_1PX)
    handler.fill("textarea[name=result]", "已联系环卫所清运，垃圾桶增加至4个")
    handler.set_input_files("form:has(input[value=handle]) input[name=photos]", str(photo))
    handler.screenshot(path=SHOTS / "cases-3-handler-form.png", full_page=True)
    handler.click("button:has-text('提交处置结果')")
    handler.wait_for_selector(".status.st-handled")
    handler.screenshot(path=SHOTS / "cases-4-handled.png", full_page=True)

    # 3. The grid worker verifies on a phone.
    grid = _as(browser, base, "grid", **PHONE)
    grid.goto(f"{base}/cases/")
    grid.click(f"text={case.number}")
    grid.wait_for_selector(".photos img")
    grid.fill("form:has(input[value=verify]) input[name=note]", "现场已清理干净")
    grid.screenshot(path=SHOTS / "cases-5-verify-phone.png", full_page=True)
    grid.click("button:has-text('提交核查结果')")
    grid.wait_for_selector(".status.st-verified")

    # 4. The resident rates through the link sent by SMS; the case closes.
    case.refresh_from_db()
    resident = browser.new_context(**PHONE).new_page()
    resident.goto(f"{base}/cases/rate/{case.rating_token}/")
    resident.check("input[value=satisfied]")
    resident.fill("input[name=comment]", "处理及时")
    resident.screenshot(path=SHOTS / "cases-6-resident-rating-phone.png", full_page=True)
    resident.click("button:has-text('提交评价')")
    resident.wait_for_selector("text=已评价：满意")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.rating == "satisfied"

    # 5. The street office sees the closed case with its whole timeline, and the rates.
    street.goto(f"{base}/cases/{case.pk}/")
    timeline = street.inner_text("ol.timeline")
    for step in ["受理", "派遣", "签收", "处置反馈", "核查通过", "评价", "结案"]:
        assert step in timeline
    street.screenshot(path=SHOTS / "cases-7-closed-street.png", full_page=True)
    street.goto(f"{base}/cases/dashboard/?group=community")
    street.wait_for_selector("#rates-chart[data-rendered] svg")
    assert "100.0%" in street.inner_text("table.metrics tfoot")
    street.screenshot(path=SHOTS / "cases-8-dashboard.png", full_page=True)
    street.goto(f"{base}/cases/map/")
    street.wait_for_selector("#cases-map[data-loaded]")
    # the 4 sample cases; the other import has no coordinates, this one is closed
    assert street.locator("path.wg-case").count() == 4
    street.screenshot(path=SHOTS / "cases-9-map.png")
    # The same pages at phone width: the list and the dashboard must stay readable.
    street_phone = _as(browser, base, "street", **PHONE)
    street_phone.goto(f"{base}/cases/?status=")
    assert street_phone.locator("table.cases tbody tr").count() == 6
    street_phone.screenshot(path=SHOTS / "cases-list-phone.png", full_page=True)
    street_phone.goto(f"{base}/cases/dashboard/?group=department")
    street_phone.wait_for_selector("#rates-chart[data-rendered] svg")
    street_phone.screenshot(path=SHOTS / "cases-dashboard-phone.png", full_page=True)
    for page in (street, handler, grid, resident, street_phone):
        page.context.close()


def test_grid_worker_reports_from_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    tmp_path: Path,
    settings: Any,
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    build_sample_cases(sample)
    page = _as(browser, live_server.url, "grid", **PHONE)
    page.goto(f"{live_server.url}/cases/new/")
    page.wait_for_selector("#pick-map[data-ready]")
    page.fill("input[name=title]", "井盖缺失")
    page.fill("textarea[name=description]", "幸福路10号门口井盖丢失，有人险些踩空")
    page.select_option("select[name=category]", label="　井盖")
    page.fill("input[name=address]", "幸福路10号")
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#pick-map[data-picked]")
    photo = tmp_path / "井盖.png"
    photo.write_bytes(PNG_1PX)
    page.set_input_files("input[name=photos]", str(photo))
    page.screenshot(path=SHOTS / "cases-report-phone.png", full_page=True)
    page.click("button:has-text('上报')")
    page.wait_for_selector("ol.timeline")
    case = Case.objects.get(title="井盖缺失")
    assert case.channel == "grid_worker" and case.lon is not None and case.photos.count() == 1
    assert case.department is not None  # the map centre lies in a grid with a rule
    page.screenshot(path=SHOTS / "cases-report-done-phone.png", full_page=True)
    page.context.close()


LEGEND = """
(names) => {
  const chart = document.querySelector("#rates-chart").getBoundingClientRect();
  const texts = [...document.querySelectorAll("#rates-chart svg text")];
  const box = (t) => { const r = t.getBoundingClientRect(); return [r.left, r.right, r.top, r.bottom]; };
  const top = texts.find((t) => t.textContent === "100%");
  return {
    chart: [chart.left, chart.right],
    names: names.map((n) => { const t = texts.find((t) => t.textContent === n); return t ? box(t) : null; }),
    paged: texts.some((t) => /^\\d+\\/\\d+$/.test(t.textContent)),
    barsTop: top ? box(top)[2] : null,
  };
}
"""


@pytest.mark.parametrize("options", [PHONE, DESKTOP], ids=["phone", "desk"])
def test_rate_chart_shows_every_rate_name_in_english(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    options: dict[str, Any],
) -> None:
    """The rate chart's legend names all three rates in full, above the bars: in English on a
    phone "Satisfaction rate" did not fit one row and the paged legend hid it behind 1/2 ▸."""
    build_sample_cases(sample)
    base = live_server.url
    context = browser.new_context(**options)
    context.add_cookies([{"name": "django_language", "value": "en", "url": base}])
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "street")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.goto(f"{base}/cases/dashboard/?group=community")
    page.wait_for_selector("#rates-chart[data-rendered] svg")
    names = ["Response rate", "Resolution rate", "Satisfaction rate"]
    seen = page.evaluate(LEGEND, names)
    page.locator("#rates-chart").screenshot(
        path=SHOTS / f"cases-rate-legend-en-{options['viewport']['width']}.png"
    )
    context.close()
    assert not seen["paged"], "the legend is paged: some rates are out of sight"
    left, right = seen["chart"]
    for name, box in zip(names, seen["names"], strict=True):
        assert box, f"{name!r} is not in the legend"
        assert left <= box[0] and box[1] <= right, f"{name!r} runs past the chart's edge"
        assert box[3] <= seen["barsTop"], f"{name!r} overlaps the bars' axis"
