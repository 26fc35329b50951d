"""OpenRosa: form list + manifest for a grid of 3,000 residents, and submission intake.

    WANGGE_DATA_DIR=$(mktemp -d) .venv/bin/python bench/bench_openrosa.py [--residents 3000] [--submissions 1000]
    WANGGE_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wg_bench_openrosa … (a database of its own)

Uses (and migrates) the configured database. Builds one grid with `--residents` residents in
households of three (rooms, buildings, residences), a grid worker with a real Argon2 password,
then, through Django's test client in this one process (no network, one core):

1. formList + manifest as ODK Collect asks for them (HTTP Basic), cold (the roster built) and
   warm (the roster cached); then the three roster files downloaded;
2. `--submissions` household-visit submissions, each a different household with a member's new
   phone, posted one after another (stored, applied field by field, audited); the rate printed;
3. every one of them sent again (each must answer 202) and the stored count checked: exactly one
   row per instanceID; then fresh ones from `--clients` forked processes at once (a server's
   workers taking several phones' syncs together: commits overlap, as they do in production);
4. the same with the apply deferred to the `forms-apply` job, and the job draining them.

Each intake line gives wall and CPU time (user+sys; the children's for the clients), the load
average, and per submission the SQL statements and commits per database alias (`default`, the
`audit` store's own connection, `jobs`): on PostgreSQL each commit waits for the WAL to reach
the disk, which on a shared machine is most of the wall time. `--explain` lists every statement
of one submission with its time, and its cProfile.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import resource
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
os.environ.setdefault("WANGGE_API_RATE_LIMIT", "0")  # one user sending 1,000 forms a minute


class Counted:
    """Wall and CPU time (user+sys of this process), load average, and the SQL statements and
    commits per database alias (main, audit, jobs) of what runs inside the block."""

    def __enter__(self) -> Counted:
        from django.db import connections
        from django.db.backends.base.base import BaseDatabaseWrapper

        self.queries: dict[str, int] = {}
        self.commits: dict[str, int] = {}
        self._stack = contextlib.ExitStack()
        for alias in connections:
            self._stack.enter_context(connections[alias].execute_wrapper(self._wrapper))
        original = BaseDatabaseWrapper.commit

        def commit(conn: Any) -> None:
            self.commits[conn.alias] = self.commits.get(conn.alias, 0) + 1
            original(conn)

        BaseDatabaseWrapper.commit = commit  # type: ignore[method-assign]
        self._stack.callback(setattr, BaseDatabaseWrapper, "commit", original)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self._cpu = usage.ru_utime + usage.ru_stime
        self._wall = time.perf_counter()
        return self

    def _wrapper(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        conn = context["connection"]
        self.queries[conn.alias] = self.queries.get(conn.alias, 0) + 1
        if not conn.in_atomic_block and sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.commits[conn.alias] = self.commits.get(conn.alias, 0) + 1  # autocommit
        return execute(sql, params, many, context)

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        usage = resource.getrusage(resource.RUSAGE_SELF)
        self.cpu = usage.ru_utime + usage.ru_stime - self._cpu
        self._stack.close()

    def line(self, n: int, *, queries: bool = True) -> str:
        per = ", ".join(f"{a} {q / n:.1f}" for a, q in sorted(self.queries.items()))
        commits = ", ".join(f"{a} {c / n:.1f}" for a, c in sorted(self.commits.items()))
        load = " ".join(f"{x:.1f}" for x in os.getloadavg())
        counts = f"; per submission: queries {per}; commits {commits}" if queries else ""
        return (
            f"{n} in {self.wall:.1f} s wall = {n / self.wall:.0f}/s, CPU {self.cpu:.1f} s"
            f" = {n / max(self.cpu, 1e-9):.0f}/s of CPU{counts}; load {load}"
        )


def explain(post: Any, xml: bytes) -> None:
    """One submission with every SQL statement listed (alias, ms) and its top Python costs."""
    import cProfile
    import pstats

    from django.db import connections

    lines: list[str] = []

    def log(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            ms = (time.perf_counter() - start) * 1000
            lines.append(f"  {context['connection'].alias:7} {ms:6.2f} ms  {sql[:110]}")

    profile = cProfile.Profile()
    with contextlib.ExitStack() as stack:
        for alias in connections:
            stack.enter_context(connections[alias].execute_wrapper(log))
        profile.enable()
        code = post(xml)
        profile.disable()
    print(f"one submission ({code}): {len(lines)} statements")
    print("\n".join(lines))
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)


_POST: Any = None  # the posting function, set before forking the clients


def _post_chunk(chunk: list[bytes]) -> list[int]:
    from django.db import connections

    codes = [_POST(xml) for xml in chunk]
    connections.close_all()
    return codes


def concurrently(post: Any, bodies: list[bytes], clients: int) -> tuple[list[int], Counted]:
    """`clients` processes (forked, each with its own connections, as a server's workers are)
    posting their share at once; the CPU counted is the children's (user+sys)."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    from django.db import connections

    global _POST
    _POST = post
    connections.close_all()
    chunks = [bodies[i::clients] for i in range(clients)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with Counted() as counted, ProcessPoolExecutor(clients, mp_context=get_context("fork")) as pool:
        results = list(pool.map(_post_chunk, chunks))
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    counted.cpu += (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return [code for codes in results for code in codes], counted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=3000)
    parser.add_argument("--submissions", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=20, help="warm formList+manifest rounds")
    parser.add_argument(
        "--clients", type=int, default=4, help="processes posting at once (0: skip that part)"
    )
    parser.add_argument(
        "--explain", action="store_true", help="list the SQL and profile of one submission"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model
    from django.test import Client

    from wangge.access.models import Role
    from wangge.access.services import assign_role
    from wangge.addresses.models import Building, Room, Unit
    from wangge.forms.models import Submission
    from wangge.geo.models import Region, RegionLevel
    from wangge.people.models import Household, Person, Relation, Residence

    run = uuid.uuid4().hex[:6]
    district = Region.objects.filter(code="110105").first() or Region.objects.create(
        code="110105", name="朝阳区", level=RegionLevel.DISTRICT
    )
    grid = Region.objects.create(
        code=f"110105{run}", name=f"基准网格{run}", level=RegionLevel.GRID, parent=district
    )
    households_n = args.residents // 3
    t0 = time.perf_counter()
    buildings = Building.objects.bulk_create(
        Building(community=district, grid=grid, road=f"基准路{run}", number=str(b), name="1")
        for b in range(households_n // 60 + 1)
    )
    units = Unit.objects.bulk_create(Unit(building=b, name="1") for b in buildings)
    rooms = Room.objects.bulk_create(
        Room(
            address_code=f"{run}-{i:06d}",
            building=buildings[i // 60],
            unit=units[i // 60],
            name=str(101 + i % 60),
            grid=grid,
        )
        for i in range(households_n)
    )
    households = Household.objects.bulk_create(Household(room=r, grid=grid) for r in rooms)
    persons = Person.objects.bulk_create(
        Person(
            name=f"张{i:05d}",
            grid=grid,
            household=households[i // 3],
            phone=f"139{i:08d}",
            id_number="",
        )
        for i in range(households_n * 3)
    )
    Residence.objects.bulk_create(
        Residence(
            person=p,
            household=households[i // 3],
            relation=Relation.HEAD if i % 3 == 0 else Relation.OTHER,
        )
        for i, p in enumerate(persons)
    )
    print(
        f"built {len(households)} households, {len(persons)} residents in {time.perf_counter() - t0:.1f} s"
    )

    password = f"Bench-{run}-Password!"
    user = get_user_model().objects.create_user(username=f"bench{run}", password=password)
    assign_role(None, user, Role.GRID_WORKER, grid)
    basic = "Basic " + base64.b64encode(f"bench{run}:{password}".encode()).decode()
    client = Client(
        HTTP_HOST="127.0.0.1", headers={"Authorization": basic, "X-OpenRosa-Version": "1.0"}
    )

    def timed(url: str) -> tuple[float, int, bytes]:
        start = time.perf_counter()
        response = client.get(url)
        return (time.perf_counter() - start) * 1000, response.status_code, response.content

    # 1. formList + manifest
    cold_list, status, _ = timed("/openrosa/formList")
    assert status == 200
    cold_manifest, status, _ = timed("/openrosa/xformsManifest/household_visit")
    assert status == 200
    print(
        f"cold: formList {cold_list:.0f} ms (first Argon2 check) + manifest {cold_manifest:.0f} ms (roster built)"
    )
    totals = []
    for _ in range(args.rounds):
        a, _s, _b = timed("/openrosa/formList")
        b, _s, _b = timed("/openrosa/xformsManifest/household_visit")
        totals.append(a + b)
    totals.sort()
    print(
        f"warm formList + manifest over {args.rounds} rounds: median {statistics.median(totals):.1f} ms, "
        f"p95 {totals[int(len(totals) * 0.95) - 1]:.1f} ms, max {totals[-1]:.1f} ms"
    )
    for name in ("households.csv", "persons.csv", "tags.csv"):
        ms, status, body = timed(f"/openrosa/media/household_visit/{name}")
        print(f"media {name}: {len(body) / 1024:.0f} KiB in {ms:.0f} ms")

    # 2. intake
    roster_at = ""
    bodies = []
    for i in range(args.submissions):
        household = households[i % len(households)]
        member = persons[(i % len(households)) * 3]
        instance = f"uuid:{uuid.uuid4()}"
        xml = (
            f'<data id="household_visit" version="2026120501"><deviceid>bench:{i % 7}</deviceid>'
            f"<task_id/><household>{household.pk}</household><roster_at>{roster_at}</roster_at>"
            f"<anyone_home>yes</anyone_home><members><person>{member.pk}</person>"
            f"<present>yes</present><phone>1391{i:07d}</phone><tags/><moved_out>no</moved_out>"
            f"</members><is_rental>no</is_rental><problem/><note/>"
            f"<meta><instanceID>{instance}</instanceID></meta></data>"
        ).encode()
        bodies.append(xml)
    from django.core.files.uploadedfile import SimpleUploadedFile

    def post(xml: bytes) -> int:
        response = client.post(
            "/openrosa/submission",
            {"xml_submission_file": SimpleUploadedFile("s.xml", xml, "text/xml")},
        )
        return response.status_code

    if args.explain:
        explain(post, bodies.pop())
    before = Submission.objects.count()
    with Counted() as counted:
        codes = [post(xml) for xml in bodies]
    assert codes.count(201) == len(bodies), {c: codes.count(c) for c in set(codes)}
    print(f"intake: {counted.line(len(bodies))} (each stored and applied)")
    start = time.perf_counter()
    again = [post(xml) for xml in bodies]
    elapsed = time.perf_counter() - start
    assert again.count(202) == len(bodies), {c: again.count(c) for c in set(again)}
    stored = Submission.objects.count() - before
    print(
        f"resent: {len(bodies)} duplicates answered 202 in {elapsed:.1f} s = {len(bodies) / elapsed:.0f}/s; stored rows: {stored} (expected {len(bodies)})"
    )
    assert stored == len(bodies)
    members = Person.objects.filter(
        pk__in={persons[(i % len(households)) * 3].pk for i in range(len(bodies))}
    )
    changed = sum(1 for p in members if p.phone.startswith("1391"))
    print(f"household files changed: {changed} persons with the new phone")

    # 3b. the same from several clients at once (a server's workers, phones syncing together)
    if args.clients:
        fresh = [
            xml.replace(b"uuid:", b"uuid:par-").replace(b"<phone>1391", b"<phone>1393")
            for xml in bodies
        ]
        before = Submission.objects.count()
        codes, counted = concurrently(post, fresh, args.clients)
        assert codes.count(201) == len(fresh), {c: codes.count(c) for c in set(codes)}
        stored = Submission.objects.count() - before
        print(f"intake, {args.clients} clients at once: {counted.line(len(fresh), queries=False)}")
        print(f"  stored rows: {stored} (expected {len(fresh)})")
        assert stored == len(fresh)

    # 4. the same with WANGGE_FORMS_APPLY=job: intake stores, the forms-apply job applies
    from django.conf import settings

    from wangge.forms.jobs import forms_apply
    from wangge.forms.models import SubmissionStatus

    settings.WANGGE_FORMS_APPLY = "job"
    deferred = [
        xml.replace(b"uuid:", b"uuid:job-").replace(b"<phone>1391", b"<phone>1392")
        for xml in bodies
    ]
    before = Submission.objects.count()
    with Counted() as counted:
        codes = [post(xml) for xml in deferred]
    assert codes.count(201) == len(deferred), {c: codes.count(c) for c in set(codes)}
    stored = Submission.objects.count() - before
    print(f"intake (WANGGE_FORMS_APPLY=job): {counted.line(len(deferred))}")
    print(f"  stored rows: {stored} (expected {len(deferred)})")
    assert stored == len(deferred)

    class Progress:
        def progress(self, *args: object) -> None:
            pass

    with Counted() as counted:
        result = forms_apply(Progress())  # type: ignore[arg-type]
    left = Submission.objects.filter(status=SubmissionStatus.RECEIVED).count()
    print(f"forms-apply job: {counted.line(result['applied'])}; still waiting: {left}")
    return len(bodies)


if __name__ == "__main__":
    main()
