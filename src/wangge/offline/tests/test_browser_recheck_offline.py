"""A re-inspection (回头看) on the offline workbench without signal: its screen needs the network
(it uploads the after-photos as it closes the hazards), so 打开 says so instead of silently
showing the workbench again; back online it opens the screen. Chromium at 390×844."""

from __future__ import annotations

from typing import Any

import pytest

from wangge.core.testing import SampleDistrict
from wangge.core.tests.test_browser import SHOTS, _login, browser  # noqa: F401  (shared fixture)
from wangge.offline.tests.test_browser_inspection import _no_overflow
from wangge.offline.tests.test_browser_visits import PHONE, _kept_workbench, _workbench_ready
from wangge.offline.views import build_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = SHOTS / "offline"


def test_a_reinspection_opened_offline_says_it_needs_the_network(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    from wangge.inspections import notices, reinspection, services
    from wangge.inspections.models import NoticeKind
    from wangge.inspections.testing import build_sample_places, photo

    assert (build_dir() / "sw.js").is_file(), "offline bundle missing: run scripts/build-frontend"
    places = build_sample_places(sample)
    grid = sample.users["grid"]
    hazard = services.record_hazard(
        grid, places.places[0], category="partition", description="三楼隔出四间", photos=[photo()]
    )
    notice = notices.issue_notice(
        grid, unit=places.unit, hazards=[hazard], kind=NoticeKind.DEADLINE, deadline_days=5
    )
    (task,) = reinspection.tasks_of(notice)

    context = browser.new_context(**PHONE)
    page = context.new_page()
    base = live_server.url
    _login(page, base, "grid")
    page.goto(f"{base}/offline/")
    _workbench_ready(page)
    _kept_workbench(page)
    item = page.locator(f"#tasks li.task[data-id='{task.pk}']")
    assert notice.number in item.inner_text()
    hint = item.locator(".needs-network")
    assert hint.is_hidden()  # online: nothing to warn about

    context.set_offline(True)
    page.reload()
    _workbench_ready(page)
    item = page.locator(f"#tasks li.task[data-id='{task.pk}']")
    item.locator("a.open").click()
    item.locator(".needs-network").wait_for(state="visible")
    assert "需联网" in item.inner_text()
    assert page.url.endswith("/offline/")
    _no_overflow(page)
    OUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=OUT / "recheck-offline.png", full_page=True)

    context.set_offline(False)
    page.reload()
    _workbench_ready(page)
    page.locator(f"#tasks li.task[data-id='{task.pk}'] a.open").click()
    page.wait_for_url(f"**/inspections/rechecks/{task.pk}/")
    assert "三楼隔出四间" in page.inner_text("main")
    context.close()
