"""An error page is a page: the reason in Chinese and a way back, sized for a thumb.

A grid worker who presses 分派 on a task they may only read now gets a 403 page with the reason
instead of a message on the task page; 返回上一页 takes them back to the task. Only a Referer
from this site is offered as the way back (never another site's address), and never the page
that has just failed to open.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from wangge.core.testing import SampleDistrict
from wangge.tasks.models import Task, TaskKind
from wangge.tasks.services import create_task

pytestmark = pytest.mark.django_db


def _links(page: str) -> dict[str, str]:
    """The error card's buttons: their words to where they lead."""
    card = page[page.index('class="card error"') :]
    return {
        words: href
        for href, words in re.findall(r'<a class="button[^"]*" href="([^"]*)">([^<]+)</a>', card)
    }


def _grid_worker(sample: SampleDistrict) -> tuple[Client, Task]:
    client = Client()
    client.force_login(sample.users["grid"])
    task = create_task(None, kind=TaskKind.VISIT, household=sample.households[0])
    return client, task


def test_a_refused_action_leads_back_to_the_page_it_was_pressed_on(sample):
    client, task = _grid_worker(sample)
    here = f"http://testserver/tasks/{task.pk}/"
    answer = client.post(f"/tasks/{task.pk}/", {"action": "assign"}, HTTP_REFERER=here)
    assert answer.status_code == 403
    page = answer.content.decode()
    assert "只有上级社区、街道可以分派任务" in page
    assert _links(page) == {"返回上一页": f"/tasks/{task.pk}/", "返回首页": "/"}


def test_a_missing_record_leads_back_to_the_list_it_was_opened_from(sample):
    client, _task = _grid_worker(sample)
    answer = client.get("/tasks/999999/", HTTP_REFERER="http://testserver/tasks/list/?status=open")
    assert answer.status_code == 404
    assert _links(answer.content.decode()) == {
        "返回上一页": "/tasks/list/?status=open",
        "返回首页": "/",
    }


@pytest.mark.parametrize(
    "referer",
    [
        "",  # typed in, or a bookmark
        "https://evil.example/tasks/",  # another site
        "//evil.example/tasks/",
        "javascript:alert(1)",
        "http://testserver/tasks/999999/",  # the page that failed, opened again
    ],
)
def test_no_way_back_but_home_without_a_page_of_this_site_to_go_back_to(sample, referer):
    client, _task = _grid_worker(sample)
    answer = client.get("/tasks/999999/", HTTP_REFERER=referer)
    assert answer.status_code == 404
    assert _links(answer.content.decode()) == {"返回首页": "/"}
