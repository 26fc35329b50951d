"""Import batches in the platform: stage, commit all or nothing, provenance, re-import, undo."""

from __future__ import annotations

import datetime
import io
import zipfile

import polars as pl
import pytest
from openpyxl import Workbook

from wangge.core.errors import Forbidden, ServiceError
from wangge.core.testing import SampleDistrict
from wangge.fusion.models import BatchStatus, ImportBatch, SourceRecord, ValueSource
from wangge.fusion.services import Upload, commit_batch, stage_batch, staged_records, undo_batch
from wangge.people.idnumber import make_id_number
from wangge.people.models import Household, Person, Residence

pytestmark = pytest.mark.django_db


NEW_ID = make_id_number("110105", datetime.date(1992, 3, 4), 123, "男")


def ledger(sample: SampleDistrict, extra: str = "") -> bytes:
    known = sample.persons[0]
    if known.name != "王测甲":  # sample names carry digits, which ledgers would reject
        known.name = "王测甲"
        known.save(update_fields=["name"])
    text = (
        "幸福一村社区实有人口台账\n"
        "序号,姓名,身份证号码,联系电话,现居住地址\n"
        f"1,{known.name},{known.id_number},13700001111,幸福路10号3号楼2单元301室\n"
        f"2,钱新来,{NEW_ID},13711112222,幸福路11号3号楼2单元302\n"
        "3,钱新来,,137-1111-2222,幸福路11号3-2-302\n"
        "4,不详,,,幸福路11号3-2-302\n"
        f"{extra}"
        "填表人：赵六\n"
    )
    return text.encode("gb18030")


def stage(sample: SampleDistrict, user: str = "street", data: bytes | None = None) -> ImportBatch:
    return stage_batch(sample.users[user], [Upload("台账.csv", data or ledger(sample))])


def test_staging_reads_maps_and_links_without_touching_persons(sample: SampleDistrict) -> None:
    before = Person.objects.count()
    batch = stage(sample)
    assert batch.status == BatchStatus.STAGED
    assert batch.summary["rows"] == 4
    assert batch.summary["rejected"] == 1
    assert batch.summary["persons"] == 2
    assert batch.files[0]["sheets"][0]["header_rows"] == [2]
    assert Person.objects.count() == before


def test_commit_creates_new_persons_updates_known_ones_and_records_sources(
    sample: SampleDistrict,
) -> None:
    known = sample.persons[0]
    batch = stage(sample)
    summary = commit_batch(sample.users["street"], batch.pk)
    assert summary.persons_created == 1
    assert summary.persons_matched == 1
    new = Person.objects.get(name="钱新来")
    assert new.id_number == NEW_ID
    assert new.phone == "13711112222"
    assert new.household is not None and new.household.room is not None
    assert new.household.room.address_code == sample.grids[1].code + "0001"
    known.refresh_from_db()
    assert known.phone == "13700001111"  # the newer ledger value wins
    phone_source = ValueSource.objects.get(entity="person", entity_id=known.pk, field="phone")
    assert phone_source.record.row == 3 and phone_source.record.file_name == "台账.csv"
    assert SourceRecord.objects.filter(person=new).count() == 2


def test_a_created_persons_values_name_the_newest_row_that_says_them(
    sample: SampleDistrict,
) -> None:
    """A person the import created has no ValueSource rows (2.5 million at 1M ledger rows):
    the person page names, for each value, the newest of the person's rows that says it."""
    from wangge.fusion.selectors import person_provenance

    rows = (
        "姓名,身份证号码,联系电话,现居住地址,登记日期\n"
        f"钱新来,{NEW_ID},13711112222,幸福路11号3号楼2单元302,2024-01-05\n"
        f"钱新来,{NEW_ID},13799998888,幸福路11号3号楼2单元302,2025-06-01\n"
        f"钱新来,{NEW_ID},,幸福路11号3号楼2单元302,2023-03-03\n"
    )
    batch = stage(sample, data=rows.encode())
    commit_batch(sample.users["street"], batch.pk)
    new = Person.objects.get(name="钱新来")
    assert new.phone == "13799998888"  # the newest phone
    assert not ValueSource.objects.filter(entity="person", entity_id=new.pk).exists()
    sources = {f.field: f.record for f in person_provenance(new).fields}
    assert sources["phone"] is not None and sources["phone"].row == 3  # 2025's row
    assert sources["name"] is not None and sources["name"].row == 3  # every row says it
    assert sources["id_number"] is not None and sources["id_number"].row == 3  # the newest
    new.phone = "13600000000"  # changed since, on a visit: no row says it
    new.save()
    assert {f.field: f.record for f in person_provenance(new).fields}["phone"] is None


