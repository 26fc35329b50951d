"""Issue 16's acceptance test, in Chromium at 390×844 with the real apps: an inspection offline.

A grid worker opens the offline workbench online (the checklists and a block of notice numbers
kept on the phone), goes offline, inspects a rental site with the fire checklist, fails two
items with photos and issues a deadline notice numbered from the block (shown at once as the
official number); back online the checklist is sent: two hazards with their photos, the notice
with that very number, the inspection task done and the re-inspection (回头看) set on the
deadline day. When the deadline comes the grid worker taps the re-inspection (回头看) on the
workbench, which opens the re-inspection screen with exactly the two failed items; both are
marked 已整改 with an after-photo each and sent: the hazards close, the re-inspection completes
(passed), and the counts page shows 2 found, 2 fixed, 1 notice, 回头看按时完成 1/1.
Screenshots: test-results/screenshots/offline/inspection-*.png.
"""

from __future__ import annotations

import datetime
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from wangge.core.testing import SampleDistrict
from wangge.core.tests.test_browser import SHOTS, _login, browser  # noqa: F401  (shared fixture)
from wangge.offline.tests.test_browser_visits import (
    PHONE,
    _kept_workbench,
    _question,
    _states,
    _workbench_ready,
)
from wangge.offline.views import build_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OUT = SHOTS / "offline"
SHOTS_DIR = Path("/tmp/reinsp-shots")  # the re-inspection screen, to look at
FAILED = {"partition": "三楼隔成六间出租", "ebike": "楼道里三辆电动车在充电"}


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain-coloured PNG, big enough to be seen in the screenshots."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def _photo(name: str, rgb: tuple[int, int, int]) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": _png(320, 240, rgb)}


def _no_overflow(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url}: page is {width}px wide at 390px"


