"""A seeded, realistic demo district: 朝阳区 → 京广路街道 → five communities → their grids, with
buildings, households and residents, staff, accounts, cases and an import batch.

Why it exists: a grid-governance platform cannot be judged on an empty database, and benchmarks
need the shape of real data at up to 500,000 residents.

Each app contributes its own part (`DEMO_CONTRIBUTIONS`, named here and imported only when a
demo is built, so core imports no app): geo the regions and posts, addresses the buildings and
rooms, people the households, residents and tags (and, in `people.demo_district`, the pure
generator that computes the whole district from ``(size, seed)``), access the accounts and the
marker, cases the cases, fusion an import batch. This module runs them in order in one
transaction: ``check`` before anything is written, ``prepare`` for the small tables and keys,
``write_batch`` for every batch the generator streams (so 500,000 residents never sit in memory
at once), ``contribute`` once the district is there; then ``after`` (work in transactions of its
own, such as an import's commit) once it is committed. ``remove`` runs in reverse order before a
rebuild. Primary keys of the large tables are assigned by the writers, not the database, because
persons and households point at each other; both foreign keys are deferred constraints.

Whether a demo is already present is read from the audit log (access's part writes one
``import`` / ``demo`` entry with the size and seed in the same transaction as the data).
"""

from __future__ import annotations

import datetime
import importlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils.module_loading import import_string

from wangge.core.errors import ServiceError

__all__ = [
    "DEMO_PASSWORD",
    "DISTRICT_CODE",
    "DemoAccount",
    "DemoContext",
    "DemoExists",
    "DemoSummary",
    "build_demo",
]

DISTRICT_CODE = "110105"
STREET_CODE = "110105001"
DEMO_PASSWORD = "wangge-demo"
# Ages, move-in dates and the 独居老人 threshold are computed at this fixed date (not today), so a
# seed gives the same data on any day; it lies in the past, so every birth date passes the ID check.
REFERENCE_DATE = datetime.date(2025, 6, 30)
BATCH_SIZE = 5000
MIN_SIZE = 50

ProgressCallback = Callable[[str, int, int], None]

# Apps that add their own demo data, built in this order and removed in reverse. Each module has
# STAGE, contribute(context) → counts inside the build's transaction, counts() and
# remove(district_code); optionally check(context) before anything is written, prepare(context)
# and write_batch(context, batch) for the district's streamed rows, after(context) → counts once
# the build is committed. Named, not imported: core knows no app above it.
DEMO_CONTRIBUTIONS = (
    "wangge.geo.demo",
    "wangge.addresses.demo",
    "wangge.people.demo",
    "wangge.access.demo",
    "wangge.cases.demo",
    "wangge.fusion.demo",
    "wangge.tasks.demo",
    "wangge.inspections.demo",
)
# The pure generator of the district's rows, and the part that keeps the demo's marker.
DEMO_DISTRICT = "wangge.people.demo_district.DemoGenerator"
DEMO_MARKER = "wangge.access.demo"
DEMO_REGIONS = "wangge.geo.demo"


class DemoExists(ServiceError):
    """The demo district is present with another size or seed (or was not built by the demo)."""

    status = 409


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: str
    role_label: str
    region_code: str
    region_name: str


@dataclass(frozen=True)
class DemoSummary:
    created: bool
    message: str
    size: int
    seed: int
    counts: dict[str, int]
    accounts: tuple[DemoAccount, ...]
    seconds: float

    @property
    def floating_share(self) -> float:
        residents = self.counts.get("residents", 0)
        return self.counts.get("floating", 0) / residents if residents else 0.0


@dataclass(frozen=True)
class DemoContext:
    """What an app's demo contribution is told: the build's size and seed, and where; during a
    build also the district's generator and the keys the parts share (region code → pk, the
    first key of each large table)."""

    size: int
    seed: int
    district_code: str
    street_code: str
    district: Any = None
    ids: dict[str, Any] = field(default_factory=dict)


def _contributions() -> list[Any]:
    return [importlib.import_module(name) for name in DEMO_CONTRIBUTIONS]


def demo_counts() -> dict[str, int]:
    """What the demo holds now, counted in the database by every part."""
    counts: dict[str, int] = {}
    for module in _contributions():
        counts.update(module.counts())
    return counts


