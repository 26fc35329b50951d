"""Person pages, searches and log-ins while another process holds the main SQLite file's write lock.

    WANGGE_DATA_DIR=/tmp/wg-pw .venv/bin/python bench/bench_pages_while_writing.py [--size 3000] [--requests 60]

Builds the demo into the data directory if it is not there yet, starts `wangge serve` (gunicorn,
2 workers) on a free port and measures, over real HTTP, first with nobody writing and then while
a second process holds a write transaction on the main file (as an import's commit does: `BEGIN
IMMEDIATE` and an UPDATE of every person, held until the measurements end): the person page, the
person search page and a log-in (a fresh session each time). Prints p50/p95 in milliseconds and
how many requests failed. Before the audit log had its own store, every one of these waited for
the lock (10 s busy timeout) and then failed with "database is locked".
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_latency import WANGGE, Session, free_port, report  # noqa: E402

LOCKER = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE")
db.execute("UPDATE people_person SET name = name")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
db.execute("ROLLBACK")
"""


def login(port: int, username: str, password: str) -> tuple[Session, float]:
    web = Session(port)
    _, page = web.request("GET", "/login/")
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert found is not None, "no CSRF token on the login page"
    body = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": found.group(1).decode()}
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Referer": f"http://127.0.0.1:{port}/login/",
    }
    start = time.perf_counter()
    status, _ = web.request("POST", "/login/", body, headers)
    elapsed = (time.perf_counter() - start) * 1000
    if status != 302:
        raise RuntimeError(f"login → {status}")
    return web, elapsed


def measure(
    port: int, args: argparse.Namespace, persons: list[tuple[int, str]], label: str
) -> None:
    failures: dict[str, int] = {"login": 0, "person": 0, "search": 0}
    logins: list[float] = []
    pages: list[float] = []
    searches: list[float] = []
    web = None
    for _ in range(max(1, args.requests // 6)):
        try:
            web, elapsed = login(port, args.user, args.password)
            logins.append(elapsed)
        except (RuntimeError, OSError):
            failures["login"] += 1
    assert web is not None, "no log-in succeeded"
    for person_id, name in persons:
        for kind, path, samples in (
            ("person", f"/people/{person_id}/", pages),
            ("search", "/people/search/?" + urllib.parse.urlencode({"q": name}), searches),
        ):
            try:
                samples.append(web.timed_get(path))
            except (RuntimeError, OSError):
                failures[kind] += 1
                web = login(port, args.user, args.password)[0]  # a broken connection: anew
    print(f"-- {label}")
    for name_, samples in (("log-in", logins), ("person page", pages), ("person search", searches)):
        if samples:
            report(name_, samples)
    print(f"   failed requests: {failures}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=3000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--user", default="street")
    parser.add_argument("--password", default="wangge-demo")
    args = parser.parse_args()
    data_dir = Path(os.environ.get("WANGGE_DATA_DIR", "var")).resolve()
    env = {**os.environ, "WANGGE_DATA_DIR": str(data_dir)}
    env.pop("WANGGE_DATABASE_URL", None)  # this is about the embedded SQLite file
    os.environ.update(env)
    subprocess.run([*WANGGE, "demo", "--size", str(args.size), "-v", "0"], env=env, check=True)

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    import django

    django.setup()
    from wangge.people.models import Person

    rng = random.Random(13)
    ids = list(Person.objects.filter(grid__isnull=False).values_list("pk", flat=True))
    chosen = rng.sample(ids, min(len(ids), args.requests))
    persons = list(Person.objects.filter(pk__in=chosen).values_list("pk", "name"))
    from django.db import connections

    connections.close_all()

    port = free_port()
    server = subprocess.Popen(
        [*WANGGE, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    locker = None
    try:
        for _ in range(150):
            try:
                if Session(port).request("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        login(port, args.user, args.password)  # warm-up
        measure(port, args, persons, "nobody writing")
        locker = subprocess.Popen(
            [sys.executable, "-c", LOCKER, str(data_dir / "wangge.sqlite3"), "3600"],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert locker.stdout is not None and locker.stdout.readline().strip() == "locked"
        started = time.perf_counter()
        measure(port, args, persons, "main file write-locked by another process")
        print(f"   (the lock was held for all {time.perf_counter() - started:.1f} s of it)")
        assert locker.poll() is None, "the locking process ended early"
    finally:
        if locker is not None:
            locker.terminate()
            locker.wait(10)
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
