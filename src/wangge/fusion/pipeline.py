"""The whole fusion run from ledger files to one key per person and household.

read → find header and map columns → normalise and validate → link → group into households.
`wangge fuse` calls this with a registry read from files; the platform's import calls it with
the registry and the persons already stored. Pure Python + Polars, no Django.
"""

from __future__ import annotations

import hashlib
import importlib
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final

import polars as pl

from wangge.core.reasons import Reason
from wangge.core.tabular import cell_list
from wangge.fusion.distinct import per_distinct_value
from wangge.fusion.fields import SheetMapping, map_columns
from wangge.fusion.linkage import (
    DEFAULT_MODEL,
    LinkModel,
    LinkResult,
    ReviewPair,
    link_records,
)
from wangge.fusion.normalise import (
    ACCEPTED,
    DOUBTFUL,
    RECORD_SCHEMA,
    REJECTED,
    Normaliser,
    normalise_frame,
    raw_frame,
)
from wangge.fusion.readers import LedgerSheet, ReadLimits
from wangge.fusion.registry import Registry
from wangge.fusion.sheets import MAX_NOTES_PER_KIND
from wangge.fusion.workers import cyclic_gc_paused, read_each

RESULT_COLUMNS: Final = (
    "source_file",
    "source_sheet",
    "source_row",
    "person_key",
    "household_key",
    "address_code",
    "grid_code",
    "status",
    "reason",
)
SAMPLE_ROWS: Final = 300
MAX_REJECTED_SHARE: Final = 0.5


