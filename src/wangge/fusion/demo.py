"""The demo street's import history: one community ledger, staged and committed.

Why: the import pages (/imports/) are where a community office spends its week, and an empty
history shows nothing of what a commit does. So the demo builder (`wangge.core.demo`) has the
`community` account import 幸福一村社区's door-to-door ledger the way an office writes it: the
residents of one grid, addresses in the spellings clerks use (一巷 as 1巷, 号院), a few new
phone numbers and a few newcomers, through the real pipeline (`stage_batch`, `commit_batch`).

It runs after the demo district is committed (the commit works in its own short transactions),
and again on a later `wangge demo` if the batch is missing, so a failed import never blocks the
demo itself.
"""

from __future__ import annotations

import datetime
import random
import shutil
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from wangge.fusion.models import BatchStatus, ImportBatch
from wangge.people.idnumber import make_id_number
from wangge.people.models import Person

STAGE = "导入批次（台账融合）"
LABEL = "演示：幸福一村社区入户走访台账"
FILE_NAME = "幸福一村社区入户走访台账.csv"
ROWS = 40
_NEWCOMERS = ("周新月", "吴家豪", "郑雨桐")


def counts() -> dict[str, int]:
    return {"import_batches": ImportBatch.objects.filter(label=LABEL).count()}


def contribute(context: Any) -> dict[str, int]:
    """Nothing inside the demo's transaction: the batch is imported by `after`."""
    return {}


def after(context: Any) -> dict[str, int]:
    """Stage and commit the demo ledger unless a committed demo batch is there already."""
    from wangge.fusion.committing import commit_batch
    from wangge.fusion.services import Upload, stage_batch

    if ImportBatch.objects.filter(label=LABEL, status=BatchStatus.COMMITTED).exists():
        return counts()
    actor = get_user_model().objects.filter(username="community").first()
    data = ledger(context.street_code, context.seed)
    if actor is None or not data:
        return counts()
    ImportBatch.objects.filter(label=LABEL).exclude(status=BatchStatus.COMMITTED).delete()
    batch = stage_batch(actor, [Upload(FILE_NAME, data)], label=LABEL, channel="cli")
    commit_batch(actor, batch.pk)
    return {**counts(), "redone": 1}


# What `after` did when it had to act on a demo already there (core.demo says so).
REDONE = "演示台账没有已提交的导入批次（例如已被撤销），已重新导入"


def ledger(street_code: str, seed: int) -> bytes:
    """The ledger as the office keeps it (CSV, UTF-8 with a BOM, as Excel saves it)."""
    grid = f"{street_code}001001"
    rng = random.Random(seed * 31 + 7)
    residents = list(
        Person.objects.filter(grid__code=grid, household__isnull=False)
        .select_related("household__room__building", "household__room__unit")
        .order_by("pk")[:ROWS]
    )
    if not residents:
        return b""
    lines = ["序号,姓名,身份证号码,联系电话,现居住地址,备注"]
    for n, person in enumerate(residents, start=1):
        room = person.household.room
        address = _as_clerks_write(room.label if room else "", rng)
        phone = person.phone
        note = ""
        if n % 9 == 0:
            phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
            note = "电话已更换"
        lines.append(f"{n},{person.name},{person.id_number},{phone},{address},{note}")
    for k, name in enumerate(_NEWCOMERS):
        person = residents[k * 7 % len(residents)]
        room = person.household.room
        birth = datetime.date(1988 + k, 3 + k, 9 + k)
        number = make_id_number("110105", birth, 500 + k, "女" if k != 1 else "男")
        phone = f"13{rng.randrange(10**9):09d}"
        address = room.label if room else ""
        lines.append(f"{len(lines)},{name},{number},{phone},{address},新迁入")
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


def _as_clerks_write(label: str, rng: random.Random) -> str:
    """幸福一村一巷1号1室 → 幸福一村1巷1号院1室 now and then: the matcher reads both."""
    if rng.random() < 0.3:
        label = label.replace("一巷", "1巷").replace("二巷", "2巷")
    if rng.random() < 0.2 and "号楼" not in label:
        label = label.replace("号", "号院", 1)
    return label


def remove(district_code: str) -> None:
    """The demo batch and its stored uploads, before the district's persons are deleted."""
    for batch in ImportBatch.objects.filter(label=LABEL):
        shutil.rmtree(settings.DATA_DIR / "imports" / f"batch-{batch.pk}", ignore_errors=True)
        batch.delete()
