"""`wangge fuse`: ledgers in, the DESIGN.md result CSV out, from files alone."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from wangge.fusion.registry import Registry, RegistryError
from wangge.people.idnumber import make_id_number

ID = make_id_number("110105", __import__("datetime").date(1990, 1, 1), 123, "男")


def _square(x0: float, x1: float) -> dict[str, object]:
    ring = [[x0, 39.8], [x1, 39.8], [x1, 40.0], [x0, 40.0], [x0, 39.8]]
    return {"type": "Polygon", "coordinates": [ring]}


@pytest.fixture
def registry_files(tmp_path: Path) -> tuple[Path, Path]:
    features = [
        ("110105", "朝阳区", "district", None, _square(116.3, 116.5)),
        ("110105001", "京广路街道", "street", "110105", _square(116.3, 116.5)),
        ("110105001001", "幸福社区", "community", "110105001", _square(116.3, 116.5)),
        ("110105001001001", "第一网格", "grid", "110105001001", _square(116.3, 116.4)),
        ("110105001001002", "第二网格", "grid", "110105001001", _square(116.4, 116.5)),
    ]
    grids = tmp_path / "grids.geojson"
    grids.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"code": c, "name": n, "level": lv, "parent_code": p},
                        "geometry": g,
                    }
                    for c, n, lv, p, g in features
                ],
            },
            ensure_ascii=False,
        )
    )
    addresses = tmp_path / "addresses.csv"
    addresses.write_text(
        "地址编码,社区编码,街路巷,门牌号,楼栋号,单元号,户室号,纬度,经度\n"
        "R301,110105001001,幸福路,10,3,2,301,39.9,116.45\n"
        "R302,110105001001,幸福路,10,3,2,302,39.9,116.45\n",
        encoding="utf-8",
    )
    return grids, addresses


def _fuse(tmp_path: Path, registry: tuple[Path, Path], *ledgers: Path) -> list[dict[str, str]]:
    out = tmp_path / "result.csv"
    call_command(
        "fuse",
        *map(str, ledgers),
        "--grids",
        str(registry[0]),
        "--addresses",
        str(registry[1]),
        "--out",
        str(out),
        "--no-progress",
    )
    with out.open(encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def test_fuse_writes_one_row_per_person_row_with_keys_room_and_grid(
    tmp_path: Path, registry_files: tuple[Path, Path]
) -> None:
    a = tmp_path / "社区台账.csv"
    a.write_text(
        f"幸福社区人口台账\n姓名,身份证号,电话,住址\n王伟,{ID},13812345678,幸福路10号3号楼2单元301室\n"
        "李娜,,13912345678,幸福路10号3-2-302\n填表人：赵六\n",
        encoding="utf-8",
    )
    b = tmp_path / "派出所.csv"
    b.write_bytes(
        f"姓名,公民身份号码,手机号,暂住地址\n王玮,{ID},+86 138-1234-5678,幸福路十号三号楼二单元301\n"
        "某某,,,火星路1号\n".encode("gbk")
    )
    rows = _fuse(tmp_path, registry_files, a, b)
    assert list(rows[0]) == [
        "source_file",
        "source_sheet",
        "source_row",
        "person_key",
        "household_key",
        "address_code",
        "grid_code",
        "status",
        "reason",
    ]
    by_where = {(r["source_file"], r["source_row"]): r for r in rows}
    wang_a, wang_b = by_where[("社区台账.csv", "3")], by_where[("派出所.csv", "2")]
    assert wang_a["person_key"] == wang_b["person_key"] != ""
    assert wang_a["address_code"] == "R301" and wang_a["grid_code"] == "110105001001002"
    assert by_where[("社区台账.csv", "4")]["household_key"] != wang_a["household_key"]
    stranger = by_where[("派出所.csv", "3")]
    assert stranger["address_code"] == "" and "地址未匹配" in stranger["reason"]


def test_fuse_reads_an_ods_ledger(tmp_path: Path, registry_files: tuple[Path, Path]) -> None:
    from wangge.core.tests.ods import OdsSheet, ods_bytes

    ledger = tmp_path / "社区台账.ods"
    ledger.write_bytes(
        ods_bytes(
            OdsSheet(
                "人口",
                [
                    ["幸福社区人口台账", None, None, None],
                    ["姓名", "身份证号", "电话", "住址"],
                    ["王伟", ID, 13812345678, "幸福路10号3号楼2单元301室"],
                ],
                merges=[(0, 0, 1, 4)],
            )
        )
    )
    (row,) = _fuse(tmp_path, registry_files, ledger)
    assert (row["source_file"], row["source_sheet"], row["source_row"]) == (
        "社区台账.ods",
        "人口",
        "3",
    )
    assert row["address_code"] == "R301" and row["person_key"] != ""


def test_fuse_refuses_an_unreadable_ledger_with_its_name(
    tmp_path: Path, registry_files: tuple[Path, Path]
) -> None:
    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(CommandError, match="坏文件.xlsx"):
        _fuse(tmp_path, registry_files, broken)
    assert not (tmp_path / "result.csv").exists()


def test_fuse_refuses_a_ledger_without_person_columns(
    tmp_path: Path, registry_files: tuple[Path, Path]
) -> None:
    goods = tmp_path / "物资.csv"
    goods.write_text("物资名称,数量,存放地点\n沙袋,100,仓库\n铁锹,20,仓库\n", encoding="utf-8")
    with pytest.raises(CommandError, match="物资.csv"):
        _fuse(tmp_path, registry_files, goods)


def test_a_big_batch_is_read_and_matched_in_a_second_process_with_the_same_result(
    tmp_path: Path, registry_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wangge.fusion import pipeline, row_addresses
    from wangge.fusion.registry import Registry

    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        "姓名,身份证号,电话,住址\n"
        + "".join(
            f"王{'伟玮炜'[i % 3]},{ID if i % 2 else ''},1381234{i:04d},幸福路10号3号楼2单元30{1 + i % 2}\n"
            for i in range(40)
        ),
        encoding="utf-8",
    )
    workbook = tmp_path / "走访.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["姓名", "联系电话", "现住址"])
    sheet.append(["李娜", "13800000009", "幸福路10号3号楼2单元302"])
    sheet.append(["张三", "13800000010", "幸服路10号3号楼2单元301室"])  # the matcher's
    book.save(workbook)
    files = [workbook, ledger]  # the workbook is read in the second process, the CSV here
    registry = Registry.from_files(registry_files[1], registry_files[0])
    inline = pipeline.fuse_files(files, registry)
    monkeypatch.setattr(pipeline, "BACKGROUND_READ_FROM_BYTES", 1)
    monkeypatch.setattr(row_addresses, "HELPER_SLICE", 7)  # several slices of addresses to look up
    monkeypatch.setattr(row_addresses, "HELPER_MIN_ADDRESSES", 1)  # and some to parse there
    background = pipeline.fuse_files(
        files, lambda: Registry.from_files(registry_files[1], registry_files[0])
    )
    assert background.records.get_column("source_file").to_list()[0] == "走访.xlsx"
    assert "read+registry" in background.timings
    columns = ["source_row", "person_key", "household_key", "address_code", "status", "reason"]
    a, b = background.records.select(columns), inline.records.select(columns)
    for col in columns:
        assert a.get_column(col).to_list() == b.get_column(col).to_list(), col


def test_fuse_prints_the_notes_the_import_page_shows_beside_each_sheet(
    tmp_path: Path, registry_files: tuple[Path, Path]
) -> None:
    """Hidden sheets and rows read, title rows skipped: said on the page, and here too."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "一网格"
    sheet.append(["幸福社区人口台账"])
    sheet.append(["姓名", "身份证号", "住址"])
    sheet.append(["王伟", ID, "幸福路10号3号楼2单元301室"])
    book.create_sheet("旧表").sheet_state = "hidden"
    book["旧表"].append(["姓名", "身份证号", "住址"])
    book["旧表"].append(["李娜", "", "幸福路10号3号楼2单元302室"])
    ledger = tmp_path / "台账.xlsx"
    book.save(ledger)
    err = io.StringIO()
    call_command(
        "fuse",
        str(ledger),
        "--grids",
        str(registry_files[0]),
        "--addresses",
        str(registry_files[1]),
        "--out",
        str(tmp_path / "result.csv"),
        "--no-progress",
        stderr=err,
        stdout=io.StringIO(),
    )
    lines = err.getvalue().splitlines()
    assert "台账.xlsx［一网格］：跳过标题行 1" in lines
    assert "台账.xlsx［旧表］：工作表“旧表”是隐藏的工作表，仍已读取" in lines


