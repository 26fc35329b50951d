"""A district officer uploads a 10,000-row ledger in a real (headless) Chromium against a real
`wangge serve` (gunicorn and a worker): the upload page follows the staging job's progress
until it goes on to the batch, the batch page follows the commit's progress until it reloads
as 已导入. Nothing runs inside the web request.

Screenshots land in test-results/screenshots/import-progress-*.png.
"""

from __future__ import annotations

import socket
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from wangge.core.testing import PASSWORD
from wangge.core.tests.test_browser import SHOTS, browser  # noqa: F401  (fixture)
from wangge.jobs.tests.realstack import RealStack, real_stack, wait_for
from wangge.jobs.tests.test_kill import ROWS, _ledger

pytestmark = [pytest.mark.browser]

SEED = "from wangge.core.testing import build_sample_district\nbuild_sample_district()\nout = 1"
JOBS = (
    "from wangge.jobs.models import Job\n"
    "out = [[j.kind, j.status, j.attempts] for j in Job.objects.filter(kind__startswith='import')"
    ".order_by('created_at')]"
)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[RealStack, str]]:
    for stack in real_stack(tmp_path):
        stack.python(SEED)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        stack.start("serve", "--port", str(port), "--workers", "1", "--threads", "4")
        base = f"http://127.0.0.1:{port}"

        def up(base: str = base) -> bool:
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        wait_for(up, 90, "wangge serve")
        yield stack, base


def _follow(page: Any, until: str, seen: list[str], shot: Any, name: str) -> None:
    """Watch the progress block's states until ``until`` matches; one screenshot mid-way."""
    deadline = time.monotonic() + 180
    shot_taken = False
    while time.monotonic() < deadline:
        try:  # read in one go: htmx swaps the block, and the page may be navigating
            found, status = page.evaluate(
                "s => [!!document.querySelector(s),"
                " document.querySelector('#job-progress')?.dataset.status || '']",
                until,
            )
        except Exception:  # the execution context went away with a navigation
            time.sleep(0.1)
            continue
        if found:
            return
        if status and (not seen or seen[-1] != status):
            seen.append(status)
        if status == "running" and not shot_taken:
            shot(name)
            shot_taken = True
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {until}; states seen: {seen}")


def test_an_import_is_followed_from_upload_to_commit(
    browser: Any,  # noqa: F811
    served: tuple[RealStack, str],
    tmp_path: Path,
) -> None:
    stack, base = served
    ledger = tmp_path / "街道台账.csv"
    _ledger(ledger)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    shot = lambda name: page.screenshot(  # noqa: E731
        path=SHOTS / f"import-progress-{name}.png", full_page=True
    )
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_selector("header .who")

    page.goto(f"{base}/imports/new/")
    page.set_input_files("input[name=ledgers]", str(ledger))
    page.click("button:text('上传并检查')")
    page.wait_for_url("**/imports/new/?job=*")  # answered at once, before any row is read
    staging: list[str] = []
    _follow(page, "#mapping table.mapping", staging, shot, "staging")
    assert "running" in staging, staging
    assert "待确认" in page.inner_text("h1")
    assert str(ROWS) in page.inner_text("#summary")
    shot("staged")

    page.click("#commit")
    page.wait_for_selector("#batch-job")
    committing: list[str] = []
    _follow(page, "h1 .status-committed", committing, shot, "committing")
    assert "running" in committing, committing
    assert "已导入：新增" in page.inner_text("#batch-job")
    assert page.locator("#undo").count() == 1
    shot("committed")
    jobs = stack.python(JOBS)
    assert jobs[:2] == [
        ["import-stage", "succeeded", 1],
        ["import-commit", "succeeded", 1],
    ]
    # the commit queued the verification visits as a job of their own (it may still run)
    assert [kind for kind, _, _ in jobs[2:]] == ["import-tasks"] and jobs[2][1] != "failed"
    page.close()
