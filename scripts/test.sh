#!/usr/bin/env bash
# `make test`: install what the tests need, then run every layer against SQLite and PostgreSQL.
# Under CI=true a layer that cannot run is a failure, never a skip.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CI=${CI:-false}
export CUS_DEBUG=0 PYTHONDONTWRITEBYTECODE=1

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "ERROR: $*" >&2; exit 1; }

# 1. System packages (Debian): PostgreSQL with the Polish dictionary, Chromium for the browser tests, gettext.
need=()
command -v pg_createcluster >/dev/null || need+=(postgresql postgresql-contrib)
[ -f /usr/share/hunspell/pl_PL.dic ] || need+=(hunspell-pl)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
command -v msgfmt >/dev/null || need+=(gettext)
[ -d /usr/share/fonts/truetype/dejavu ] || need+=(fonts-dejavu-core)
# WeasyPrint renders the PDF letters and plans with Pango; pdftotext reads them back in the tests.
ldconfig -p | grep -q libpangoft2-1.0.so.0 || need+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v pdftotext >/dev/null || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    step "Installing Debian packages: ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${need[@]}" >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q "${need[@]}" >/dev/null; }
  else
    fail "missing Debian packages (${need[*]}); run as root or install them"
  fi
fi

# 2. Python packages.
step "Python environment"
make -s install-dev
PY=$ROOT/.venv/bin/python
mkdir -p var/static

# 3. Static checks.
step "ruff (lint and format)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
step "mypy"
.venv/bin/mypy
step "translations"
CUS_TESTING=1 $PY manage.py compilemessages --ignore='.venv/*' -v 0
step "migrations are complete"
CUS_TESTING=1 $PY manage.py makemigrations --check --dry-run
step "production settings pass 'check --deploy'"
SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(60))') ALLOWED_HOSTS=cus.example.gov.pl \
  DATABASE_URL=sqlite:///$ROOT/var/deploy-check.sqlite3 CUS_DEBUG=0 \
  $PY manage.py check --deploy --fail-level WARNING

# 4. A throwaway PostgreSQL cluster on a free port, dropped on exit.
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
CLUSTER="cus_test_$$"
PGVER=$(ls /usr/lib/postgresql | sort -n | tail -1)
cleanup() { pg_dropcluster "$PGVER" "$CLUSTER" --stop >/dev/null 2>&1 || true; }
trap cleanup EXIT
step "PostgreSQL $PGVER cluster $CLUSTER on port $PGPORT"
if [ "$(id -u)" = 0 ]; then
  pg_createcluster "$PGVER" "$CLUSTER" -p "$PGPORT" --start -- --auth-local=trust --auth-host=trust >/dev/null
else
  fail "creating a PostgreSQL cluster needs root (pg_createcluster)"
fi
PG_URL="postgres://postgres@127.0.0.1:$PGPORT/postgres"

# 5. The whole suite on both databases at once (one core each); each run's output goes to its own log under
#    var/test-logs/ (pytest-playwright empties test-results/ when a session starts), shown when it ends.
#    Screenshots go to test-results/screenshots/<database>/.
export CUS_REQUIRE_BROWSER=1 CUS_REQUIRE_SCHEMATHESIS=1
step "pytest on SQLite and on PostgreSQL, in parallel (browser and schema tests included)"
LOGS=var/test-logs
mkdir -p "$LOGS"
env -u DATABASE_URL CUS_SCREENSHOT_DIR="$ROOT/test-results/screenshots/sqlite" \
  .venv/bin/pytest -q -p no:cacheprovider "$@" >"$LOGS/pytest-sqlite.log" 2>&1 &
sqlite_pid=$!
DATABASE_URL="$PG_URL" CUS_SCREENSHOT_DIR="$ROOT/test-results/screenshots/postgresql" \
  .venv/bin/pytest -q -p no:cacheprovider "$@" >"$LOGS/pytest-postgresql.log" 2>&1 &
postgresql_pid=$!
sqlite_rc=0; postgresql_rc=0
wait "$sqlite_pid" || sqlite_rc=$?
wait "$postgresql_pid" || postgresql_rc=$?
for db in sqlite postgresql; do
  step "pytest on $db"
  if [ "$db" = sqlite ]; then rc=$sqlite_rc; else rc=$postgresql_rc; fi
  if [ "$rc" = 0 ]; then
    grep -v '^\(WARNING\|INFO\) ' "$LOGS/pytest-$db.log" | tail -n 6 || true
  else
    grep -v '^\(WARNING\|INFO\) ' "$LOGS/pytest-$db.log" | tail -n 400 || true
  fi
done
[ "$sqlite_rc" = 0 ] || fail "pytest failed on SQLite (exit $sqlite_rc); full output in $LOGS/pytest-sqlite.log"
[ "$postgresql_rc" = 0 ] || fail "pytest failed on PostgreSQL (exit $postgresql_rc); full output in $LOGS/pytest-postgresql.log"
step "all test layers passed on SQLite and PostgreSQL"
