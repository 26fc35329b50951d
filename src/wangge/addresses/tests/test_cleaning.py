"""Cleaning an address column: `wangge parse-addresses` and the departments' parse API."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from wangge.access.services import create_api_token
from wangge.addresses import services
from wangge.addresses.cleaning import COLUMNS, CleaningError, parse_many, read_addresses
from wangge.audit.models import AuditEntry
from wangge.core.testing import SampleDistrict, english_client

ADDRESSES = [
    "浙江杭州滨江区六和路368号",
    "北京北京市朝阳区幸福路10号院3号楼2单元301室",
    "",
    "镇海区骆驼街道",
]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_one_row_per_input_with_every_column() -> None:
    rows = list(parse_many(ADDRESSES))
    assert [r["address"] for r in rows] == ADDRESSES
    assert all(tuple(r) == COLUMNS for r in rows)
    assert rows[1]["district"] == "朝阳区" and rows[1]["room"] == "301"
    assert rows[2] == {column: "" for column in COLUMNS}


@pytest.mark.parametrize(
    ("address", "province", "city", "district"),
    [
        ("天河区体育西路1号", "广东省", "广州市", "天河区"),
        ("杭州西湖区文三路", "浙江省", "杭州市", "西湖区"),
        ("海淀区中关村大街1号", "北京市", "北京市", "海淀区"),  # a municipality
        ("温岭市太平街道", "浙江省", "台州市", "温岭市"),
        ("东莞市长安镇", "广东省", "东莞市", ""),
        ("仙桃市", "湖北省", "", "仙桃市"),  # directly under its province
        ("神农架林区松柏镇", "湖北省", "", "神农架林区"),  # one place under two codes
        # A name in several places stays as written: filling one in would be a guess.
        ("鼓楼区中山路1号", "", "", "鼓楼区"),
        ("江苏省鼓楼区", "江苏省", "", "鼓楼区"),
        ("朝阳区幸福路10号", "", "", "朝阳区"),
    ],
)
def test_levels_above_a_division_written_alone_are_filled_where_it_is_one_place(
    address: str, province: str, city: str, district: str
) -> None:
    (row,) = parse_many([address])
    assert (row["province"], row["city"], row["district"]) == (province, city, district)


def test_a_paragraph_is_no_address() -> None:
    (row,) = parse_many(["幸福路" * 100])
    assert row["road"] == "" and "不是一条地址" in row["doubt"]


def test_text_file_is_one_address_per_line_in_gbk_too() -> None:
    data = "\n".join(ADDRESSES).encode("gb18030")
    assert read_addresses("地址.txt", data) == ADDRESSES


def test_table_column_by_name_only_or_guessed(tmp_path: Path) -> None:
    data = "序号,住址,备注\n1,幸福路10号,x\n2,,y\n".encode()
    assert read_addresses("a.csv", data, column="住址") == ["幸福路10号", ""]
    assert read_addresses("a.csv", data) == ["幸福路10号", ""]  # 住址 is an address header
    with pytest.raises(CleaningError, match="没有名为“地点”的列（表头：序号、住址、备注）"):
        read_addresses("a.csv", data, column="地点")
    with pytest.raises(CleaningError, match="请用 --column"):
        read_addresses("b.csv", "甲,乙\n1,2\n".encode())
    with pytest.raises(CleaningError, match="超过单次上限 1 条"):
        read_addresses("a.csv", data, max_rows=1)


def test_command_writes_the_csv(tmp_path: Path) -> None:
    source = tmp_path / "in.txt"
    source.write_text("\n".join(ADDRESSES), encoding="utf-8")
    out = tmp_path / "out.csv"
    call_command("parse_addresses", str(source), "--out", str(out), stdout=io.StringIO())
    rows = _read(out)
    assert list(rows[0]) == list(COLUMNS)
    assert [r["address"] for r in rows] == ADDRESSES
    assert rows[0]["province"] == "浙江省" and rows[0]["road"] == "六和路"


def test_a_cell_that_would_be_a_formula_is_written_as_text(tmp_path: Path) -> None:
    # An address column planted with "=HYPERLINK(…)": Excel must not run it when the clerk
    # opens the cleaned file.
    source = tmp_path / "in.txt"
    source.write_text('=HYPERLINK("http://x","点我")\n+1幸福路10号\n幸福路3号', encoding="utf-8")
    out = tmp_path / "out.csv"
    call_command("parse_addresses", str(source), "--out", str(out), stdout=io.StringIO())
    rows = _read(out)
    assert rows[0]["address"] == '\'=HYPERLINK("http://x","点我")'
    assert rows[1]["address"] == "'+1幸福路10号"
    assert rows[2]["address"] == "幸福路3号" and rows[2]["number"] == "3"
    assert not any(v.startswith(("=", "+", "-", "@")) for row in rows for v in row.values())


def test_command_reads_an_xlsx_column(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["姓名", "现住址"])
    sheet.append(["张三", "幸福路10号3号楼2单元301"])
    path = tmp_path / "台账.xlsx"
    book.save(path)
    out = tmp_path / "out.csv"
    call_command(
        "parse_addresses", str(path), "--column", "现住址", "--out", str(out), stdout=io.StringIO()
    )
    (row,) = _read(out)
    assert (row["road"], row["number"], row["building"], row["unit"], row["room"]) == (
        "幸福路",
        "10",
        "3",
        "2",
        "301",
    )


def test_command_reads_an_ods_column(tmp_path: Path) -> None:
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    path = tmp_path / "台账.ods"
    path.write_bytes(
        ods_bytes(OdsSheet("居民", [["姓名", "现住址"], ["张三", "幸福路10号3-2-301"]]))
    )
    out = tmp_path / "out.csv"
    call_command(
        "parse_addresses", str(path), "--column", "现住址", "--out", str(out), stdout=io.StringIO()
    )
    (row,) = _read(out)
    assert (row["road"], row["number"], row["building"], row["room"]) == (
        "幸福路",
        "10",
        "3",
        "301",
    )


def test_command_errors_are_chinese(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("parse_addresses", str(tmp_path / "no.txt"), "--out", str(tmp_path / "o"))
    source = tmp_path / "in.txt"
    source.write_text("幸福路1号", encoding="utf-8")
    with pytest.raises(CommandError, match="文本文件每行一条地址"):
        call_command(
            "parse_addresses", str(source), "--column", "x", "--out", str(tmp_path / "o.csv")
        )


@pytest.fixture
def api(sample: SampleDistrict) -> Client:
    token = create_api_token(None, sample.users["street"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.django_db
def test_api_parses_a_list_and_logs_the_count_only(sample: SampleDistrict, api: Client) -> None:
    response = api.post(
        "/api/addresses/parse", {"addresses": ADDRESSES}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["count"] == 4
    assert data["items"][0]["district"] == "滨江区"
    entry = AuditEntry.objects.using("audit").filter(object_type="address_parse").last()
    assert entry is not None and entry.detail == {"rows": 4}
    assert "六和路" not in str(entry.detail)


@pytest.mark.django_db
def test_api_bounds_and_errors(
    sample: SampleDistrict, api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(services, "PARSE_MAX_ADDRESSES", 2)
    response = api.post(
        "/api/addresses/parse", {"addresses": ADDRESSES}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "一次最多解析 2 条地址" in response.json()["message"]
    bad = api.post("/api/addresses/parse", {"addresses": "x"}, content_type="application/json")
    assert bad.status_code == 422 and "请求参数有误" in bad.json()["message"]


@pytest.mark.django_db
def test_api_file_variant_returns_csv(
    sample: SampleDistrict, api: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload = io.BytesIO("地址,备注\n幸福路10号3-2-301,a\n".encode())
    upload.name = "ledger.csv"
    response = api.post("/api/addresses/parse-file", {"file": upload})
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["building"] == "3" and rows[0]["room"] == "301"

    monkeypatch.setattr(services, "PARSE_MAX_FILE_BYTES", 10)
    upload = io.BytesIO(b"x" * 11)
    upload.name = "big.txt"
    response = api.post("/api/addresses/parse-file", {"file": upload})
    assert response.status_code == 400 and "文件超过" in response.json()["message"]


@pytest.mark.django_db
def test_api_refuses_a_user_without_role_and_logs_it(sample: SampleDistrict) -> None:
    token = create_api_token(None, sample.users["nobody"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = client.post(
        "/api/addresses/parse", {"addresses": ["幸福路1号"]}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "没有任何角色" in response.json()["message"]
    assert AuditEntry.objects.using("audit").filter(action="refused").exists()
    assert Client().post("/api/addresses/parse", {"addresses": []}).status_code == 401


DOUBTFUL = "朝阳区香年广场5-10楼"
DOUBT_ZH = (
    "“朝阳区”有2处（北京市、吉林省长春市），未写上级，无法确定是哪一处；"
    "“5-10楼”按5栋、10层读，也可能是5至10层"
)
DOUBT_EN = (
    "“朝阳区” is in 2 places (北京市、吉林省长春市); with no higher division written, which "
    "one cannot be told; “5-10楼” read as building 5, floor 10; it may also be floors 5 to 10"
)


def test_the_parsers_doubts_are_chinese_text_that_can_be_said_in_english() -> None:
    """The command line's CSV writes the text, Chinese as before."""
    (row,) = parse_many([DOUBTFUL])
    assert row["doubt"] == DOUBT_ZH


@pytest.mark.django_db
def test_api_says_the_doubts_in_the_callers_language(sample: SampleDistrict, api: Client) -> None:
    """A user who chose English reads them in English, in the list and in the file's CSV; a
    token's client (no language chosen) reads Chinese."""
    english = english_client(sample.users["street"])
    answer = english.post(
        "/api/addresses/parse", {"addresses": [DOUBTFUL]}, content_type="application/json"
    )
    assert answer.json()["items"][0]["doubt"] == DOUBT_EN
    upload = io.BytesIO(f"地址\n{DOUBTFUL}\n".encode())
    upload.name = "ledger.csv"
    rows = csv.DictReader(
        io.StringIO(english.post("/api/addresses/parse-file", {"file": upload}).content.decode())
    )
    assert next(rows)["doubt"] == DOUBT_EN
    chinese = api.post(
        "/api/addresses/parse", {"addresses": [DOUBTFUL]}, content_type="application/json"
    )
    assert chinese.json()["items"][0]["doubt"] == DOUBT_ZH


def test_a_failed_formulas_value_is_no_address() -> None:
    (row,) = parse_many(["#N/A"])
    assert row["road"] == "" and row["doubt"] == "公式错误值（公式出错），不是一条地址，未解析"
