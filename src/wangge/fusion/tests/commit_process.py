"""A commit in a process of its own, for the test that kills it (test_committing.py).

    python commit_process.py prepare|commit|finish   (WANGGE_DATA_DIR names the platform)

`prepare` builds the sample district and stages a ledger of new residents (plus one row about a
stored person), printing the batch id and a digest of everything users can see; `commit`
commits it, printing a line after every chunk (the test kills it with SIGKILL); `finish`
prints the digest as users see it then, what is stored underneath, and commits again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import sys
import time

import django

NAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜"


def ledger(count: int, known: tuple[str, str]) -> bytes:
    from wangge.people.idnumber import make_id_number

    lines = ["姓名,身份证号码,联系电话,现居住地址"]
    for n in range(count):
        name = NAMES[n % 30] + NAMES[(n // 30) % 30] + NAMES[(n // 900) % 30]
        born = datetime.date(1950, 1, 1) + datetime.timedelta(days=n * 7)
        number = make_id_number("110105", born, 1, "男")
        lines.append(f"{name},{number},1370000{n:04d},幸福路10号3号楼2单元301室")
    lines.append(f"{known[0]},{known[1]},13912345678,幸福路11号3号楼2单元302室")
    return ("\n".join(lines) + "\n").encode()


def digest() -> str:
    """Everything users can see of the household file and its provenance."""
    from wangge.fusion.models import HandOver, ImportBatch, SourceRecord, ValueSource
    from wangge.people.models import Household, Person, Residence

    parts = []
    for model in (Person, Household, Residence, SourceRecord, ValueSource, HandOver):
        rows = model.objects.order_by("pk").values_list()
        parts.append(repr([tuple(str(v) for v in row) for row in rows]))
    parts.append(repr(list(ImportBatch.objects.filter(status="committed").values_list("pk"))))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from wangge.core.models import HiddenRows
    from wangge.fusion import committing
    from wangge.fusion.models import ImportBatch
    from wangge.fusion.services import Upload, commit_batch, stage_batch
    from wangge.people.models import Person

    step = sys.argv[1]
    if step == "prepare":
        from wangge.core.testing import build_sample_district

        call_command("migrate", verbosity=0)
        sample = build_sample_district()
        known = sample.persons[0]
        known.name = "王测甲"
        known.save(update_fields=["name"])
        batch = stage_batch(
            None, [Upload("台账.csv", ledger(int(sys.argv[2]), (known.name, known.id_number)))]
        )
        print(json.dumps({"batch": batch.pk, "digest": digest()}), flush=True)
    elif step == "commit":
        committing._Committer.chunk_rows = 50
        settings.WANGGE_IMPORT_CHUNK_LOCK_MS = 0  # small chunks: many of them to kill amid

        def progress(stage: str, done: int, total: int) -> None:
            print(f"{stage} {done} {total}", flush=True)
            time.sleep(0.05)

        commit_batch(None, int(sys.argv[2]), progress=progress)
        print("committed", flush=True)
    elif step == "finish":
        batch = ImportBatch.objects.get(pk=int(sys.argv[2]))
        seen = {
            "digest": digest(),
            "status": batch.status,
            "stored_persons": Person._base_manager.count(),
            "visible_persons": Person.objects.count(),
        }
        summary = commit_batch(None, batch.pk)
        batch.refresh_from_db()
        seen |= {
            "created": summary.persons_created,
            "matched": summary.persons_matched,
            "status_after": batch.status,
            "persons_after": Person.objects.count(),
            "stored_after": Person._base_manager.count(),
            "hidden_after": HiddenRows.objects.count(),
        }
        from wangge.fusion.services import undo_batch

        undo_batch(None, batch.pk)
        seen["digest_after_undo"] = digest()
        print(json.dumps(seen), flush=True)


if __name__ == "__main__":
    main()
