"""Catalog benchmark: national-scale data, gunicorn (2 workers), wrk on loopback, raw SQL baseline.

    python bench/catalog/run.py --db sqlite --db postgresql

For each database: build (once) the generated catalog, start gunicorn with production settings, load each
endpoint with wrk (p50/p95 latency, requests per second), time the raw SQL of the same query in the same run,
and count SQL queries per request at two page sizes. Prints a Markdown table; paste it into docs/performance.md.
PostgreSQL runs in a throwaway cluster (needs root and Debian's postgresql), dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import ROOT, VAR, VENV, env_for, free_port, gunicorn, in_process, load_average, manage  # noqa: E402

SEARCH = "uslugi opiekuncze"  # the words of the search load (diacritics missing on purpose), and of its raw SQL
SPREAD = 2000  # services the second detail load walks through: more than a worker's cache keeps (300 entries)


def prepare(name: str, database_url: str, municipalities: int, services: int) -> dict[str, str]:
    env = env_for(database_url)
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "collectstatic", "--noinput", "-v", "0")
    count = int(
        subprocess.run(
            [
                str(VENV / "python"),
                "-c",
                "import django;django.setup();from cus.catalog.models import Service;print(Service.objects.count())",
            ],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "cus.settings"},
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    if count < municipalities * services:
        print(f"[{name}] generating {municipalities} × {services} services …", flush=True)
        subprocess.run(
            [
                str(VENV / "python"),
                "bench/catalog/generate.py",
                "--municipalities",
                str(municipalities),
                "--services",
                str(services),
            ],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return env


BASELINE = """
import time, statistics
from django.db import connection
from cus.catalog.models import Service
from cus.catalog.search import search_services
words = {words!r}
def timed(sql, params, n):
    times = []
    with connection.cursor() as c:
        for _ in range(n):
            t = time.perf_counter()
            c.execute(sql, params)
            c.fetchall()
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {{"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1]}}
# The raw SQL of the same search: the SQL the application's search queryset generates for the first page of 20
# (key and name; without the total the application also takes).
search = search_services(Service.objects.published(), words).values("id", "name")[:20]
search_sql, search_params = search.query.sql_with_params()
sid = Service.objects.published().values_list("id", flat=True).first()
detail_sql, detail_params = Service.objects.filter(pk=sid).values().query.sql_with_params()
many = [str(pk) for pk in Service.objects.published().order_by("?").values_list("id", flat=True)[:{spread}]]
print(json.dumps({{
    "search": timed(search_sql, search_params, 200),
    "detail": timed(detail_sql, detail_params, 200),
    "service_id": str(sid),
    "service_ids": many,
}}))
"""

QUERY_COUNT = """
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.db import connection
client = Client(SERVER_NAME="127.0.0.1")
counts = {{}}
for size in (5, 50):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("/api/hsds/services", {{"per_page": size, "search": "uslugi"}})
    counts[f"hsds_{{size}}"] = (r.status_code, len(ctx))
client.get("{portal}", {{"q": "uslugi"}})  # the first page after a write also builds the cached filter options
for size in (1, 2):
    with CaptureQueriesContext(connection) as ctx:
        r = client.get("{portal}", {{"q": "uslugi", "page": size}})
    counts[f"portal_page{{size}}"] = (r.status_code, len(ctx))
print(json.dumps(counts))
"""


def wrk(url: str, seconds: int, connections: int, paths: Path | None = None) -> dict:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(Path(__file__).with_name("report.lua")),
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "WRK_PATHS": str(paths) if paths else ""},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def bench(
    name: str, env: dict[str, str], seconds: int, connections: int, portal_path: str, *, only: list[str] | None = None
) -> list[str]:
    rows = []
    with gunicorn(env) as base:
        words = SEARCH.replace(" ", "+")
        baseline = in_process(env, BASELINE.format(words=SEARCH, spread=SPREAD))
        counts = in_process(env, QUERY_COUNT.format(portal=portal_path))
        spread = VAR / f"paths-{name}.txt"
        spread.write_text("".join(f"/api/hsds/services/{pk}\n" for pk in baseline["service_ids"]))
        pages = VAR / f"pages-{name}.txt"
        pages.write_text("".join(f"/uslugi/{pk}/\n" for pk in baseline["service_ids"]))
        targets = [
            ("portal search", f"{base}{portal_path}?q={words}", baseline["search"], None),
            (
                "/api/hsds/services?search=",
                f"{base}/api/hsds/services?search={words}",
                baseline["search"],
                None,
            ),
            ("/api/hsds/services/{id}", f"{base}/api/hsds/services/{baseline['service_id']}", baseline["detail"], None),
            (
                f"/api/hsds/services/{{id}} over {SPREAD:,} services (mostly cache misses)",
                f"{base}/api/hsds/services/{baseline['service_id']}",
                baseline["detail"],
                spread,
            ),
            (
                f"portal service page over {SPREAD:,} services (not cached)",
                f"{base}/uslugi/{baseline['service_id']}/",
                baseline["detail"],
                pages,
            ),
        ]
        for index, (label, url, raw, paths) in enumerate(targets):
            if only and not any(word in label for word in only):
                continue
            for _ in range(20):  # warm both workers' connections and caches
                urllib.request.urlopen(url, timeout=10).read()
            result = wrk(url, seconds, connections, paths)
            rows.append(
                f"| {name} | {label} | {result['p50']:.1f} | {result['p95']:.1f} | {result['rps']:.0f} | "
                f"{result['errors']} | {raw['p50']:.2f} / {raw['p95']:.2f} | "
                + (f"{result['p50'] / raw['p50']:.1f}× |" if index < 2 else "(a one-row select) |")
            )
        rows.append(f"| {name} | SQL queries per request | {json.dumps(counts)} | | | | | |")
        rows.append(f"| {name} | load average (1 / 5 / 15 min) at the end | {load_average()} | | | | | |")
    return rows


def postgres_cluster() -> tuple[str, str, str]:
    version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
    port = str(free_port())
    name = f"cusbench{os.getpid()}"
    subprocess.run(
        ["pg_createcluster", version, name, "-p", port, "--start", "--", "--auth-local=trust", "--auth-host=trust"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-c", "CREATE DATABASE cusbench"],
        check=True,
        capture_output=True,
    )
    return version, name, f"postgres://postgres@127.0.0.1:{port}/cusbench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--municipalities", type=int, default=2500)
    parser.add_argument("--services", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--portal-path", default="/uslugi/szukaj/")
    parser.add_argument("--pg-url", help="use this PostgreSQL database instead of a throwaway cluster (kept)")
    parser.add_argument(
        "--only", action="append", help="load only the endpoints whose label contains this text (repeatable)"
    )
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    where = f"Working tree after {commit.strip()}" if dirty else f"Commit {commit.strip()}"
    rows = [
        f"{where}; {args.municipalities} municipalities × {args.services} services; gunicorn 2 workers; "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s on loopback; load average at the start {load_average()}.",
        "",
        f"Search: `{SEARCH}`; raw SQL = the same search's first page of 20, timed 200 times in the same run.",
        "",
        "| database | endpoint | p50 ms | p95 ms | req/s | errors | raw SQL p50 / p95 ms | p50 / raw p50 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for db in args.db or ["sqlite", "postgresql"]:
        if db == "sqlite":
            env = prepare(db, f"sqlite:///{VAR / 'catalog.sqlite3'}", args.municipalities, args.services)
            rows += bench(db, env, args.seconds, args.connections, args.portal_path, only=args.only)
        elif args.pg_url:
            env = prepare(db, args.pg_url, args.municipalities, args.services)
            rows += bench(db, env, args.seconds, args.connections, args.portal_path, only=args.only)
        else:
            version, cluster, url = postgres_cluster()
            try:
                env = prepare(db, url, args.municipalities, args.services)
                rows += bench(db, env, args.seconds, args.connections, args.portal_path, only=args.only)
            finally:
                subprocess.run(["pg_dropcluster", version, cluster, "--stop"], check=False)
    print("\n".join(rows))


if __name__ == "__main__":
    sys.exit(main())
