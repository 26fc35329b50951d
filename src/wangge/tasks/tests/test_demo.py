"""The demo street's tasks (wangge.tasks.demo): the `grid` account logs in to a day's work."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from wangge.core.demo import build_demo
from wangge.tasks import selectors
from wangge.tasks.models import Task, TaskKind, TaskStatus

pytestmark = pytest.mark.django_db


def test_the_demo_grid_worker_has_overdue_todays_and_later_visits_and_case_tasks(
    settings: object,
) -> None:
    build_demo(size=300, seed=20201)
    grid = get_user_model().objects.get(username="grid")
    bench = selectors.workbench(grid)
    assert bench.overdue and bench.due_today and bench.later
    assert sum(len(g.tasks) for g in bench.groups) == bench.listed == bench.due
    kinds = set(Task.objects.values_list("kind", flat=True))
    assert {TaskKind.VISIT, TaskKind.CASE} <= kinds
    assert Task.objects.filter(kind=TaskKind.VISIT, status=TaskStatus.DONE).exists()
    client = Client()
    client.force_login(grid)
    assert client.get("/").url == "/tasks/"  # type: ignore[attr-defined]
    assert "逾期" in client.get("/tasks/").content.decode()
    before = Task.objects.count()
    build_demo(size=300, seed=20201)  # a rebuild replaces the demo's tasks
    assert Task.objects.count() == before
