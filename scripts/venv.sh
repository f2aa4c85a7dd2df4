#!/usr/bin/env bash
# Create .venv and install Netkeep (with extras given as $1, e.g. "test").
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
stamp=".venv/.installed-${1:-base}"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  if [ -n "${1:-}" ]; then .venv/bin/pip install -q -e ".[$1]"; else .venv/bin/pip install -q -e .; fi
  touch "$stamp"
fi
