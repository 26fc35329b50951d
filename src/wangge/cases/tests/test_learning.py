"""The suggester learns from the cases staff confirmed: retraining, the model file, the job."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from wangge.audit.models import AuditEntry
from wangge.cases import learning, services
from wangge.cases.models import Case, CaseStatus, Category, Channel
from wangge.cases.suggester import CategorySuggester, default_suggester
from wangge.core.testing import SampleDistrict
from wangge.jobs.models import Job, JobStatus
from wangge.jobs.registry import KINDS

pytestmark = pytest.mark.django_db

# Local jargon no shipped text uses: this office's hotline calls night-time muck trucks
# "夜猫子车队".
JARGON = [
    "夜猫子车队又来了，轰隆隆一整夜",
    "昨晚夜猫子车队来回跑了十几趟",
    "夜猫子车队凌晨三点还在跑",
    "又是夜猫子车队，吵得睡不着",
]
PROBE = "夜猫子车队又在跑"
TOY = (
    ["楼上装修太吵", "装修电钻噪音", "路灯不亮了", "路灯坏了一排"],
    ["TS0101", "TS0101", "SJ0604", "SJ0604"],
)


@pytest.fixture(autouse=True)
def _own_data_dir(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def table() -> None:
    services.load_categories(
        None, services.DEFAULT_CATEGORY_FILE.read_bytes(), file_name="categories.csv"
    )


@pytest.fixture
def small_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where what is learnt does not matter, train on four texts instead of the corpus."""
    monkeypatch.setattr(learning, "training_data", lambda: (list(TOY[0]), list(TOY[1])))


def make_case(
    title: str,
    code: str,
    *,
    channel: str = Channel.HOTLINE,
    status: str = CaseStatus.DISPATCHED,
    returns: int = 0,
) -> Case:
    make_case.counter += 1  # type: ignore[attr-defined]
    return Case.objects.create(
        number=f"T{make_case.counter:08d}",  # type: ignore[attr-defined]
        channel=channel,
        status=status,
        title=title,
        category=Category.objects.get(code=code),
        created_at=timezone.now(),
        return_count=returns,
    )


make_case.counter = 0  # type: ignore[attr-defined]


def top(text: str) -> list[str]:
    return [category.code for category, _ in services.suggest_categories(text)]


# ---- suggestions ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("楼上装修电钻声太吵，晚上十点还在钻", "TS0101"),
        ("小区门口的路灯坏了好几天，晚上黑漆漆的", "SJ0604"),
        ("孩子户口在片区内却被划到别的学校", "TS2101"),
        ("在商场办的健身卡，店铺关门了预付的钱退不回来", "TS2201"),
    ],
)
def test_typical_messages_get_their_category_first(table: None, text: str, code: str) -> None:
    assert top(text)[0] == code


# ---- which cases teach it ------------------------------------------------------------------


def test_confirmed_means_staff_stood_behind_the_category(table: None) -> None:
    picked_by_staff = make_case("楼上装修", "TS0101")
    closed_resident_pick = make_case(
        "楼上装修", "TS0101", channel=Channel.RESIDENT_WEB, status=CaseStatus.CLOSED
    )
    make_case("楼上装修", "TS0101", channel=Channel.RESIDENT_WEB)  # resident's pick, open
    make_case("楼上装修", "TS0101", status=CaseStatus.NEW)  # not dispatched yet
    make_case("楼上装修", "TS0101", returns=1)  # a department sent it back
    make_case("噪音", "TS01")  # a major class only
    assert set(learning.confirmed_cases()) == {picked_by_staff, closed_resident_pick}


# ---- retraining ----------------------------------------------------------------------------


def test_retraining_learns_the_offices_own_wording(table: None) -> None:
    assert "SJ0303" not in top(PROBE)[:1]
    for title in JARGON:
        make_case(title, "SJ0303")  # 渣土车 / 运输遗撒 under 施工管理
    result = learning.retrain(None)
    assert result["retrained"] and result["office_cases"] == len(JARGON)
    assert top(PROBE)[0] == "SJ0303"
    # the typical wording is still understood
    assert top("楼上装修电钻声太吵")[0] == "TS0101"


def test_the_scheduled_run_skips_when_nothing_new_was_confirmed(
    table: None, small_corpus: None
) -> None:
    assert learning.retrain(None)["retrained"] is False  # nothing confirmed, nothing stored
    assert not learning.model_path().exists()
    make_case("装修噪音", "TS0101")
    assert learning.retrain(None)["retrained"] is True
    assert learning.retrain(None)["retrained"] is False
    make_case("路灯坏了", "SJ0604")
    assert learning.retrain(None)["retrained"] is True
    assert learning.retrain(None, force=True)["retrained"] is True


# ---- the model file ------------------------------------------------------------------------


def toy_model(labels: list[str]) -> CategorySuggester:
    return CategorySuggester().train(TOY[0], labels)


