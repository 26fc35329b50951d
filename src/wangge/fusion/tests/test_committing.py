"""A commit in chunks: users see the whole batch or nothing of it, even when it dies halfway."""

from __future__ import annotations

import datetime
import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from wangge.core.errors import ServiceError
from wangge.core.models import HiddenRows
from wangge.core.testing import SampleDistrict
from wangge.fusion import commit_claims, commit_rows, committing, sealing
from wangge.fusion.models import BatchStatus, ChangeRecord, ImportBatch, SourceRecord
from wangge.fusion.services import Upload, commit_batch, stage_batch, undo_batch
from wangge.people.idnumber import make_id_number, mask_id_number
from wangge.people.models import Household, Person, Residence
from wangge.people.phone import mask_phone

NAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"
HERE = Path(__file__).resolve().parent


def ledger(count: int) -> bytes:
    lines = ["姓名,身份证号码,联系电话,现居住地址"]
    for n in range(count):
        name = NAMES[n % 30] + NAMES[(n // 30) % 30] + "新"
        number = make_id_number("110105", datetime.date(1960, 1, 1), 2 * n + 1, "男")
        room = 301 + n % 2
        lines.append(f"{name},{number},1380000{n:04d},幸福路11号3号楼2单元{room}室")
    return ("\n".join(lines) + "\n").encode()


def visible() -> tuple[int, ...]:
    return (
        Person.objects.count(),
        Household.objects.count(),
        Residence.objects.count(),
        SourceRecord.objects.count(),
    )


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    monkeypatch.setattr(committing._Committer, "chunk_rows", 20)
    settings.WANGGE_IMPORT_CHUNK_LOCK_MS = 0  # chunks stay small


@pytest.mark.django_db
def test_rows_written_by_earlier_chunks_stay_hidden_until_the_batch_is_committed(
    sample: SampleDistrict, small_chunks: None
) -> None:
    Household.objects.all().delete()  # so the batch makes the households its rows live in
    before = visible()
    batch = stage_batch(sample.users["street"], [Upload("台账.csv", ledger(120))])
    seen: list[tuple[tuple[int, ...], int, str]] = []

    def progress(stage: str, done: int, total: int) -> None:
        status = ImportBatch.objects.get(pk=batch.pk).status
        seen.append((visible(), Person._base_manager.count(), status))

    summary = commit_batch(sample.users["street"], batch.pk, progress=progress)
    assert len(seen) > 3  # several chunks
    assert all(counts == before for counts, _, _ in seen)
    assert all(status == BatchStatus.COMMITTING for _, _, status in seen)
    assert seen[-1][1] == before[0] + 120  # written, though nobody saw them
    assert summary.persons_created == 120
    assert visible()[0] == before[0] + 120
    # each new person lives in the household the batch made for their room
    assert (summary.households_created, summary.residences_created) == (2, 120)
    assert not Person.objects.filter(name__endswith="新", household__isnull=True).exists()
    assert not HiddenRows.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.COMMITTED


@pytest.mark.django_db(transaction=True)
def test_chunks_skip_the_row_by_row_key_checks_yet_every_key_they_write_is_valid(
    sample: SampleDistrict, small_chunks: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite each chunk switches the foreign-key checks off around its transaction (the
    keys are the commit's own), and on again after: the database checks them all at the end."""
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL loads by COPY and keeps its checks")
    during: list[int] = []
    after: list[int] = []
    write, insert = committing._Committer._write, committing.insert_rows

    def foreign_keys() -> int:
        with connection.cursor() as cursor:
            return int(cursor.execute("PRAGMA foreign_keys").fetchone()[0])

    def inserting(*args: Any, **kwargs: Any) -> None:
        during.append(foreign_keys())
        insert(*args, **kwargs)

    def writing(committer: Any, chunk: Any) -> None:
        write(committer, chunk)
        after.append(foreign_keys())

    monkeypatch.setattr(committing, "insert_rows", inserting)
    monkeypatch.setattr(committing._Committer, "_write", writing)
    batch = stage_batch(sample.users["street"], [Upload("台账.csv", ledger(60))])
    summary = commit_batch(sample.users["street"], batch.pk)
    assert summary.persons_created == 60 and len(after) > 2
    assert set(during) == {0} and set(after) == {1}
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.django_db
def test_a_first_import_asks_nobody_stored_for_matches(
    sample: SampleDistrict, small_chunks: None
) -> None:
    """With no person stored before the commit there is nobody to match: no chunk looks its
    clusters up by ID number or name (at 1M rows those lookups were 7 % of the commit)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Household.objects.all().delete()
    Person._base_manager.all().delete()
    batch = stage_batch(sample.users["street"], [Upload("台账.csv", ledger(60))])
    with CaptureQueriesContext(connection) as queries:
        summary = commit_batch(sample.users["street"], batch.pk)
    assert summary.persons_created == 60 and summary.persons_matched == 0
    lookups = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT")
        and 'FROM "people_person"' in q["sql"]
        and ('"id_number_index" IN' in q["sql"] or '"name" IN' in q["sql"])
    ]
    assert lookups == []


@pytest.mark.django_db
def test_rows_are_sealed_when_staged_and_a_batch_staged_before_is_sealed_at_commit(
    sample: SampleDistrict,
) -> None:
    """The staged file carries what each source record will store (sealed masks, blind
    indexes), so the commit only copies it; a file staged without them still commits."""
    import io

    from wangge.access.crypto import CIPHERTEXT_PREFIX
    from wangge.fusion import services

    numbers = [make_id_number("110105", datetime.date(1960, 1, 1), 2 * n + 1, "男") for n in (0, 1)]
    batch = stage_batch(sample.users["street"], [Upload("台账.csv", ledger(2))])
    kept = services._batch_dir(batch) / batch.staged_file
    staged = pl.read_parquet(io.BytesIO(services._load(kept)))  # the whole file
    assert set(sealing.SEALED_COLUMNS) <= set(staged.columns)
    assert not set(sealing.SEALED_COLUMNS) & set(services.staged_records(batch).columns)
    assert all(v.startswith(CIPHERTEXT_PREFIX) for v in staged["sealed"].to_list())
    bare = staged.drop(sealing.SEALED_COLUMNS)  # as a batch staged by the code before
    buffer = io.BytesIO()
    bare.write_parquet(buffer)
    services._store(kept, buffer.getvalue())
    commit_batch(sample.users["street"], batch.pk)
    records = SourceRecord.objects.filter(batch=batch).order_by("row")
    assert [r.id_number_masked for r in records] == [mask_id_number(n) for n in numbers]
    assert [r.phone_masked for r in records] == [mask_phone(f"1380000{n:04d}") for n in (0, 1)]


@pytest.mark.django_db
def test_each_source_record_keeps_what_its_row_said_masked_and_sealed(
    sample: SampleDistrict, small_chunks: None
) -> None:
    """The commit masks and seals rows column by column; the result is what the one masking
    rule gives for every shape (mobile, landline, 18-digit number, no number)."""
    numbers = [make_id_number("110105", datetime.date(1971, 3, 9), n, "女") for n in (5, 7)]
    rows = [
        f"钱晓红,{numbers[0]},13900001111,1971-03-09,幸福路11号3号楼2单元301室",
        f"孙晓兰,{numbers[1]},010-62345678,,幸福路11号3号楼2单元302室",
        "李晓梅,,13900002222,1980-05-01,幸福路11号3号楼2单元302室",
        "周晓燕,,,,幸福路11号3号楼2单元302室",
    ]
    content = "姓名,身份证号码,联系电话,出生日期,现居住地址\n" + "\n".join(rows) + "\n"
    batch = stage_batch(sample.users["street"], [Upload("台账.csv", content.encode())])
    commit_batch(sample.users["street"], batch.pk)
    records = {r.name: r for r in SourceRecord.objects.filter(batch=batch)}
    assert len(records) == 4
    for name, record in records.items():
        person = record.person
        assert person is not None and person.name == name
        assert record.id_number_masked == (
            mask_id_number(person.id_number) if person.id_number else ""
        )
        assert record.phone_masked == (mask_phone(person.phone) if person.phone else "")
        assert record.birth_date == person.birth_date
    assert records["钱晓红"].phone_masked == "139******11"
    assert records["孙晓兰"].phone_masked.startswith("010-")
    assert records["周晓燕"].sealed == ""  # nothing to seal


@pytest.mark.django_db
def test_a_stored_person_two_clusters_match_is_updated_once_per_field(
    sample: SampleDistrict,
) -> None:
    """Two clusters of one batch can match the same stored person (one by ID number, one by
    name and phone); the commit used to insert its provenance twice and fail at publish
    (seen at 1M rows), leaving nothing committed."""
    street = sample.users["street"]
    number = make_id_number("110105", datetime.date(1980, 6, 1), 11, "男")
    first = f"姓名,身份证号码,联系电话,现居住地址\n吴晓东,{number},13900003333,幸福路11号3号楼2单元301室\n"
    commit_batch(street, stage_batch(street, [Upload("户籍.csv", first.encode())]).pk)
    stored = Person.objects.get(name="吴晓东")
    second = (
        "姓名,身份证号码,联系电话,出生日期,现居住地址\n"
        f"吴晓东,{number},13900004444,,幸福路11号3号楼2单元302室\n"
        "吴晓东,,13900003333,1975-01-01,幸福路11号3号楼2单元301室\n"
    )
    batch = stage_batch(street, [Upload("走访.csv", second.encode())])
    summary = commit_batch(street, batch.pk)
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.COMMITTED
    assert summary.persons_created == 0 and summary.persons_matched == 2
    assert Person.objects.filter(name="吴晓东").count() == 1
    assert Residence.objects.filter(person=stored, until__isnull=True).count() == 1
    undo_batch(street, batch.pk)
    stored.refresh_from_db()
    assert stored.phone == "13900003333"


@pytest.mark.django_db
def test_a_commit_that_fails_halfway_leaves_everything_as_before_and_can_be_run_again(
    sample: SampleDistrict, small_chunks: None
) -> None:
    before = visible()
    batch = stage_batch(sample.users["street"], [Upload("台账.csv", ledger(100))])

    def failing(stage: str, done: int, total: int) -> None:
        if done > 40:
            raise RuntimeError("磁盘已满")

    with pytest.raises(RuntimeError):
        commit_batch(sample.users["street"], batch.pk, progress=failing)
    assert visible() == before
    assert Person._base_manager.count() == before[0]  # cleaned up, not only hidden
    assert not ChangeRecord.objects.filter(batch=batch).exists()
    assert not HiddenRows.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.STAGED
    assert commit_batch(sample.users["street"], batch.pk).persons_created == 100
    undo_batch(sample.users["street"], batch.pk)
    assert visible() == before


@pytest.mark.django_db
def test_a_batch_being_committed_by_a_live_writer_is_not_committed_twice(
    sample: SampleDistrict,
) -> None:
    batch = stage_batch(sample.users["street"], [Upload("台账.csv", ledger(10))])
    other = stage_batch(sample.users["street"], [Upload("另一本.csv", ledger(5))])
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.COMMITTING,
        commit_owner=f"{commit_claims.this_host()}:{os.getpid()}:x",
        commit_heartbeat=datetime.datetime.now(tz=datetime.UTC),
    )
    with pytest.raises(ServiceError, match="正在导入中"):
        commit_batch(sample.users["street"], batch.pk)
    with pytest.raises(ServiceError, match=f"批次 {batch.pk} 正在导入"):
        commit_batch(sample.users["street"], other.pk)


@pytest.mark.django_db
def test_a_writer_silent_for_too_long_counts_as_dead(sample: SampleDistrict, settings: Any) -> None:
    batch = stage_batch(sample.users["street"], [Upload("台账.csv", ledger(10))])
    settings.WANGGE_IMPORT_STALE_AFTER = 60
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.COMMITTING,
        commit_owner="another-host:1:x",
        commit_heartbeat=datetime.datetime.now(tz=datetime.UTC) - datetime.timedelta(minutes=5),
    )
    assert commit_batch(sample.users["street"], batch.pk).persons_created == 10


def _run(data_dir: Path, *args: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "WANGGE_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "wangge.settings",
        "WANGGE_IMPORT_CHUNK_PAUSE_MS": "0",
        "WANGGE_HIDDEN_CHECK_MS": "0",
    }
    env.pop("WANGGE_DATABASE_URL", None)  # the embedded SQLite file, as the issue names it
    return subprocess.Popen(
        [sys.executable, str(HERE / "commit_process.py"), *args],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_commit_killed_with_sigkill_leaves_users_the_database_as_before_and_a_retry_finishes(
    tmp_path: Path,
) -> None:
    prepare = _run(tmp_path, "prepare", "600")
    out, _ = prepare.communicate(timeout=300)
    assert prepare.returncode == 0, out
    prepared = json.loads(out.strip().splitlines()[-1])
    writer = _run(tmp_path, "commit", str(prepared["batch"]))
    assert writer.stdout is not None
    lines = []
    for line in writer.stdout:
        lines.append(line)
        if line.startswith("commit ") and int(line.split()[1]) >= 200:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait(30)
    assert writer.returncode == -signal.SIGKILL, lines
    assert not any("committed" in line for line in lines)

    finish = _run(tmp_path, "finish", str(prepared["batch"]))
    out, _ = finish.communicate(timeout=300)
    assert finish.returncode == 0, out
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["status"] == BatchStatus.COMMITTING  # the dead writer's batch, as it left it
    assert seen["stored_persons"] > seen["visible_persons"]  # chunks were written …
    assert seen["digest"] == prepared["digest"]  # … and users saw nothing of them
    assert seen["status_after"] == BatchStatus.COMMITTED
    assert (seen["created"], seen["matched"]) == (600, 1)
    assert seen["persons_after"] == seen["visible_persons"] + 600 == seen["stored_after"]
    assert seen["hidden_after"] == 0
    assert seen["digest_after_undo"] == prepared["digest"]


def test_a_clusters_values_newer_beat_older_but_the_first_id_number_stays() -> None:
    def row(**values: str | None) -> dict[str, str | None]:
        return {f: values.get(f) for f in commit_rows.PERSON_FIELDS}

    older = row(name="钱新来", id_number="110105199203040011", phone="13711112222")
    newer = row(name="钱新来", id_number="", phone="13799998888", gender="男")
    newest = row(name="钱新来", id_number="11010519920304001X", phone=None)
    values = commit_rows.resolve([older, newer, newest])
    assert values["id_number"] == ("110105199203040011", older)
    assert values["phone"] == ("13799998888", newer)
    assert values["gender"] == ("男", newer) and values["name"] == ("钱新来", newest)
    assert "birth_date" not in values and "ethnicity" not in values
    assert commit_rows.resolve([newer]) == {
        "name": ("钱新来", newer),
        "phone": ("13799998888", newer),
        "gender": ("男", newer),
    }
