"""A community officer imports a ledger in a real (headless) Chromium, start to undo.

Screenshots of every page, desktop and phone, land in test-results/screenshots/imports-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from wangge.core.testing import PASSWORD, SampleDistrict
from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (fixture)
from wangge.fusion.models import BatchStatus, ImportBatch
from wangge.fusion.tests.test_views import ledger_csv
from wangge.people.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LEDGER = "幸福一村台账.csv"


def _login(page: Any, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("header .nav-imports, header .who")


def _upload(page: Any, name: str, data: bytes) -> None:
    page.set_input_files(
        "input[name=ledgers]", files=[{"name": name, "mimeType": "text/csv", "buffer": data}]
    )


@pytest.mark.parametrize(
    ("device", "viewport"),
    [("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})],
)
def test_community_officer_imports_checks_commits_and_undoes(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    device: str,
    viewport: dict[str, int],
) -> None:
    page = browser.new_page(viewport=viewport, is_mobile=device == "phone")
    page.on("dialog", lambda dialog: dialog.accept())
    base = live_server.url
    shot = lambda name: page.screenshot(path=SHOTS / f"imports-{name}-{device}.png", full_page=True)  # noqa: E731
    _login(page, base, "community")

    page.click("header a.nav-imports")
    page.wait_for_selector("h1:text('台账导入')")
    page.click("text=上传台账")
    page.wait_for_selector("input[name=ledgers]")
    _upload(page, "坏.xlsx", b"PK\x03\x04 not a workbook")
    page.click("button:text('上传并检查')")
    page.wait_for_selector(".problem")
    assert "整批未导入" in page.inner_text(".problem")
    shot("upload-error")
    assert not ImportBatch.objects.exists()

    _upload(page, LEDGER, ledger_csv())
    page.fill("input[name=label]", "幸福一村2024年人口台账")
    shot("upload")
    page.click("button:text('上传并检查')")
    page.wait_for_selector("#mapping table.mapping")
    assert "待确认" in page.inner_text("h1")
    assert "姓名为空" in page.inner_text("#rows")  # the one rejected row, with its reason
    assert page.locator("#review .pair").count() == 1
    shot("batch")

    # 联系人电话 is the resident's own phone in this office's ledger: say so and re-check.
    row = page.locator("table.mapping tr", has_text="联系人电话")
    row.locator("select[name^=role-]").select_option("resident")
    page.locator("#mapping form.mapping button[type=submit]").click()
    page.wait_for_selector(".messages li:text('已按新的列对应重新检查')")
    assert "人工指定或模板" in page.locator("table.mapping tr", has_text="联系人电话").inner_text()
    page.fill("form.template input[name=name]", "幸福一村人口台账")
    page.click("form.template button")
    page.wait_for_selector(".messages li:text('已保存列对应模板')")

    pair = page.locator("#review .pair").first
    assert "孙新三" in pair.inner_text()
    pair.locator("button:text-is('同一人')").click()
    page.wait_for_selector("#review .decided:text('已核实：同一人')")
    shot("batch-decided")

    page.click("#commit")
    page.wait_for_selector(".messages li:text('已导入')")
    assert "已导入" in page.inner_text("h1")
    shot("batch-committed")
    assert Person.objects.filter(name="孙新三").count() == 1

    page.fill("header input[name=q]", "赵新一")
    page.press("header input[name=q]", "Enter")
    page.click("#search-results a:text('赵新一')")
    page.wait_for_selector("#provenance")
    sources = page.inner_text("#provenance")
    assert f"{LEDGER}第2行" in sources and "数据来源" in sources
    shot("person-sources")

    page.go_back()
    page.go_back()
    page.goto(f"{base}/imports/")
    page.click("table.batches a")
    page.click("#undo")
    page.wait_for_selector(".messages li:text('已撤销该批次')")
    shot("batch-undone")
    assert ImportBatch.objects.get().status == BatchStatus.UNDONE
    assert not Person.objects.filter(name="赵新一").exists()
    page.goto(f"{base}/imports/")
    shot("list")
    page.close()
