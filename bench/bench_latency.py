"""Page and API latency on a large demo district, over real HTTP against `wangge serve`.

    WANGGE_DATA_DIR=/tmp/wg-big .venv/bin/python bench/bench_latency.py [--size 500000] [--requests 400]

Builds the demo at --size into the data directory if it is not there yet (minutes for 500k),
starts gunicorn on a free port, logs in as the street officer (whose scope is the whole street,
the heaviest case) and measures sequential requests: the household file page and the person
search API (by name, by full ID number, by phone). Prints p50/p95/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WANGGE = [sys.executable, "-m", "wangge"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(label: str, samples: list[float]) -> None:
    print(
        f"{label:<34} n={len(samples):>4}  p50 {percentile(samples, 0.5):6.1f} ms  "
        f"p95 {percentile(samples, 0.95):6.1f} ms  p99 {percentile(samples, 0.99):6.1f} ms  "
        f"mean {statistics.fmean(samples):6.1f} ms"
    )


class Session:
    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response.status, data

    def timed_get(self, path: str, headers: dict | None = None) -> float:
        start = time.perf_counter()
        status, _ = self.request("GET", path, headers=headers)
        elapsed = (time.perf_counter() - start) * 1000
        if status != 200:
            raise RuntimeError(f"GET {path} → {status}")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=500_000)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--user", default="street")
    args = parser.parse_args()
    env = {**os.environ, "WANGGE_DATA_DIR": os.environ.get("WANGGE_DATA_DIR", "var")}
    os.environ.update(env)

    t0 = time.perf_counter()
    subprocess.run([*WANGGE, "demo", "--size", str(args.size)], env=env, check=True)
    print(f"demo ready in {time.perf_counter() - t0:.0f} s (data dir {env['WANGGE_DATA_DIR']})")

    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
    import django

    django.setup()
    from wangge.access.services import create_api_token
    from wangge.people.models import Household, Person

    rng = random.Random(7)
    total = Person.objects.count()
    print(f"residents: {total:,}  households: {Household.objects.count():,}")
    max_id = Household.objects.order_by("-pk").values_list("pk", flat=True)[0]
    household_ids = list(
        Household.objects.filter(
            pk__in=[rng.randint(1, max_id) for _ in range(args.requests * 2)]
        ).values_list("pk", flat=True)[: args.requests]
    )
    person_ids = [
        rng.randint(1, Person.objects.order_by("-pk").values_list("pk", flat=True)[0])
        for _ in range(args.requests)
    ]
    persons = list(Person.objects.filter(pk__in=person_ids).only("name", "id_number", "phone"))
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username=args.user)
    token = create_api_token(None, user, "bench")

    port = free_port()
    server = subprocess.Popen(
        [*WANGGE, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                if Session(port).request("GET", "/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        web = Session(port)
        _, page = web.request("GET", "/login/")
        csrf = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode(
            {"username": args.user, "password": "wangge-demo", "csrfmiddlewaretoken": csrf}
        )
        status, _ = web.request(
            "POST",
            "/login/",
            body,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "Referer": f"http://127.0.0.1:{port}/login/",
            },
        )
        assert status == 302, f"login failed: {status}"
        for hid in household_ids[:20]:  # warm-up
            web.timed_get(f"/people/households/{hid}/")
        report(
            "household file page (web)",
            [web.timed_get(f"/people/households/{h}/") for h in household_ids],
        )

        api = Session(port)
        auth = {"Authorization": f"Bearer {token}"}
        queries = {
            "person search API, name": [p.name for p in persons],
            "person search API, ID number": [p.id_number for p in persons if p.id_number],
            "person search API, phone": [p.phone for p in persons if p.phone],
        }
        for label, values in queries.items():
            for value in values[:20]:
                api.timed_get("/api/search?" + urllib.parse.urlencode({"q": value}), auth)
            samples = [
                api.timed_get("/api/search?" + urllib.parse.urlencode({"q": v}), auth)
                for v in values
            ]
            report(label, samples)
        _, data = api.request(
            "GET", "/api/search?" + urllib.parse.urlencode({"q": persons[0].id_number}), None, auth
        )
        assert json.loads(data)[0]["name"] == persons[0].name, "search must find the person"
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