class FusionError(ValueError):
    """The batch cannot be fused as a whole; ``problems`` say what and where, each a
    `core.reasons.Reason` (Chinese text, said in English where an English reader sees it)."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = list(problems)

    def __reduce__(self) -> tuple[Any, ...]:
        # Raised in a reading process and re-raised here: keep the list, not its joined text.
        return (FusionError, (self.problems,))


@dataclass
class SheetReport:
    file_name: str
    sheet_name: str
    header_rows: list[int]
    mapping: SheetMapping
    rows: int
    notes: list[str]

    @property
    def where(self) -> str:
        return self.file_name + (f"［{self.sheet_name}］" if self.sheet_name else "")


@dataclass
class FusionResult:
    records: pl.DataFrame  # RECORD_SCHEMA + rid, person_key, household_key, reason
    review: list[ReviewPair]
    sheets: list[SheetReport]
    skipped: list[str]  # sheets without person columns, with why
    timings: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, int]:
        status = self.records.get_column("status")
        accepted = self.records.filter(pl.col("status") != REJECTED)
        return {
            "rows": self.records.height,
            "persons": accepted.get_column("person_key").n_unique(),
            "households": accepted.filter(pl.col("household_key") != "")
            .get_column("household_key")
            .n_unique(),
            "accepted": int((status == ACCEPTED).sum()),
            "doubtful": int((status == DOUBTFUL).sum()),
            "rejected": int((status == REJECTED).sum()),
            "unmatched_addresses": int(
                accepted.filter(
                    pl.col("address_text").is_not_null() & pl.col("address_code").is_null()
                ).height
            ),
        }


Progress = Callable[[str, int, int], None]  # stage, done, total


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


def read_files(
    paths: Sequence[str | Path],
    *,
    limits: ReadLimits | None = None,
    contents: Sequence[bytes] | None = None,
) -> list[LedgerSheet]:
    """Read every ledger; any unreadable file stops the whole batch (nothing half-read).

    ``contents`` are the files' bytes when they come from an upload (``paths`` then only name
    them)."""
    return _joined(read_each(paths, limits=limits, contents=contents))


def _joined(per_file: Sequence[list[LedgerSheet] | str]) -> list[LedgerSheet]:
    problems = [p for p in per_file if isinstance(p, str)]
    if problems:
        raise FusionError(problems)
    return [sheet for sheets in per_file if not isinstance(sheets, str) for sheet in sheets]


def map_sheet(sheet: LedgerSheet, overrides: dict[str, str] | None = None) -> SheetMapping:
    columns = sheet.frame.columns[: len(sheet.columns)]
    samples = [
        [v or "" for v in sheet.frame.get_column(c).head(SAMPLE_ROWS).to_list()] for c in columns
    ]
    return map_columns(sheet.columns, samples, overrides=overrides)


@cyclic_gc_paused()
def fuse_sheets(
    sheets: Sequence[LedgerSheet],
    registry: Registry | None,
    *,
    today: date | None = None,
    overrides: dict[tuple[str, str], dict[str, str]] | None = None,
    model: LinkModel = DEFAULT_MODEL,
    progress: Progress | None = None,
    allow_rejects: bool = False,
    release: bool = False,
    helper: Executor | None = None,
) -> FusionResult:
    """Fuse already-read sheets, with the cycle collector paused.

    ``release`` lets go of the sheets' cells and the registry once every row is normalised
    (the command line does not need them again), so linkage has that memory. ``overrides``
    maps (file, sheet) to header → 'role:field'. ``helper`` is a process pool
    `normalise_frame` may give work to (and then shuts down)."""
    timings: dict[str, float] = {}
    normaliser = Normaliser(registry, today=today or date.today())
    reports: list[SheetReport] = []
    skipped: list[str] = []
    raws: list[pl.DataFrame] = []
    unsaved: list[str] = []
    with _timed(timings, "normalise"):
        for ledger, sheet in enumerate(sheets):
            mapping = map_sheet(sheet, (overrides or {}).get((sheet.file_name, sheet.sheet_name)))
            report = SheetReport(
                sheet.file_name,
                sheet.sheet_name,
                sheet.header_rows,
                mapping,
                sheet.frame.height,
                list(sheet.notes),
            )
            if not mapping.has_person_columns:
                skipped.append(
                    Reason(
                        "%(where)s：%(problems)s",
                        where=report.where,
                        problems=mapping.problem,
                    )
                )
                continue
            unsaved.extend(_unsaved_in_imported_columns(sheet, mapping, report.where))
            reports.append(report)
            raw = raw_frame(
                sheet.frame,
                mapping,
                source_file=sheet.file_name,
                source_sheet=sheet.sheet_name,
                ledger=ledger,
                header_width=sheet.header_width,
                overflow=sheet.overflow,
            )
            report.notes.extend(_beyond_notes(raw))
            raws.append(raw)
            if release:
                sheet.frame = sheet.frame.clear()
        if unsaved:
            raise FusionError(unsaved)
        if not raws:
            nothing = [
                Reason("没有读到任何数据行"),
                Reason("未找到可导入的人员信息：请确认表头含“姓名”以及身份证号、电话或地址等列"),
            ]
            raise FusionError(skipped or nothing)
        raw = pl.concat(raws, how="vertical")
        raws.clear()
        stages = ("address", "name", "id_number", "phone", "date", "status")

        def step(stage: str) -> None:
            if progress is not None:
                progress("normalise", stages.index(stage), len(stages))
            if release and stage == "status" and registry is not None:
                # Every value is checked: the matcher can go before the records are
                # assembled, which is when memory peaks.
                registry.release()

        records = normalise_frame(raw, normaliser, step=step, helper=helper)
        del raw, normaliser
        if progress is not None:
            progress("normalise", len(stages), len(stages))
    records = records.with_row_index("rid").with_columns(pl.col("rid").cast(pl.Int64))
    if not allow_rejects:
        _refuse_mostly_broken(records, reports)

    with _timed(timings, "link"):
        if progress is not None:
            progress("link", 0, 1)
        linked = link_records(records, model)
        if progress is not None:
            progress("link", 1, 1)

    with _timed(timings, "group"):
        records = _finish(records, linked)
    return FusionResult(records, linked.review, reports, skipped, timings)


def _unsaved_in_imported_columns(
    sheet: LedgerSheet, mapping: SheetMapping, where: str
) -> list[str]:
    """Refusals for the columns the import reads whose cells hold a formula without its saved
    result (`LedgerSheet.unsaved`): read as empty, a VLOOKUP'd ID number column would import
    every resident without one. A column the import does not read is only noted (the sheet's
    notes say which cells): its emptiness costs nothing."""
    return [
        Reason(
            "%(where)s：“%(column)s”列的%(cells)s 有公式但没有保存计算结果，导入后将是空白；"
            "请在 Excel 或 WPS 中打开此文件、保存后重新导入",
            where=where,
            column=sheet.columns[col.index],
            cells=cell_list(sheet.unsaved[sheet.columns[col.index]]),
        )
        for col in mapping.columns
        if (col.field or col.spare_of)
        and col.index < len(sheet.columns)
        and sheet.columns[col.index] in sheet.unsaved
    ]


def _beyond_notes(raw: pl.DataFrame) -> list[str]:
    """The sheet's rows that hold more than their header names (`normalise.beyond_header`),
    for the sheet's notes beside its column mapping: the first rows by number, then how many
    more. Each row says it in its reasons too."""
    rows = raw.filter(pl.col("beyond").is_not_null())
    notes = [
        f"第 {row} 行{text}"
        for row, text in rows.head(MAX_NOTES_PER_KIND).select("source_row", "beyond").rows()
    ]
    if rows.height > MAX_NOTES_PER_KIND:
        notes.append(
            f"另有 {rows.height - MAX_NOTES_PER_KIND} 行在表头以外有未导入的内容，见各行原因"
        )
    return notes


RegistryLoader = Callable[[], Registry | None]
BACKGROUND_READ_FROM_BYTES: Final = 20 * 1024 * 1024


@cyclic_gc_paused()
def fuse_files(
    paths: Sequence[str | Path],
    registry: Registry | RegistryLoader | None,
    *,
    limits: ReadLimits | None = None,
    **kwargs: object,
) -> FusionResult:
    """Read, then fuse. Given a loader rather than a registry, a big batch is read in a second
    process while this one loads the registry: both take seconds and each needs one core.
    The timings then say how long each took, side by side. That process then looks the
    addresses up in the registry's exact keys (see `normalise_frame`)."""
    timings: dict[str, float] = {}
    with ExitStack() as stack:
        helper: ProcessPoolExecutor | None = None
        if callable(registry) and _worth_a_second_process(paths):
            # The matcher needs pypinyin for misspelt road names, and importing it takes a
            # third of a second. In a thread it runs while Polars parses the text ledgers
            # (Polars lets go of the interpreter lock), so most of that is hidden.
            threading.Thread(target=importlib.import_module, args=("pypinyin",)).start()
            helper = stack.enter_context(ProcessPoolExecutor(1, mp_context=mp.get_context("spawn")))
            with _timed(timings, "read+registry"):
                loaded, sheets = _read_beside(paths, registry, helper, limits, timings)
        else:
            if callable(registry):
                with _timed(timings, "registry"):
                    loaded = registry()
            else:
                loaded = registry
            with _timed(timings, "read"):
                sheets = read_files(paths, limits=limits)
        result = fuse_sheets(
            sheets,
            loaded,
            release=True,
            helper=helper,
            **kwargs,  # type: ignore[arg-type]
        )
    result.timings = {**timings, **result.timings}
    return result


