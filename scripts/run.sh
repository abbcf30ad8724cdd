#!/usr/bin/env bash
# Serve the development system: the task worker in the background, the web server in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
export CUS_DEBUG="${CUS_DEBUG:-1}"
PY=.venv/bin/python
$PY manage.py db_worker --interval 1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
echo "Task worker started (pid $worker). Serving on http://127.0.0.1:8000 — press Ctrl+C to stop."
$PY manage.py runserver 127.0.0.1:8000
