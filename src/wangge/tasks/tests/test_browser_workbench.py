"""The workbench on a phone (390×844): a grid worker logs in and lands on today's work, grouped
by building in stairwell order, every target thumb-sized, nothing wider than the screen; the
community office sees its grids, who is behind first. Screenshots go to
test-results/screenshots/tasks/ for a person to look at."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from wangge.core.testing import PASSWORD, SampleDistrict
from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (shared fixture)
from wangge.tasks import services
from wangge.tasks.models import TaskKind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
MEASURE = """
() => {
  const root = document.scrollingElement || document.documentElement;
  const small = [...document.querySelectorAll('.wb-open, .wb-more, .wb-button, .wb-stat')]
    .map((el) => el.getBoundingClientRect())
    .filter((r) => r.width > 0 && (r.height < 44 || r.width < 44))
    .length;
  const wide = [...document.querySelectorAll('main *')]
    .filter((el) => el.getBoundingClientRect().right > 391).length;
  return {scrollWidth: root.scrollWidth, small, wide};
}
"""


def _log_in(context: Any, base: str, username: str) -> Any:
    page = context.new_page()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_load_state()
    return page


def test_a_grid_worker_starts_the_day_on_the_workbench_on_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    today = timezone.localdate()
    for index, due in ((1, today - datetime.timedelta(days=2)), (0, today)):
        services.create_task(
            None, kind=TaskKind.VISIT, household=sample.households[index], due_date=due
        )
    services.create_task(
        None,
        kind=TaskKind.CONFIRM_VALUE,
        person=sample.persons[0],
        household=sample.households[0],
        title="核实信息冲突：电话与台账不一致（幸福一村走访台账.csv第4行）",
        due_date=today,
    )
    services.create_task(
        None, kind=TaskKind.VISIT, household=sample.households[2], due_date=today
    )  # another grid's
    shots = SHOTS / "tasks"
    shots.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    page = _log_in(context, live_server.url, "grid")
    assert page.url.endswith("/tasks/")  # the landing page for grid workers
    page.screenshot(path=shots / "workbench-grid.png", full_page=True)
    assert page.locator("h3.wb-bldg").first.inner_text().startswith("幸福路10号3号楼")
    titles = page.locator(".wb-list").first.locator(".wb-title").all_inner_texts()
    assert len(titles) == 3  # the other grid's task is not there
    assert titles[0] == "2单元301室" and titles[-1] == "2单元302室"  # up the stairwell
    assert page.locator(".wb-task.late").count() == 1
    measured = page.evaluate(MEASURE)
    assert measured == {"scrollWidth": 390, "small": 0, "wide": 0}
    href = page.locator(".wb-open").first.get_attribute("href") or ""
    assert "household_visit" in href and "task=" in href  # one tap opens the form
    page.locator(".wb-more").first.click()
    page.wait_for_load_state()
    page.screenshot(path=shots / "task-grid.png", full_page=True)
    assert page.evaluate(MEASURE)["scrollWidth"] == 390
    context.close()

    office = browser.new_context(**PHONE)
    page = _log_in(office, live_server.url, "community")
    page.goto(f"{live_server.url}/tasks/")
    page.screenshot(path=shots / "workbench-community.png", full_page=True)
    assert page.locator(".wb-gridrow").count() == 2
    assert page.evaluate(MEASURE) == {"scrollWidth": 390, "small": 0, "wide": 0}
    page.goto(f"{live_server.url}/tasks/round/?grid={sample.grids[0].pk}")
    page.screenshot(path=shots / "round-community.png", full_page=True)
    assert page.evaluate(MEASURE)["scrollWidth"] == 390
    office.close()