def test_web_processes_pick_up_a_new_model_file(table: None) -> None:
    first = toy_model(TOY[1])
    learning.write_model(first)
    assert top("装修太吵")[0] == "TS0101"
    learning.write_model(toy_model(["TS0102", "TS0102", "SJ0604", "SJ0604"]))
    assert top("装修太吵")[0] == "TS0102"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[:-10],
        lambda data: data[:40] + bytes([data[40] ^ 1]) + data[41:],
        lambda data: toy_model(TOY[1]).to_bytes(),  # not encrypted: not written by the platform
    ],
)
def test_a_damaged_or_foreign_model_file_falls_back_to_the_cold_start_model(
    table: None, damage: Any, caplog: pytest.LogCaptureFixture
) -> None:
    path = learning.write_model(toy_model(["TS0102", "TS0102", "SJ0604", "SJ0604"]))
    path.write_bytes(damage(path.read_bytes()))
    assert learning.current_suggester() is default_suggester()
    assert "无法使用" in caplog.text
    assert top("楼上装修电钻声太吵")[0] == "TS0101"


def test_a_missing_model_file_means_the_cold_start_model(table: None) -> None:
    assert not learning.model_path().exists()
    assert learning.current_suggester() is default_suggester()


def test_the_model_file_is_encrypted_and_private(table: None) -> None:
    path = learning.write_model(toy_model(TOY[1]))
    assert b"wangge-suggester" not in path.read_bytes() and b"PK" not in path.read_bytes()[:2]
    assert path.stat().st_mode & 0o077 == 0


# ---- the job and who may start it ----------------------------------------------------------


def test_retraining_is_scheduled_weekly_by_default() -> None:
    assert KINDS["suggester-retrain"].every == 7 * 24 * 3600


def test_a_district_admin_retrains_from_the_page_and_sees_the_result(
    sample: SampleDistrict, table: None, small_corpus: None
) -> None:
    make_case("装修噪音", "TS0101")
    client = Client()
    client.force_login(sample.users["admin"])
    page = client.get("/cases/suggester/")
    assert page.status_code == 200 and "尚未用本单位的案件训练" in page.content.decode()
    client.cookies["django_language"] = "en"
    assert "Not yet trained on this office" in client.get("/cases/suggester/").content.decode()
    client.cookies["django_language"] = "zh-hans"
    response = client.post("/cases/suggester/")
    job = Job.objects.get(kind="suggester-retrain")
    assert response.status_code == 302 and response["Location"] == f"/jobs/{job.pk}/"
    assert job.status == JobStatus.SUCCEEDED and job.user_id == sample.users["admin"].pk
    assert "已用本单位确认的 1 件案件" in job.result["message"]
    assert "已用本单位确认的 1 件案件" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert "使用本单位确认的案件训练的模型" in client.get("/cases/suggester/").content.decode()
    client.cookies["django_language"] = "en"
    english = client.get("/cases/suggester/").content.decode()
    assert "Using the model trained on the cases this office confirmed" in english
    assert "使用本单位确认的案件训练的模型" not in english


def test_the_retraining_is_audited(sample: SampleDistrict, table: None, small_corpus: None) -> None:
    make_case("装修噪音", "TS0101")
    job = learning.start_retrain(sample.users["admin"])
    entry = AuditEntry.objects.get(object_type="cases.suggester")
    assert entry.user_id == sample.users["admin"].pk and entry.action == "update"
    assert entry.detail["office_cases"] == 1 and entry.detail["retrained"] is True
    assert job.result["office_cases"] == 1


def test_the_api_starts_a_retraining_for_district_admins(
    sample: SampleDistrict, table: None, small_corpus: None
) -> None:
    client = Client()
    client.force_login(sample.users["admin"])
    response = client.post("/api/cases/suggester/retrain")
    assert response.status_code == 202 and response.json()["status"] == "succeeded"
    status = client.get("/api/cases/suggester").json()
    assert status["stored"] is True and status["confirmed_cases"] == 0
    assert status["trained_at"] and status["texts"] == len(TOY[0])


@pytest.mark.parametrize("role", ["street", "community", "grid", "police", "nobody"])
def test_nobody_else_may_retrain_or_look(sample: SampleDistrict, table: None, role: str) -> None:
    client = Client()
    client.force_login(sample.users[role])
    assert client.post("/cases/suggester/").status_code == 403
    assert client.get("/cases/suggester/").status_code == 403
    assert client.post("/api/cases/suggester/retrain").status_code == 403
    assert client.get("/api/cases/suggester").status_code == 403
    assert not Job.objects.filter(kind="suggester-retrain").exists()
    assert AuditEntry.objects.filter(action="denied", detail__path="/cases/suggester/").exists()


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    assert Client().post("/cases/suggester/").status_code == 302
    assert Client().post("/api/cases/suggester/retrain").status_code in {401, 403}


def test_a_resident_is_offered_only_plausible_categories(table: None) -> None:
    """楼下路灯不亮 used to offer 装修噪音 and 供暖收费 too, each at 0.0."""
    everything = [c.name for c, _ in services.suggest_categories("楼下路灯不亮")]
    rows = Client().get("/report/suggest", {"text": "楼下路灯不亮"}).json()["suggestions"]
    assert rows and rows[0]["name"] == everything[0] and "路灯" in rows[0]["name"]
    assert all(row["score"] >= services.PLAUSIBLE_SHARE for row in rows[1:])
    assert len(rows) < len(everything)