def test_a_file_the_second_process_cannot_read_stops_the_batch_with_its_problems(
    tmp_path: Path, registry_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from wangge.fusion import pipeline
    from wangge.fusion.registry import Registry

    broken = tmp_path / "坏文件.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    monkeypatch.setattr(pipeline, "BACKGROUND_READ_FROM_BYTES", 1)
    with pytest.raises(pipeline.FusionError) as caught:
        pipeline.fuse_files(
            [broken], lambda: Registry.from_files(registry_files[1], registry_files[0])
        )
    assert len(caught.value.problems) == 1 and "坏文件.xlsx" in caught.value.problems[0]


def test_the_command_line_exits_at_once_with_everything_written_and_said(
    tmp_path: Path, registry_files: tuple[Path, Path]
) -> None:
    """The real `wangge fuse` skips the interpreter's teardown; nothing it wrote may be lost."""
    ledger = tmp_path / "台账.csv"
    ledger.write_text(
        f"姓名,身份证号,住址\n王伟,{ID},幸福路10号3号楼2单元301室\n", encoding="utf-8"
    )
    out = tmp_path / "result.csv"
    run = subprocess.run(
        [sys.executable, "-m", "wangge", "fuse", str(ledger), "--grids", str(registry_files[0]),
         "--addresses", str(registry_files[1]), "--out", str(out), "--no-progress"],
        capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "读入 1 行 → 1 人" in run.stdout and run.stdout.rstrip().endswith("s")
    with out.open(encoding="utf-8-sig") as f:
        assert [r["address_code"] for r in csv.DictReader(f)] == ["R301"]


def test_a_failing_command_line_run_still_says_why_and_exits_non_zero(tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "wangge", "fuse", str(tmp_path / "无此文件.csv"),
         "--out", str(tmp_path / "r.csv")],
        capture_output=True, text=True, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )  # fmt: skip
    assert run.returncode == 1 and "找不到台账文件" in run.stderr


def test_the_command_line_returns_freed_memory_sooner_unless_told_otherwise() -> None:
    """Polars reads its allocator settings once, when it loads: the `wangge` process sets them
    before that, and a setting of the user's own wins."""
    probe = (
        "import os, sys; from wangge import cli; sys.argv = ['wangge', 'help'];"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()): cli.main()\n"
        "import polars; print(os.environ[cli.POLARS_ALLOCATOR_VARIABLE])"
    )
    env = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"}

    def allocator_settings(**given: str) -> str:
        run = subprocess.run(
            [sys.executable, "-c", probe],
            capture_output=True,
            text=True,
            env={**env, **given},
            check=True,
        )
        return run.stdout.strip()

    ours = "dirty_decay_ms:300,muzzy_decay_ms:0"
    assert allocator_settings().endswith(ours)
    # Inherited from a parent that imported Polars: Polars' own default, not a choice.
    inherited = "dirty_decay_ms:500,muzzy_decay_ms:1000"
    assert allocator_settings(_RJEM_MALLOC_CONF=f"{inherited},{inherited}").endswith(ours)
    assert allocator_settings(_RJEM_MALLOC_CONF="dirty_decay_ms:0").endswith(",dirty_decay_ms:0")


