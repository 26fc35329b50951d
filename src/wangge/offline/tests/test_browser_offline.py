"""A grid worker's phone without a network: the offline workbench in a real Chromium at 390×844.

Log in, open the offline workbench (the service worker keeps the pages, the form list, the form
and its roster), go offline, fill three visit forms in ODK Web Forms, see them wait (待发送),
come back online and watch them go (已发送); a submission the server refuses shows its reason
(被拒绝：…); logging out deletes what the worker kept. The OpenRosa server here is the stand-in of
openrosa_fixture.py (written from the specification). Screenshots land in
test-results/screenshots/offline/.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wangge.core.testing import SampleDistrict
from wangge.core.tests.test_browser import SHOTS, _login, browser  # noqa: F401  (shared fixture)
from wangge.offline.tests import openrosa_fixture
from wangge.offline.tests.test_browser_visits import _kept_workbench, _workbench_ready
from wangge.offline.views import build_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
OUT = SHOTS / "offline"
# Every Content-Security-Policy violation, kept for the test to read (the engine must run under
# the fill page's policy: styles inline, WebAssembly, nothing else).
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\xdac\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xffV\xc7/\r\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
CSP_WATCH = (
    "window.__csp = [];"
    "document.addEventListener('securitypolicyviolation', (e) =>"
    "  window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture
def stand_in_openrosa(settings: Any) -> Iterator[list[dict[str, Any]]]:
    assert (build_dir() / "sw.js").is_file(), "offline bundle missing: run scripts/install"
    settings.ROOT_URLCONF = "wangge.offline.tests.openrosa_fixture"
    openrosa_fixture.RECEIVED.clear()
    yield openrosa_fixture.RECEIVED
    openrosa_fixture.RECEIVED.clear()


def _question(page: Any, label: str) -> Any:
    return page.locator(".question-container", has_text=label).locator("input").first


def _fill_visit(page: Any, present: str, note: str, photo: Path | None = None) -> None:
    page.wait_for_selector(".odk-form")
    _question(page, "在家人数").press_sequentially(present)
    _question(page, "情况说明").fill(note)
    if photo is not None:
        page.locator(".question-container", has_text="现场照片").locator(
            "input[type=file]"
        ).set_input_files(photo)
    assert page.evaluate("window.__csp") == []
    page.get_by_role("button", name="保存并发送").click()
    page.wait_for_url("**/offline/?saved=*")
    _workbench_ready(page)


def _states(page: Any) -> list[str]:
    return page.eval_on_selector_all("#queue li", "items => items.map(i => i.dataset.state)")


def test_three_visits_filled_offline_are_sent_when_the_network_returns(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    stand_in_openrosa: list[Any],
    tmp_path: Path,
) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.add_init_script(CSP_WATCH)
    base = live_server.url
    _login(page, base, "grid")
    page.goto(f"{base}/offline/")
    _workbench_ready(page)
    _kept_workbench(page)
    page.wait_for_selector("#forms-ready:not([hidden])")
    assert "入户走访" in page.inner_text("#forms")
    assert page.evaluate("window.__csp") == []
    page.screenshot(path=OUT / "1-online.png", full_page=True)

    tasks = page.locator("#tasks li.task")
    assert tasks.count() == 3 and "幸福路10号1号楼" in page.inner_text("#tasks")

    context.set_offline(True)
    page.reload()  # the page itself now comes from the worker's cache
    _workbench_ready(page)
    assert "离线" in page.inner_text("#network")
    assert tasks.count() == 3  # today's tasks, from the worker's copy
    page.screenshot(path=OUT / "2-offline-tasks.png", full_page=True)
    photo = tmp_path / "门牌.png"
    photo.write_bytes(PNG)
    for i, (present, note) in enumerate([("3", "全家在"), ("1", "老人独居"), ("2", "新迁入租户")]):
        tasks.nth(i).locator("a.fill").click()  # the task's household is already chosen
        page.wait_for_selector(".odk-form")
        assert page.locator("input[type=radio]:checked").get_attribute("value") == f"H{i + 1}"
        if i == 0:
            page.screenshot(path=OUT / "3-form-offline.png", full_page=True)
        _fill_visit(page, present, note, photo if i == 0 else None)
    assert _states(page) == ["waiting"] * 3
    assert page.inner_text("#queue").count("待发送") == 3
    assert stand_in_openrosa == []
    page.screenshot(path=OUT / "4-three-waiting-offline.png", full_page=True)

    context.set_offline(False)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#queue li')].every(li => li.dataset.state === 'sent')"
    )
    assert page.inner_text("#queue").count("已发送") == 3
    page.screenshot(path=OUT / "5-sent.png", full_page=True)
    assert len(stand_in_openrosa) == 3  # each once, whichever of page and worker sent it
    assert {r["user"] for r in stand_in_openrosa} == {"grid"}
    assert all(r["instance_id"].startswith("uuid:") for r in stand_in_openrosa)
    sent = "\n".join(r["xml"] for r in stand_in_openrosa)
    assert "入户走访 · 幸福路10号1单元101" in page.inner_text("#queue")
    for household in ("H1", "H2", "H3"):
        assert f"<household>{household}</household>" in sent
    assert "<note>老人独居</note>" in sent
    for i, received in enumerate(stand_in_openrosa):  # the task rides along, in the XML and URL
        assert f"<task_id>{100 + i}</task_id>" in received["xml"]
        assert received["task"] == str(100 + i)
    first = stand_in_openrosa[0]
    # (the engine names the photo itself; the part carries the name the XML points to)
    photo_name = re.search(r"<photo>([^<]+)</photo>", first["xml"])
    assert photo_name and first["files"] == {
        "xml_submission_file": first["files"]["xml_submission_file"],
        photo_name.group(1): len(PNG),
    }

    # A visit the server refuses keeps its reason, in words, beside it.
    page.goto(f"{base}/offline/fill/?form=household_visit")
    page.wait_for_selector(".odk-form")
    page.get_by_text("幸福路10号1单元101").first.click()
    _fill_visit(page, "0", "请拒绝这条")
    page.wait_for_selector("#queue li[data-state=refused]")
    assert "被拒绝：住户已迁出，不能走访" in page.inner_text("#queue")
    page.screenshot(path=OUT / "6-refused.png", full_page=True)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 390, f"the workbench scrolls sideways ({width}px)"

    # Logging out forgets what the worker kept for this user.
    assert page.evaluate("caches.has('wangge-data')")
    page.click("form[action='/logout/'] button")
    page.wait_for_selector("input[name=username]")
    page.wait_for_function("() => caches.has('wangge-data').then(has => !has)")
    context.close()


def test_logging_in_on_a_phone_installs_the_offline_app_at_once(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    stand_in_openrosa: list[Any],
) -> None:
    """A grid worker logs in and lands on the task workbench (工作台) without ever opening 离线工作台:
    the service worker is started there and the offline workbench, fill page, tasks, form and
    roster are kept, so the phone can go into a stairwell straight away."""
    OUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    base = live_server.url
    _login(page, base, "grid")
    page.wait_for_selector(".wb-stat")  # the first page after login is the task workbench
    assert page.locator('meta[name="wangge-offline"][content="keep"]').count() == 1
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.wait_for_function("() => document.documentElement.dataset.offlineKept === '1'")

    context.set_offline(True)
    page.goto(f"{base}/offline/")  # never opened online: from what the login kept
    _workbench_ready(page)
    assert "离线" in page.inner_text("#network")
    assert page.locator("#tasks li.task").count() == 3
    page.wait_for_selector("#forms li.form[data-form=household_visit]")  # the kept form list
    assert "入户走访" in page.inner_text("#forms")
    page.locator("#tasks li.task").first.locator("a.fill").click()
    page.wait_for_selector(".odk-form")  # the form and its roster, offline
    page.screenshot(path=OUT / "login-installs-offline.png", full_page=True)
    context.close()


def test_office_staff_browsers_do_not_start_the_worker(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    stand_in_openrosa: list[Any],
) -> None:
    page = browser.new_page()
    _login(page, live_server.url, "street")
    page.wait_for_load_state("networkidle")
    assert page.locator('meta[name="wangge-offline"]').count() == 0
    assert (
        page.evaluate("async () => (await navigator.serviceWorker.getRegistrations()).length") == 0
    )
    page.close()


def test_the_form_page_speaks_chinese_down_to_the_engines_footer(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    stand_in_openrosa: list[Any],
) -> None:
    """ODK Web Forms draws "Powered by [ODK] v0.22.0" under every form. Its licence
    (Apache-2.0) asks for no such notice; the credit stays, in Chinese: 技术支持 [ODK]."""
    OUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _login(page, live_server.url, "grid")
    page.wait_for_selector(".wb-stat")
    page.goto(f"{live_server.url}/offline/fill/?form=household_visit")
    page.wait_for_selector(".odk-form .powered-by-wrapper")
    footer = page.locator(".odk-host .powered-by-wrapper")
    page.wait_for_function(
        "() => document.querySelector('.odk-host .powered-by-wrapper .caption')"
        ".textContent.trim() === '技术支持'"
    )
    assert "Powered by" not in page.inner_text("body")
    assert footer.locator("img[alt=ODK]").count() == 1  # the attribution: ODK's logo, linked
    assert footer.locator("a[href='https://getodk.org']").count() == 1
    footer.scroll_into_view_if_needed()
    page.screenshot(path=OUT / "fill-footer-phone.png", full_page=True)
    context.close()


def test_a_form_sent_with_a_question_left_empty_says_so_in_chinese_and_keeps_the_answers(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
    stand_in_openrosa: list[Any],
) -> None:
    """The engine's own validation texts are English ("1 question with error.", "Condition not
    satisfied: required"); a grid worker who skipped the household reads, in Chinese, that a
    question is wrong and which one, and what he typed is still there to send again."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _login(page, live_server.url, "grid")
    page.wait_for_selector(".wb-stat")
    page.goto(f"{live_server.url}/offline/fill/?form=household_visit")
    page.wait_for_selector(".odk-form")
    _question(page, "情况说明").fill("敲门无人应答")
    page.get_by_role("button", name="保存并发送").click()
    banner = page.locator(".odk-host .form-error-message")
    banner.wait_for()
    page.wait_for_function(
        "() => document.querySelector('.odk-host .form-error-message li')"
        ".textContent.includes('有 1 道题未填或填写有误')"
    )
    household = page.locator(".question-container", has_text="住户").first
    assert household.locator(".validation-message").inner_text().strip() == "此题必填"
    body = page.inner_text("body")
    assert "with error" not in body and "Condition not satisfied" not in body
    assert _question(page, "情况说明").input_value() == "敲门无人应答"
    assert stand_in_openrosa == []  # nothing went out
    page.screenshot(path=OUT / "fill-required-phone.png", full_page=True)
    context.close()
