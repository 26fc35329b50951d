"""Attack 6, second half: the report limiter believed a spoofed X-Forwarded-For and counted per
worker process.

Ten posts with ten made-up left-most X-Forwarded-For hops were never limited, and 20 quick
posts to a two-worker server were accepted 10 times (a 16-core server would have allowed 80),
because each process kept its own count. Now the address comes from `access.clientip` and the
count is django-ratelimit's in the shared cache, whose database flavour increments atomically
(`core.cache.AtomicDatabaseCache`); the multi-process test races real processes on one count.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from wangge.core.testing import SampleDistrict

WORKER = """
import sys, time
import django
django.setup()
from django.test import RequestFactory
from django_ratelimit.core import is_ratelimited
group, start, tries = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
request = RequestFactory().post("/report/")
key = lambda g, r: "203.0.113.9"
while time.time() < start:
    time.sleep(0.002)
allowed = 0
for _ in range(tries):
    if not is_ratelimited(request, group=group, key=key, rate="30/d", increment=True):
        allowed += 1
print(allowed)
"""


def _report(client: Client, sample: SampleDistrict, n: int) -> int:
    response = client.post(
        "/report/",
        {"description": f"路灯不亮 {n}", "address": "幸福一村3号楼东侧"},
    )
    return response.status_code


@pytest.fixture
def _limit(settings: Any) -> None:
    settings.WANGGE_REPORT_RATE_LIMIT = 5
    settings.WANGGE_REPORT_RATE_WINDOW = 600
    settings.WANGGE_TRUSTED_PROXIES = []


@pytest.mark.django_db
@pytest.mark.usefixtures("_limit")
def test_spoofed_forwarded_for_does_not_reset_the_report_limit(sample: SampleDistrict):
    statuses = [
        _report(Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"), sample, n)
        for n in range(10)
    ]
    assert statuses[:5] == [302] * 5
    assert statuses[5:] == [429] * 5
    assert _report(Client(REMOTE_ADDR="198.51.100.1"), sample, 99) == 302  # others still may


@pytest.mark.django_db
@pytest.mark.usefixtures("_limit")
def test_behind_a_trusted_proxy_each_client_has_its_own_count(sample: SampleDistrict, settings):
    settings.WANGGE_TRUSTED_PROXIES = ["127.0.0.1"]
    for n in range(5):
        via = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.5")
        assert _report(via, sample, n) == 302
    spoof = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="8.8.8.8, 203.0.113.5")
    assert _report(spoof, sample, 5) == 429
    neighbour = Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert _report(neighbour, sample, 6) == 302


@pytest.mark.django_db(transaction=True)
def test_processes_share_one_count(tmp_path):
    """Six processes race 15 hits each on one key limited to 30: exactly 30 get through."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "wangge.settings",
        "WANGGE_DATA_DIR": str(tmp_path),
    }
    env.pop("WANGGE_REDIS_URL", None)
    db = connection.settings_dict
    if connection.vendor == "postgresql":  # the test database itself; its cache table exists
        auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        env["WANGGE_DATABASE_URL"] = (
            f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:  # a database file of its own, shared by the processes
        env.pop("WANGGE_DATABASE_URL", None)
        setup = (
            "import django; django.setup()\n"
            "from django.core.management import call_command\n"
            "from django.db import connections\n"
            "for alias in connections: call_command('createcachetable', database=alias)"
        )
        subprocess.run([sys.executable, "-c", setup], env=env, check=True)
    group = f"race-{uuid.uuid4().hex}"
    start = time.time() + 4  # every process imported Django and waits for the same instant
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, group, str(start), "15"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    allowed = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        allowed.append(int(out.strip()))
    assert sum(allowed) == 30, allowed