def _rewrite(path: Path, transform: Any) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps(transform(doc), ensure_ascii=False), encoding="utf-8")


def test_fuse_takes_a_street_file_and_forgives_geocoding_noise_as_the_loader_does(
    tmp_path: Path, registry_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    """The same file loads in `load-addresses` and `wangge fuse`, with the same warnings."""
    grids, addresses = registry_files
    _rewrite(grids, lambda d: {**d, "features": d["features"][1:]})  # no district in the file
    west = 116.3 - 10 / (111_195 * 0.7672)  # 10 m west of the community
    with addresses.open("a", encoding="utf-8") as f:
        f.write(f"R303,110105001001,幸福路,12,1,1,101,39.9,{west}\n")
    ledger = tmp_path / "台账.csv"
    ledger.write_text(f"姓名,身份证号,住址\n王伟,{ID},幸福路12号1号楼1单元101室\n", "utf-8")
    [row] = _fuse(tmp_path, registry_files, ledger)
    assert row["address_code"] == "R303" and row["grid_code"] == "110105001001001"
    assert "注意：标准地址第4行：坐标在社区 110105001001 的网格外 10 米" in capsys.readouterr().err


def test_fuse_refuses_a_registry_point_far_outside_its_community_with_the_distance(
    tmp_path: Path, registry_files: tuple[Path, Path]
) -> None:
    grids, addresses = registry_files
    with addresses.open("a", encoding="utf-8") as f:
        f.write("R303,110105001001,幸福路,12,1,1,101,39.9,116.299\n")
    with pytest.raises(RegistryError, match="第4行.*网格外 85 米，超过容差 30 米"):
        Registry.from_files(addresses, grids)
