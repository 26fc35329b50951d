"""`wangge migrate` and `wangge check` on the embedded SQLite default say nothing to worry a new
user: the README sends them there, and a WARNINGS block about covering indexes SQLite does not
build (models.W040, PostgreSQL's INCLUDE) read as something broken."""

from __future__ import annotations

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command


@pytest.mark.django_db
@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3",
    reason="the warning is SQLite's",
)
def test_the_system_check_is_quiet_on_sqlite() -> None:
    out, err = StringIO(), StringIO()
    call_command("check", databases=["default"], stdout=out, stderr=err)  # as migrate does
    assert "WARNINGS" not in out.getvalue() + err.getvalue()
    assert "no issues" in out.getvalue()
