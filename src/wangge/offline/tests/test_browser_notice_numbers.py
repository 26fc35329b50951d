"""Issue 16's "two inspectors issuing notices offline at the same time never get the same
number", in Chromium at 390×844 with the real apps.

Two members of a 三清四查 joint team (grid workers of two grids of the street) each open the
offline workbench while online (each phone reserves its own block of the street's notice
numbers), both go offline, and each inspects two rental sites in turn, failing an item with a
photo and issuing a 《责令立即改正通知书》 numbered on the phone from its block. Back online
both phones sync at once: the four numbers are distinct, in the official style
(京广消字〔2026〕第0001号), each stored once, each from its inspector's block, and exactly the
numbers the phones showed offline (on the shared in-memory SQLite test database the live
server answers them one at a time, `conftest.one_request_at_a_time`). Screenshots: test-results/screenshots/offline/numbers-*.png.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from wangge.core.testing import PASSWORD, SampleDistrict
from wangge.core.tests.test_browser import (  # noqa: F401  (shared fixture)
    SHOTS,
    _login,
    browser,
)
from wangge.offline.tests.test_browser_inspection import _no_overflow, _photo
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
OFFICIAL = re.compile(r"京广消字〔(\d{4})〕第(\d{4,})号")
FAILED_ITEM = "partition"  # the one item each inspection fails


def _open_workbench(page: Any, base: str, username: str) -> None:
    """Log in, open the offline workbench and let it keep the checklist and a number block."""
    _login(page, base, username)
    page.wait_for_selector(".wb-list")
    page.goto(f"{base}/offline/")
    _workbench_ready(page)
    _kept_workbench(page)
    page.wait_for_selector("#forms-ready:not([hidden])")
    page.wait_for_selector("#numbers:not([hidden])")


def _inspect_offline(page: Any, base: str, task_id: int, shade: int) -> str:
    """Fill the fire checklist for one task offline, failing one item and issuing an immediate
    notice; returns the official number the phone showed in its queue."""
    from wangge.inspections.checklists import CHECKLISTS

    page.goto(f"{base}/offline/")
    _workbench_ready(page)
    before = page.inner_text("#queue")
    page.click(f"#tasks li.task[data-id='{task_id}'] a.fill")
    page.wait_for_selector(".odk-form")
    for n, item in enumerate(CHECKLISTS["fire_rental_site"].items, start=1):
        answer = "不合格" if item.name == FAILED_ITEM else "合格"
        _question(page, f"{n}. {item.label}").locator(
            "label.value-option", has_text=answer
        ).first.click()
    photos = page.locator(".question-container", has_text="隐患照片")
    assert photos.count() == 1
    photos.first.locator("input[type=file]").set_input_files(
        _photo(f"hazard-{task_id}.png", (200, shade, 40))
    )
    page.locator(".question-container", has_text="问题说明").first.locator("input").fill(
        "三楼隔成六间出租"
    )
    _question(page, "整改通知书").locator("label.value-option", has_text="责令立即改正").click()
    page.wait_for_function(
        "() => document.querySelectorAll('.preview-captured-image img').length === 1"
    )
    page.get_by_role("button", name="保存并发送").click()
    page.wait_for_url("**/offline/?saved=*")
    _workbench_ready(page)
    added = [line for line in page.inner_text("#queue").splitlines() if line and line not in before]
    numbers = [m.group(0) for line in added for m in OFFICIAL.finditer(line)]
    assert len(numbers) == 1, added
    return numbers[0]


def test_two_inspectors_offline_at_once_never_issue_the_same_notice_number(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    import datetime

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from wangge.access.models import Role
    from wangge.access.services import assign_role
    from wangge.forms import submissions
    from wangge.forms.auth import forget_all
    from wangge.inspections import campaigns, services
    from wangge.inspections.checklists import load_checklists
    from wangge.inspections.models import Hazard, Notice, NumberBlock, PlaceKind
    from wangge.inspections.testing import build_sample_places
    from wangge.tasks.models import Task, TaskStatus

    assert (build_dir() / "sw.js").is_file(), "offline bundle missing: run scripts/build-frontend"
    forget_all()
    submissions._versions.clear()
    load_checklists()
    build_sample_places(sample)  # the unit 京广消字; places[0], a rental site in grids[0]
    second = get_user_model().objects.create_user(username="grid2", password=PASSWORD)
    assign_role(None, second, Role.GRID_WORKER, sample.grids[1])
    inspectors = {"grid": sample.users["grid"], "grid2": second}
    for grid, count in ((sample.grids[0], 1), (sample.grids[1], 2)):
        room = grid.rooms.order_by("pk").first()
        for n in range(count):
            services.create_place(
                None,
                name=f"{grid.name}出租屋{n + 1}",
                kind=PlaceKind.RENTAL_SITE,
                room=room,
                responsible_person="房东",
                responsible_phone="13800001111",
            )
    today = timezone.localdate()
    campaign = campaigns.create_campaign(
        None,
        name="三清四查",
        place_kinds=[PlaceKind.RENTAL_SITE],
        checklist="fire_rental_site",
        starts_on=today,
        ends_on=today + datetime.timedelta(days=14),
        region=sample.street,
        members=[
            campaigns.Member(inspectors["grid"], unit="幸福一村社区"),
            campaigns.Member(second, unit="幸福二村社区"),
        ],
    )
    campaigns.start_campaign(None, campaign)
    tasks = {
        name: list(Task.objects.filter(assignee=user, form_code="fire_rental_site").order_by("pk"))
        for name, user in inspectors.items()
    }
    assert [len(t) for t in tasks.values()] == [2, 2], tasks

    OUT.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    pages: dict[str, Any] = {}
    contexts = []
    for name in inspectors:
        context = browser.new_context(**PHONE)
        contexts.append(context)
        pages[name] = context.new_page()
        _open_workbench(pages[name], base, name)
        assert "本机还有20个" in pages[name].inner_text("#numbers-text")
    blocks = list(NumberBlock.objects.order_by("first"))
    assert len(blocks) == 2 and {b.inspector.username for b in blocks} == set(inspectors)
    assert blocks[0].last < blocks[1].first  # two blocks, no serial in both

    # Both offline at once; they inspect in turn, each numbering from its own phone's block.
    for context in contexts:
        context.set_offline(True)
    shown: dict[str, list[str]] = {name: [] for name in inspectors}
    for round_ in range(2):
        for shade, name in enumerate(inspectors):
            number = _inspect_offline(pages[name], base, tasks[name][round_].pk, 60 + 90 * shade)
            shown[name].append(number)
    for name, page in pages.items():
        assert _states(page) == ["waiting", "waiting"]
        _no_overflow(page)
        page.screenshot(path=OUT / f"numbers-1-{name}-offline.png", full_page=True)
    every = shown["grid"] + shown["grid2"]
    assert len(set(every)) == 4, shown  # distinct already on the phones

    # Back online together: both queues go to the server at the same time.
    for context in contexts:
        context.set_offline(False)
    for name, page in pages.items():
        page.wait_for_function(
            "() => [...document.querySelectorAll('#queue li')]"
            ".every(li => li.dataset.state === 'sent')",
            timeout=60_000,
        )
        page.screenshot(path=OUT / f"numbers-2-{name}-synced.png", full_page=True)
        for number in shown[name]:
            assert number in page.inner_text("#queue")  # the server's word: 已下达…

    year = timezone.localdate().year
    stored = list(Notice.objects.select_related("block__inspector", "issued_by"))
    assert sorted(n.number for n in stored) == sorted(every)  # each stored, once
    assert len({(n.unit_id, n.year, n.serial) for n in stored}) == 4
    for notice in stored:
        match = OFFICIAL.fullmatch(notice.number)
        assert match is not None and int(match.group(1)) == year
        assert int(match.group(2)) == notice.serial
        assert notice.block is not None and notice.issued_by is not None
        assert notice.block.inspector == notice.issued_by  # from the issuer's own block
        assert notice.block.first <= notice.serial <= notice.block.last
        assert notice.number in shown[notice.issued_by.username]
        assert Hazard.objects.filter(notice=notice).count() == 1
    for name, user in inspectors.items():
        assert all(
            t.status == TaskStatus.DONE
            for t in Task.objects.filter(pk__in=[t.pk for t in tasks[name]])
        )
        assert {n.block_id for n in stored if n.issued_by == user} == {
            b.pk for b in blocks if b.inspector == user
        }
    for context in contexts:
        context.close()