def _worth_a_second_process(paths: Sequence[str | Path]) -> bool:
    big = sum(Path(p).stat().st_size for p in paths) >= BACKGROUND_READ_FROM_BYTES
    return big and (os.cpu_count() or 1) > 1


_SLOW_TO_READ: Final = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


def _read_beside(
    paths: Sequence[str | Path],
    registry: RegistryLoader,
    pool: ProcessPoolExecutor,
    limits: ReadLimits | None,
    timings: dict[str, float],
) -> tuple[Registry | None, list[LedgerSheet]]:
    """Workbooks are read in a second process while this one loads the registry and then
    reads the text files: workbooks are slow to parse but small to send back, text files
    fast to read but big to send. Both processes then take the workbooks left, one at a time
    (the second process from the front, this one from the back), so neither waits long for
    the other. Sheets keep the order of `paths`."""
    slow = [n for n, p in enumerate(paths) if str(p).lower().endswith(_SLOW_TO_READ)]
    fast = sorted(set(range(len(paths))) - set(slow))
    per_file: list[list[LedgerSheet] | str] = [[] for _ in paths]
    left = list(slow)
    lock = threading.Lock()
    failed: list[BaseException] = []

    def take(last: bool) -> int | None:
        with lock:
            return (left.pop() if last else left.pop(0)) if left else None

    def feed(pool: ProcessPoolExecutor) -> None:
        try:
            while (n := take(last=False)) is not None:
                per_file[n] = pool.submit(read_each, [paths[n]], limits=limits).result()[0]
        except BaseException as exc:  # re-raised in the caller's thread
            failed.append(exc)

    feeder = threading.Thread(target=feed, args=(pool,), daemon=True)
    feeder.start()
    with _timed(timings, "registry"):
        loaded = registry()
    with _timed(timings, "read"):
        texts = read_each([paths[n] for n in fast], limits=limits)
        for index, sheets in zip(fast, texts, strict=True):
            per_file[index] = sheets
        while (mine := take(last=True)) is not None:
            per_file[mine] = read_each([paths[mine]], limits=limits)[0]
    with _timed(timings, "waiting for workbooks"):
        feeder.join()
    if failed:
        raise failed[0]
    return loaded, _joined(per_file)


def _refuse_mostly_broken(records: pl.DataFrame, reports: list[SheetReport]) -> None:
    per_sheet = records.group_by("source_file", "source_sheet").agg(
        pl.len().alias("rows"), (pl.col("status") == REJECTED).sum().alias("rejected")
    )
    problems = []
    for row in per_sheet.iter_rows(named=True):
        if row["rows"] >= 10 and row["rejected"] / row["rows"] > MAX_REJECTED_SHARE:
            where = row["source_file"] + (
                f"［{row['source_sheet']}］" if row["source_sheet"] else ""
            )
            problems.append(
                Reason(
                    "%(where)s：%(rows)s 行中有 %(rejected)s 行无法导入，"
                    "疑似列对应错误或文件损坏；请检查列对应后重试（整批未导入）",
                    where=where,
                    rows=row["rows"],
                    rejected=row["rejected"],
                )
            )
    if problems:
        raise FusionError(problems)


