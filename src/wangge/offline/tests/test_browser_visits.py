"""The grid worker's day with the real servers (issue 15's "done when"), in Chromium at 390×844.

Log in as the grid worker, open the offline workbench (the worker keeps the form list, the
shipped visit form and the grid's roster from the forms app's OpenRosa server), go offline,
fill three visit forms, come back online and watch them go; the household files change with
provenance (forms.Change: who, which form, which device), and a phone changed by someone else
since the roster was downloaded goes to the community's conflict inbox instead of overwriting.
Screenshots land in test-results/screenshots/offline/visits-*.png.
"""

from __future__ import annotations

from typing import Any

import pytest

from wangge.core.testing import SampleDistrict
from wangge.core.tests.test_browser import SHOTS, _login, browser  # noqa: F401  (shared fixture)
from wangge.offline.views import build_dir

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
OUT = SHOTS / "offline"


def _question(page: Any, label: str) -> Any:
    return page.locator(".question-container", has_text=label).first


def _workbench_ready(page: Any) -> None:
    page.wait_for_selector("#offline-app[data-ready]")


def _kept_workbench(page: Any) -> None:
    """The offline workbench just opened, once the service worker answers it: the first visit
    installs the worker; from the reload on, it answers and keeps the answers."""
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.reload()
    _workbench_ready(page)


def _states(page: Any) -> list[str]:
    return page.eval_on_selector_all("#queue li", "items => items.map(i => i.dataset.state)")


def _third_household(sample: SampleDistrict) -> Any:
    """The sample grid has two households; a third, in the same building, for three visits."""
    from wangge.addresses.models import Room
    from wangge.people.models import Household, Person, Residence

    first = next(h for h in sample.households if h.grid_id == sample.grids[0].pk)
    beside = first.room
    assert beside is not None
    room = Room.objects.create(
        address_code=f"{sample.grids[0].code}0009",
        building=beside.building,
        unit=beside.unit,
        name="303",
        grid=sample.grids[0],
        lon=beside.lon,
        lat=beside.lat,
    )
    household = Household.objects.create(room=room, grid=sample.grids[0])
    person = Person.objects.create(
        name="周测九", gender="女", phone="13900000099", grid=sample.grids[0], household=household
    )
    Residence.objects.create(person=person, household=household, relation="head")
    household.head = person
    household.save(update_fields=["head"])
    return household


