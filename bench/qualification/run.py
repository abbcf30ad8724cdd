"""Residents, applications and fee recalculation benchmark (issue 4): one generated city, both databases.

    python bench/qualification/run.py --db sqlite --db postgresql

For each database: generate the city once (``generate.py``; SQLite keeps a pristine copy under ``var/bench`` and
works on a copy of it, PostgreSQL runs in a throwaway cluster dropped at the end, or in ``--pg-url``), then

(a) bring a new income criterion into force (the one in force ends yesterday, the new one, 8 % higher, starts
    today), start the recalculation as the criterion screen does (``start_for_criterion``) and run the task's code
    (``run_recalculation``) synchronously, timed; beside it, in the same run, the raw SQL read of the same rows and
    the pure ``fees.compute_fee`` over the same rows; then a second recalculation with nothing changed;
(b) serve the application with gunicorn (2 workers, production settings) and load with wrk on loopback, with the
    session cookie of a generated worker: the worker's queue of applications (open, and all) and the person page
    (2,000 different persons, ``?purpose=`` rotating), each beside the raw SQL of its main query and the replay of
    every SELECT the page runs, timed in the same run; SQL statements per request.

Prints a Markdown table; paste it into docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import (  # noqa: E402
    ROOT,
    VAR,
    VENV,
    env_for,
    free_port,
    gunicorn,
    in_process,
    load_average,
    manage,
)
from bench.common import wrk as common_wrk  # noqa: E402

SPREAD = 2000  # different persons the person-page load walks through


def generate(env: dict[str, str], args: argparse.Namespace) -> None:
    subprocess.run(
        [
            str(VENV / "python"),
            "bench/qualification/generate.py",
            "--persons",
            str(args.persons),
            "--households",
            str(args.households),
            "--applications",
            str(args.applications),
            "--seed",
            str(args.seed),
        ],
        cwd=ROOT,
        env=env,
        check=True,
    )


def city_exists(env: dict[str, str]) -> bool:
    found = in_process(
        env,
        "from cus.core.models import Municipality\n"
        "print(json.dumps({'found': Municipality.objects.filter(teryt='1499992').exists()}))",
    )
    return bool(found["found"])


def prepare_sqlite(args: argparse.Namespace) -> dict[str, str]:
    """A pristine generated file per size, seed and month (the income declarations are for the months before the
    current one), copied for each run: every run recalculates the same data."""
    month = datetime.date.today().strftime("%Y%m")
    pristine = VAR / f"qualification-{args.persons}-{args.applications}-{args.seed}-{month}.sqlite3"
    if not pristine.exists() or args.regenerate:
        building = pristine.with_suffix(".building")
        building.unlink(missing_ok=True)
        env = env_for(f"sqlite:///{building}")
        manage(env, "migrate", "--noinput", "-v", "0")
        print(f"[sqlite] generating {pristine.name} …", flush=True)
        started = time.perf_counter()
        generate(env, args)
        in_process(env, "from django.db import connection\nc=connection.cursor()\nc.execute('VACUUM')\nprint('{}')")
        print(f"[sqlite] generated in {time.perf_counter() - started:.0f} s", flush=True)
        building.rename(pristine)
    work = VAR / "qualification-run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, work)
    env = env_for(f"sqlite:///{work}")
    manage(env, "migrate", "--noinput", "-v", "0")
    return env


def prepare_postgresql(url: str, args: argparse.Namespace) -> dict[str, str]:
    env = env_for(url)
    manage(env, "migrate", "--noinput", "-v", "0")
    if not city_exists(env):
        print("[postgresql] generating …", flush=True)
        started = time.perf_counter()
        generate(env, args)
        # As autovacuum would have done by the time of a recalculation (and as the SQLite file is vacuumed).
        vacuum = "from django.db import connection\nc=connection.cursor()\nc.execute('VACUUM ANALYZE')\nprint('{}')"
        in_process(env, vacuum)
        print(f"[postgresql] generated in {time.perf_counter() - started:.0f} s", flush=True)
    return env


RECALCULATION = r"""
import datetime, time, statistics
from decimal import Decimal
from django.db import connection, transaction
from django.utils import timezone
from cus.accounts.models import User
from cus.core.models import Municipality
from cus.programme.models import ProgrammeFeeKind
from cus.qualification import fees, recalculation
from cus.qualification.models import FeeTable, IncomeCriterion, criterion_on
from cus.qualification.recalculation_models import RecalculationRun

