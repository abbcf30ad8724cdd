"""What every benchmark under ``bench/`` shares: the environment of a production-like server, gunicorn with 2
workers, wrk on loopback with the JSON reporter, snippets run inside Django, and a throwaway PostgreSQL cluster."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv" / "bin"
VAR = ROOT / "var" / "bench"
REPORT_LUA = Path(__file__).with_name("catalog") / "report.lua"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(database_url: str) -> dict[str, str]:
    """Production settings on the given database; no second factor (generated staff have none)."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="cus.settings",
        CUS_DEBUG="0",
        CUS_TESTING="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CUS_SSL_REDIRECT="false",
        CUS_REQUIRE_2FA="false",
        CUS_VAR_DIR=str(VAR),
        CUS_CONN_MAX_AGE="600",
        CUS_LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(VENV / "python"), "manage.py", *args], cwd=ROOT, env=env, check=True)


def in_process(env: dict[str, str], code: str) -> dict:
    """Run a snippet inside Django with the benchmark database; it prints one JSON object last."""
    out = subprocess.run(
        [str(VENV / "python"), "-c", "import django, json;django.setup()\n" + code],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    if out.returncode:
        raise RuntimeError(f"the snippet failed (exit {out.returncode}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def load_average() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def where() -> str:
    """The commit measured, and whether the working tree had changes."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return f"Working tree after {commit.strip()}" if dirty else f"Commit {commit.strip()}"


def wrk(
    url: str,
    seconds: int,
    connections: int,
    *,
    headers: dict[str, str] | None = None,
    paths: Path | None = None,
    script: Path = REPORT_LUA,
    extra_env: dict[str, str] | None = None,
) -> dict:
    """Load ``url`` (or the paths listed in a file) with wrk; p50/p95/p99 in ms, req/s, errors."""
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*command, "-s", str(script), url],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "WRK_PATHS": str(paths) if paths else "", **(extra_env or {})},
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@contextlib.contextmanager
def gunicorn(env: dict[str, str], workers: int = 2) -> Iterator[str]:
    """A server with production settings on a free loopback port; yields its base URL once /healthz answers."""
    port = free_port()
    server = subprocess.Popen(
        [
            str(VENV / "gunicorn"),
            "cus.wsgi:application",
            *("-w", str(workers), "-b", f"127.0.0.1:{port}", "--log-level", "warning"),
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=20)


@contextlib.contextmanager
def postgres_database(url: str | None = None) -> Iterator[str]:
    """The given PostgreSQL database (kept), or a throwaway cluster dropped at the end (needs root and Debian's
    postgresql packages)."""
    if url:
        yield url
        return
    version = sorted(os.listdir("/usr/lib/postgresql"), key=int)[-1]
    port = str(free_port())
    name = f"cusbench{os.getpid()}"
    subprocess.run(
        ["pg_createcluster", version, name, "-p", port, "--start", "--", "--auth-local=trust", "--auth-host=trust"],
        check=True,
        capture_output=True,
    )
    try:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-c", "CREATE DATABASE cusbench"],
            check=True,
            capture_output=True,
        )
        yield f"postgres://postgres@127.0.0.1:{port}/cusbench"
    finally:
        subprocess.run(["pg_dropcluster", version, name, "--stop"], check=False)
