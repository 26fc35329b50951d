"""The site's template filters."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.template import Context, Template

from wangge.core.templatetags.wangge import percent, staff_name


def test_staff_are_shown_by_their_name_else_their_login() -> None:
    user = get_user_model()(username="grid", first_name="李强")
    assert staff_name(user) == "李强"
    assert staff_name(get_user_model()(username="zhangsan")) == "zhangsan"
    assert staff_name(None) == ""


def test_percent_of_nothing_is_zero() -> None:
    assert percent(1, 4) == "25.0%"
    assert percent(1, 0) == "0%"


@pytest.mark.django_db
def test_a_record_kept_by_login_shows_the_staff_members_name() -> None:
    get_user_model().objects.create_user("grid7", first_name="王芳")
    page = Template(
        "{% load wangge %}{% staff_name_of 'grid7' %}|{% staff_name_of 'gone' %}|"
        "{% staff_name_of '' %}"
    ).render(Context({}))
    assert page == "王芳|gone|"  # a removed account keeps its login