def test_reimporting_the_same_file_changes_nothing(sample: SampleDistrict) -> None:
    commit_batch(sample.users["street"], stage(sample).pk)
    counts = (Person.objects.count(), Household.objects.count(), Residence.objects.count())
    sources = SourceRecord.objects.count()
    again = commit_batch(sample.users["street"], stage(sample).pk)
    assert again.rows_skipped == 3
    assert again.persons_created == again.persons_updated == 0
    assert (Person.objects.count(), Household.objects.count(), Residence.objects.count()) == counts
    assert SourceRecord.objects.count() == sources


def test_undo_restores_exactly_the_state_before(sample: SampleDistrict) -> None:
    known = sample.persons[0]
    data = ledger(sample)
    known.refresh_from_db()
    snapshot = (
        sorted(Person.objects.values_list("pk", "name", "phone_index", "household_id", "grid_id")),
        sorted(Residence.objects.values_list("pk", "person_id", "household_id", "until")),
        sorted(Household.objects.values_list("pk", "room_id")),
    )
    batch = stage(sample, data=data)
    commit_batch(sample.users["street"], batch.pk)
    undo_batch(sample.users["street"], batch.pk)
    after = (
        sorted(Person.objects.values_list("pk", "name", "phone_index", "household_id", "grid_id")),
        sorted(Residence.objects.values_list("pk", "person_id", "household_id", "until")),
        sorted(Household.objects.values_list("pk", "room_id")),
    )
    assert after == snapshot
    known.refresh_from_db()
    assert known.phone == sample.persons[0].phone
    assert not SourceRecord.objects.exists() and not ValueSource.objects.exists()
    assert ImportBatch.objects.get(pk=batch.pk).status == BatchStatus.UNDONE


def test_a_batch_cannot_be_undone_under_a_later_batch_that_touched_the_same_persons(
    sample: SampleDistrict,
) -> None:
    first = stage(sample)
    commit_batch(sample.users["street"], first.pk)
    known = sample.persons[0]
    second_file = (
        f"姓名,身份证号码,联系电话\n{known.name},{known.id_number},13799998888\n"
    ).encode()
    second = stage(sample, data=second_file)
    commit_batch(sample.users["street"], second.pk)
    with pytest.raises(ServiceError, match="请先撤销批次"):
        undo_batch(sample.users["street"], first.pk)
    undo_batch(sample.users["street"], second.pk)
    undo_batch(sample.users["street"], first.pk)


def test_grid_workers_cannot_import(sample: SampleDistrict) -> None:
    with pytest.raises(Forbidden):
        stage(sample, user="grid")


def test_rows_outside_the_importers_region_are_rejected(sample: SampleDistrict) -> None:
    outside = f"5,孙外来,{NEW_ID},13722223333,幸福路12号3号楼2单元301\n"  # 金台里社区
    batch = stage(sample, user="community", data=ledger(sample, extra=outside))
    records = staged_records(batch)
    row = records.filter(pl.col("name") == "孙外来").to_dicts()[0]
    assert row["status"] == "rejected"
    assert row["reason"] == "地址不在您的管辖范围内"  # no dangling separator when it is alone


