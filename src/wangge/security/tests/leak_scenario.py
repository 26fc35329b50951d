"""What a street office does in its first week, for the leak scanner to look at afterwards.

The demo district (small), a ledger import by the community office whose rows carry ID numbers
and phones also in a free note column, cases whose descriptions, handling notes and comments
quote ID numbers and phones, exact searches that hit and miss, a reveal, and the scheduled jobs.
`populate()` returns the values that must never be readable from the database afterwards.
Run in-process by the PostgreSQL test and through `wangge shell` against real SQLite files.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib.auth import get_user_model

from wangge.cases import services as cases
from wangge.cases.models import Case, Department
from wangge.cases.testing import load_test_categories
from wangge.core.demo import build_demo
from wangge.fusion.services import Upload, commit_batch, stage_batch
from wangge.geo.models import Region
from wangge.people import services as people
from wangge.people.idnumber import make_id_number
from wangge.people.models import Person

DEMO_SIZE = 120


def _user(name: str) -> Any:
    return get_user_model().objects.get(username=name)


def _try(call: Any, *args: Any, **kwargs: Any) -> Any:
    """A refused or limited step is part of the scenario, not its end."""
    try:
        return call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any refusal will do here
        return exc


def populate() -> dict[str, list[str]]:
    build_demo(size=DEMO_SIZE, seed=7)
    admin, community, grid = _user("admin"), _user("community"), _user("grid")
    mine = list(
        Person.objects.filter(grid__code__startswith="110105001001")
        .exclude(id_number="")
        .order_by("pk")[:4]
    )
    new_id = make_id_number("110105", datetime.date(1961, 7, 9), 418, "女")
    new_phone = "13722334455"
    typo_id = new_id[:-1] + ("0" if new_id[-1] != "0" else "1")  # a wrong check digit
    room = mine[0].household.room.label if mine[0].household and mine[0].household.room else ""
    lines = ["姓名,身份证号,联系电话,出生日期,居住地址,备注"]
    for i, person in enumerate(mine):
        lines.append(
            f"{person.name},{person.id_number},1390011{i:04d},,{room},"
            f"本人电话 {person.phone} 身份证 {person.id_number}"
        )
    lines.append(f"钱新一,{new_id},{new_phone},1961-07-09,{room},联系人 {new_phone}")
    lines.append(f"孙误一,{typo_id},13811112222,1970-01-02,{room},身份证 {typo_id}")
    ledger = ("\n".join(lines) + "\n").encode("utf-8")
    batch = stage_batch(
        community,
        [Upload("幸福台账.csv", ledger)],
        label=f"补录 {new_id} {new_phone}",
        allow_rejects=True,
    )
    commit_batch(community, batch.pk)

    target = mine[1]
    grid_region = Region.objects.get(code="110105001001001")
    case = cases.submit_case(
        grid,
        channel="grid_worker",
        title=f"{target.name}反映楼道堆物，电话{target.phone}",
        description=f"居民{target.name}（身份证 {target.id_number}，手机 {target.phone}）反映楼道堆物",
        address=f"{room}（联系 {target.phone}）",
        region=grid_region,
        reporter_name=target.name,
        reporter_phone=target.phone,
    )
    cases.submit_case(
        None,
        channel="resident_web",
        title="路灯不亮",
        description=f"我的电话 {new_phone}，身份证 {new_id}，请回电",
        reporter_phone=new_phone,
    )
    load_test_categories()
    department = Department.objects.get(name="城管")
    case.refresh_from_db()
    if case.department_id != department.pk:
        cases.dispatch_case(admin, case, department=department)
        case.refresh_from_db()
    handler = _user("police")
    cases.add_department_member(admin, handler, department)
    _try(cases.sign_in, handler, case)
    case.refresh_from_db()
    _try(
        cases.record_handling,
        handler,
        case,
        result=f"已联系 {target.phone}（身份证 {target.id_number}），堆物已清",
    )
    case.refresh_from_db()
    _try(cases.verify_case, grid, case, passed=True, note=f"核实，居民电话 {target.phone}")
    case.refresh_from_db()
    _try(cases.rate_case, admin, case, rating="satisfied", comment=f"回访 {target.phone} 满意")

    for person in mine[:2]:
        people.search_people(grid, person.id_number)
        people.search_people(grid, person.phone)
    for miss in (new_id[:-4] + "0000", "13999999999"):
        _try(people.search_people, grid, miss)
    people.reveal_identifiers(community, target.pk)
    from wangge.jobs.services import enqueue

    for kind in ("case-sweep", "audit-sequence"):
        _try(enqueue, kind, None)

    ids = [p.id_number for p in mine] + [new_id, typo_id]
    phones = [p.phone for p in mine if p.phone] + [new_phone, "13811112222"]
    phones += [f"1390011{i:04d}" for i in range(len(mine))]
    return {"ids": ids, "phones": phones, "known_cases": [str(Case.objects.count())]}


def main() -> None:
    print(json.dumps(populate(), ensure_ascii=False))
