"""The import pages as a clerk uses them: upload, check, correct, decide, commit, undo."""

from __future__ import annotations

import datetime
import io
import re

import pytest
from django.test import Client
from openpyxl import load_workbook

from wangge.core.testing import SampleDistrict
from wangge.fusion.models import BatchStatus, ImportBatch, SourceRecord
from wangge.people.idnumber import make_id_number
from wangge.people.models import Person

pytestmark = pytest.mark.django_db

ID_ZHAO = make_id_number("110105", datetime.date(1980, 3, 4), 501, "男")
ID_QIAN = make_id_number("110105", datetime.date(1985, 6, 7), 502, "女")
ID_SUN = make_id_number("110105", datetime.date(1990, 1, 2), 503, "男")


def ledger_csv() -> bytes:
    """A community ledger over the sample district's rooms (幸福路10/11号 are the first
    community's buildings): four clean people, one doubtful repeat of 孙新三 (same room,
    other phone, no ID), one row without a name (rejected), one address only to the building.
    The phone column is headed 联系人电话, which reads as a contact's phone until corrected."""
    rows = [
        "序号,姓名,身份证号码,联系人电话,现居住地址,备注",
        f"1,赵新一,{ID_ZHAO},13812340001,幸福路10号3号楼2单元301,",
        f"2,钱新二,{ID_QIAN},13812340002,幸福路11号3号楼2单元302,",
        f"3,孙新三,{ID_SUN},13812340003,幸福路10号3号楼2单元302,",
        "4,孙新三,,13812340009,幸福路10号3号楼2单元302,",
        "5,,12345,,火星路1号,",
        "6,周新五,,13812340005,幸福路10号3号楼,",
        "7,吴新六,,13812340006,幸福路11号3号楼2单元301,",
    ]
    return ("\n".join(rows) + "\n").encode("utf-8")


def officer(sample: SampleDistrict, role: str = "community") -> Client:
    client = Client()
    client.force_login(sample.users[role])
    return client