def _xlsx(rows: list[list[str]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("坏.xlsx", b"PK\x03\x04 broken", "坏.xlsx"),
        ("空.csv", b"", "空.csv"),
        ("货物.xlsx", _xlsx([["品名", "数量"], ["沙袋", "100"], ["铁锹", "20"]]), "表头"),
        ("乱码.csv", bytes(range(128, 256)) * 40, "乱码.csv"),
    ],
)
def test_bad_files_give_a_clear_message_and_store_nothing(
    sample: SampleDistrict, name: str, data: bytes, message: str
) -> None:
    with pytest.raises(ServiceError) as error:
        stage_batch(sample.users["street"], [Upload(name, data)])
    assert message in error.value.message
    assert not ImportBatch.objects.exists()


def test_one_valid_row_among_many_broken_ones_stops_the_batch(sample: SampleDistrict) -> None:
    rows = "姓名,身份证号码,联系电话\n" + "不详,,\n" * 1000 + f"王五,{NEW_ID},\n"
    with pytest.raises(ServiceError, match="疑似列对应错误"):
        stage_batch(sample.users["street"], [Upload("x.csv", rows.encode())])
    assert not ImportBatch.objects.exists()


def test_zip_bomb_is_refused(sample: SampleDistrict, settings: pytest.FixtureRequest) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", "<a>" + "0" * 50_000_000 + "</a>")
    with pytest.raises(ServiceError):
        stage_batch(sample.users["street"], [Upload("炸弹.xlsx", buf.getvalue())])
    assert not ImportBatch.objects.exists()


def test_file_size_limit_is_configurable(sample: SampleDistrict, settings: object) -> None:
    settings.WANGGE_IMPORT_MAX_FILE_BYTES = 100  # type: ignore[attr-defined]
    with pytest.raises(ServiceError, match="台账.csv"):
        stage(sample)


def test_import_of_one_person_on_many_rows_and_a_placeholder_id_stays_bounded(
    sample: SampleDistrict,
) -> None:
    """Issue 13: the same bounds in the platform's import as in `wangge fuse`: rows of one
    person beyond the block cap go to review, a placeholder ID joins nobody."""
    lines = ["姓名,身份证号码,联系电话,现居住地址"]
    for i in range(260):
        lines.append(f"钱新来,{NEW_ID if i % 2 == 0 else ''},13711112222,幸福路11号3-2-302")
    for i in range(40):
        given = "甲乙丙丁戊己庚辛壬癸"[i % 10] + "东南西北"[i // 10]
        lines.append(f"孙{given},000000000000000000,1390000{i:04d},")
    batch = stage(sample, data="\n".join(lines).encode("utf-8"))
    assert batch.summary["rows"] == 300
    records = staged_records(batch)
    status = records.get_column("status").to_list()
    reasons = records.get_column("reason").to_list()
    person = records.get_column("person_key").to_list()
    # The first 100 rows of the shared key are compared: their 50 rows without a number join
    # the person; the 80 rows beyond go to review.
    assert len({person[i] for i in range(0, 100)}) == 1
    beyond = [i for i in range(100, 260) if i % 2 == 1]
    assert all(status[i] == "doubtful" and "超过逐一比对的上限" in reasons[i] for i in beyond)
    assert all("占位号码" in reasons[i] for i in range(260, 300))
    assert len({person[i] for i in range(260, 300)}) == 40


def test_a_row_with_cells_past_the_header_is_imported_and_says_what_was_left(
    sample: SampleDistrict, client
) -> None:
    extra = "5,孙多列,,13722223333,幸福路11号3-2-302,2单元,备用13900000000\n"
    batch = stage(sample, data=ledger(sample, extra))
    said = "有 7 列，表头只有 5 列：多出的“2单元”“备用13900000000”未导入"
    notes = batch.files[0]["sheets"][0]["notes"]
    assert f"第 7 行{said}" in notes  # kept with the batch, beside the sheet's mapping
    client.force_login(sample.users["street"])
    assert f"第 7 行{said}" in client.get(f"/imports/{batch.pk}/").content.decode()
    commit_batch(sample.users["street"], batch.pk)
    record = SourceRecord.objects.get(batch=batch, row=7)
    assert record.person is not None and record.person.phone == "13722223333"
    assert record.reason.startswith(said)  # and with the row it came from
