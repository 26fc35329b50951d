"""The database alone reveals no ID number or phone: not in rows, not in the SQLite file."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

from wangge.core.testing import SampleDistrict

pytestmark = pytest.mark.django_db

SCRIPT = """
from wangge.people.models import Person
Person.objects.create(name="密文测试", id_number="11010519491231002X", phone="13812345678")
found = Person.objects.get(id_number_index=Person._meta.get_field("id_number_index").index_for("11010519491231002x"))
print(found.id_number, found.phone)
"""


def test_rows_hold_ciphertext_only(sample: SampleDistrict):
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM people_person")
        dump = repr(cursor.fetchall())
        cursor.execute("SELECT * FROM geo_staffassignment")
        dump += repr(cursor.fetchall())
    for person in sample.persons:
        assert person.id_number not in dump
        assert person.phone not in dump
    assert "13900000000" not in dump  # staff phones too
    assert "sm4g1:" in dump


@pytest.mark.sqlite_file
def test_the_sqlite_file_never_contains_plaintext(tmp_path: Path):
    env = {**os.environ, "WANGGE_DATA_DIR": str(tmp_path)}
    env.pop("WANGGE_DATABASE_URL", None)
    run = [sys.executable, "-m", "wangge"]
    subprocess.run([*run, "migrate", "-v", "0"], env=env, check=True)
    out = subprocess.run(
        [*run, "shell", "-v", "0", "-c", SCRIPT],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.split() == ["11010519491231002X", "13812345678"]  # readable through the app
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("wangge.sqlite3*"))
    assert "密文测试".encode() in raw  # the grep does see the file's text
    for secret in ("11010519491231002X", "13812345678", "1101051949", "12345678"):
        assert secret.encode() not in raw
        assert secret.encode("utf-16-le") not in raw