def test_three_visits_offline_change_the_household_files_and_a_conflict_goes_to_the_inbox(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    from wangge.forms.services import load_shipped_forms

    assert (build_dir() / "sw.js").is_file(), "offline bundle missing: run scripts/install"
    load_shipped_forms()
    households = [h for h in sample.households if h.grid_id == sample.grids[0].pk]
    households.append(_third_household(sample))
    OUT.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    base = live_server.url
    tasks = _visit_tasks(sample, households)
    _login(page, base, "grid")  # the grid worker lands on the workbench: today's tasks
    page.wait_for_selector(".wb-list")
    due = page.locator("section[aria-labelledby=due-h] .wb-list > li")
    assert due.count() == 3  # the three visits, under their building
    page.screenshot(path=OUT / "visits-0-workbench.png", full_page=True)
    page.click("a.wb-offline")
    _workbench_ready(page)
    _kept_workbench(page)
    page.wait_for_selector("#forms-ready:not([hidden])")
    assert "入户走访" in page.inner_text("#forms")
    assert page.locator("#tasks li.task").count() == 3

    # Someone at the community office corrects a phone after the roster reached the phone.
    conflicted = households[1].head
    assert conflicted is not None
    conflicted.phone = "13855556666"
    conflicted.save()

    context.set_offline(True)
    visits = [
        {"phone": "13811112222", "note": "第一户：户主在家"},
        {"phone": "13833334444", "note": "第二户：电话有变"},
        {"newcomer": "赵新租", "note": "第三户：新来租户"},
    ]
    for i, (household, visit) in enumerate(zip(households, visits, strict=True)):
        page.goto(f"{base}/offline/")  # from the worker's copy: the tasks kept for offline
        _workbench_ready(page)
        page.click(f"#tasks li.task[data-id='{tasks[i].pk}'] a.fill")
        page.wait_for_selector(".odk-form")
        # handed over by the link: the dropdown (a grid's hundreds of households are a
        # searchable list, not a page of radio buttons) shows the task's household
        chosen = _question(page, "走访的户").locator("[role=combobox]")
        assert household.room is not None and household.room.label in chosen.inner_text()
        _choose(page, "家中是否有人", "是")
        _question(page, "人员").locator(f"input[type=radio][value='{household.head_id}']").check()
        _choose(page, "本次见到本人", "是")
        if "phone" in visit:
            _question(page, "联系电话（有变化时填写）").locator("input").fill(visit["phone"])
        newcomers = page.locator(".p-panel.is-repeat", has_text="新迁入人员").first
        if "newcomer" in visit:
            _question(page, "姓名").locator("input").fill(visit["newcomer"])
            _choose(page, "与户主关系", "租户")
        else:  # nobody moved in: the repeat's one empty entry is removed
            newcomers.locator("button.button-menu").click()
            page.locator(".p-menu-item", has_text="移除").click()
            page.wait_for_selector(".p-panel.is-repeat:has-text('新迁入人员')", state="detached")
        _question(page, "备注").locator("input").fill(visit["note"])
        if i == 0:
            # the engine's English buttons are relabelled (a repeat's "Add <group>" too)
            page.wait_for_function(
                "() => ![...document.querySelectorAll('.odk-host button')]"
                ".some(b => /\\bAdd\\b/.test(b.textContent))"
            )
            assert page.locator(".odk-host button", has_text="添加").count() >= 1
            page.screenshot(path=OUT / "visits-1-form-offline.png", full_page=True)
        page.get_by_role("button", name="保存并发送").click()
        page.wait_for_url("**/offline/?saved=*")
        _workbench_ready(page)
    assert _states(page) == ["waiting"] * 3
    page.screenshot(path=OUT / "visits-2-waiting-offline.png", full_page=True)

    context.set_offline(False)
    page.wait_for_function(
        "() => [...document.querySelectorAll('#queue li')].every(li => li.dataset.state === 'sent')"
    )
    assert "待社区核对" in page.inner_text("#queue")  # the server's word on the conflict
    page.screenshot(path=OUT / "visits-3-sent.png", full_page=True)
    _check_household_files(sample, households)
    from wangge.tasks.models import TaskStatus

    for task in (tasks[0], tasks[2]):  # the visits applied in full complete their tasks
        task.refresh_from_db()
        assert task.status == TaskStatus.DONE, task

    # The household file shows the new phone (masked), and the submissions page where it
    # came from: who, which form, when, and what became of it.
    page.goto(f"{base}/people/households/{households[0].pk}/")
    assert "138******22" in page.inner_text("main")
    page.screenshot(path=OUT / "visits-4-household.png", full_page=True)
    page.goto(f"{base}/forms/submissions/")
    assert page.inner_text("main").count("household_visit") == 3
    page.screenshot(path=OUT / "visits-5-submissions.png", full_page=True)
    context.close()

    # The community officer finds the conflicting phone in the inbox, side by side.
    office = browser.new_context(**PHONE)
    inbox = office.new_page()
    _login(inbox, base, "community")
    inbox.goto(f"{base}/forms/conflicts/")
    text = inbox.inner_text("main")
    assert "联系电话" in text
    assert "138******66" in text and "138******44" in text  # current and submitted, masked
    assert "入户走访" in text and "grid" in text  # the source: the form by its title, the sender
    inbox.screenshot(path=OUT / "visits-6-conflict-inbox.png", full_page=True)
    office.close()


def _visit_tasks(sample: SampleDistrict, households: list[Any]) -> list[Any]:
    """Today's door-to-door visits, one per household, set by the community office."""
    from django.utils import timezone

    from wangge.tasks.services import create_task

    return [
        create_task(
            sample.users["community"],
            kind="visit",
            region=sample.grids[0],
            title="入户走访",
            form_code="household_visit",
            household=household,
            due_date=timezone.localdate(),
        )
        for household in households
    ]


def _choose(page: Any, question: str, option: str) -> None:
    _question(page, question).locator("label.value-option", has_text=option).first.click()


def _check_household_files(sample: SampleDistrict, households: list[Any]) -> None:
    from wangge.forms.models import Change, ChangeStatus, Submission
    from wangge.people.models import Household, Person

    submissions = list(Submission.objects.order_by("pk"))
    assert len(submissions) == 3, [(s.status, s.message) for s in submissions]
    assert {s.username for s in submissions} == {"grid"}
    assert {s.channel for s in submissions} == {"web"}
    assert all(s.device_id for s in submissions)  # the browser's device id rides along
    # The first visit's phone is written, with its provenance.
    head = Person.objects.get(pk=households[0].head_id)
    assert head.phone == "13811112222"
    written = Change.objects.get(model="person", object_id=str(head.pk), field="phone")
    assert written.status == ChangeStatus.APPLIED
    assert written.submission.username == "grid"
    assert written.submission.form_code == "household_visit"
    # The second is not overwritten: it waits in the community's inbox.
    other = Person.objects.get(pk=households[1].head_id)
    assert other.phone == "13855556666"
    conflict = Change.objects.get(model="person", object_id=str(other.pk), field="phone")
    assert conflict.status == ChangeStatus.CONFLICT
    assert conflict.submitted_value == "13833334444"
    # The third household has its tenant; every visit's note is in its household's file.
    assert Person.objects.filter(household_id=households[2].pk, name="赵新租").exists()
    for household, note in zip(households, ["第一户", "第二户", "第三户"], strict=True):
        assert note in Household.objects.get(pk=household.pk).note


def test_a_visit_without_a_task_finds_its_household_by_typing(
    browser: Any,  # noqa: F811
    live_server: Any,
    sample: SampleDistrict,
) -> None:
    """A grid holds hundreds of households: the visit form's household question is a dropdown
    the worker filters by typing (appearance minimal autocomplete), not a page of radio
    buttons thousands of pixels long."""
    from wangge.forms.services import load_shipped_forms

    assert (build_dir() / "sw.js").is_file(), "offline bundle missing: run scripts/install"
    load_shipped_forms()
    households = [h for h in sample.households if h.grid_id == sample.grids[0].pk and h.room]
    wanted = households[-1]
    assert wanted.room is not None
    context = browser.new_context(**PHONE)
    page = context.new_page()
    _login(page, live_server.url, "grid")
    page.wait_for_selector(".wb-list, .wb-stat")
    page.goto(f"{live_server.url}/offline/fill/?form=household_visit")
    page.wait_for_selector(".odk-form")
    question = _question(page, "走访的户")
    assert question.locator("input[type=radio]").count() == 0
    question.locator("[role=combobox]").click()
    search = page.locator(".p-select-overlay input").first
    search.fill(wanted.room.name)
    options = page.locator(".p-select-overlay [role=option]")
    options.first.wait_for()
    assert 0 < options.count() < len(households)
    assert all(wanted.room.name in text for text in options.all_inner_texts())
    page.locator(".p-select-overlay [role=option]", has_text=wanted.room.label).first.click()
    assert wanted.room.label in question.locator("[role=combobox]").inner_text()
    page.screenshot(path=OUT / "visits-household-search.png", full_page=False)
    context.close()
