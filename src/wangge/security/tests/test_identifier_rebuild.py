"""Attacks 2 and 3 (issue 12): rebuilding an ID number without reveal rights.

2. A grid worker reads a masked ID and the age, lists the numbers that fit, and tries them one
   by one through exact search (`GET /api/search?q=…`); in the tester's run the 18th found the
   real number. Now the mask hides the check digit, so a year of candidates survives (~365, not
   ~33), the search answers 429 after 20 tries in 10 minutes, every try is audited with a keyed
   hash (never the number), and ten misses raise an alert on the district admins' page.
3. Someone with the database reads a masked ID and a birth date in one source-record row (or
   joins the person's birth date to it). Now no row holds either in plaintext
   (test_leak_scan.py scans every column; here the source-record row itself).

Both run on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.db import connection
from django.test import Client

from wangge.access.models import AuditEntry, SearchAlert
from wangge.core.testing import SampleDistrict
from wangge.fusion.models import SourceRecord
from wangge.people.idnumber import check_digit, make_id_number, mask_id_number
from wangge.security import leakscan

pytestmark = pytest.mark.django_db


def _client(sample: SampleDistrict, role: str) -> Client:
    client = Client()
    client.force_login(sample.users[role])
    return client


def candidates_from(masked: str, age: int, today: datetime.date) -> list[str]:
    """What an attacker can list offline from a mask and an age: every birth date that gives
    that age today, completed to a valid number; when the mask shows a check digit, only those
    that end in it."""
    first = today.replace(year=today.year - age - 1) + datetime.timedelta(days=1)
    last = today.replace(year=today.year - age)
    shown_check = masked[17] if masked[17] != "*" else None
    out = []
    day = first
    while day <= last:
        first17 = masked[:6] + f"{day:%Y%m%d}" + masked[14:17]
        number = first17 + check_digit(first17)
        if shown_check is None or number[17] == shown_check:
            out.append(number)
        day += datetime.timedelta(days=1)
    return out


def test_the_old_mask_left_a_few_dozen_candidates_the_new_one_a_year(sample: SampleDistrict):
    person = sample.persons[0]
    today = datetime.date.today()
    age = person.age(today)
    assert age is not None
    old_mask = person.id_number[:6] + "********" + person.id_number[-4:]
    old = candidates_from(old_mask, age, today)
    new = candidates_from(mask_id_number(person.id_number), age, today)
    assert person.id_number in old and person.id_number in new
    assert len(old) <= 40  # the attack's ~32
    assert len(new) >= 365


def test_guessing_a_masked_id_through_search_is_stopped_audited_and_alerted(
    sample: SampleDistrict, settings
):
    settings.WANGGE_EXACT_SEARCH_LIMIT = 20
    settings.WANGGE_EXACT_SEARCH_WINDOW = 600
    settings.WANGGE_SEARCH_ALERT_MISSES = 10
    worker = _client(sample, "grid")  # no reveal rights
    person = sample.persons[0]  # in the worker's grid
    shown = worker.get(f"/api/persons/{person.pk}").json()
    assert "birth_date" not in shown
    today = datetime.date.today()
    guesses = [
        c for c in candidates_from(shown["id_number_masked"], shown["age"], today)
        if c != person.id_number
    ]  # fmt: skip
    answers = [worker.get("/api/search", {"q": guess}) for guess in guesses[:21]]
    assert [a.status_code for a in answers[:20]] == [200] * 20
    assert all(a.json() == [] for a in answers[:20])
    refused = answers[20]
    assert refused.status_code == 429
    assert "过于频繁" in refused.json()["message"] and "20" in refused.json()["message"]
    # the real number is refused too now: the limit is per user, not per guess
    assert worker.get("/api/search", {"q": person.id_number}).status_code == 429
    # the web search page shares the count (and says why, in Chinese)
    page = worker.get("/people/search/", {"q": guesses[30]})
    assert page.status_code == 429 and "过于频繁" in page.content.decode()

    entries = list(AuditEntry.objects.filter(username="grid", action__in=["search", "denied"]))
    dump = json.dumps([e.detail for e in entries], ensure_ascii=False)
    assert sum(1 for e in entries if e.action == "search") == 20
    assert all(len(e.detail.get("query_hash", "")) == 64 for e in entries if e.action == "search")
    assert any(e.detail.get("reason") == "search_rate_limited" for e in entries)
    for guess in guesses[:22]:
        assert guess not in dump and guess[6:14] not in dump

    alert = SearchAlert.objects.get()
    assert alert.username == "grid" and alert.misses == 10 and alert.kinds == ["id_number"]
    assert AuditEntry.objects.filter(action="alert", object_id=str(alert.pk)).exists()
    admin = _client(sample, "admin")
    listing = admin.get("/security/alerts/").content.decode()
    assert "grid" in listing and "安全告警" in listing
    assert admin.get("/people/search/").content.decode().count('href="/security/alerts/"') == 1
    assert worker.get("/security/alerts/").status_code == 403
    assert 'href="/security/alerts/"' not in worker.get("/people/search/").content.decode()
    done = admin.post("/security/alerts/", {"alert": alert.pk, "note": "已核实"})
    assert done.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_at is not None and alert.note == "已核实"


def test_the_same_hash_lets_an_investigator_find_who_searched_a_number(sample: SampleDistrict):
    from wangge.access.searchguard import query_hash

    person = sample.persons[1]
    _client(sample, "grid").get("/api/search", {"q": person.id_number})
    entry = AuditEntry.objects.filter(username="grid", action="search").latest("pk")
    assert entry.detail["query_hash"] == query_hash(person.id_number)
    assert entry.detail["results"] == 1


def test_roles_with_reveal_rights_get_the_larger_limit(sample: SampleDistrict, settings):
    settings.WANGGE_EXACT_SEARCH_LIMIT = 3
    settings.WANGGE_EXACT_SEARCH_LIMIT_REVEAL = 5
    worker, officer = _client(sample, "grid"), _client(sample, "community")
    phone = sample.persons[0].phone
    assert [worker.get("/api/search", {"q": phone}).status_code for _ in range(4)] == [
        200, 200, 200, 429,
    ]  # fmt: skip
    codes = [officer.get("/api/search", {"q": phone}).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]
    # name searches are not the oracle and stay unlimited
    assert worker.get("/api/search", {"q": sample.persons[0].name}).status_code == 200


def test_the_source_record_row_no_longer_rebuilds_the_number(sample: SampleDistrict):
    """Attack 3 on the row itself: read it as the database file shows it."""
    born = datetime.date(1963, 2, 14)
    number = make_id_number("110116", born, 841, "男")
    client = _client(sample, "community")
    ledger = (
        "序号,姓名,身份证号码,联系电话,现居住地址\n"
        f"1,王鹏,{number},13900001111,幸福路10号3号楼2单元301\n"
    ).encode()
    file = io.BytesIO(ledger)
    file.name = "台账.csv"
    response = client.post("/imports/new/", {"ledgers": [file], "label": "测试"})
    assert response.status_code == 302
    batch = response["Location"].rstrip("/").rsplit("/", 1)[-1]
    committed = client.post(f"/imports/{batch}/", {"action": "commit"})
    assert committed.status_code == 302
    record = SourceRecord.objects.get(batch_id=batch)
    assert record.id_number_masked == mask_id_number(number)  # the app still reads it
    assert record.birth_date == born
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM fusion_sourcerecord WHERE id = %s", [record.pk])
        names = [c[0] for c in cursor.description]
        row = cursor.fetchone()
    assert "birth_date" not in names and "id_number_masked" not in names
    assert leakscan.scan_cells("fusion_sourcerecord", row) == []
    text = " ".join(str(v) for v in row)
    assert "1963-02-14" not in text and "19630214" not in text and "13900001111" not in text