def _household_key(address_text: str) -> str:
    """A stable key for a home the registry does not know, from its written address."""
    cleaned = "".join(address_text.split())
    return "U" + hashlib.sha1(cleaned.encode()).hexdigest()[:12]


def _finish(records: pl.DataFrame, linked: LinkResult) -> pl.DataFrame:
    """Person keys numbered by first appearance (the same input always gives the same keys),
    household keys, repaired numbers and linkage notes onto the records."""
    col = pl.col
    clusters = pl.Series("cluster", linked.cluster, dtype=pl.Int64)
    order = (
        pl.DataFrame({"cluster": clusters})
        .with_row_index("rid")
        .filter(col("cluster") >= 0)
        .group_by("cluster")
        .agg(col("rid").min())
        .sort("rid")
        .with_row_index("k")
        .select("cluster", (col("k").cast(pl.Int64) + 1).alias("k"))
    )
    person_key = (
        clusters.to_frame()
        .join(order, on="cluster", how="left", maintain_order="left")
        .select(
            pl.when(col("k").is_not_null())
            .then(pl.lit("P") + col("k").cast(pl.Utf8).str.zfill(7))
            .otherwise(pl.lit(""))
        )
        .to_series()
    )
    extra = pl.DataFrame(
        {
            "rid": list(linked.notes),
            "note": ["；".join(v) for v in linked.notes.values()],
        },
        schema={"rid": pl.Int64, "note": pl.Utf8},
    )
    repaired = pl.DataFrame(
        {"rid": list(linked.repaired_id), "repaired": list(linked.repaired_id.values())},
        schema={"rid": pl.Int64, "repaired": pl.Utf8},
    )
    # Worked out on the few columns they need, then set onto the records once: every join
    # of the whole record frame would copy all of it.
    narrow = (
        records.select(
            col("rid").cast(pl.Int64),
            "id_number",
            "address_code",
            "address_text",
            "reasons",
            pl.Series("status", linked.status, dtype=pl.Utf8),
        )
        .join(extra, on="rid", how="left", maintain_order="left")
        .join(repaired, on="rid", how="left", maintain_order="left")
    )
    unknown = narrow.select(
        pl.when(col("address_code").is_null() & (col("address_text").fill_null("") != "")).then(
            col("address_text")
        )
    ).to_series()
    unknown_home = per_distinct_value(
        unknown, lambda text: (_household_key(text),), {"unknown_home": pl.Utf8}
    )
    finished = pl.concat([narrow, unknown_home], how="horizontal").select(
        "status",
        pl.coalesce("repaired", "id_number").alias("id_number"),
        pl.when(col("status") == REJECTED)
        .then(pl.lit(""))
        .when(col("address_code").is_not_null())
        .then(pl.lit("H") + col("address_code"))
        .otherwise(col("unknown_home").fill_null(""))
        .alias("household_key"),
        pl.concat_str(
            [pl.when(col("reasons") != "").then(col("reasons")), col("note")],
            separator="；",
            ignore_nulls=True,
        )
        .fill_null("")
        .alias("reason"),
    )
    return records.with_columns(
        col("rid").cast(pl.Int64), person_key.alias("person_key"), *finished.get_columns()
    )


def write_result_csv(result: FusionResult, out: str | Path) -> None:
    """The DESIGN.md result file: one row per person-row read, UTF-8 with BOM for Excel."""
    frame = result.records.select(RESULT_COLUMNS).with_columns(
        pl.col("address_code", "grid_code").fill_null("")
    )
    _write_excel_csv(frame, out)


__all__ = [
    "RECORD_SCHEMA",
    "FusionError",
    "FusionResult",
    "SheetReport",
    "fuse_files",
    "fuse_sheets",
    "map_sheet",
    "read_files",
    "write_result_csv",
]


def _write_excel_csv(frame: pl.DataFrame, out: str | Path) -> None:
    """UTF-8 with a BOM, so Excel opens it as UTF-8; written straight to the file."""
    with open(out, "wb") as handle:
        handle.write(b"\xef\xbb\xbf")
        frame.write_csv(handle)


def write_review_csv(result: FusionResult, out: str | Path) -> None:
    """Grey-zone pairs for a person to decide, with the evidence for each."""
    records = result.records
    keys = ("source_file", "source_sheet", "source_row", "name")
    rows = []
    for pair in result.review:
        a = {k: records[pair.rid, k] for k in keys}
        b = {k: records[pair.other_rid, k] for k in keys}
        rows.append(
            {
                **{f"{k}_a": v for k, v in a.items()},
                **{f"{k}_b": v for k, v in b.items()},
                "score": round(pair.score, 1),
                "evidence": pair.explain(),
            }
        )
    frame = (
        pl.DataFrame(rows) if rows else pl.DataFrame({"evidence": []}, schema={"evidence": pl.Utf8})
    )
    _write_excel_csv(frame, out)