def upload(client: Client, data: bytes, name: str = "幸福一村台账.csv") -> ImportBatch:
    response = client.post(
        "/imports/new/", {"ledgers": [io.BytesIO(data)], "label": "测试"}, format="multipart"
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return ImportBatch.objects.latest("pk")


def _file(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def stage(client: Client, data: bytes | None = None, name: str = "幸福一村台账.csv") -> ImportBatch:
    response = client.post(
        "/imports/new/", {"ledgers": [_file(data or ledger_csv(), name)], "label": "测试"}
    )
    assert response.status_code == 302, response.content.decode()[:800]
    batch = ImportBatch.objects.latest("pk")
    assert response["Location"] == f"/imports/{batch.pk}/"
    return batch


def test_upload_stages_a_batch_and_shows_what_was_found(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client)
    assert batch.status == BatchStatus.STAGED and batch.summary["rows"] == 7
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "导入批次" in page and "幸福一村台账.csv" in page
    assert "联系人电话" in page and "列名“联系人电话”" in page  # the mapping and its evidence
    assert "姓名为空" in page  # the rejected row with its reason
    assert "地址只到楼栋，缺少户室号" in page  # unmatched address …
    assert "幸福路10号3号楼2单元301室" in page  # … with the candidate rooms
    assert ID_ZHAO not in page and "13812340001" not in page  # staged identifiers stay hidden
    listing = client.get("/imports/").content.decode()
    assert f"/imports/{batch.pk}/" in listing and "待确认" in listing


def test_the_file_picker_offers_every_kind_of_ledger_the_reader_takes(sample: SampleDistrict):
    # The browser's dialog shows only the suffixes in `accept`: a macro template (.xlsm), a
    # binary workbook (.xlsb) or a system's tab-separated .txt could not be picked at all.
    page = officer(sample).get("/imports/new/").content.decode()
    accept = re.search(r'accept="([^"]*)"', page)
    assert accept is not None
    assert set(accept.group(1).split(",")) >= {
        *(".xlsx", ".xlsm", ".xlsb", ".xls", ".ods", ".csv", ".txt")
    }
    assert ".ods" in page  # said beside the picker too


def ledger_ods() -> bytes:
    """`ledger_csv` as WPS or LibreOffice save it: the same cells in an .ods."""
    import csv

    from wangge.core.tests.ods import OdsSheet, ods_bytes

    cells = list(csv.reader(io.StringIO(ledger_csv().decode("utf-8"))))
    return ods_bytes(OdsSheet("幸福一村", [[c or None for c in row] for row in cells]))


def test_an_ods_ledger_is_staged_as_its_xlsx_or_csv_would_be(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client, ledger_ods(), "幸福一村台账.ods")
    assert batch.status == BatchStatus.STAGED and batch.summary["rows"] == 7
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "幸福一村台账.ods" in page and "姓名为空" in page


def test_the_import_command_takes_an_ods_ledger(sample: SampleDistrict, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "幸福一村台账.ods"
    path.write_bytes(ledger_ods())
    out = io.StringIO()
    call_command("import", str(path), "--no-progress", stdout=out)
    assert "读入 7 行" in out.getvalue()
    assert ImportBatch.objects.get().status == BatchStatus.STAGED


def test_the_import_command_prints_the_notes_the_page_shows_beside_each_sheet(
    sample: SampleDistrict, tmp_path
):
    from django.core.management import call_command

    path = tmp_path / "幸福一村台账.csv"
    path.write_bytes("幸福一村人口台账\n".encode() + ledger_csv())
    out = io.StringIO()
    call_command("import", str(path), "--no-progress", stdout=out)
    assert "幸福一村台账.csv：跳过标题行 1" in out.getvalue().splitlines()


def test_the_list_names_how_a_batch_arrived(sample: SampleDistrict):
    """A batch loaded from the command line reads 命令行 beside its uploader, not `cli`."""
    client = officer(sample)
    batch = stage(client)
    ImportBatch.objects.filter(pk=batch.pk).update(channel="cli")
    listing = client.get("/imports/").content.decode()
    assert "命令行" in listing and '<span class="muted">cli</span>' not in listing


def test_a_bad_file_says_why_in_chinese_and_stores_nothing(sample: SampleDistrict):
    client = officer(sample)
    response = client.post("/imports/new/", {"ledgers": [_file(b"PK\x03\x04broken", "坏.xlsx")]})
    assert response.status_code == 400
    page = response.content.decode()
    assert "整批未导入" in page and "坏.xlsx" in page
    no_columns = _file("甲,乙\n1,2\n".encode(), "无表头.csv")
    response = client.post("/imports/new/", {"ledgers": [no_columns]})
    assert response.status_code == 400 and "整批未导入" in response.content.decode()
    assert client.post("/imports/new/", {}).status_code == 400
    assert not ImportBatch.objects.exists()


def test_an_empty_file_among_several_is_named(sample: SampleDistrict):
    client = officer(sample)
    files = [_file(ledger_csv(), "一网格.csv"), _file(b"", "二网格.xlsx")]
    response = client.post("/imports/new/", {"ledgers": files})
    assert response.status_code == 400
    page = response.content.decode()
    assert "二网格.xlsx：文件是空的" in page and "整批未导入" in page
    assert not ImportBatch.objects.exists()


def test_too_big_a_file_is_refused_before_reading(sample: SampleDistrict, settings):
    settings.WANGGE_IMPORT_MAX_FILE_BYTES = 100
    response = officer(sample).post("/imports/new/", {"ledgers": [_file(ledger_csv(), "大.csv")]})
    assert response.status_code == 400 and "超过上限" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_correcting_the_mapping_reruns_the_checks(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client)
    columns = batch.files[0]["sheets"][0]["columns"]
    phone = next(c for c in columns if c["header"] == "联系人电话")
    assert (phone["role"], phone["field"]) == ("contact", "phone")
    form = {"action": "remap", "sheet": "幸福一村台账.csv|"}
    for c in columns:
        form[f"role-{c['index']}"] = c["role"]
        form[f"field-{c['index']}"] = c["field"]
    form[f"role-{phone['index']}"] = "resident"
    response = client.post(f"/imports/{batch.pk}/", form)
    assert response.status_code == 302
    batch.refresh_from_db()
    phone = next(c for c in batch.files[0]["sheets"][0]["columns"] if c["header"] == "联系人电话")
    assert (phone["role"], phone["field"], phone["evidence"]) == (
        "resident",
        "phone",
        "人工指定或模板",
    )
    response = client.post(
        f"/imports/{batch.pk}/",
        {"action": "template", "sheet": "幸福一村台账.csv|", "name": "幸福一村模板"},
    )
    assert response.status_code == 302
    again = stage(client)  # the template applies to the next ledger of the same layout
    phone = next(c for c in again.files[0]["sheets"][0]["columns"] if c["header"] == "联系人电话")
    assert phone["role"] == "resident"


def test_invalid_mapping_choice_is_refused(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client)
    response = client.post(
        f"/imports/{batch.pk}/",
        {"action": "remap", "sheet": "幸福一村台账.csv|", "role-1": "martian", "field-1": "name"},
        follow=True,
    )
    assert "的对应无效" in response.content.decode()


def test_doubtful_pair_is_decided_then_commit_creates_persons(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client)
    review = batch.summary["review"]
    assert len(review) == 1
    pair = review[0]
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "同一人" in page and "不是同一人" in page and pair["evidence"] in page
    response = client.post(
        f"/imports/{batch.pk}/",
        {"action": "decide", "rid": pair["rid"], "decision": "same"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "已核实：同一人" in response.content.decode()
    before = Person.objects.count()
    response = client.post(f"/imports/{batch.pk}/", {"action": "commit"}, follow=True)
    assert "已导入" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTED
    assert Person.objects.count() == before + 5  # 赵 钱 孙(twice, one person) 周 吴
    assert Person.objects.filter(name="孙新三").count() == 1
    assert SourceRecord.objects.filter(batch=batch, person__name="孙新三").count() == 2


def test_undo_removes_what_the_batch_added(sample: SampleDistrict):
    client = officer(sample)
    before = Person.objects.count()
    batch = stage(client)
    client.post(f"/imports/{batch.pk}/", {"action": "commit"})
    assert Person.objects.count() > before
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "撤销本批次" in page
    response = client.post(f"/imports/{batch.pk}/", {"action": "undo"}, follow=True)
    assert "已撤销该批次" in response.content.decode()
    assert Person.objects.count() == before
    batch.refresh_from_db()
    assert batch.status == BatchStatus.UNDONE


def test_reimporting_the_same_file_changes_nothing(sample: SampleDistrict):
    client = officer(sample)
    first = stage(client)
    client.post(f"/imports/{first.pk}/", {"action": "commit"})
    count = Person.objects.count()
    records = SourceRecord.objects.count()
    second = stage(client)
    response = client.post(f"/imports/{second.pk}/", {"action": "commit"}, follow=True)
    assert "新增 0 人" in response.content.decode()
    assert Person.objects.count() == count and SourceRecord.objects.count() == records


def test_service_refusals_show_on_the_batch_page(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client)
    client.post(f"/imports/{batch.pk}/", {"action": "discard"})
    response = client.post(f"/imports/{batch.pk}/", {"action": "commit"}, follow=True)
    assert "不能再导入" in response.content.decode()


def test_rejected_rows_download_as_xlsx_with_reasons(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client)
    assert client.get(f"/imports/{batch.pk}/rejected.xlsx").status_code == 405  # starts a job
    started = client.post(f"/imports/{batch.pk}/rejected.xlsx")
    assert started["Location"].startswith("/jobs/")
    page = client.get(started["Location"]).content.decode()
    assert "下载文件" in page and "仅发起人可下载" in page
    download = started["Location"] + "download"
    assert f'href="{download}"' in page
    response = client.get(download)
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-1] == "原因"
    assert any("姓名为空" in (r[-1] or "") for r in rows[1:])


def test_roles_without_import_rights_get_403(sample: SampleDistrict):
    batch = stage(officer(sample))
    for role in ("grid", "police", "nobody"):
        client = officer(sample, role)
        assert client.get("/imports/").status_code == 403
        assert client.get("/imports/new/").status_code == 403
        assert client.get(f"/imports/{batch.pk}/").status_code == 403
        response = client.post("/imports/new/", {"ledgers": [_file(ledger_csv(), "x.csv")]})
        assert response.status_code == 403
        assert "只有区、街道、社区工作人员可以导入台账" in response.content.decode()
    # The offices over the community and the district see the batch (who else does not:
    # test_batch_scope.py).
    assert officer(sample, "street").get(f"/imports/{batch.pk}/").status_code == 200
    assert officer(sample, "admin").get(f"/imports/{batch.pk}/").status_code == 200


def test_nav_link_only_for_importing_roles(sample: SampleDistrict):
    assert "台账导入" in officer(sample).get("/people/search/").content.decode()
    assert "台账导入" not in officer(sample, "grid").get("/people/search/").content.decode()


def test_person_page_shows_where_each_value_came_from(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client)
    client.post(f"/imports/{batch.pk}/", {"action": "commit"})
    person = Person.objects.get(name="赵新一")
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "数据来源" in page
    assert "幸福一村台账.csv第2行" in page  # header is line 1
    assert f"#{batch.pk}" in page
    assert ID_ZHAO not in page


def test_person_page_keeps_conflicting_values_visible(sample: SampleDistrict):
    client = officer(sample)
    for name, phone in (("春季台账.csv", "13900000001"), ("秋季台账.csv", "13900000002")):
        ledger = (
            f"姓名,身份证号码,手机号,现居住地址\n赵新一,{ID_ZHAO},{phone},幸福路10号3号楼2单元301\n"
        )
        batch = stage(client, ledger.encode(), name)
        client.post(f"/imports/{batch.pk}/", {"action": "commit"})
    person = Person.objects.get(name="赵新一")
    assert person.phone == "13900000002"  # the newer ledger wins …
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert "秋季台账.csv第2行" in page and "春季台账.csv第2行" in page
    assert page.count('class="differs') == 1  # … and the older phone stays visible, marked
    assert "1 条来源记录与现值不一致" in page
    assert "13900000001" not in page  # still masked


def test_sources_show_the_age_never_the_birth_date(sample: SampleDistrict):
    client = officer(sample)
    client.post(f"/imports/{stage(client).pk}/", {"action": "commit"})
    person = Person.objects.get(name="赵新一")
    person.grid = sample.grids[0]
    person.save(update_fields=["grid"])
    for role in ("grid", "community"):  # the community officer may reveal, but has not
        page = officer(sample, role).get(f"/people/{person.pk}/").content.decode()
        assert "数据来源" in page and "1980-03-04" not in page and "1980年" not in page
        assert f"{person.age()}岁" in page


def test_import_pages_in_english(sample: SampleDistrict):
    client = officer(sample)
    batch = stage(client)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "Import batch" in page and "Column mapping" in page and "Confirm import" in page


def test_a_queued_commit_waits_for_the_worker_without_calling_it_missing(sample: SampleDistrict):
    """The batch page embeds the job's progress: a queued job there says that no worker runs
    only when none does (it used to say so whenever the job was queued, until the first poll)."""
    from django.utils import timezone

    from wangge.fusion.jobs import COMMIT
    from wangge.jobs.models import Job, JobStatus, WorkerBeat

    client = officer(sample)
    batch = stage(client)
    user = sample.users["community"]
    Job.objects.create(
        kind=COMMIT,
        label=f"确认导入批次 {batch.pk}",
        params={"batch_id": batch.pk},
        status=JobStatus.QUEUED,
        user_id=user.pk,
        username=user.username,
        region_code=sample.communities[0].code,
    )
    now = timezone.now()
    WorkerBeat.objects.create(
        name="host:1", host="host", pid=1, backend="database", started_at=now, seen_at=now
    )
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "排队中" in page and "没有运行中的后台任务进程" not in page
    WorkerBeat.objects.all().delete()
    assert "没有运行中的后台任务进程" in client.get(f"/imports/{batch.pk}/").content.decode()
