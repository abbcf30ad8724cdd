"""Profile one endpoint in-process through the whole WSGI stack (every middleware), on the benchmark database.

    python bench/catalog/profile_endpoint.py detail|spread|page|hsds|portal [--n 200]
        [--profiler pyinstrument|cprofile|none]

Uses the same production settings as ``run.py`` (``CUS_DEBUG=0``) and the generated SQLite catalog unless
``DATABASE_URL`` is set. Prints the mean time per request (after warming up) and, with a profiler, where it goes.
pyinstrument is not a dependency of the project: install it into the venv temporarily to use it.
"""

from __future__ import annotations

import argparse
import importlib
import io
import os
import secrets
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'bench' / 'catalog.sqlite3'}")
os.environ.update(
    CUS_DEBUG="0",
    CUS_TESTING="0",
    SECRET_KEY=os.environ.get("SECRET_KEY") or secrets.token_urlsafe(60),
    ALLOWED_HOSTS="127.0.0.1,localhost",
    CUS_SSL_REDIRECT="false",
    CUS_VAR_DIR=str(ROOT / "var" / "bench"),
    CUS_CONN_MAX_AGE="600",
    CUS_LOG_LEVEL="WARNING",
    DJANGO_SETTINGS_MODULE="cus.settings",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("target", choices=["detail", "spread", "page", "hsds", "portal", "home", "meta", "healthz"])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--profiler", default="pyinstrument", choices=["pyinstrument", "cprofile", "none"])
    parser.add_argument("--query", default="uslugi opiekuncze")
    args = parser.parse_args()

    application = importlib.import_module("cus.wsgi").application  # sets Django up: after the environment

    from cus.catalog.models import Service  # noqa: PLC0415

    sid = Service.objects.published().values_list("id", flat=True).first()
    q = args.query.replace(" ", "+")
    path, query = {
        "detail": (f"/api/hsds/services/{sid}", ""),
        "spread": (f"/api/hsds/services/{sid}", ""),
        "page": (f"/uslugi/{sid}/", ""),
        "hsds": ("/api/hsds/services", f"search={q}"),
        "portal": ("/uslugi/szukaj/", f"q={q}"),
        "home": ("/uslugi/", ""),
        "meta": ("/api/hsds/", ""),
        "healthz": ("/healthz", ""),
    }[args.target]

    spread = [str(pk) for pk in Service.objects.published().order_by("?").values_list("id", flat=True)[:2000]]
    counter = iter(range(10**9))

    def call() -> int:
        nonlocal path
        if args.target == "spread":  # a different service each time: the uncached path
            path = f"/api/hsds/services/{spread[next(counter) % len(spread)]}"
        elif args.target == "page":  # the portal's page of a different service each time
            path = f"/uslugi/{spread[next(counter) % len(spread)]}/"
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "HTTP_HOST": "127.0.0.1",
            "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(b""),
            "wsgi.errors": sys.stderr,
            "SERVER_PROTOCOL": "HTTP/1.1",
        }
        status = []
        body = application(environ, lambda s, h, exc_info=None: status.append(s))
        size = sum(len(chunk) for chunk in body)
        if hasattr(body, "close"):
            body.close()
        assert status[0].startswith("200"), status
        return size

    for _ in range(20):
        size = call()
    start, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.n):
        call()
    plain = (time.perf_counter() - start) / args.n * 1000
    cpu_ms = (time.process_time() - cpu) / args.n * 1000
    print(
        f"{args.target}: {plain:.2f} ms per request, CPU {cpu_ms:.2f} ms ({size} bytes), load {os.getloadavg()[0]:.2f}"
    )
    if args.profiler == "pyinstrument":
        from pyinstrument import Profiler  # noqa: PLC0415

        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(args.n):
            call()
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=bool(os.environ.get("SHOW_ALL"))))
    elif args.profiler == "cprofile":
        import cProfile  # noqa: PLC0415
        import pstats  # noqa: PLC0415

        profile = cProfile.Profile()
        profile.enable()
        for _ in range(args.n):
            call()
        profile.disable()
        pstats.Stats(profile).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            int(os.environ.get("TOP", "45"))
        )


if __name__ == "__main__":
    main()