municipality = Municipality.objects.get(teryt="1499992")
director = User.objects.get(email="director@bench.example")
today = timezone.localdate()
with transaction.atomic():
    current = criterion_on(today)
    single = (current.single_person * Decimal("1.08")).quantize(Decimal("1"))
    family = (current.per_person_in_family * Decimal("1.08")).quantize(Decimal("1"))
    if current.valid_from == today:  # a kept database measured again the same day: the new one is amended
        current.single_person, current.per_person_in_family = single, family
        current.save()
        new = current
    else:
        current.valid_to = today - datetime.timedelta(days=1)
        current.save()
        new = IncomeCriterion.objects.create(
            single_person=single,
            per_person_in_family=family,
            valid_from=today,
            legal_basis="Rozporządzenie (benchmark)",
        )
    (run,) = recalculation.start_for_criterion(actor=director, criterion=new)

# The raw SQL read of the same rows: the qualified applications with what the fee is computed from, the open
# membership, and the sums of the declarations of the households by month.
APPS = '''
SELECT a.id, a.filed_at, a.track, a.units_per_month, a.income_per_person, a.single_person, a.fee_per_unit,
       a.fee_per_month, ps.unit_cost, ps.fee_kind, ps.service_id, m.household_id
FROM qualification_application a
JOIN programme_programmeservice ps ON ps.id = a.programme_service_id
LEFT JOIN residents_householdmember m ON m.person_id = a.person_id AND m.valid_to IS NULL
WHERE a.municipality_id = %s AND a.state = 'qualified'
ORDER BY a.id
'''
SUMS = '''
SELECT m.household_id, d.month, SUM(d.net_amount), COUNT(*)
FROM residents_incomedeclaration d
JOIN residents_householdmember m ON m.id = d.member_id
JOIN residents_household h ON h.id = m.household_id
WHERE h.municipality_id = %s AND m.valid_to IS NULL
GROUP BY m.household_id, d.month
'''
def raw():
    with connection.cursor() as c:
        c.execute(APPS, [municipality.pk])
        apps = c.fetchall()
        c.execute(SUMS, [municipality.pk])
        sums = c.fetchall()
    return apps, sums
raw()  # warm the cache as the recalculation will find it
started = time.perf_counter()
apps, sums = raw()
raw_seconds = time.perf_counter() - started


started, cpu = time.perf_counter(), time.process_time()
done = recalculation.run_recalculation(run.pk)
seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu

# The pure fee function over the same rows (income-dependent ones), with the income as the raw read gave it.
income = {(h, str(m)[:7]): (Decimal(str(total)), count) for h, m, total, count in sums}
tables = {}
for table in FeeTable.objects.filter(municipality=municipality, status="in_force"):
    tables[table.service_id] = table.as_fee_table()
