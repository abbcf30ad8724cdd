"""IPUS benchmark: a city with 50,000 plans, 200,000 items and 10 million delivery records (one year).

    python bench/plans/run.py --db sqlite --db postgresql

For each database: generate the city once (a pristine SQLite file under var/bench is reused; PostgreSQL runs in a
throwaway cluster unless --pg-url is given), then measure with gunicorn (2 workers) and wrk on loopback:
the coordinator's home and a plan page (signed-in session of a generated coordinator; plan pages spread over the
coordinator's plans), recording a visit through the providers' API (a new record per request), and, in process, the
half-year summary of all plans. Each beside the raw SQL of its main query timed in the same run. Prints a Markdown
table for docs/performance.md. Targets: home and plan page p95 ≤ 100 ms, summary ≤ 5 s, recording p95 ≤ 50 ms.
"""

from __future__ import annotations

import argparse
import datetime
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
    gunicorn,
    in_process,
    load_average,
    manage,
    postgres_database,
    where,
    wrk,
)

COORDINATOR = "coordinator0@plans.bench.example"

MEASURE = r"""
import datetime, random, statistics, time
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from cus.accounts.models import User
from cus.delivery.models import DeliveryRecord
from cus.plans import alerts as plan_alerts, rules, summary
from cus.plans.models import DELIVERING_STATUSES, OPEN_STATUSES, PlanAlert, PlanItem, ServicePlan

coordinator = User.objects.get(email="%(coordinator)s")
director = User.objects.get(email="director@plans.bench.example")
client = Client(SERVER_NAME="127.0.0.1")
client.force_login(coordinator, backend="django.contrib.auth.backends.ModelBackend")

def timed(statements, n):
    times = []
    with connection.cursor() as c:
        for _ in range(n):
            t = time.perf_counter()
            for sql, params in statements:
                c.execute(sql, params)
                c.fetchall()
            times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p95": times[max(0, int(len(times) * 0.95) - 1)]}

def page(path):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    return response.status_code, len(ctx)

mine = ServicePlan.objects.filter(coordinator=coordinator)
# The home's main query: the 30 most urgent stored alerts of the coordinator's open plans.
home_main = [PlanAlert.objects.filter(coordinator=coordinator)
             .exclude(kind="awaiting_approval").order_by("rank", "day", "pk")
             .values("plan_id", "kind", "day", "severity", "params", "item_id", "goal_id")[:40]
             .query.sql_with_params()]
plans = list(mine.filter(status="active").values_list("pk", flat=True))
rnd = random.Random(5)
chosen = rnd.sample(plans, min(200, len(plans)))
plan_main = []
sample = chosen[0]
plan_main.append(ServicePlan.objects.filter(pk=sample).values().query.sql_with_params())
plan_main.append(PlanItem.objects.filter(plan_id=sample).values().query.sql_with_params())
from django.db.models import Sum
plan_main.append(DeliveryRecord.objects.filter(item__plan_id=sample, status="delivered").values("item_id")
                 .annotate(m=Sum("minutes")).query.sql_with_params())
home_status, home_queries = page("/plans/")
# The home's first view after a change to one of the coordinator's plans (a visit recorded, a goal noted): that
# plan's alerts are recomputed first. Django's test client in this process, 30 different plans.
open_ids = list(mine.filter(status__in=list(OPEN_STATUSES)).values_list("pk", flat=True))
changed_times = []
for pk in random.Random(7).sample(open_ids, min(30, len(open_ids))):
    plan_alerts.invalidate([pk])
    t = time.perf_counter()
    assert client.get("/plans/").status_code == 200
    changed_times.append((time.perf_counter() - t) * 1000)
changed_times.sort()
plan_status, plan_queries = page(f"/plans/{sample}/?purpose=ipus")

period = rules.half_year(timezone.localdate() - datetime.timedelta(days=183))
started = time.perf_counter()
result = summary.half_year_summary(director, period)
summary_seconds = time.perf_counter() - started
with connection.cursor() as c:
    t = time.perf_counter()
    c.execute(
        "SELECT r.item_id, SUM(r.minutes) FROM delivery_deliveryrecord r WHERE r.status = 'delivered' "
        "AND r.date BETWEEN %%s AND %%s GROUP BY r.item_id", [period.starts_on, period.ends_on])
    rows = len(c.fetchall())
    summary_raw = time.perf_counter() - t
    t = time.perf_counter()
    c.execute(
        "SELECT m.item_id, SUM(m.minutes) FROM delivery_deliverymonth m WHERE m.month BETWEEN %%s AND %%s "
        "GROUP BY m.item_id", [period.starts_on, period.ends_on])
    month_rows = len(c.fetchall())
    summary_raw_months = time.perf_counter() - t

provider_item = (PlanItem.objects.filter(provider__staff__user__email="provider0@plans.bench.example",
                 plan__status="active", starts_on__lte=timezone.localdate() - datetime.timedelta(days=1),
                 ends_on__gte=timezone.localdate()).values_list("pk", flat=True).first())
# Recording a visit, raw: the worker's visits of that day (the overlap check) and the INSERT of the record, each
# iteration committed on its own like a request.
import uuid
from django.db import transaction
provider_user = User.objects.get(email="provider0@plans.bench.example")
raw_item = PlanItem.objects.get(pk=provider_item)
columns = DeliveryRecord._meta.concrete_fields
insert_sql = "INSERT INTO %%s (%%s) VALUES (%%s)" %% (
    DeliveryRecord._meta.db_table, ", ".join(connection.ops.quote_name(f.column) for f in columns),
    ", ".join(["%%s"] * len(columns)))
record_times = []
yesterday = timezone.localdate() - datetime.timedelta(days=1)
provider_key = DeliveryRecord._meta.get_field("provider").get_db_prep_value(raw_item.provider_id, connection)
with connection.cursor() as c:
    for n in range(200):
        row = DeliveryRecord(item=raw_item, provider_id=raw_item.provider_id, date=yesterday,
                             start_time=datetime.time(0, 0), minutes=1, worker_name=f"Raw {n}", worker_key=f"raw {n}",
                             recorded_by=provider_user)
        t = time.perf_counter()
        with transaction.atomic():
            c.execute("SELECT id, start_time, minutes FROM delivery_deliveryrecord WHERE provider_id = %%s AND "
                      "worker_key = %%s AND date = %%s", [provider_key, row.worker_key, yesterday])
            c.fetchall()
            c.execute(insert_sql, [f.get_db_prep_save(getattr(row, f.attname), connection) for f in columns])
        record_times.append((time.perf_counter() - t) * 1000)
    c.execute("DELETE FROM delivery_deliveryrecord WHERE worker_key LIKE 'raw %%%%' AND provider_id = %%s",
              [provider_key])
record_times.sort()

print(json.dumps({
    "record_raw": {"p50": statistics.median(record_times), "p95": record_times[int(len(record_times) * 0.95) - 1]},
    "session": f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}",
    "home": {"status": home_status, "queries": home_queries, "main": timed(home_main, 40), "plans": mine.count()},
    "home_changed": {"p50": statistics.median(changed_times),
                     "p95": changed_times[max(0, int(len(changed_times) * 0.95) - 1)], "n": len(changed_times)},
    "plan": {"status": plan_status, "queries": plan_queries, "main": timed(plan_main, 40),
             "paths": [f"/plans/{pk}/?purpose=ipus" for pk in chosen]},
    "summary": {"seconds": summary_seconds, "raw_seconds": summary_raw, "raw_rows": rows,
                "raw_months_seconds": summary_raw_months, "raw_month_rows": month_rows,
                "period": f"{period.starts_on}–{period.ends_on}"},
    "item": str(provider_item),
    "records": DeliveryRecord.objects.count(),
    "items": PlanItem.objects.count(),
    "plan_count": ServicePlan.objects.count(),
}))
"""