def test_an_inspection_offline_issues_a_numbered_notice_and_the_recheck_closes_the_hazards(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    from django.utils import timezone

    from wangge.forms import submissions
    from wangge.forms.auth import forget_all
    from wangge.inspections import reinspection
    from wangge.inspections.checklists import CHECKLISTS, load_checklists
    from wangge.inspections.models import Hazard, HazardStatus, NoticeKind
    from wangge.inspections.testing import build_sample_places
    from wangge.tasks.models import TaskKind, TaskStatus
    from wangge.tasks.services import create_task

    assert (build_dir() / "sw.js").is_file(), "offline bundle missing: run scripts/build-frontend"
    forget_all()
    submissions._versions.clear()
    load_checklists()
    places = build_sample_places(sample)
    site = places.places[0]  # a rental site in the grid worker's grid
    task = create_task(
        sample.users["community"],
        kind=TaskKind.INSPECTION,
        region=sample.grids[0],
        title=f"消防安全检查：{site.name}",
        form_code="fire_rental_site",
        subject_ref=f"inspections.place:{site.pk}",
        due_date=timezone.localdate(),
    )
    year = timezone.localdate().year
    first_number = f"京广消字〔{year}〕第0001号"
    OUT.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    csp: list[str] = []
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.on(
        "console",
        lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None,
    )

    # Online: the workbench keeps the checklist and reserves a block of notice numbers.
    _login(page, base, "grid")
    page.wait_for_selector(".wb-list")
    page.click("a.wb-offline")
    _workbench_ready(page)
    _kept_workbench(page)
    page.wait_for_selector("#forms-ready:not([hidden])")
    assert CHECKLISTS["fire_rental_site"].title in page.inner_text("#forms")
    page.wait_for_selector("#numbers:not([hidden])")
    assert page.inner_text("#numbers-text") == f"下一个文号：{first_number}，本机还有20个"
    _no_overflow(page)
    page.screenshot(path=OUT / "inspection-0-workbench-online.png", full_page=True)

    # Offline at the site: the checklist, two items failed with photos, a deadline notice.
    context.set_offline(True)
    page.goto(f"{base}/offline/")
    _workbench_ready(page)
    page.click(f"#tasks li.task[data-id='{task.pk}'] a.fill")
    page.wait_for_selector(".odk-form")
    for n, item in enumerate(CHECKLISTS["fire_rental_site"].items, start=1):
        question = _question(page, f"{n}. {item.label}")
        answer = "不合格" if item.name in FAILED else "合格"
        question.locator("label.value-option", has_text=answer).first.click()
    photos = page.locator(".question-container", has_text="隐患照片")
    notes = page.locator(".question-container", has_text="问题说明")
    assert photos.count() == 2 and notes.count() == 2  # only for the failed items
    for i, (name, note) in enumerate(FAILED.items()):
        photos.nth(i).locator("input[type=file]").set_input_files(
            _photo(f"{name}.png", (200, 60 + 60 * i, 40))
        )
        notes.nth(i).locator("input").fill(note)
    _question(page, "整改通知书").locator("label.value-option", has_text="责令限期改正").click()
    days = _question(page, "整改期限（工作日）").locator("input").first
    days.click()
    days.press_sequentially("5")  # a number field takes key presses, not a pasted value
    days.press("Tab")
    page.wait_for_function(  # each photo shrunk (max-pixels) and shown
        "() => document.querySelectorAll('.preview-captured-image img').length === 2"
    )
    _no_overflow(page)
    page.screenshot(path=OUT / "inspection-1-checklist-offline.png", full_page=True)
    page.get_by_role("button", name="保存并发送").click()
    page.wait_for_url("**/offline/?saved=*")
    _workbench_ready(page)
    assert _states(page) == ["waiting"]
    queued = page.inner_text("#queue")
    # the inspection, named by its task, with the notice's official number, offline
    assert f"{task.title} · 责令限期改正通知书 {first_number}" in queued
    assert "第0002号" in page.inner_text("#numbers-text")  # the next one, for the next notice
    _no_overflow(page)
    page.screenshot(path=OUT / "inspection-2-notice-waiting-offline.png", full_page=True)

    # Back online: the checklist goes, the server issues the notice with the phone's number.
    context.set_offline(False)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#queue li')].every(li => li.dataset.state === 'sent')"
    )
    assert first_number in page.inner_text("#queue")  # the server's word: 已下达…第0001号
    page.wait_for_selector(f"#tasks li.task[data-id='{task.pk}']", state="detached")  # done
    page.screenshot(path=OUT / "inspection-3-sent.png", full_page=True)
    hazards = list(Hazard.objects.filter(place=site).order_by("pk"))
    assert len(hazards) == 2 and all(h.photos.count() == 1 for h in hazards)
    notice = hazards[0].notice
    assert notice is not None and {h.notice_id for h in hazards} == {notice.pk}
    assert notice.number == first_number and notice.kind == NoticeKind.DEADLINE
    assert notice.block is not None and notice.block.inspector == sample.users["grid"]
    assert notice.deadline_days == 5
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and first_number in task.result
    (recheck,) = reinspection.tasks_of(notice)
    assert recheck.status == TaskStatus.OPEN
    assert recheck.due_date == timezone.localtime(notice.deadline).date()

    # The deadline comes (moved to now): the re-inspection is due on the grid worker's bench.
    notice.deadline = timezone.now() - datetime.timedelta(minutes=1)
    notice.save(update_fields=["deadline"])
    recheck.due_date = timezone.localdate()
    recheck.save(update_fields=["due_date"])
    page.goto(f"{base}/tasks/")
    due = page.locator("section[aria-labelledby=due-h] .wb-task", has_text="回头看")
    assert due.count() == 1 and notice.number in due.inner_text()
    _no_overflow(page)
    page.screenshot(path=OUT / "inspection-4-recheck-due.png", full_page=True)
    # One tap opens the re-inspection screen: exactly the two failed items, nothing else.
    due.locator("a.wb-open").click()
    page.wait_for_url(f"**/inspections/rechecks/{recheck.pk}/")
    page.wait_for_selector("form#recheck")
    items = page.locator("form#recheck li.rc-item")
    assert items.count() == 2
    assert [items.nth(i).get_attribute("data-hazard") for i in range(2)] == [
        str(h.pk) for h in hazards
    ]
    text = page.inner_text("form#recheck")
    assert all(note in text for note in FAILED.values()) and notice.number in page.inner_text(
        "main"
    )
    _no_overflow(page)
    # thumb-sized: each choice and the send button at least 48 px high
    heights = page.eval_on_selector_all(
        ".rc-choice label, .rc-submit", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= 48, heights
    SHOTS_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=OUT / "inspection-5-recheck-screen.png", full_page=True)
    page.screenshot(path=SHOTS_DIR / "recheck-0-items.png", full_page=True)

    # Both fixed: 已整改 with an after-photo each (the photo field shows once chosen).
    for i, hazard in enumerate(hazards):
        item = page.locator(f"li.rc-item[data-hazard='{hazard.pk}']")
        assert not item.locator(".rc-photo").is_visible()
        item.locator("label", has_text="已整改").click()
        assert item.locator(".rc-photo").is_visible()
        assert not item.locator(".rc-remark").is_visible()
        photo_input = item.locator("input[type=file]")
        assert photo_input.bounding_box()["height"] >= 48  # the camera button, thumb-sized
        photo_input.set_input_files(_photo(f"after-{i}.png", (40, 160, 70)))
    _no_overflow(page)
    page.screenshot(path=OUT / "inspection-6-recheck-filled.png", full_page=True)
    page.screenshot(path=SHOTS_DIR / "recheck-1-filled.png", full_page=True)
    page.click("button.rc-submit")
    page.wait_for_selector("#recheck-result")
    assert "复查通过" in page.inner_text("#recheck-result")
    assert page.locator("li.rc-item.done").count() == 2
    _no_overflow(page)
    page.screenshot(path=OUT / "inspection-7-recheck-passed.png", full_page=True)
    page.screenshot(path=SHOTS_DIR / "recheck-2-passed.png", full_page=True)
    for hazard in Hazard.objects.filter(place=site):
        assert hazard.status == HazardStatus.RECTIFIED
        assert hazard.photos.filter(stage="after").count() == 1
    recheck.refresh_from_db()
    assert recheck.status == TaskStatus.DONE and recheck.result_data["passed"] is True
    assert recheck.completed_by == sample.users["grid"]

    # The notice page shows both hazards fixed and the re-inspection done.
    page.goto(f"{base}/inspections/notices/{notice.pk}/")
    assert page.locator(".status.s-rectified").count() == 2
    assert "已完成" in page.inner_text("#rechecks")
    _no_overflow(page)
    page.screenshot(path=OUT / "inspection-8-notice-closed.png", full_page=True)

    # The counts: 2 found, 2 fixed, 1 notice.
    page.goto(f"{base}/inspections/counts/")
    stats = dict(
        zip(
            page.locator(".stat span").all_inner_texts(),
            page.locator(".stat b").all_inner_texts(),
            strict=True,
        )
    )
    assert stats["发现隐患"] == "2" and stats["已整改"] == "2" and stats["下达通知书"] == "1"
    assert stats["整改率"].startswith("100")
    assert stats["回头看按时完成"] == "1/1"  # due today, done today
    _no_overflow(page)
    page.screenshot(path=OUT / "inspection-9-counts.png", full_page=True)
    assert not csp, csp
    context.close()