criterion = criterion_on(today)
rows = []
for pk, filed_at, track, units, _old, _single, _unit, _month, unit_cost, fee_kind, service_id, household in apps:
    if fee_kind != ProgrammeFeeKind.INCOME or household is None:
        continue
    filed = filed_at if isinstance(filed_at, datetime.datetime) else datetime.datetime.fromisoformat(str(filed_at))
    filed = timezone.localtime(filed if timezone.is_aware(filed) else timezone.make_aware(filed, datetime.UTC))
    month = (filed.date().replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    total, count = income.get((household, str(month)[:7]), (Decimal(0), 1))
    per_person = (total / count).quantize(Decimal("0.01"))
    table = tables.get(service_id) or tables.get(None)
    rows.append((per_person, count == 1, Decimal(str(unit_cost)), Decimal(str(units)), table))
started = time.perf_counter()
for per_person, single, unit_cost, units, table in rows:
    fees.compute_fee(
        income_per_person=per_person,
        criterion=criterion.amount_for(single=single),
        unit_cost=unit_cost,
        units_per_month=units,
        single=single,
        table=table,
    )
pure_seconds = time.perf_counter() - started

(again,) = recalculation.start_recalculation(actor=director, municipalities=[municipality], reason="manual")
started, cpu = time.perf_counter(), time.process_time()
second = recalculation.run_recalculation(again.pk)
again_seconds, again_cpu = time.perf_counter() - started, time.process_time() - cpu
print(json.dumps({
    "seconds": seconds, "status": done.status, "error": done.error, "total": done.total, "changed": done.changed,
    "kept": done.kept, "failed": done.failed, "unchanged": done.unchanged, "raw_seconds": raw_seconds,
    "raw_rows": len(apps), "pure_seconds": pure_seconds, "pure_rows": len(rows), "again_seconds": again_seconds,
    "again_changed": second.changed, "cpu_seconds": cpu_seconds, "again_cpu": again_cpu,
    "again_total": second.total, "batch": recalculation.BATCH_SIZE,
}))
"""

PAGES = r"""
import random, statistics, time
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from cus.accounts.models import User
from cus.qualification import queries as qualification_queries
from cus.residents.models import AccessPurpose, Person

worker = User.objects.get(email="worker@bench.example")
client = Client(SERVER_NAME="127.0.0.1")
client.force_login(worker, backend="django.contrib.auth.backends.ModelBackend")
cookie = client.cookies[settings.SESSION_COOKIE_NAME].value

def timed_sql(statements, n):
    times = []
    with connection.cursor() as c:
        for _ in range(n):
            t = time.perf_counter()
            for sql, params in statements:
                c.execute(sql, params)
                c.fetchall()
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[int(len(times) * 0.95) - 1]}

