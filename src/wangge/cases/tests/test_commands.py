"""The operator's commands: the shipped category table, and the deadline sweep."""

from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from wangge.cases import services
from wangge.cases.models import Case, Category, Department

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_shipped_category_table_loads_and_reloads(db):
    first = run("load_categories")
    assert "新建部门" in first
    count = Category.objects.count()
    assert count > 150
    noise = Category.objects.filter(name__contains="噪音").exclude(parent=None).first()
    assert noise is not None and noise.parent is not None and noise.department
    assert Department.objects.filter(name="城管").exists()
    assert f"更新 {count}" in run("load_categories")  # codes are the key: nothing doubles


def test_bad_category_file_is_refused_whole(tmp_path, db):
    path = tmp_path / "categories.csv"
    path.write_text(
        "code,name,kind,parent_code\nA,甲,event,\nB,乙,weird,\nC,丙,event,ZZ\n", encoding="utf-8"
    )
    with pytest.raises(CommandError) as error:
        run("load_categories", str(path))
    assert "第3行：类型“weird”无效" in str(error.value)
    assert "类别 C：上级类别“ZZ”不存在" in str(error.value)
    assert Category.objects.count() == 0


def test_a_failed_formulas_value_in_a_category_file_is_said_with_its_row(tmp_path, db):
    path = tmp_path / "categories.csv"
    path.write_text("code,name,kind\nA,甲,event\nB,#NAME?,event\n", encoding="utf-8")
    with pytest.raises(CommandError) as error:
        run("load_categories", str(path))
    assert "第3行：“name”是公式错误值“#NAME?”（公式出错）" in str(error.value)
    assert Category.objects.count() == 0


def test_sweep_command(sample, cases):
    case = cases["cases"][0]
    Case.objects.filter(pk=case.pk).update(
        handle_deadline=case.dispatched_at - datetime.timedelta(minutes=1)
    )
    assert "超期督办 1 件" in run("case_sweep")


def test_suggestions_come_from_the_shipped_classifier(sample, cases):
    run("load_categories")
    client = Client()
    client.force_login(sample.users["grid"])
    html = client.get("/cases/suggest/", {"description": "楼上装修电钻噪音太吵"}).content.decode()
    assert "建议类别" in html and "噪音" in html
    assert client.get("/cases/suggest/", {"description": ""}).content.decode().strip() == ""
    assert services.suggest_categories("   ") == []