def build_demo(
    *,
    size: int = 3000,
    seed: int = 20201,
    reset: bool = False,
    progress: ProgressCallback | None = None,
) -> DemoSummary:
    """Build the demo district with about ``size`` residents; see the module docstring.

    Does nothing if the same size and seed are already present. A demo of another size or seed
    is replaced only with ``reset=True``; a district 110105 that the demo did not build is never
    touched, since it may be real data.
    """
    started = time.perf_counter()
    report = progress or (lambda stage, done, total: None)
    keeper = importlib.import_module(DEMO_MARKER)
    present = importlib.import_module(DEMO_REGIONS).present(DISTRICT_CODE)
    marker = keeper.marker() if present else None
    if present and marker is None:
        raise DemoExists(
            f"区划 {DISTRICT_CODE} 已存在，但不是演示数据生成器建立的；为防误删真实数据，不做任何改动"
        )
    if present and marker is not None:
        same = marker.get("size") == size and marker.get("seed") == seed
        if same and not reset:
            counts = demo_counts()
            redone: list[str] = []
            counts.update(
                _after(DemoContext(size, seed, DISTRICT_CODE, STREET_CODE), report, redone)
            )
            message = f"演示数据已存在（规模 {size}，种子 {seed}），" + (
                "；".join(redone) if redone else "未做任何改动"
            )
            return DemoSummary(
                created=False,
                message=message,
                size=size,
                seed=seed,
                counts=counts,
                accounts=keeper.accounts(),
                seconds=time.perf_counter() - started,
            )
        if not reset:
            raise DemoExists(
                f"已有规模 {marker.get('size')}、种子 {marker.get('seed')} 的演示数据；"
                "要按新的参数重建，请加 --reset（将删除现有演示数据）"
            )
    modules = _contributions()
    context = DemoContext(size, seed, DISTRICT_CODE, STREET_CODE)
    for module in modules:
        if hasattr(module, "check"):
            module.check(context)
    context = DemoContext(
        size, seed, DISTRICT_CODE, STREET_CODE, district=import_string(DEMO_DISTRICT)(size, seed)
    )
    with transaction.atomic():
        if present:
            report("删除旧演示数据", 0, 1)
            for module in reversed(modules):
                module.remove(DISTRICT_CODE)
        _write_district(context, modules, report)
        counts = {}
        for module in modules:
            report(module.STAGE, 0, 1)
            counts.update(module.contribute(context))
        keeper.record_built(size, seed, counts)
    counts.update(_after(DemoContext(size, seed, DISTRICT_CODE, STREET_CODE), report))
    counts.update(demo_counts())  # an import may have added residents
    return DemoSummary(
        created=True,
        message=f"已生成演示数据（规模 {size}，种子 {seed}）",
        size=size,
        seed=seed,
        counts=counts,
        accounts=keeper.accounts(),
        seconds=time.perf_counter() - started,
    )


def _write_district(context: DemoContext, modules: Sequence[Any], report: ProgressCallback) -> None:
    """The parts' small tables first, then the generator's batches, each to every part."""
    report("区域、标签与岗位", 0, context.size)
    for module in modules:
        if hasattr(module, "prepare"):
            module.prepare(context)
    writers = [module for module in modules if hasattr(module, "write_batch")]
    done = 0
    for batch in context.district.batches():
        for module in writers:
            module.write_batch(context, batch)
        done += len(batch.persons)
        report("楼栋、户室、住户与人员", done, context.size)


def _after(
    context: DemoContext, report: ProgressCallback, redone: list[str] | None = None
) -> dict[str, int]:
    """The contributions that work in transactions of their own (an import's commit), run
    once the district is committed; each makes sure its part is there. One that had to put
    its part back says so (``"redone"`` in its counts, its ``REDONE`` text into ``redone``),
    so a demo already there is not reported as untouched when something was redone."""
    counts: dict[str, int] = {}
    for module in _contributions():
        if hasattr(module, "after"):
            report(module.STAGE, 0, 1)
            done = dict(module.after(context))
            if done.pop("redone", 0) and redone is not None:
                redone.append(getattr(module, "REDONE", f"{module.STAGE}：已补回"))
            counts.update(done)
    return counts


def next_pk(model: type[models.Model]) -> int:
    """The first primary key a writer assigns itself (above every row already there)."""
    manager: Any = model.objects  # type: ignore[attr-defined]
    last = manager.order_by("-pk").values_list("pk", flat=True).first()
    return int(last or 0) + 1


def reset_sequences(tables: Sequence[type[models.Model]]) -> None:
    """Explicit primary keys do not advance PostgreSQL sequences; move them past the new rows."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(tables))
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