def page(path):
    # One request in process: its status, its statements, and the SELECTs to replay as they were sent.
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    selects = [(q["sql"], None) for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    return response.status_code, len(ctx), selects

result = {"cookie": cookie, "cookie_name": settings.SESSION_COOKIE_NAME}
for name, queue in (("queue_open", "open"), ("queue_all", "all")):
    qs = qualification_queries.applications_for(worker, queue=queue, sort="-filed")
    with CaptureQueriesContext(connection) as counted:
        qs.count()
    main = [(counted.captured_queries[-1]["sql"], None), qs[:25].query.sql_with_params()]
    path = "/qualification/applications/" + ("" if queue == "open" else "?queue=all")
    for _ in range(3):
        status, count, selects = page(path)
    result[name] = {"path": path, "status": status, "queries": count, "main": timed_sql(main, 40),
                    "replay": timed_sql(selects, 40), "rows": qs.count()}

rnd = random.Random(4)
ids = list(Person.objects.order_by("pk").values_list("pk", flat=True))
chosen = rnd.sample(ids, {spread})
purposes = list(AccessPurpose.values)
paths = [f"/residents/persons/{pk}/?purpose={purposes[i % len(purposes)]}" for i, pk in enumerate(chosen)]
main_stats, replay_stats, counts = [], [], []
for path, pk in list(zip(paths, chosen))[:20]:
    status, count, selects = page(path)
    counts.append(count)
    main = [Person.objects.filter(pk=pk).query.sql_with_params()]
    main_stats.append(timed_sql(main, 10))
    replay_stats.append(timed_sql(selects, 10))
result["person"] = {
    "paths": paths, "status": status, "queries": max(counts),
    "main": {"p50": statistics.median(s["p50"] for s in main_stats), "p95": max(s["p95"] for s in main_stats)},
    "replay": {"p50": statistics.median(s["p50"] for s in replay_stats), "p95": max(s["p95"] for s in replay_stats)},
}
print(json.dumps(result))
"""


def wrk(url: str, seconds: int, connections: int, cookie: str, paths: Path | None = None) -> dict:
    return common_wrk(url, seconds, connections, headers={"Cookie": cookie}, paths=paths)


def recalculation_rows(name: str, env: dict[str, str]) -> list[str]:
    print(f"[{name}] recalculating after a criterion change …", flush=True)
    r = in_process(env, RECALCULATION)
    if r["status"] != "done":
        print(f"[{name}] recalculation {r['status']}: {r['error']}", flush=True)
    per_thousand = r["seconds"] * 1000 / max(r["total"], 1) * 1000
    return [
        f"| {name} | recalculation after a criterion change: {r['total']:,} qualified applications "
        f"({r['changed']:,} changed, {r['kept']:,} kept, {r['unchanged']:,} unchanged, {r['failed']:,} failed), "
        f"batches of {r['batch']} | **{r['seconds']:.1f} s** ({per_thousand:.0f} ms per 1,000) | "
        f"CPU of the process {r['cpu_seconds']:.1f} s | "
        f"pure `fees.compute_fee` over the same {r['pure_rows']:,} income-dependent rows: {r['pure_seconds']:.2f} s; "
        f"raw SQL read of the same {r['raw_rows']:,} rows and the households' income: {r['raw_seconds']:.2f} s |",
        f"| {name} | second recalculation, nothing changed ({r['again_total']:,} applications, "
        f"{r['again_changed']} changed) | {r['again_seconds']:.1f} s | CPU of the process {r['again_cpu']:.1f} s | |",
    ]


def pages_rows(name: str, env: dict[str, str], seconds: int, connections: int) -> list[str]:
    rows = []
    with gunicorn(env) as base:
        info = in_process(env, PAGES.replace("{spread}", str(SPREAD)))
        cookie = f"{info['cookie_name']}={info['cookie']}"
        spread = VAR / f"persons-{name}.txt"
        spread.write_text("".join(f"{path}\n" for path in info["person"]["paths"]))
        targets = [
            ("worker's queue, open applications (page 1 of 25)", info["queue_open"], None),
            ("worker's queue, all applications (page 1 of 25)", info["queue_all"], None),
            (f"person page, {SPREAD:,} different persons, ?purpose=", info["person"], spread),
        ]
        for label, data, paths in targets:
            path = data["path"] if paths is None else data["paths"][0]
            url = f"{base}{path}"
            request = urllib.request.Request(url, headers={"Cookie": cookie})
            for _ in range(10):  # warm both workers' connections
                with urllib.request.urlopen(request, timeout=30) as response:
                    if response.status != 200 or "/login" in response.url:
                        raise RuntimeError(f"{url}: {response.status} {response.url}")
            result = wrk(url, seconds, connections, cookie, paths)
            rows_note = f"; {data['rows']:,} rows" if "rows" in data else ""
            rows.append(
                f"| {name} | {label}{rows_note} | {result['p50']:.1f} / **{result['p95']:.1f}** | "
                f"{result['rps']:.0f} req/s, {result['errors']} errors, {data['queries']} SQL statements | "
                f"main query {data['main']['p50']:.2f} / {data['main']['p95']:.2f}; every SELECT of the page "
                f"replayed {data['replay']['p50']:.2f} / {data['replay']['p95']:.2f} |"
            )
        rows.append(f"| {name} | load average (1 / 5 / 15 min) at the end | {load_average()} | | |")
    return rows


def postgres_cluster() -> tuple[str, str, str]:
    version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
    port = str(free_port())
    name = f"cusqbench{os.getpid()}"
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


def measure(name: str, env: dict[str, str], args: argparse.Namespace) -> list[str]:
    rows = recalculation_rows(name, env)
    rows += pages_rows(name, env, args.seconds, args.connections)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--households", type=int, default=90_000)
    parser.add_argument("--applications", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--regenerate", action="store_true", help="generate the SQLite city again")
    parser.add_argument("--pg-url", help="use this PostgreSQL database instead of a throwaway cluster (kept)")
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    where = f"Commit {commit.stdout.strip()}" + (" with uncommitted changes" if dirty else "")
    rows = [
        f"{where}; {args.persons:,} persons in {args.households:,} households, {args.applications:,} applications; "
        f"gunicorn 2 workers; wrk -t2 -c{args.connections} -d{args.seconds}s on loopback; load average at the start "
        f"{load_average()}.",
        "",
        "| database | what | time (wrk: p50 / p95 ms) | | baseline in the same run (ms: p50 / p95) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for db in args.db or ["sqlite", "postgresql"]:
        if db == "sqlite":
            rows += measure(db, prepare_sqlite(args), args)
        elif args.pg_url:
            rows += measure(db, prepare_postgresql(args.pg_url, args), args)
        else:
            version, cluster, url = postgres_cluster()
            try:
                rows += measure(db, prepare_postgresql(url, args), args)
            finally:
                subprocess.run(["pg_dropcluster", version, cluster, "--stop"], check=False)
    print("\n".join(rows))


if __name__ == "__main__":
    sys.exit(main())