def generate(env: dict[str, str], args: argparse.Namespace) -> str:
    out = subprocess.run(
        [
            str(VENV / "python"),
            "bench/plans/generate.py",
            *("--plans", str(args.plans), "--items", str(args.items), "--records", str(args.records)),
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    print(out, flush=True)
    return next(line.split("=", 1)[1] for line in out.splitlines() if line.startswith("PROVIDER_TOKEN="))


def prepare_sqlite(args: argparse.Namespace) -> tuple[dict[str, str], str]:
    pristine = VAR / f"plans-{args.plans}-{args.records}-{datetime.date.today():%Y%m%d}.sqlite3"
    token_file = pristine.with_suffix(".token")
    if not pristine.exists():
        building = pristine.with_suffix(".building")
        building.unlink(missing_ok=True)
        env = env_for(f"sqlite:///{building}")
        manage(env, "migrate", "--noinput", "-v", "0")
        token_file.write_text(generate(env, args))
        building.rename(pristine)
    work = VAR / "plans-run.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(pristine, work)
    env = env_for(f"sqlite:///{work}")
    manage(env, "migrate", "--noinput", "-v", "0")
    return env, token_file.read_text().strip()


def measure(name: str, env: dict[str, str], token: str, args: argparse.Namespace) -> list[str]:
    manage(env, "collectstatic", "--noinput", "-v", "0")
    # The nightly run that computes every open plan's alerts for the day (``refresh_plan_alerts --all``).
    started = time.perf_counter()
    manage(env, "refresh_plan_alerts", "--all")
    nightly = time.perf_counter() - started
    info = in_process(env, MEASURE % {"coordinator": COORDINATOR})
    rows = []
    with gunicorn(env) as base:
        cookie = {"Cookie": info["session"]}
        spread = VAR / f"plan-paths-{name}.txt"
        spread.write_text("".join(f"{p}\n" for p in info["plan"]["paths"]))
        for label, path, data, paths in (
            (f"coordinator's home ({info['home']['plans']} plans of the coordinator)", "/plans/", info["home"], None),
            (
                f"plan page, {len(info['plan']['paths'])} different plans, ?purpose=",
                info["plan"]["paths"][0],
                info["plan"],
                spread,
            ),
        ):
            request = urllib.request.Request(f"{base}{path}", headers=cookie)
            for _ in range(5):
                with urllib.request.urlopen(request, timeout=60) as response:
                    if response.status != 200 or "/login" in response.url:
                        raise RuntimeError(f"{path}: {response.status} {response.url}")
            result = wrk(f"{base}{path}", args.seconds, args.connections, headers=cookie, paths=paths)
            rows.append(
                f"| {name} | {label} | {result['p50']:.1f} / **{result['p95']:.1f}** | {result['rps']:.0f} req/s, "
                f"{result['errors']} errors, {data['queries']} SQL statements | main query "
                f"{data['main']['p50']:.2f} / {data['main']['p95']:.2f} |"
            )
        changed = info["home_changed"]
        rows.append(
            f"| {name} | coordinator's home, first view after one of the coordinator's plans changed "
            f"({changed['n']} plans, in process) | {changed['p50']:.1f} / **{changed['p95']:.1f}** | | |"
        )
        yesterday = (datetime.date.today() - datetime.timedelta(days=1)).isoformat()
        result = wrk(
            f"{base}/api/v1/delivery/items/{info['item']}/records",
            args.seconds,
            args.connections,
            script=Path(__file__).with_name("record.lua"),
            extra_env={
                "WRK_POST_PATH": f"/api/v1/delivery/items/{info['item']}/records",
                "WRK_POST_DATE": yesterday,
                "WRK_TOKEN": token,
                "WRK_RUN": str(int(time.time())),
            },
        )
        rows.append(
            f"| {name} | recording a visit (POST /api/v1/delivery/items/{{id}}/records, provider token) | "
            f"{result['p50']:.1f} / **{result['p95']:.1f}** | {result['rps']:.0f} req/s, {result['errors']} "
            f"errors (non-2xx counted) | raw overlap SELECT + INSERT, committed: {info['record_raw']['p50']:.2f} / "
            f"{info['record_raw']['p95']:.2f} |"
        )
    rows.append(
        f"| {name} | nightly `refresh_plan_alerts --all`: the alerts of every open plan of the city "
        f"| **{nightly:.1f} s** | | |"
    )
    s = info["summary"]
    rows.append(
        f"| {name} | half-year summary {s['period']}, all {info['plan_count']:,} plans, {info['items']:,} items, "
        f"{info['records']:,} records | **{s['seconds']:.2f} s** | | raw GROUP BY per item of the monthly totals "
        f"of the half-year (the summary's main query): {s['raw_months_seconds']:.2f} s ({s['raw_month_rows']:,} "
        f"items); of the records themselves: {s['raw_seconds']:.2f} s ({s['raw_rows']:,} items) |"
    )
    rows.append(f"| {name} | load average (1 / 5 / 15 min) at the end | {load_average()} | | |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", action="append", choices=["sqlite", "postgresql"])
    parser.add_argument("--plans", type=int, default=50000)
    parser.add_argument("--items", type=int, default=200000)
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=2)
    parser.add_argument(
        "--pg-url", help="a PostgreSQL database, kept: generated on the first run (token in var/bench), reused after"
    )
    parser.add_argument("--generate-only", action="store_true", help="build the city, measure nothing")
    args = parser.parse_args()
    VAR.mkdir(parents=True, exist_ok=True)
    rows = [
        f"{where()}; {args.plans:,} plans, {args.items:,} items, {args.records:,} records; gunicorn 2 workers; "
        f"wrk -t2 -c{args.connections} -d{args.seconds}s; load average at the start {load_average()}.",
        "",
        "| database | what | p50 / p95 ms | throughput | baseline in the same run (ms) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for db in args.db or ["sqlite", "postgresql"]:
        started = time.perf_counter()
        if db == "sqlite":
            env, token = prepare_sqlite(args)
            if not args.generate_only:
                rows += measure(db, env, token, args)
        else:
            with postgres_database(args.pg_url) as url:
                env = env_for(url)
                manage(env, "migrate", "--noinput", "-v", "0")
                # A kept database (--pg-url) remembers its provider token, so it is generated once.
                token_file = VAR / "plans-postgresql.token"
                if args.pg_url and token_file.exists():
                    token = token_file.read_text().strip()
                else:
                    token = generate(env, args)
                    if args.pg_url:
                        token_file.write_text(token)
                if not args.generate_only:
                    rows += measure(db, env, token, args)
        print(f"[{db}] done in {time.perf_counter() - started:.0f} s", flush=True)
        print("\n".join(rows[4:]), flush=True)  # each database's rows as soon as measured
    print("\n".join(rows))


if __name__ == "__main__":
    sys.exit(main())
